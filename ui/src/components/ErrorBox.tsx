import type { BridgeError, ErrorCode } from "../platform";

/** What the operator can do about an error, by its code. */
export const ERROR_ACTIONS: Record<ErrorCode, string> = {
  invalid_input: "Correct the value named below and try again.",
  not_found: "It may have been removed; refresh the page and try again.",
  conflict: "Something else is in progress; wait for it to finish, then try again.",
  unauthorized: "Check the connection's credentials on the Connections page.",
  reconnect_required: "Reconnect the app on the Connections page (sign in again).",
  rate_limited: "The app asked us to slow down; try again in a few minutes.",
  remote: "The app refused; its own message is below.",
  network: "Check the internet connection and try again.",
  storage: "The local database could not be used; close other copies of Contact Bridge and try again.",
  secret_store: "The system keychain did not answer; unlock it and try again.",
  cancelled: "It was stopped; start it again when ready.",
  internal: "This is a bug; copy the details into a report (Logs → Copy diagnostics).",
};

/**
 * An error from the Rust side: a plain title, what to do, and the code and the raw message
 * under "Details".
 */
export function ErrorBox({ title, error }: { title: string; error: BridgeError }) {
  return (
    <div className="error-box" role="alert">
      <p className="error-box-title">{title}</p>
      <p className="error-box-action">{ERROR_ACTIONS[error.code] ?? ERROR_ACTIONS.internal}</p>
      <details>
        <summary>Details</summary>
        <p className="error-box-detail">{`${error.code}: ${error.message}`}</p>
      </details>
    </div>
  );
}
