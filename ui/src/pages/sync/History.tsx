import { useCallback, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { useAction } from "../../hooks/useAction";
import { useLoad } from "../../hooks/useLoad";
import { api } from "../../platform";
import type { OperationView } from "../../platform";
import { Loading } from "../../components/Loading";
import { VirtualTable } from "../../components/VirtualTable";

function OperationList({ operations, label, testId }: { operations: OperationView[]; label: string; testId: string }) {
  if (operations.length === 0) return <p className="muted">No operations.</p>;
  return (
    <VirtualTable
      rows={operations}
      rowKey={(op) => op.id}
      label={label}
      className="table compact"
      testId={testId}
      estimate={44}
      head={
        <>
          <th>Contact</th>
          <th>Action</th>
          <th>Before</th>
          <th>After</th>
          <th>State</th>
        </>
      }
      cells={(op) => (
        <>
          <td>{op.contactName ?? op.contactId ?? "—"}</td>
          <td>
            {op.action} {op.objectKind} <span className="muted">{op.connectionId}</span>
          </td>
          <td className="clip">{op.before ?? "—"}</td>
          <td className="clip">{op.after ?? "—"}</td>
          <td>
            {op.state}
            {op.lastError ? <p className="inline-problem">{op.lastError}</p> : null}
          </td>
        </>
      )}
    />
  );
}

/** Past runs with their operations and Undo; dead letters with Retry; conflicts to settle. */
export function History({ generation, onChanged }: { generation: number; onChanged: () => void }) {
  const load = useCallback(
    () => Promise.all([api.listRuns(), api.deadLetters(), api.listConflicts()]),
    // A new generation (a sync ended) reloads the lists.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [generation],
  );
  const [state, reload] = useLoad(load);
  const [open, setOpen] = useState<{ runId: string; operations: OperationView[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const after = () => {
    reload();
    onChanged();
  };

  if (state.status === "loading") return <Loading>Loading the history…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The history could not be read." error={state.error} />;
  const [runs, dead, conflicts] = state.data;

  return (
    <>
      {error ? <ErrorBox title="That did not work." error={error} /> : null}
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      <section className="card" aria-labelledby="conflicts-heading">
        <h2 id="conflicts-heading" className="card-title">
          Conflicts <span className="muted">{conflicts.length}</span>
        </h2>
        {conflicts.length === 0 ? <p className="muted">No conflicts waiting.</p> : null}
        <ul className="conflicts">
          {conflicts.map((c) => (
            <li key={c.id} data-testid="conflict">
              <strong>{c.contactName}</strong> <code>{c.field}</code>: GHL <q>{c.ghl ?? "(empty)"}</q>, app{" "}
              <q>{c.app ?? "(empty)"}</q> <span className="muted">(was {c.base ?? "empty"})</span>
              <button
                type="button"
                className="button small"
                disabled={busy !== null}
                onClick={() => void run("resolve", async () => { await api.resolveConflict(c.id, "ghl"); after(); })}
              >
                Keep GHL&apos;s
              </button>
              <button
                type="button"
                className="button small"
                disabled={busy !== null}
                onClick={() => void run("resolve", async () => { await api.resolveConflict(c.id, "app"); after(); })}
              >
                Keep the app&apos;s
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="dead-heading">
        <h2 id="dead-heading" className="card-title">
          Dead letters <span className="muted" data-testid="dead-letter-count">{dead.length}</span>
        </h2>
        {dead.length === 0 ? (
          <p className="muted">Every write was accepted.</p>
        ) : (
          <>
            <OperationList operations={dead} label="Dead letters" testId="dead-letters" />
            <div className="actions">
              <button
                type="button"
                className="button"
                data-testid="retry-dead-letters"
                disabled={busy !== null}
                onClick={() => void run("retry", async () => { await api.retryDeadLetters(); after(); })}
              >
                {busy === "retry" ? "Retrying…" : "Retry all"}
              </button>
            </div>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="runs-heading">
        <h2 id="runs-heading" className="card-title">
          History
        </h2>
        <table className="table" data-testid="runs">
          <thead>
            <tr>
              <th>Started</th>
              <th>Pair</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Requests</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="run">
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{r.pair}</td>
                <td>{r.dryRun ? "plan" : r.trigger}</td>
                <td>
                  {r.status}
                  {r.error ? <p className="inline-problem">{r.error}</p> : null}
                </td>
                <td>
                  {r.requestsSpent}
                  {r.rateLimited > 0 ? ` (${r.rateLimited} × 429)` : ""}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button small"
                    onClick={() =>
                      void run("ops", async () => setOpen({ runId: r.id, operations: await api.runOperations(r.id) }))
                    }
                  >
                    Operations
                  </button>
                  {!r.dryRun ? (
                    <button
                      type="button"
                      className="button small"
                      disabled={busy !== null}
                      onClick={() =>
                        void run("undo", async () => {
                          const report = await api.undoRun(r.id);
                          setNotice(
                            `Restored ${report.restored} records the run overwrote; kept ${report.createdKept} it created. The next sync carries them across.`,
                          );
                          after();
                        })
                      }
                    >
                      Undo
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {open ? (
          <div data-testid="run-operations">
            <h3>Operations of run {open.runId}</h3>
            <OperationList operations={open.operations} label={`Operations of run ${open.runId}`} testId="operations" />
          </div>
        ) : null}
      </section>
    </>
  );
}
