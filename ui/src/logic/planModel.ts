/** The Sync page's logic: a plan grouped by system and kind, diffs, and progress figures. */
import type { PairOutcome, PlannedOperation, SyncProgress } from "../platform";

export type PlanGroup = {
  /** e.g. `ghl|create` or `novi:Sandbox Novi|update`. */
  key: string;
  /** The system written to, as the operator reads it. */
  system: string;
  /** create or update. */
  kind: string;
  count: number;
  operations: PlannedOperation[];
};

function systemLabel(pair: PairOutcome, op: PlannedOperation): string {
  return op.system === "ghl" ? "GoHighLevel" : `${pair.appSystemName} (${pair.pairName})`;
}

/**
 * Every planned operation of every pair, grouped by the system it writes to and its kind,
 * GoHighLevel first, then the apps in order; creates before updates.
 */
export function groupOperations(pairs: PairOutcome[]): PlanGroup[] {
  const groups = new Map<string, PlanGroup>();
  for (const pair of pairs) {
    for (const op of pair.operations) {
      const system = systemLabel(pair, op);
      const key = `${op.system === "ghl" ? "ghl" : `${op.system}:${pair.pairName}`}|${op.action}`;
      const group = groups.get(key) ?? { key, system, kind: op.action, count: 0, operations: [] };
      group.count += 1;
      group.operations.push(op);
      groups.set(key, group);
    }
  }
  const rank = (g: PlanGroup) => (g.key.startsWith("ghl|") ? 0 : 1);
  return [...groups.values()].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.system.localeCompare(b.system) ||
      a.kind.localeCompare(b.kind),
  );
}

export type PlanTotals = { operations: number; conflicts: number; pairs: number };

export function planTotals(pairs: PairOutcome[]): PlanTotals {
  return {
    operations: pairs.reduce((n, p) => n + p.operations.length, 0),
    conflicts: pairs.reduce((n, p) => n + p.conflicts.length, 0),
    pairs: pairs.length,
  };
}

export type DiffRow = { field: string; before: string; after: string; cleared: boolean; added: boolean };

/** One operation's field changes, as rows: empty values shown as "(empty)". */
export function diffRows(op: PlannedOperation): DiffRow[] {
  return op.changes.map((c) => ({
    field: c.field,
    before: c.before ?? "(empty)",
    after: c.after ?? "(empty)",
    cleared: c.after === null,
    added: c.before === null,
  }));
}

/** "12 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export type ProgressFigures = { percent: number; text: string };

/** The progress bar's percent (whole, 0–100) and its caption: done/total, rate and ETA. */
export function progressFigures(progress: SyncProgress | null): ProgressFigures {
  if (!progress || progress.total === 0) {
    return { percent: progress ? 100 : 0, text: progress ? "nothing to write" : "starting…" };
  }
  const percent = Math.min(100, Math.floor((progress.done / progress.total) * 100));
  const parts = [`${progress.done} / ${progress.total}`];
  if (progress.ratePerSecond > 0) parts.push(`${progress.ratePerSecond.toFixed(1)} per second`);
  if (progress.etaSeconds !== null && progress.done < progress.total) {
    parts.push(`about ${formatDuration(progress.etaSeconds)} left`);
  }
  return { percent, text: parts.join(" · ") };
}
