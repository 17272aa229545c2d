import { useCallback, useState } from "react";
import type { FormEvent } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { useAction } from "../../hooks/useAction";
import { useLoad } from "../../hooks/useLoad";
import { api } from "../../platform";

const DEFAULT_PORT = 8790;

/**
 * The window's switch for GHL webhooks (the CLI's `bridge webhooks serve`): while on, signed
 * events are verified and kept as hints, and the next sync reads the records they name sooner.
 */
export function WebhookSetting() {
  const load = useCallback(() => api.webhookStatus(), []);
  const [state, reload] = useLoad(load);
  const [port, setPort] = useState(String(DEFAULT_PORT));
  const { busy, error, run } = useAction();
  if (state.status === "loading") return <Loading>Reading the webhook receiver…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The webhook receiver's state could not be read." error={state.error} />;
  const status = state.data;
  const turnOn = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run("on", async () => {
      await api.setWebhooks(Number(port));
      reload();
    });
  };
  return (
    <div data-testid="webhook-setting">
      <p className="muted">
        GHL can tell Contact Bridge about changes as they happen. Events are checked against GHL&apos;s signature key and
        kept as hints; the next sync (on the schedule or by hand) reads the records they name first. Syncs still read
        everything else as usual.
      </p>
      {status.running ? (
        <>
          <p role="status" data-testid="webhook-running">
            Listening at <code className="selectable">{status.url}</code>: forward GHL&apos;s webhook URL there through a tunnel or
            reverse proxy. {status.received} events received, {status.waiting} waiting for the next sync.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button"
              data-testid="webhook-off"
              disabled={busy !== null}
              onClick={() => void run("off", async () => { await api.setWebhooks(null); reload(); })}
            >
              Stop listening
            </button>
          </div>
        </>
      ) : (
        <form className="inline-form" onSubmit={turnOn}>
          <label className="field">
            <span>Port on this computer</span>
            <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} data-testid="webhook-port" required />
          </label>
          <button type="submit" className="button primary" data-testid="webhook-on" disabled={busy !== null}>
            Listen for GHL webhooks
          </button>
        </form>
      )}
      {error ? <ErrorBox title="The webhook receiver did not change." error={error} /> : null}
    </div>
  );
}
