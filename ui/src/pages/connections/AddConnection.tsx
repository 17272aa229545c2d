import { useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { Tabs } from "../../components/Tabs";

export type AddRequest =
  | { kind: "ghl-token"; name: string; locationId: string; token: string; baseUrl: string }
  | { kind: "ghl-oauth"; name: string; clientId: string; clientSecret: string; baseUrl: string; authUrl: string }
  | { kind: "novi"; name: string; baseUrl: string; apiKey: string; ratePerSecond: string }
  | {
      kind: "ninox";
      name: string;
      baseUrl: string;
      apiKey: string;
      team: string;
      database: string;
      table: string;
    }
  | { kind: "connectif"; name: string; baseUrl: string; apiKey: string; tagsField: string }
  | { kind: "niftyimages"; name: string; baseUrl: string; apiKey: string }
  | {
      kind: "nifty-oauth";
      name: string;
      clientId: string;
      clientSecret: string;
      projectId: string;
      taskGroupId: string;
      baseUrl: string;
      redirectPort: string;
    };

type Kind = AddRequest["kind"];

const TABS: { key: Kind; label: string }[] = [
  { key: "ghl-token", label: "GHL (Private Integration Token)" },
  { key: "ghl-oauth", label: "GHL (your Marketplace app)" },
  { key: "novi", label: "Novi AMS" },
  { key: "ninox", label: "Ninox" },
  { key: "connectif", label: "Connectif" },
  { key: "niftyimages", label: "NiftyImages" },
  { key: "nifty-oauth", label: "Nifty (OAuth)" },
];

/** The scopes the sync needs, as GoHighLevel's Private Integrations page lists them. */
const PIT_SCOPES = [
  "contacts.readonly",
  "contacts.write",
  "locations/customFields.readonly",
  "locations/tasks.readonly",
  "calendars.readonly",
  "calendars/events.readonly",
  "calendars/events.write",
];

/** The kinds whose button starts a browser sign-in. */
export const SIGN_IN_KINDS: readonly string[] = ["ghl-oauth", "nifty-oauth"];

type Props = { busy: boolean; onSubmit: (request: AddRequest) => void };

function Field(props: {
  label: string;
  name: string;
  type?: string;
  placeholder?: string;
  required?: boolean;
  children?: ReactNode;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? "text"}
        placeholder={props.placeholder}
        required={props.required ?? false}
        autoComplete="off"
        data-testid={`field-${props.name}`}
      />
    </label>
  );
}

