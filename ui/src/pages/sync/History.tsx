import { useCallback, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { useAction } from "../../hooks/useAction";
import { useLoad } from "../../hooks/useLoad";
import { conflictChoice, durationLabel, statusLabel, triggerLabel, undoPlan } from "../../logic/historyModel";
import { api } from "../../platform";
import type { ConflictView, ConnectionView, OperationView, RunView } from "../../platform";
import { OperationLog } from "./OperationLog";

type Names = (connectionId: string) => string;

function namesOf(connections: ConnectionView[]): Names {
  return (id) => {
    const c = connections.find((x) => x.id === id);
    return c ? `${c.systemName} (${c.name})` : id;
  };
}

/** Conflicts waiting for a side: each choice first says what it writes where. */
function Conflicts({ conflicts, names, busy, onKeep }: {
  conflicts: ConflictView[];
  names: Names;
  busy: boolean;
  onKeep: (c: ConflictView, keep: "ghl" | "app") => Promise<void>;
}) {
  const [asking, setAsking] = useState<{ conflict: ConflictView; keep: "ghl" | "app" } | null>(null);
  return (
    <section className="card" aria-labelledby="conflicts-heading">
      <h2 id="conflicts-heading" className="card-title">
        Conflicts <span className="muted">{conflicts.length}</span>
      </h2>
      {conflicts.length === 0 ? <p className="muted">No conflicts waiting.</p> : null}
      <ul className="conflicts">
        {conflicts.map((c) => (
          <li key={c.id} data-testid="conflict">
            <strong>{c.contactName}</strong> <code>{c.field}</code>: GHL <q>{c.ghl ?? "(empty)"}</q>,{" "}
            {names(c.connectionId)} <q>{c.app ?? "(empty)"}</q> <span className="muted">(was {c.base ?? "empty"})</span>
            <button type="button" className="button small" disabled={busy} onClick={() => setAsking({ conflict: c, keep: "ghl" })}>
              Keep GHL&apos;s
            </button>
            <button type="button" className="button small" disabled={busy} onClick={() => setAsking({ conflict: c, keep: "app" })}>
              Keep the app&apos;s
            </button>
          </li>
        ))}
      </ul>
      {asking ? (
        <ConfirmDialog
          title="Keep this value?"
          confirmLabel="Keep it"
          busy={busy}
          testId="conflict-dialog"
          onCancel={() => setAsking(null)}
          onConfirm={() => void onKeep(asking.conflict, asking.keep).then(() => setAsking(null))}
        >
          <p>{conflictChoice(asking.conflict, asking.keep, names(asking.conflict.connectionId)).sentence}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** The undo confirmation: what it writes back where, and what stays. */
function UndoDialog({ run, operations, names, busy, onConfirm, onCancel }: {
  run: RunView;
  operations: OperationView[];
  names: Names;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const plan = undoPlan(operations, names);
  return (
    <ConfirmDialog title={`Undo the sync of ${new Date(run.startedAt).toLocaleString()} (${run.pair}, started by: ${triggerLabel(run)})?`} confirmLabel="Undo it" busy={busy} testId="undo-dialog" onCancel={onCancel} onConfirm={onConfirm}>
      {plan.restores.length === 0 ? (
        <p>It overwrote no contact field, so nothing is written back.</p>
      ) : (
        <>
          <p>
            Writes back what it overwrote, where the record still holds what it wrote ({plan.restores.length} record
            {plan.restores.length === 1 ? "" : "s"}):
          </p>
          <ul className="plain-list undo-lines">
            {plan.restores.slice(0, 20).map((line, i) => (
              <li key={i}>
                <strong>{line.where}</strong> · {line.contact}: {line.values}
              </li>
            ))}
            {plan.restores.length > 20 ? <li className="muted">and {plan.restores.length - 20} more</li> : null}
          </ul>
        </>
      )}
      <p className="muted">
        {plan.createdKept} record{plan.createdKept === 1 ? "" : "s"} it created and {plan.activitiesKept} task
        {plan.activitiesKept === 1 ? "" : "s"}, notes or events it wrote stay.
        {plan.deletedKept > 0
          ? ` ${plan.deletedKept} record${plan.deletedKept === 1 ? "" : "s"} it deleted (as approved) stay deleted.`
          : ""}{" "}
        The next sync carries the restored values across.
      </p>
    </ConfirmDialog>
  );
}

/** One row per sync run: who started it, how long it took, how it ended and what it wrote. */
function Runs({ runs, busy, onOpen, onUndo }: {
  runs: RunView[];
  busy: boolean;
  onOpen: (run: RunView) => void;
  onUndo: (run: RunView) => void;
}) {
  return (
    <div className="table-scroll">
      <table className="table" data-testid="runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Pair</th>
            <th>Started by</th>
            <th>Took</th>
            <th>Status</th>
            <th>Written</th>
            <th>Failed</th>
            <th>Skipped</th>
            <th>Requests</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid="run">
              <td>{new Date(r.startedAt).toLocaleString()}</td>
              <td>{r.pair}</td>
              <td>{triggerLabel(r)}</td>
              <td>{durationLabel(r.durationMs)}</td>
              <td>
                <span className={r.status === "failed" ? "badge danger" : r.status === "succeeded" ? "badge ok" : "badge"}>{statusLabel(r.status)}</span>
                {r.error ? <p className="inline-problem">{r.error}</p> : null}
              </td>
              <td data-testid="run-written">{r.dryRun ? "—" : r.written}</td>
              <td data-testid="run-failed">{r.dryRun ? "—" : r.failed}</td>
              <td data-testid="run-skipped">{r.dryRun ? `${r.planned} planned` : r.skipped}</td>
              <td>
                {r.requestsSpent}
                {r.rateLimited > 0 ? ` (${r.rateLimited} × 429)` : ""}
              </td>
              <td className="row-actions">
                <button type="button" className="button small" data-testid="run-open" onClick={() => onOpen(r)}>
                  Operations
                </button>
                {!r.dryRun ? (
                  <button type="button" className="button small" data-testid="run-undo" disabled={busy} onClick={() => onUndo(r)}>
                    Undo…
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The activity log: runs with their operations and Undo; dead letters to retry; conflicts to settle. */
export function History({ generation, onChanged }: { generation: number; onChanged: () => void }) {
  const load = useCallback(
    () => Promise.all([api.listRuns(), api.deadLetters(), api.listConflicts(), api.listConnections()]),
    // A new generation (a sync ended) reloads the lists.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [generation],
  );
  const [state, reload] = useLoad(load);
  const [open, setOpen] = useState<{ run: RunView; operations: OperationView[] } | null>(null);
  const [undoing, setUndoing] = useState<{ run: RunView; operations: OperationView[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const after = () => {
    reload();
    onChanged();
  };

  if (state.status === "loading") return <Loading>Loading the history…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The history could not be read." error={state.error} />;
  const [runs, dead, conflicts, connections] = state.data;
  const names = namesOf(connections);
  const retryOne = (op: OperationView) =>
    void run("retry-one", async () => {
      await api.retryDeadLetter(op.id);
      setNotice(`Sent again: ${op.action} ${op.objectKind} for ${op.contactName ?? "a contact"}. Its pair was synced.`);
      after();
    });

  return (
    <>
      {error ? <ErrorBox title="That did not work." error={error} /> : null}
      {notice ? <p className="notice" role="status" data-testid="history-notice">{notice}</p> : null}
      <Conflicts
        conflicts={conflicts}
        names={names}
        busy={busy !== null}
        onKeep={async (c, keep) => {
          await run("resolve", async () => {
            await api.resolveConflict(c.id, keep);
            after();
          });
        }}
      />
      <section className="card" aria-labelledby="dead-heading">
        <h2 id="dead-heading" className="card-title">
          Dead letters <span className="muted" data-testid="dead-letter-count">{dead.length}</span>
        </h2>
        {dead.length === 0 ? (
          <p className="muted">Every write was accepted.</p>
        ) : (
          <>
            <p className="muted">Writes an app refused, each with the app&apos;s own message.</p>
            <OperationLog operations={dead} names={names} label="Dead letters" testId="dead-letters" busy={busy !== null} onRetry={retryOne} />
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
          Activity log
        </h2>
        <p className="muted">One row per sync run, newest first; open one to read, search and filter what it wrote.</p>
        <Runs
          runs={runs}
          busy={busy !== null}
          onOpen={(r) => void run("ops", async () => setOpen({ run: r, operations: await api.runOperations(r.id) }))}
          onUndo={(r) => void run("ops", async () => setUndoing({ run: r, operations: await api.runOperations(r.id) }))}
        />
        {open ? (
          <div data-testid="run-operations">
            <h3>
              Operations of the sync of {new Date(open.run.startedAt).toLocaleString()} ({open.run.pair}, started by: {triggerLabel(open.run)})
            </h3>
            <OperationLog
              operations={open.operations}
              names={names}
              label="Operations of the run"
              testId="operations"
              busy={busy !== null}
              onRetry={retryOne}
              searchable
            />
          </div>
        ) : null}
      </section>
      {undoing ? (
        <UndoDialog
          run={undoing.run}
          operations={undoing.operations}
          names={names}
          busy={busy !== null}
          onCancel={() => setUndoing(null)}
          onConfirm={() =>
            void run("undo", async () => {
              const report = await api.undoRun(undoing.run.id);
              setUndoing(null);
              setNotice(
                `Restored ${report.restored} records the run overwrote; kept ${report.createdKept} it created${report.deletedKept > 0 ? ` and left ${report.deletedKept} it deleted deleted` : ""}. The next sync carries them across.`,
              );
              after();
            })
          }
        />
      ) : null}
    </>
  );
}
