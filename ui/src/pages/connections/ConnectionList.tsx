import type { ConnectionView } from "../../platform";

function budget(c: ConnectionView): string {
  if (c.dailyBudget === null || c.dailyBudgetLeft === null) return "not published by the app";
  return `${c.dailyBudgetLeft.toLocaleString("en-US")} of ${c.dailyBudget.toLocaleString("en-US")} requests today`;
}

function lastSync(c: ConnectionView): string {
  if (!c.lastSyncAt) return "never";
  return `${new Date(c.lastSyncAt).toLocaleString()} (${c.lastSyncStatus ?? "unknown"})`;
}

type Props = {
  connections: ConnectionView[];
  onReconnect: (connection: ConnectionView) => void;
};

/** Every connection with its status, scopes, last sync and rate budget. */
export function ConnectionList({ connections, onReconnect }: Props) {
  return (
    <ul className="connection-list" data-testid="connection-list">
      {connections.map((c) => (
        <li key={c.id} className="card connection" data-testid={`connection-${c.system}`}>
          <div className="connection-head">
            <h2 className="card-title">
              {c.name} <span className="muted">{c.systemName}</span>
            </h2>
            <span
              className={c.needsReconnect ? "badge danger" : "badge ok"}
              data-testid={`connection-${c.system}-status`}
            >
              {c.needsReconnect ? "Sign-in expired" : c.status}
            </span>
            {c.needsReconnect ? (
              <button type="button" className="button" onClick={() => onReconnect(c)}>
                Reconnect
              </button>
            ) : null}
          </div>
          <dl className="info-list compact">
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
              <dd>{c.authKind.replace("_", " ")}</dd>
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
        </li>
      ))}
    </ul>
  );
}
