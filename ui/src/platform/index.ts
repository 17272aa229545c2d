/**
 * The app-facing API to the Rust side.
 *
 * This folder is the only place allowed to import `@tauri-apps/*` (enforced by ESLint).
 * Pages call `api.*`, which resolves with the data or rejects with a `BridgeError`.
 */
import { commands, events } from "./bindings";
import type * as B from "./bindings";
import type { ApiError, AppInfo, ErrorCode, Result } from "./bindings";

export type { ApiError, AppInfo, ErrorCode };
export type {
  AppSettings,
  ConnectionView,
  ContactDetail,
  ContactPageView,
  ContactSummary,
  GhlOauthInput,
  GhlTokenInput,
  LogFilter,
  LogLine,
  NoviInput,
  OauthLink,
  SandboxInfo,
  SyncProgress,
  System,
  TimelineItem,
} from "./bindings";

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
  getSettings: () => call(() => commands.getSettings()),
  saveSettings: (settings: B.AppSettings) => call(() => commands.saveSettings(settings)),

  listConnections: () => call(() => commands.listConnections()),
  connectGhlToken: (input: B.GhlTokenInput) => call(() => commands.connectGhlToken(input)),
  /** Resolves once the browser sign-in comes back; listen to `onOauthLink` for the link. */
  connectGhlOauth: (input: B.GhlOauthInput) => call(() => commands.connectGhlOauth(input)),
  connectNovi: (input: B.NoviInput) => call(() => commands.connectNovi(input)),

  sandboxStatus: () => call(() => commands.sandboxStatus()),
  startSandbox: () => call(() => commands.startSandbox()),
  connectSandboxGhl: () => call(() => commands.connectSandboxGhl()),
  connectSandboxNovi: () => call(() => commands.connectSandboxNovi()),

  listContacts: (search: string, offset: number, limit: number) =>
    call(() => commands.listContacts(search, offset, limit)),
  contactTimeline: (contactId: string) => call(() => commands.contactTimeline(contactId)),
  readLogs: (filter: B.LogFilter) => call(() => commands.readLogs(filter)),
};

type Unlisten = () => void;

/** Subscribes to an app event; returns the unsubscribe function (a no-op outside Tauri). */
function subscribe<T>(
  event: { listen: (cb: (e: { payload: T }) => void) => Promise<Unlisten> },
  handler: (payload: T) => void,
): Unlisten {
  if (!isTauri()) return () => {};
  let unlisten: Unlisten | null = null;
  let cancelled = false;
  event
    .listen((e) => handler(e.payload))
    .then((u) => {
      if (cancelled) u();
      else unlisten = u;
    })
    .catch(() => {});
  return () => {
    cancelled = true;
    unlisten?.();
  };
}

/** The GHL sign-in page to approve, when a browser sign-in starts. */
export function onOauthLink(handler: (link: B.OauthLink) => void): Unlisten {
  return subscribe(events.oauthLink, handler);
}

/** Progress of the running sync. */
export function onSyncProgress(handler: (progress: B.SyncProgress) => void): Unlisten {
  return subscribe(events.syncProgress, handler);
}

export type Api = typeof api;
