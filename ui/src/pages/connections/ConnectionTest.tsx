import { useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { useAction } from "../../hooks/useAction";
import type { CheckView, ConnectionView } from "../../platform";

type Props = {
  connection: ConnectionView;
  /** Runs the connection's checks (the same as `bridge doctor --connection NAME`). */
  test: (connectionId: string) => Promise<CheckView[]>;
};

/** "Test": one cheap request per capability; each failure says what to do in the app. */
export function ConnectionTest({ connection, test }: Props) {
  const { busy, error, run } = useAction();
  const [checks, setChecks] = useState<CheckView[] | null>(null);
  const id = `connection-${connection.system}-test`;
  const failed = checks?.filter((c) => !c.ok).length ?? 0;

  async function onTest() {
    setChecks(null);
    const result = await run("test", () => test(connection.id));
    if (result) setChecks(result);
  }

  return (
    <div className="connection-test">
      <button type="button" className="button" onClick={() => void onTest()} disabled={busy !== null} data-testid={id}>
        Test
      </button>
      {busy ? (
        <span role="status" className="muted small-text">
          {" "}
          Checking each capability…
        </span>
      ) : null}
      {error ? <ErrorBox title="The test could not run." error={error} /> : null}
      {checks ? (
        <div data-testid={`${id}-result`}>
          <p className={failed > 0 ? "danger-text" : "ok-text"} role="status">
            {failed > 0 ? `${failed} of ${checks.length} checks failed` : `All ${checks.length} checks passed`}
          </p>
          <ul className="check-list">
            {checks.map((c) => (
              <li key={c.capability} className={c.ok ? "check ok" : "check failed"}>
                <span aria-hidden="true">{c.ok ? "✓" : "✕"}</span> <strong>{c.capability}</strong>
                <span className="visually-hidden">{c.ok ? " passed" : " failed"}</span>: {c.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
