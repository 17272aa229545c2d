/**
 * The app-facing API to the Rust side.
 *
 * This folder is the only place allowed to import `@tauri-apps/*` (enforced by ESLint).
 * Pages call `api.*`, which resolves with the data or rejects with a `BridgeError`.
 */
import { commands } from "./bindings";
import type { ApiError, AppInfo, ErrorCode, Result } from "./bindings";

export type { ApiError, AppInfo, ErrorCode };

export const NOT_IN_DESKTOP_APP_MESSAGE = "Not running inside the Contact Bridge desktop app";

/** An error reported by the Rust side (or by this layer), with a stable machine-readable code. */
export class BridgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "BridgeError";
    this.code = code;
  }
}

/** True when the page is running inside the Tauri webview (not a plain browser tab). */
export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === "string" && typeof candidate.message === "string";
}

/** Normalises anything thrown or returned as an error into a `BridgeError`. */
export function toBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  if (isApiError(error)) return new BridgeError(error.code, error.message);
  if (error instanceof Error) return new BridgeError("internal", error.message);
  return new BridgeError("internal", String(error));
}

async function call<T>(command: () => Promise<Result<T, ApiError>>): Promise<T> {
  if (!isTauri()) {
    throw new BridgeError("internal", NOT_IN_DESKTOP_APP_MESSAGE);
  }
  let result: Result<T, ApiError>;
  try {
    result = await command();
  } catch (error) {
    throw toBridgeError(error);
  }
  if (result.status === "error") {
    throw toBridgeError(result.error);
  }
  return result.data;
}

export const api = {
  /** Version, database location, schema version and log folder of this installation. */
  appInfo: (): Promise<AppInfo> => call(() => commands.appInfo()),
};

export type Api = typeof api;
