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
  AppOption,
  AppSettings,
  CapabilityFlow,
  CellChange,
  CapabilityView,
  CheckView,
  ChangeView,
  ConnectifInput,
  ConflictView,
  Direction,
  FieldKind,
  FieldOption,
  Keep,
  LineFix,
  MappingDto,
  MappingEditor,
  MappingLine,
  NiftyImagesInput,
  NiftyOauthInput,
  NinoxInput,
  OperationView,
  Owner,
  ApplyView,
  KindView,
  PairOutcome,
  PairHealthView,
  PairMoved,
  PairsView,
  PairView,
  OverviewView,
  ReviewView,
  ReviewDecision,
  DeleteView,
  PlanView,
  PlannedConflict,
  PlannedOperation,
  PreviewCellView,
  PreviewRecordView,
  Problem,
  RemovalView,
  Theme,
  WebhookStatusView,
  RuleDto,
  RunView,
  TransformDto,
  UndoView,
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
  SyncFinished,
  SyncProgress,
  SyncStatusView,
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

type Commands = typeof commands;
type Unwrapped<F> = F extends (...args: infer A) => Promise<Result<infer T, ApiError>>
  ? (...args: A) => Promise<T>
  : never;

/**
 * Every command of the Rust side (see bindings.ts for their documentation), resolving with the
 * data or rejecting with a `BridgeError`. Looked up at call time, so tests can mock `commands`.
 */
export type Api = { [K in keyof Commands]: Unwrapped<Commands[K]> };

export const api = Object.fromEntries(
  Object.keys(commands).map((name) => [
    name,
    (...args: unknown[]) =>
      call(() =>
        (commands[name as keyof Commands] as (...a: unknown[]) => Promise<Result<unknown, ApiError>>)(
          ...args,
        ),
      ),
  ]),
) as Api;

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

/** The sign-in page to approve (GHL's or Nifty's), when a browser sign-in starts. */
export function onOauthLink(handler: (link: B.OauthLink) => void): Unlisten {
  return subscribe(events.oauthLink, handler);
}

/** Progress of the running sync. */
export function onSyncProgress(handler: (progress: B.SyncProgress) => void): Unlisten {
  return subscribe(events.syncProgress, handler);
}


/** A sync ended (any page). */
export function onSyncFinished(handler: (finished: B.SyncFinished) => void): Unlisten {
  return subscribe(events.syncFinished, handler);
}
