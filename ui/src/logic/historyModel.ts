import type { ConflictView, OperationView, RunView } from "../platform";

/** Who started a run, in the operator's words. */
export function triggerLabel(run: Pick<RunView, "trigger" | "dryRun">): string {
  if (run.dryRun) return "Preview";
  switch (run.trigger) {
    case "schedule":
      return "Scheduled";
    case "manual":
      return "You, in the window";
    case "cli":
      return "Command line";
    case "undo":
      return "Undo";
    case "conflict":
      return "Conflict settled";
    default:
      return run.trigger.charAt(0).toUpperCase() + run.trigger.slice(1);
  }
}

export function statusLabel(status: string): string {
  switch (status) {
    case "succeeded":
      return "Succeeded";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
    case "running":
      return "Running";
    default:
      return status.charAt(0).toUpperCase() + status.slice(1);
  }
}

/** "850 ms", "12 s", "3 min 4 s"; "running" when it has not ended. */
export function durationLabel(ms: number | null): string {
  if (ms === null) return "running";
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** What became of a journaled write: written, failed (and how), or not sent. */
export type Outcome = "written" | "failed" | "skipped";

export function outcomeOf(state: string): Outcome {
  if (state === "done") return "written";
  if (state === "failed" || state === "dead" || state === "sent") return "failed";
  return "skipped";
}

export function stateLabel(state: string): string {
  switch (state) {
    case "done":
      return "Written";
    case "dead":
      return "Refused by the app";
    case "failed":
      return "Failed: tried again by the next sync";
    case "sent":
      return "Sent, answer not confirmed";
    case "pending":
      return "Not sent";
    default:
      return state;
  }
}

export type OperationFilter = { query: string; outcome: Outcome | "all"; kind: string };

/** The kinds of record a list of operations touches, for the filter. */
export function kindsOf(ops: readonly OperationView[]): string[] {
  return [...new Set(ops.map((op) => op.objectKind))].sort();
}

/**
 * The operations matching every part of the filter: the outcome, the kind, and every word of
 * the query somewhere in the contact, kind, action, values or the app's message (any case).
 */
export function filterOperations(ops: readonly OperationView[], filter: OperationFilter): OperationView[] {
  const words = filter.query.toLowerCase().split(/\s+/).filter(Boolean);
  return ops.filter((op) => {
    if (filter.outcome !== "all" && outcomeOf(op.state) !== filter.outcome) return false;
    if (filter.kind !== "" && op.objectKind !== filter.kind) return false;
    if (words.length === 0) return true;
    const text = [op.contactName, op.contactId, op.objectKind, op.action, op.before, op.after, op.lastError, op.reason]
      .filter((part): part is string => typeof part === "string")
      .join(" ")
      .toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** Field values as the journal keeps them (`[[field, value], …]`), read for people. */
export function fieldValues(text: string | null): string {
  if (text === null) return "—";
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((p) => Array.isArray(p) && p.length === 2)) {
      return (parsed as [unknown, unknown][])
        .map(([field, value]) => `${String(field)}: ${value === null || value === "" ? "(empty)" : typeof value === "string" ? value : JSON.stringify(value)}`)
        .join("; ");
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return text;
}

/** One value an undo writes back. */
export type UndoLine = { where: string; contact: string; values: string };

export type UndoPlan = {
  /** Contact fields written back, per record, where it still holds what the run wrote. */
  restores: UndoLine[];
  /** Records the run created: they stay (undo deletes nothing). */
  createdKept: number;
  /** Records it deleted, as the operator approved: they stay deleted. */
  deletedKept: number;
  /** Tasks, notes and events it wrote: they stay as they are. */
  activitiesKept: number;
};

/**
 * What undoing a run writes where, from its operations (the same rule as the engine's undo:
 * contact updates it wrote are restored; what it created or deleted, and activities, stay).
 */
export function undoPlan(ops: readonly OperationView[], connectionName: (id: string) => string): UndoPlan {
  const plan: UndoPlan = { restores: [], createdKept: 0, deletedKept: 0, activitiesKept: 0 };
  for (const op of ops) {
    if (op.state !== "done") continue;
    if (op.objectKind !== "contact") plan.activitiesKept += 1;
    else if (op.action === "delete") plan.deletedKept += 1;
    else if (op.action !== "update") plan.createdKept += 1;
    else
      plan.restores.push({
        where: connectionName(op.connectionId),
        contact: op.contactName ?? op.contactId ?? "a contact",
        values: fieldValues(op.before),
      });
  }
  return plan;
}

/** What keeping one side of a conflict writes, and into which app. */
export function conflictChoice(
  conflict: ConflictView,
  keep: "ghl" | "app",
  appName: string,
): { value: string; into: string; sentence: string } {
  const value = (keep === "ghl" ? conflict.ghl : conflict.app) ?? "";
  const into = keep === "ghl" ? appName : "GHL";
  const shown = value === "" ? "an empty value (the field is cleared)" : `“${value}”`;
  return {
    value,
    into,
    sentence: `The next sync writes ${shown} into ${conflict.field} of ${conflict.contactName} in ${into}.`,
  };
}
