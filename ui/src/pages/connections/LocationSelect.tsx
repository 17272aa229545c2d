import { useCallback, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { useAction } from "../../hooks/useAction";
import { useLoad } from "../../hooks/useLoad";
import { api } from "../../platform";
import type { ConnectionView } from "../../platform";

type Props = { connection: ConnectionView };

/**
 * The GHL location an app connection syncs with, and the choice of another (`bridge pair set`).
 * A pair whose records are linked to its location's contacts moves only once the operator
 * confirms dropping those links: the first answer says what would be dropped.
 */
export function LocationSelect({ connection }: Props) {
  const load = useCallback(() => api.listPairs(), []);
  const [loaded, reload] = useLoad(load);
  const { busy, error, run, clearError } = useAction();
  const [pending, setPending] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const id = `connection-${connection.system}-location`;
  if (loaded.status !== "ready") return null;
  const pair = loaded.data.pairs.find((p) => p.appId === connection.id);
  if (!pair) return null;

  async function move(ghlName: string, forgetLinks: boolean) {
    setMessage(null);
    const moved = await run("move", () => api.setPair(connection.name, ghlName, forgetLinks));
    if (moved) {
      setPending(null);
      setMessage(moved.message);
      reload();
    } else {
      setPending(ghlName);
    }
  }

  function onChoose(ghlName: string) {
    clearError();
    if (ghlName && ghlName !== pair?.ghlName) void move(ghlName, false);
  }

  return (
    <div className="info-row">
      <dt>
        <label htmlFor={id}>GHL location</label>
      </dt>
      <dd>
        <select
          id={id}
          data-testid={id}
          value={pair.ghlName ?? ""}
          disabled={busy !== null}
          onChange={(e) => onChoose(e.target.value)}
        >
          {pair.ghlName ? null : <option value="">Choose a location…</option>}
          {loaded.data.locations.map((l) => (
            <option key={l.id} value={l.name}>
              {l.name}
            </option>
          ))}
        </select>
        {message ? (
          <p role="status" className="ok-text small-text" data-testid={`${id}-message`}>
            {message}
          </p>
        ) : null}
        {error ? <ErrorBox title="The location was not changed." error={error} /> : null}
        {error && pending && error.message.includes("--forget-links") ? (
          <button
            type="button"
            className="button danger"
            data-testid={`${id}-forget`}
            onClick={() => void move(pending, true)}
          >
            Move to {pending} and drop the links
          </button>
        ) : null}
      </dd>
    </div>
  );
}
