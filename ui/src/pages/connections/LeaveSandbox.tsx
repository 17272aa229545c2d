import { useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBox } from "../../components/ErrorBox";
import { useAction } from "../../hooks/useAction";
import { api } from "../../platform";
import type { ConnectionView } from "../../platform";

/**
 * "Leave the sandbox": removes every sandbox connection and what this app keeps for them in
 * one step (after saying which), and stops the sandbox. Real connections stay.
 */
export function LeaveSandbox({ connections, onLeft }: { connections: ConnectionView[]; onLeft: () => void }) {
  const sandbox = connections.filter((c) => c.sandbox);
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useAction();
  if (sandbox.length === 0) return null;
  return (
    <section className="card" aria-labelledby="leave-sandbox-heading">
      <h2 id="leave-sandbox-heading" className="card-title">
        Done trying?
      </h2>
      <p className="muted">
        Remove the {sandbox.length} sandbox connection{sandbox.length === 1 ? "" : "s"} and everything this app keeps for
        them, then connect your real accounts below.
      </p>
      <div className="actions">
        <button type="button" className="button" data-testid="leave-sandbox" onClick={() => setAsking(true)}>
          Leave the sandbox
        </button>
      </div>
      {error ? <ErrorBox title="The sandbox could not be left." error={error} /> : null}
      {asking ? (
        <ConfirmDialog
          title="Leave the sandbox?"
          confirmLabel="Remove the sandbox connections"
          danger
          busy={busy !== null}
          testId="leave-sandbox-dialog"
          onCancel={() => setAsking(false)}
          onConfirm={() =>
            void run("leave", async () => {
              await api.leaveSandbox();
              setAsking(false);
              onLeft();
            })
          }
        >
          <p>These connections, their mappings, links, history and the sandbox contacts are removed:</p>
          <ul className="plain-list">
            {sandbox.map((c) => (
              <li key={c.id}>
                {c.name} <span className="muted">({c.systemName})</span>
              </li>
            ))}
          </ul>
          <p>Real connections stay as they are.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
