/** The Overview's rules: one status per pair, from its figures and what runs now. */
import type { PairHealthView, ReviewView } from "../platform";

export type PairStatus = "reconnect" | "syncing" | "never synced" | "needs attention" | "healthy";

/** Everything waiting for the operator or failing on a pair. */
export function waiting(pair: PairHealthView): number {
  return pair.deadLetters + pair.failedForNow + pair.conflicts + pair.reviews + pair.deletesWaiting;
}

/**
 * The first rule that holds: a connection that must sign in again; a sync running now (that
 * writes); never synced; something failing or waiting, or the last run failed; else healthy.
 */
export function pairStatus(pair: PairHealthView, running: string | null): PairStatus {
  if (pair.reconnect) return "reconnect";
  if (running !== null && running !== "preview") return "syncing";
  if (pair.lastRunAt === null) return "never synced";
  if (waiting(pair) > 0 || pair.lastRunStatus === "failed" || pair.lastSuccessAt === null) return "needs attention";
  return "healthy";
}

/** A status as the operator reads it, with what to do when there is something to do. */
export function statusHint(pair: PairHealthView, status: PairStatus): string {
  switch (status) {
    case "reconnect":
      return "Sign in again on the Connections page.";
    case "syncing":
      return "A sync is running.";
    case "never synced":
      return "Preview and apply a first sync on the Sync page.";
    case "needs attention":
      if (pair.lastRunStatus === "failed") return `The last sync failed: ${pair.lastRunError ?? "see History"}.`;
      return `${waiting(pair)} ${waiting(pair) === 1 ? "item waits" : "items wait"} for you below.`;
    case "healthy":
      return "In order.";
  }
}

/** A review in words: the record, what happened, and who it could be. */
export function reviewText(r: ReviewView, systemName: string): string {
  const where = r.matchKey === "ghl" ? "GHL" : systemName;
  const who = r.summary || `${where} ${r.objectKind} ${r.remoteId}`;
  switch (r.reason) {
    case "ambiguous":
      return `${who}: its ${r.matchKey} matches ${r.candidates.join(", ")}. Which contact is it?`;
    case "mismatch":
      return `${who}: the record found does not hold what was sent${r.candidates.length > 0 ? ` (it could be ${r.candidates.join(", ")})` : ""}.`;
    case "deleted":
      return `${who}: deleted in ${where}; its copy waits for you.`;
    case "not_found":
      return `${who}: ${where} no longer has it; its copy waits for you.`;
    default:
      return `${who}: ${r.reason}.`;
  }
}

