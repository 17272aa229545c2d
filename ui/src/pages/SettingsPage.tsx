import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { PageHeader } from "../components/PageHeader";
import { ErrorBox } from "../components/ErrorBox";
import { Loading } from "../components/Loading";
import { useAction } from "../hooks/useAction";
import { api, toBridgeError } from "../platform";
import type { AppInfo, AppSettings, BridgeError } from "../platform";
import { applyTheme, currentTheme } from "../logic/theme";
import type { ThemeChoice } from "../logic/theme";
import { WebhookSetting } from "./settings/WebhookSetting";

/** Light, dark, or as the system says: saved with the other settings, applied at once. */
function ThemeSetting() {
  const [theme, setTheme] = useState<ThemeChoice>(currentTheme);
  const { error, run } = useAction();
  return (
    <>
      <label className="field">
        <span>Theme</span>
        <select
          data-testid="settings-theme"
          value={theme}
          onChange={(e) => {
            const next = e.target.value as ThemeChoice;
            setTheme(next);
            applyTheme(next);
            void run("theme", async () => {
              const saved = await api.getSettings();
              await api.saveSettings({ ...saved, theme: next });
            });
          }}
        >
          <option value="system">as the system (light or dark)</option>
          <option value="light">light</option>
          <option value="dark">dark</option>
        </select>
      </label>
      {error ? <ErrorBox title="The theme was not saved." error={error} /> : null}
    </>
  );
}

function OpenDataFolder() {
  const [failed, setFailed] = useState<BridgeError | null>(null);
  return (
    <>
      <button
        type="button"
        className="button"
        data-testid="open-data-folder"
        onClick={() => void api.openFolder("data").catch((e: unknown) => setFailed(toBridgeError(e)))}
      >
        Open data folder
      </button>
      {failed ? <ErrorBox title="The data folder could not be opened." error={failed} /> : null}
    </>
  );
}

type AppInfoState =
  | { status: "loading" }
  | { status: "ready"; info: AppInfo }
  | { status: "failed"; error: BridgeError };

function useAppInfo(): AppInfoState {
  const [state, setState] = useState<AppInfoState>({ status: "loading" });

  useEffect(() => {
    let active = true;
    api.appInfo().then(
      (info) => {
        if (active) setState({ status: "ready", info });
      },
      (error: unknown) => {
        if (active) setState({ status: "failed", error: toBridgeError(error) });
      },
    );
    return () => {
      active = false;
    };
  }, []);

  return state;
}

function AppInfoDetails({ state }: { state: AppInfoState }) {
  switch (state.status) {
    case "loading":
      return <Loading>Loading app information…</Loading>;
    case "failed":
      return (
        <div className="error-box" role="alert">
          <p className="error-box-title">App information is not available.</p>
          <p className="error-box-detail">{`${state.error.code}: ${state.error.message}`}</p>
        </div>
      );
    case "ready":
      return (
        <dl className="info-list">
          <div className="info-row">
            <dt>Version</dt>
            <dd data-testid="info-version">{state.info.version}</dd>
          </div>
          <div className="info-row">
            <dt>Database</dt>
            <dd className="path" data-testid="info-database">
              {state.info.databasePath}
            </dd>
          </div>
          <div className="info-row">
            <dt>Data folder</dt>
            <dd className="path" data-testid="info-data-folder">
              {state.info.databasePath.replace(/[\\/][^\\/]*$/, "")}
            </dd>
          </div>
          <div className="info-row">
            <dt>Schema version</dt>
            <dd data-testid="info-schema">{state.info.schemaVersion}</dd>
          </div>
          <div className="info-row">
            <dt>Log folder</dt>
            <dd className="path" data-testid="info-logs">
              {state.info.logDirectory}
            </dd>
          </div>
        </dl>
      );
  }
}

/** The schedule and the circuit breaker, saved beside the database. */
function SyncSettings() {
  const [settings, setSettings] = useState<AppSettings | null>(null);
  // A failed read shows its error: defaults in the form would look read, and Save would write them.
  const [readError, setReadError] = useState<BridgeError | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();

  useEffect(() => {
    let active = true;
    api.getSettings().then(
      (loaded) => active && setSettings(loaded),
      (e: unknown) => active && setReadError(toBridgeError(e)),
    );
    return () => {
      active = false;
    };
  }, []);

  if (readError) return <ErrorBox title="The sync settings could not be read." error={readError} />;
  if (!settings) return <Loading>Loading settings…</Loading>;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const scheduled = form.get("scheduled") === "on";
    const minutes = Number(form.get("minutes"));
    const percent = Number(form.get("percent"));
    setSaved(false);
    void run("save", async () => {
      // Read again: the theme and the webhook switch save themselves, and stay as they are.
      const saved = await api.getSettings();
      setSettings(
        await api.saveSettings({
          ...saved,
          scheduleMinutes: scheduled ? minutes : null,
          maxOverwritePercent: percent,
        }),
      );
      setSaved(true);
    });
  }

  return (
    <form className="form" onSubmit={submit} data-testid="settings-form">
      <label className="field checkbox">
        <input type="checkbox" name="scheduled" defaultChecked={settings.scheduleMinutes !== null} />
        <span>Sync on a schedule while the app is open</span>
      </label>
      <label className="field">
        <span>Every (minutes)</span>
        <input type="number" name="minutes" min={1} max={1440} defaultValue={settings.scheduleMinutes ?? 30} />
      </label>
      <label className="field">
        <span>Circuit breaker: stop a sync that would overwrite more than (% of a pair&apos;s records)</span>
        <input type="number" name="percent" min={0} max={100} step="any" defaultValue={settings.maxOverwritePercent} />
      </label>
      {error ? <ErrorBox title="The settings were not saved." error={error} /> : null}
      {saved ? <p className="notice" role="status">Saved.</p> : null}
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy !== null}>
          Save settings
        </button>
      </div>
    </form>
  );
}

export function SettingsPage() {
  const state = useAppInfo();
  return (
    <>
      <PageHeader title="Settings">Details of this installation.</PageHeader>
      <section className="card" aria-labelledby="sync-settings-heading">
        <h2 id="sync-settings-heading" className="card-title">
          Sync
        </h2>
        <SyncSettings />
      </section>
      <section className="card" aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading" className="card-title">
          Real-time hints from GHL webhooks
        </h2>
        <WebhookSetting />
      </section>
      <section className="card" aria-labelledby="about-heading">
        <h2 id="about-heading" className="card-title">
          About this installation
        </h2>
        <AppInfoDetails state={state} />
        <div className="actions">
          <OpenDataFolder />
        </div>
      </section>
      <section className="card" aria-labelledby="look-heading">
        <h2 id="look-heading" className="card-title">
          Appearance
        </h2>
        <ThemeSetting />
      </section>
    </>
  );
}
