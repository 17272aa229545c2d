import { cannotHold, capabilityParts } from "../../logic/capabilityModel";
import { systemName } from "../../logic/timelineModel";
import type { CheckView, ConnectionView } from "../../platform";
import { ConnectionManage } from "./ConnectionManage";
import { ConnectionTest } from "./ConnectionTest";
import { LocationSelect } from "./LocationSelect";

function budget(c: ConnectionView): string {
  if (c.dailyBudget === null || c.dailyBudgetLeft === null) return "not published by the app";
  return `${c.dailyBudgetLeft.toLocaleString("en-US")} of ${c.dailyBudget.toLocaleString("en-US")} requests today`;
}

function lastSync(c: ConnectionView): string {
  if (!c.lastSyncAt) return "never";
  return `${new Date(c.lastSyncAt).toLocaleString()} (${c.lastSyncStatus ?? "unknown"})`;
}

/** What syncs which way (each part's reason as its tooltip), and what the app cannot hold. */
function Capabilities({ c }: { c: ConnectionView }) {
  const parts = capabilityParts(c.capabilities, c.systemName);
  const missing = cannotHold(c.capabilities);
  return (
    <>
      <div className="info-row">
        <dt>Syncs</dt>
        <dd className="capability-line" data-testid={`connection-${c.system}-capabilities`}>
          {parts.map((part, i) => (
            <span key={part.text}>
              {i > 0 ? " · " : null}
              <span className={`capability ${part.flow}`} title={part.title}>
                {part.text}
              </span>
            </span>
          ))}
        </dd>
      </div>
      {missing.length > 0 ? (
        <div className="info-row">
          <dt>Cannot hold</dt>
          <dd className="muted small-text" data-testid={`connection-${c.system}-cannot-hold`}>
            {missing.map((m) => `${m.object}: ${m.note}`).join("; ")}
          </dd>
        </div>
      ) : null}
    </>
  );
}

type Props = {
  connections: ConnectionView[];
  /** After a rename, reconnect or removal. */
  onChanged: () => void;
  /** Runs one connection's checks. */
  test: (connectionId: string) => Promise<CheckView[]>;
};

/** Every connection with what syncs which way, its status, scopes, last sync, rate budget and Test. */
export function ConnectionList({ connections, onChanged, test }: Props) {
  return (
    <>
      <p className="muted small-text capability-legend" data-testid="capability-legend">
        Syncs: ↔ both ways · → from GHL into the app · ← from the app into GHL · ✕ the app&apos;s
        API cannot hold it. Point at a part to read how.
      </p>
      <ul className="connection-list" data-testid="connection-list">
        {connections.map((c) => (
          <li key={c.id} className="card connection" data-testid={`connection-${c.system}`}>
            <div className="connection-head">
              <h2 className="card-title">
                {c.name} <span className="muted">{systemName(c.system)}</span>
              </h2>
              <span
                className={c.needsReconnect ? "badge danger" : "badge ok"}
                data-testid={`connection-${c.system}-status`}
              >
                {c.needsReconnect ? "Sign-in expired: reconnect" : "Connected"}
              </span>
            </div>
            <dl className="info-list compact">
              <Capabilities c={c} />
              {c.system === "ghl" ? null : <LocationSelect connection={c} />}
              <div className="info-row">
                <dt>Account</dt>
                <dd>{c.accountId}</dd>
              </div>
              <div className="info-row">
                <dt>Address</dt>
                <dd className="path">{c.baseUrl}</dd>
              </div>
              <div className="info-row">
                <dt>Signed in by</dt>
                <dd>{c.signedInBy}</dd>
              </div>
              {c.scopes.length > 0 ? (
                <div className="info-row">
                  <dt>Scopes</dt>
                  <dd>{c.scopes.join(", ")}</dd>
                </div>
              ) : null}
              <div className="info-row">
                <dt>Last sync</dt>
                <dd>{lastSync(c)}</dd>
              </div>
              <div className="info-row">
                <dt>Rate budget left</dt>
                <dd>{budget(c)}</dd>
              </div>
            </dl>
            <ConnectionTest connection={c} test={test} />
            <ConnectionManage connection={c} onChanged={onChanged} />
          </li>
        ))}
      </ul>
    </>
  );
}
