import type { BridgeError } from "../platform";

/** An error from the Rust side: its code and its message, as text. */
export function ErrorBox({ title, error }: { title: string; error: BridgeError }) {
  return (
    <div className="error-box" role="alert">
      <p className="error-box-title">{title}</p>
      <p className="error-box-detail">{`${error.code}: ${error.message}`}</p>
    </div>
  );
}