function read(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** Forms for real accounts. Secrets typed here go to the Rust side, then the OS keychain. */
export function AddConnection({ busy, onSubmit }: Props) {
  const [kind, setKind] = useState<Kind>("ghl-token");

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const r = (name: string) => read(form, name);
    switch (kind) {
      case "ghl-token":
        onSubmit({ kind, name: r("name"), locationId: r("locationId"), token: r("token"), baseUrl: r("baseUrl") });
        break;
      case "ghl-oauth":
        onSubmit({
          kind,
          name: r("name"),
          clientId: r("clientId"),
          clientSecret: r("clientSecret"),
          baseUrl: r("baseUrl"),
          authUrl: r("authUrl"),
        });
        break;
      case "novi":
        onSubmit({ kind, name: r("name"), baseUrl: r("baseUrl"), apiKey: r("apiKey"), ratePerSecond: r("ratePerSecond") });
        break;
      case "ninox":
        onSubmit({
          kind,
          name: r("name"),
          baseUrl: r("baseUrl"),
          apiKey: r("apiKey"),
          team: r("team"),
          database: r("database"),
          table: r("table"),
        });
        break;
      case "connectif":
        onSubmit({ kind, name: r("name"), baseUrl: r("baseUrl"), apiKey: r("apiKey"), tagsField: r("tagsField") });
        break;
      case "niftyimages":
        onSubmit({ kind, name: r("name"), baseUrl: r("baseUrl"), apiKey: r("apiKey") });
        break;
      case "nifty-oauth":
        onSubmit({
          kind,
          name: r("name"),
          clientId: r("clientId"),
          clientSecret: r("clientSecret"),
          projectId: r("projectId"),
          taskGroupId: r("taskGroupId"),
          baseUrl: r("baseUrl"),
          redirectPort: r("redirectPort"),
        });
        break;
    }
  }

  return (
    <section className="card" aria-labelledby="add-heading">
      <h2 id="add-heading" className="card-title">
        Add a connection
      </h2>
      <Tabs id="add-connection" label="Kind of connection" tabs={TABS} selected={kind} onSelect={setKind}>
        <form key={kind} className="form" onSubmit={submit}>
          {kind === "ghl-oauth" ? (
            <>
              <p className="muted">
                Your GHL Marketplace app&apos;s client id and secret. Contact Bridge opens the sign-in page
                in your browser and listens on 127.0.0.1 for the answer.
              </p>
              <Field label="Client id" name="clientId" required />
              <Field label="Client secret" name="clientSecret" type="password" required />
              <Field label="API host (white-label)" name="baseUrl" placeholder="https://services.leadconnectorhq.com" />
              <Field label="Sign-in host" name="authUrl" placeholder="https://marketplace.gohighlevel.com" />
            </>
          ) : null}
          {kind === "ghl-token" ? (
            <>
              <p>The simplest way in: a token you make in the sub-account, no Marketplace app needed.</p>
              <ol className="steps-plain" data-testid="pit-steps">
                <li>
                  In GoHighLevel (GHL), open the sub-account, then <strong>Settings → Private Integrations</strong>{" "}
                  and choose <strong>Create new Integration</strong>.
                </li>
                <li>
                  Name it (for example &ldquo;Contact Bridge&rdquo;) and tick these scopes:{" "}
                  {PIT_SCOPES.map((scope, i) => (
                    <span key={scope}>
                      {i > 0 ? ", " : null}
                      <code>{scope}</code>
                    </span>
                  ))}
                  .
                </li>
                <li>Create it and copy the token it shows (it is shown once; GHL can rotate it later).</li>
                <li>
                  Copy the location id from the sub-account&apos;s address in your browser:{" "}
                  <code>…/location/<strong>location id</strong>/…</code>
                </li>
              </ol>
              <Field label="Location id" name="locationId" required />
              <Field label="Private Integration Token" name="token" type="password" required />
              <Field label="API host (white-label)" name="baseUrl" placeholder="https://services.leadconnectorhq.com" />
            </>
          ) : null}
          {kind === "novi" ? (
            <>
              <Field label="API root" name="baseUrl" placeholder="https://your-association.org/api" required />
              <Field label="API key" name="apiKey" type="password" required />
              <Field label="Requests per second" name="ratePerSecond" placeholder="10" />
            </>
          ) : null}
          {kind === "ninox" ? (
            <>
              <Field label="API address" name="baseUrl" placeholder="https://api.ninox.com/v1" required />
              <Field label="API key" name="apiKey" type="password" required />
              <Field label="Team id" name="team" required />
              <Field label="Database id" name="database" required />
              <Field label="Table id" name="table" required />
            </>
          ) : null}
          {kind === "connectif" ? (
            <>
              <p className="muted">
                An API key from Connectif&apos;s Settings → API keys, with contacts read and write and
                custom events write.
              </p>
              <Field label="API key (keyId:keySecret)" name="apiKey" type="password" required />
              <Field label="API host" name="baseUrl" placeholder="https://api.connectif.cloud" />
              <Field label="Tags checkbox field id" name="tagsField" placeholder="ghl-tags (tags stay out if empty)" />
            </>
          ) : null}
          {kind === "niftyimages" ? (
            <>
              <p className="muted">
                The API key of a Custom Data Store with a unique field (e.g. email): contacts are
                written as its rows.
              </p>
              <Field label="Data store API key" name="apiKey" type="password" required />
              <Field label="API root" name="baseUrl" placeholder="https://api.niftyimages.com/v1" />
            </>
          ) : null}
          {kind === "nifty-oauth" ? (
            <>
              <p className="muted">
                Your Nifty app&apos;s client id and secret. Contact Bridge opens Nifty&apos;s consent
                page in your browser and listens on 127.0.0.1 for the answer; the project&apos;s tasks
                then sync with GHL.
              </p>
              <Field label="Client id" name="clientId" required />
              <Field label="Client secret" name="clientSecret" type="password" required />
              <Field label="Project id" name="projectId" required />
              <Field label="Task group id (optional)" name="taskGroupId" placeholder="the project's first group" />
              <Field label="API root" name="baseUrl" placeholder="https://openapi.niftypm.com/api/v1.0" />
              <Field label="Redirect port (optional)" name="redirectPort" placeholder="53683" />
              <p className="muted">
                Nifty accepts only the redirect URLs registered in your Nifty app: register
                http://127.0.0.1:PORT/callback there (53683 unless you choose another port here).
              </p>
            </>
          ) : null}
          <Field label="Name (optional)" name="name" />
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy}>
              {kind === "ghl-oauth"
                ? "Sign in with GHL"
                : kind === "nifty-oauth"
                  ? "Sign in with Nifty"
                  : "Connect"}
            </button>
          </div>
        </form>
      </Tabs>
    </section>
  );
}
