import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBox } from "../../components/ErrorBox";
import { useAction } from "../../hooks/useAction";
import { reconnectKind, removalLines, secretName } from "../../logic/connectionModel";
import { api, onOauthLink } from "../../platform";
import { routeQuery } from "../../router";
import type { CheckView, ConnectionView, OauthLink, RemovalView } from "../../platform";

const FAILED: Record<string, string> = {
  rename: "The name was not changed.",
  reconnect: "Not reconnected: the previous key or sign-in is kept.",
  remove: "The connection was not removed.",
};

function text(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === "string" ? value : "";
}

type Props = {
  connection: ConnectionView;
  /** After a rename, reconnect or removal: the list reads the connections again. */
  onChanged: () => void;
};

/** Rename, reconnect in place (same card: mappings, links and history stay) and remove. */
export function ConnectionManage({ connection: c, onChanged }: Props) {
  const { busy, error, run, clearError } = useAction();
  // Open on the reconnect form when the sign-in expired, or when the palette asked for it.
  const [mode, setMode] = useState<"idle" | "rename" | "reconnect">(() =>
    c.needsReconnect || routeQuery().get("reconnect") === c.id ? "reconnect" : "idle",
  );
  const [removal, setRemoval] = useState<RemovalView | null>(null);
  const [checks, setChecks] = useState<CheckView[] | null>(null);
  const testId = `connection-${c.system}`;
  // Which action ran last, for the error's title.
  const [doing, setDoing] = useState("");
  // A browser sign-in's page, shown here too in case no browser opened.
  const [link, setLink] = useState<OauthLink | null>(null);
  useEffect(() => onOauthLink(setLink), []);

  const rename = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = text(event.currentTarget, "name").trim();
    setDoing("rename");
    void run("rename", async () => {
      await api.renameConnection(c.id, name);
      setMode("idle");
      onChanged();
    });
  };

  const reconnect = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const secret = reconnectKind(c.authKind) === "secret" ? text(event.currentTarget, "secret") : null;
    setLink(null);
    setDoing("reconnect");
    void run("reconnect", async () => {
      setChecks(await api.reconnectConnection(c.id, secret));
      setMode("idle");
      onChanged();
    });
  };

  return (
    <div className="connection-manage">
      <div className="actions">
        <button type="button" className="button small" data-testid={`${testId}-rename`} onClick={() => { clearError(); setMode(mode === "rename" ? "idle" : "rename"); }}>
          Rename
        </button>
        <button type="button" className="button small" data-testid={`${testId}-reconnect`} onClick={() => { clearError(); setMode(mode === "reconnect" ? "idle" : "reconnect"); }}>
          Reconnect
        </button>
        <button
          type="button"
          className="button small"
          data-testid={`${testId}-remove`}
          disabled={busy !== null}
          onClick={() => {
            setDoing("remove");
            void run("impact", async () => setRemoval(await api.removalImpact(c.id)));
          }}
        >
          Remove…
        </button>
      </div>
      {mode === "rename" ? (
        <form className="inline-form" onSubmit={rename} data-testid={`${testId}-rename-form`}>
          <label className="field">
            <span>New name</span>
            <input name="name" defaultValue={c.name} required autoComplete="off" data-testid={`${testId}-new-name`} />
          </label>
          <button type="submit" className="button primary small" disabled={busy !== null}>
            Save name
          </button>
        </form>
      ) : null}
      {mode === "reconnect" ? (
        <form className="inline-form" onSubmit={reconnect} data-testid={`${testId}-reconnect-form`}>
          {reconnectKind(c.authKind) === "browser" ? (
            <p className="muted">
              Sign in again in your browser with the same account{c.system === "ghl" ? " and location" : ""}: this card,
              its mappings, links and history stay as they are.
            </p>
          ) : (
            <label className="field">
              <span>New {secretName(c.authKind)}</span>
              <input name="secret" type="password" required autoComplete="off" data-testid={`${testId}-new-secret`} />
            </label>
          )}
          <button type="submit" className="button primary small" disabled={busy !== null}>
            {busy === "reconnect"
              ? "Reconnecting…"
              : reconnectKind(c.authKind) === "browser"
                ? "Sign in again"
                : `Use this ${secretName(c.authKind)}`}
          </button>
        </form>
      ) : null}
      {busy === "reconnect" && reconnectKind(c.authKind) === "browser" ? (
        <p role="status" data-testid={`${testId}-waiting`}>
          Waiting for you to approve Contact Bridge in your browser…{" "}
          {link ? (
            <>
              If it did not open, open <code className="selectable" data-testid={`${testId}-oauth-link`}>{link.url}</code>
            </>
          ) : null}
        </p>
      ) : null}
      {checks ? (
        <p className="notice" role="status" data-testid={`${testId}-reconnected`}>
          Reconnected: {checks.filter((k) => k.ok).length} of {checks.length} checks passed
          {checks.some((k) => !k.ok) ? ` (${checks.filter((k) => !k.ok).map((k) => k.capability).join(", ")} still failing: press Test for details)` : ""}.
        </p>
      ) : null}
      {error ? (
        <div data-testid={`${testId}-manage-error`}>
          <ErrorBox title={FAILED[doing] ?? "That did not work."} error={error} />
        </div>
      ) : null}
      {removal ? (
        <ConfirmDialog
          title={`Remove ${removal.connection}?`}
          confirmLabel={`Remove ${removal.connection}`}
          danger
          busy={busy !== null}
          testId="remove-dialog"
          onCancel={() => setRemoval(null)}
          onConfirm={() =>
            void run("remove", async () => {
              await api.removeConnection(c.id);
              setRemoval(null);
              onChanged();
            })
          }
        >
          <ul className="plain-list">
            {removalLines(removal).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
