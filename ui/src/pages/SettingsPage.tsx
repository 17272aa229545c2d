import { useEffect, useState } from "react";
import { PageHeader } from "../components/PageHeader";
import { api, toBridgeError } from "../platform";
import type { AppInfo, BridgeError } from "../platform";

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
      return (
        <p className="muted" role="status">
          Loading app information…
        </p>
      );
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

export function SettingsPage() {
  const state = useAppInfo();
  return (
    <>
      <PageHeader title="Settings">Details of this installation.</PageHeader>
      <section className="card" aria-labelledby="about-heading">
        <h2 id="about-heading" className="card-title">
          About this installation
        </h2>
        <AppInfoDetails state={state} />
      </section>
    </>
  );
}
