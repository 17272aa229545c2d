import { useCallback, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { Loading } from "../components/Loading";
import { PageHeader } from "../components/PageHeader";
import { VirtualTable } from "../components/VirtualTable";
import { useLoad } from "../hooks/useLoad";
import { api } from "../platform";

const LEVELS = ["ERROR", "WARN", "INFO", "DEBUG"];

export function LogsPage() {
  const [minLevel, setMinLevel] = useState<string>("INFO");
  const [connection, setConnection] = useState<string>("");
  const loadConnections = useCallback(() => api.listConnections(), []);
  const [connections] = useLoad(loadConnections);
  const loadLines = useCallback(
    () => api.readLogs({ minLevel, connection: connection === "" ? null : connection }),
    [minLevel, connection],
  );
  const [lines, reload] = useLoad(loadLines);

  return (
    <>
      <PageHeader title="Logs">What the app has been doing, for troubleshooting.</PageHeader>
      <div className="toolbar">
        <label className="field inline">
          <span>At least</span>
          <select data-testid="log-level" value={minLevel} onChange={(e) => setMinLevel(e.target.value)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Connection</span>
          <select data-testid="log-connection" value={connection} onChange={(e) => setConnection(e.target.value)}>
            <option value="">every connection</option>
            {connections.status === "ready"
              ? connections.data.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))
              : null}
          </select>
        </label>
        <button type="button" className="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {lines.status === "loading" ? <Loading>Reading the log…</Loading> : null}
      {lines.status === "failed" ? <ErrorBox title="The log could not be read." error={lines.error} /> : null}
      {lines.status === "ready" ? (
        lines.data.length === 0 ? (
          <section className="card muted">No log lines match.</section>
        ) : (
          <section className="card">
            <VirtualTable
              rows={lines.data.slice().reverse()}
              rowKey={(line, i) => `${line.timestamp}-${i}`}
              label="Log lines, newest first"
              className="table compact logs"
              testId="log-lines"
              rowClassName={(line) => `level-${line.level.toLowerCase()}`}
              head={
                <>
                  <th>Time</th>
                  <th>Level</th>
                  <th>Message</th>
                  <th>Details</th>
                </>
              }
              cells={(line) => (
                <>
                  <td className="nowrap">{new Date(line.timestamp).toLocaleTimeString()}</td>
                  <td>{line.level}</td>
                  <td>{line.message}</td>
                  <td className="muted">{line.fields}</td>
                </>
              )}
            />
          </section>
        )
      ) : null}
    </>
  );
}
