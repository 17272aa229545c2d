import { useCallback, useEffect, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { PageHeader } from "../components/PageHeader";
import { useAction } from "../hooks/useAction";
import { useLoad } from "../hooks/useLoad";
import { api, onOauthLink } from "../platform";
import type { ConnectionView, OauthLink, System } from "../platform";
import { AddConnection, SIGN_IN_KINDS } from "./connections/AddConnection";
import type { AddRequest } from "./connections/AddConnection";
import { ConnectionList } from "./connections/ConnectionList";
import { LeaveSandbox } from "./connections/LeaveSandbox";
import { SandboxCard } from "./connections/SandboxCard";
import { Loading } from "../components/Loading";

const blank = (text: string) => (text === "" ? null : text);

function add(request: AddRequest): Promise<ConnectionView> {
  switch (request.kind) {
    case "ghl-token":
      return api.connectGhlToken({
        name: blank(request.name),
        locationId: request.locationId,
        token: request.token,
        baseUrl: blank(request.baseUrl),
      });
    case "ghl-oauth":
      return api.connectGhlOauth({
        name: blank(request.name),
        clientId: request.clientId,
        clientSecret: request.clientSecret,
        baseUrl: blank(request.baseUrl),
        authUrl: blank(request.authUrl),
      });
    case "novi":
      return api.connectNovi({
        name: blank(request.name),
        baseUrl: request.baseUrl,
        apiKey: request.apiKey,
        ratePerSecond: request.ratePerSecond === "" ? null : Number(request.ratePerSecond),
      });
    case "ninox":
      return api.connectNinox({
        name: blank(request.name),
        apiKey: request.apiKey,
        api: "v3",
        baseUrl: request.baseUrl,
        team: request.team,
        database: request.database,
        table: request.table,
      });
    case "connectif":
      return api.connectConnectif({
        name: blank(request.name),
        apiKey: request.apiKey,
        baseUrl: blank(request.baseUrl),
        tagsField: blank(request.tagsField),
      });
    case "niftyimages":
      return api.connectNiftyimages({
        name: blank(request.name),
        apiKey: request.apiKey,
        baseUrl: blank(request.baseUrl),
      });
    case "nifty-oauth":
      return api.connectNiftyOauth({
        name: blank(request.name),
        clientId: request.clientId,
        clientSecret: request.clientSecret,
        projectId: request.projectId,
        taskGroupId: blank(request.taskGroupId),
        baseUrl: blank(request.baseUrl),
        authUrl: null,
        tokenUrl: null,
        redirectPort: request.redirectPort.trim() === "" ? null : Number(request.redirectPort),
      });
  }
}

const SANDBOX_CONNECT: Partial<Record<System, () => Promise<ConnectionView>>> = {
  ghl: () => api.connectSandboxGhl(),
  novi: () => api.connectSandboxNovi(),
  ninox: () => api.connectSandboxNinox(),
  connectif: () => api.connectSandboxConnectif(),
  niftyimages: () => api.connectSandboxNiftyimages(),
  nifty: () => api.connectSandboxNifty(),
};

/** The sandbox steps that sign in through a browser page. */
const SANDBOX_SIGN_IN: readonly (string | null)[] = ["ghl", "nifty"];

/** Shown while a browser sign-in waits: the link, in case no browser opened. */
function OauthWaiting({ link }: { link: OauthLink | null }) {
  return (
    <section className="card oauth-waiting" role="status" data-testid="oauth-waiting">
      <h2 className="card-title">Waiting for you to approve Contact Bridge in your browser…</h2>
      {link ? (
        <>
          {link.browserError ? (
            <p className="muted" data-testid="oauth-browser-error">
              {link.browserError}
            </p>
          ) : null}
          <p>If your browser didn&apos;t open, open this link:</p>
          <p>
            <code className="selectable" data-testid="oauth-link">
              {link.url}
            </code>
          </p>
          <button
            type="button"
            className="button"
            onClick={() => void navigator.clipboard?.writeText(link.url)}
          >
            Copy link
          </button>
        </>
      ) : (
        <p className="muted">Preparing the sign-in page…</p>
      )}
    </section>
  );
}

export function ConnectionsPage() {
  const load = useCallback(
    () => Promise.all([api.listConnections(), api.sandboxStatus()]),
    [],
  );
  const [state, reload] = useLoad(load);
  const { busy, error, run } = useAction();
  const [link, setLink] = useState<OauthLink | null>(null);

  useEffect(() => onOauthLink(setLink), []);

  const connectSandbox = (system: System) =>
    void run(system, async () => {
      setLink(null);
      const connect = SANDBOX_CONNECT[system];
      if (connect) await connect();
      reload();
    });

  const waitingForBrowser = SANDBOX_SIGN_IN.includes(busy) || SIGN_IN_KINDS.includes(busy ?? "");

  return (
    <>
      <PageHeader title="Connections">
        The accounts Contact Bridge reads contacts from and writes them to.
      </PageHeader>
      {error ? <ErrorBox title="That did not work." error={error} /> : null}
      {waitingForBrowser ? <OauthWaiting link={link} /> : null}
      {state.status === "loading" ? (
        <Loading>Loading connections…</Loading>
      ) : null}
      {state.status === "failed" ? (
        <ErrorBox title="The connections could not be read." error={state.error} />
      ) : null}
      {state.status === "ready" ? (
        <>
          {state.data[0].length === 0 || state.data[1] ? (
            <SandboxCard
              sandbox={state.data[1]}
              connections={state.data[0]}
              busy={busy}
              onStart={() =>
                void run("sandbox", async () => {
                  await api.startSandbox();
                  reload();
                })
              }
              onConnect={connectSandbox}
            />
          ) : null}
          {state.data[0].length > 0 ? (
            <ConnectionList
              connections={state.data[0]}
              test={(id) => api.testConnection(id)}
              onChanged={reload}
            />
          ) : null}
          <LeaveSandbox connections={state.data[0]} onLeft={reload} />
          <AddConnection
            busy={busy !== null}
            onSubmit={(request) =>
              void run(request.kind, async () => {
                setLink(null);
                await add(request);
                reload();
              })
            }
          />
        </>
      ) : null}
    </>
  );
}
