import { useCallback, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { Loading } from "../components/Loading";
import { PageHeader } from "../components/PageHeader";
import { VirtualTable } from "../components/VirtualTable";
import { useLoad } from "../hooks/useLoad";
import { diagnostics, searchLines, when } from "../logic/logModel";
import { api, toBridgeError } from "../platform";
import type { BridgeError } from "../platform";

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
  const [query, setQuery] = useState("");
  const [said, setSaid] = useState<string | null>(null);
  const [failed, setFailed] = useState<BridgeError | null>(null);
  const shown = lines.status === "ready" ? searchLines(lines.data, query).slice().reverse() : [];
  const copy = async () => {
    setFailed(null);
    try {
      const info = await api.appInfo().catch(() => null);
      await navigator.clipboard.writeText(diagnostics(info, shown.slice().reverse()));
      setSaid(`Copied the version, the folders and ${shown.length} lines.`);
    } catch (e) {
      setFailed(toBridgeError(e));
    }
  };

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
        <label className="field inline">
          <span>Search</span>
          <input
            type="search"
            className="search"
            value={query}
            placeholder="Words in the message"
            data-testid="log-search"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <button type="button" className="button" onClick={reload}>
          Refresh
        </button>
        <button type="button" className="button" data-testid="log-copy" onClick={() => void copy()}>
          Copy diagnostics
        </button>
        <button
          type="button"
          className="button"
          data-testid="log-open-folder"
          onClick={() => void api.openFolder("logs").catch((e: unknown) => setFailed(toBridgeError(e)))}
        >
          Open log folder
        </button>
      </div>
      {said ? (
        <p className="notice" role="status">
          {said}
        </p>
      ) : null}
      {failed ? <ErrorBox title="That did not work." error={failed} /> : null}
      {lines.status === "loading" ? <Loading>Reading the log…</Loading> : null}
      {lines.status === "failed" ? <ErrorBox title="The log could not be read." error={lines.error} /> : null}
      {lines.status === "ready" ? (
        shown.length === 0 ? (
          <section className="card muted">No log lines match.</section>
        ) : (
          <section className="card">
            <VirtualTable
              rows={shown}
              rowKey={(line, i) => `${line.timestamp}-${i}`}
              label="Log lines, newest first"
              className="table compact logs"
              testId="log-lines"
              rowClassName={(line) => `level-${line.level.toLowerCase()}`}
              head={
                <>
                  <th>Date and time</th>
                  <th>Level</th>
                  <th>Message</th>
                  <th>Details</th>
                </>
              }
              cells={(line) => (
                <>
                  <td className="nowrap">{when(line.timestamp)}</td>
                  <td>
                    <span className={`level-badge ${line.level.toLowerCase()}`}>{line.level}</span>
                  </td>
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
