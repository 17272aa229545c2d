import { useState } from "react";
import { api, toBridgeError } from "../../platform";
import type { ConnectionView, SandboxInfo, System } from "../../platform";

type Props = {
  sandbox: SandboxInfo | null;
  connections: ConnectionView[];
  busy: string | null;
  onStart: () => void;
  onConnect: (system: System) => void;
};

const STEPS: { system: System; title: string; how: string }[] = [
  {
    system: "ghl",
    title: "GHL",
    how: "by OAuth: approve Contact Bridge on the sandbox's sign-in page, as you would in GHL.",
  },
  { system: "novi", title: "Novi AMS", how: "by API key (the sandbox's key is used for you)." },
  { system: "ninox", title: "Ninox", how: "by API key, team, database and table (filled in for you)." },
  {
    system: "connectif",
    title: "Connectif",
    how: "by API key (keyId:keySecret), with GHL's tags going to its ghl-tags checkbox field.",
  },
  {
    system: "niftyimages",
    title: "NiftyImages",
    how: "by a Custom Data Store's API key; contacts become its rows.",
  },
  {
    system: "nifty",
    title: "Nifty",
    how: "by OAuth: approve Contact Bridge on the sandbox's consent page; its project's tasks sync with GHL.",
  },
];

/** Whether a connection of `system` points at the running sandbox (each fake has its own port). */
export function sandboxConnected(
  sandbox: SandboxInfo,
  connections: ConnectionView[],
  system: System,
): boolean {
  const base = sandboxOrigin(sandbox, system);
  return base !== null && connections.some((c) => c.system === system && origin(c.baseUrl) === base);
}

function origin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function sandboxOrigin(sandbox: SandboxInfo, system: System): string | null {
  const bases: Record<System, string> = {
    ghl: sandbox.ghlBaseUrl,
    novi: sandbox.noviBaseUrl,
    ninox: sandbox.ninoxBaseUrl,
    connectif: sandbox.connectifBaseUrl,
    niftyimages: sandbox.niftyimagesBaseUrl,
    nifty: sandbox.niftyBaseUrl,
  };
  return origin(bases[system]);
}

/** First launch: start the fakes in the app, then connect them one by one. */
export function SandboxCard({ sandbox, connections, busy, onStart, onConnect }: Props) {
  if (!sandbox) {
    return (
      <section className="card sandbox-card" aria-labelledby="sandbox-heading">
        <h2 id="sandbox-heading" className="card-title">
          Nothing connected yet
        </h2>
        <p>
          Try every feature offline first: the sandbox runs local copies of GoHighLevel (GHL), Novi AMS,
          Ninox, Connectif, NiftyImages and Nifty inside this app, filled with realistic people who
          overlap between the apps.
        </p>
        <div className="actions">
          <button
            type="button"
            className="button primary"
            data-testid="try-sandbox"
            disabled={busy !== null}
            onClick={onStart}
          >
            {busy === "sandbox" ? "Starting the sandbox…" : "Try the sandbox"}
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="card sandbox-card" aria-labelledby="sandbox-heading" data-testid="sandbox-steps">
      <h2 id="sandbox-heading" className="card-title">
        Sandbox running
      </h2>
      <p className="muted">
        {sandbox.contacts} contacts in the sandbox GHL location at <code>{sandbox.ghlBaseUrl}</code>.
        Connect each app:
      </p>
      <ol className="steps">
        {STEPS.map((step) => {
          const done = sandboxConnected(sandbox, connections, step.system);
          return (
            <li key={step.system} className={done ? "step done" : "step"}>
              <span>
                <strong>{step.title}</strong> {step.how}
              </span>
              {done ? (
                <span className="badge ok" data-testid={`sandbox-${step.system}-done`}>
                  Connected
                </span>
              ) : (
                <button
                  type="button"
                  className="button"
                  data-testid={`sandbox-connect-${step.system}`}
                  disabled={busy !== null}
                  onClick={() => onConnect(step.system)}
                >
                  {busy === step.system ? "Connecting…" : `Connect ${step.title}`}
                </button>
              )}
            </li>
          );
        })}
      </ol>
      {sandboxConnected(sandbox, connections, "connectif") ? <SandboxControls /> : null}
    </section>
  );
}

/**
 * Takes a prerequisite away from a sandbox connection (a scope off the Connectif key, as
 * editing the key in Connectif does), so Test can be seen naming what is missing.
 */
function SandboxControls() {
  const [revoked, setRevoked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const change = (granted: boolean) => {
    setError(null);
    api
      .sandboxConnectifScope("exports", granted)
      .then(() => setRevoked(!granted))
      .catch((e: unknown) => setError(toBridgeError(e).message));
  };
  return (
    <div className="sandbox-controls">
      <p className="muted">
        Try a broken connection: take the Exports scope off the sandbox Connectif key, then press Test on the
        Connectif card.
      </p>
      <button
        type="button"
        className="button"
        data-testid={revoked ? "sandbox-grant-exports" : "sandbox-revoke-exports"}
        onClick={() => change(revoked)}
      >
        {revoked ? "Give the Exports scope back" : "Take the Exports scope away"}
      </button>
      {error ? <p className="inline-problem">{error}</p> : null}
    </div>
  );
}
