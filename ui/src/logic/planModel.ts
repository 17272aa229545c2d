/** The Sync page's logic: a plan grouped by system and kind, diffs, and progress figures. */
import type { KindView, PairOutcome, PlannedOperation, SyncProgress } from "../platform";

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

/** GHL writes name the app they come from; app writes name the app and pair. */
function systemLabel(pair: PairOutcome, op: PlannedOperation): string {
  return op.system === "ghl" ? `GHL (from ${pair.appSystemName} · ${pair.pairName})` : `${pair.appSystemName} (${pair.pairName})`;
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
      const key = `${op.system === "ghl" ? "ghl:" : `${op.system}:`}${pair.pairName}|${op.action}`;
      const group = groups.get(key) ?? { key, system, kind: op.action, count: 0, operations: [] };
      group.count += 1;
      group.operations.push(op);
      groups.set(key, group);
    }
  }
  const rank = (g: PlanGroup) => (g.key.startsWith("ghl:") ? 0 : 1);
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

const SYSTEM_NAMES: Record<string, string> = {
  ghl: "GHL",
  novi: "Novi AMS",
  ninox: "Ninox",
  connectif: "Connectif",
  niftyimages: "NiftyImages",
  nifty: "Nifty",
  any: "either side",
};

export function systemName(system: string): string {
  return SYSTEM_NAMES[system] ?? system;
}

export type BreakdownRow = {
  key: string;
  pairName: string;
  /** Where the writes go, e.g. "GHL" or "Ninox (Sandbox Ninox)". */
  target: string;
  kind: string;
  /** e.g. "12 creates from Ninox" for GHL creates; empty when none. */
  note: string;
  planned: number;
  written: number;
  failed: number;
  skipped: number;
  unplanned: number;
  /** planned = written + failed + skipped (always true of an applied line). */
  balanced: boolean;
};

/**
 * Every kind of write per pair and app, in the engine's order (GHL first): what the preview
 * plans, and after an apply what happened to each. A GHL create names the app it comes from.
 */
export function breakdownRows(pairs: PairOutcome[]): BreakdownRow[] {
  return pairs.flatMap((pair) =>
    pair.breakdown.map((line: KindView) => {
      const target = line.system === "ghl" ? "GHL" : `${systemName(line.system)} (${pair.pairName})`;
      const from = line.system === "ghl" ? pair.appSystemName : "GHL";
      return {
        key: `${pair.pairName}|${line.system}|${line.kind}`,
        pairName: pair.pairName,
        target,
        kind: line.kind,
        note: line.creates > 0 ? `${line.creates} ${line.creates === 1 ? "create" : "creates"} from ${from}` : "",
        planned: line.planned,
        written: line.written,
        failed: line.failed,
        skipped: line.skipped,
        unplanned: line.unplanned,
        balanced: line.planned === line.written + line.failed + line.skipped,
      };
    }),
  );
}

/** The writes of a plan, tag lines left out (they count contact writes that change tags). */
export function plannedWrites(pairs: PairOutcome[]): number {
  return pairs
    .flatMap((p) => p.breakdown)
    .filter((l) => l.kind !== "tags" && l.kind !== "deletes")
    .reduce((n, l) => n + l.planned, 0);
}

/** One pair's result in a sentence: never "nothing applied" when it wrote. */
export function pairResult(pair: PairOutcome): string {
  const lines = pair.breakdown.filter((l) => l.kind !== "tags" && l.kind !== "deletes");
  const sum = (f: (l: KindView) => number) => lines.reduce((n, l) => n + f(l), 0);
  const written = sum((l) => l.written) + sum((l) => l.unplanned);
  const failed = sum((l) => l.failed);
  const skipped = sum((l) => l.skipped);
  if (written + failed + skipped === 0) return "nothing to write";
  const parts = [`${written} written`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (skipped > 0) parts.push(`${skipped} ${pair.cancelled ? "not sent (cancelled)" : "skipped"}`);
  return parts.join(", ");
}

/** What a cancelled apply did and did not do. */
export function cancelSummary(pairs: PairOutcome[]): string | null {
  if (!pairs.some((p) => p.cancelled)) return null;
  const lines = pairs.flatMap((p) => p.breakdown).filter((l) => l.kind !== "tags" && l.kind !== "deletes");
  const written = lines.reduce((n, l) => n + l.written, 0);
  const notSent = lines.reduce((n, l) => n + l.skipped, 0);
  return `Cancelled: ${written} writes were made and stay; ${notSent} were not sent — the next sync plans them again.`;
}

export type ProgressFigures = { percent: number; text: string };

/** The progress bar's percent (whole, 0–100) and its caption: done/total, rate and ETA. */
export function progressFigures(progress: SyncProgress | null): ProgressFigures {
  // The first word of a sync names no pair yet: it has started, nothing is measured.
  if (!progress || (progress.pairs === 0 && progress.done === 0)) return { percent: 0, text: "starting…" };
  if (progress.total === 0) return { percent: 100, text: "nothing to write" };
  const percent = Math.min(100, Math.floor((progress.done / progress.total) * 100));
  const parts = [`${progress.done} / ${progress.total}`];
  if (progress.pairs > 0 && progress.pairName) {
    parts.unshift(
      `pair ${progress.pair} of ${progress.pairs} · ${progress.pairName} · ${progress.phase} ${progress.pairDone}/${progress.pairTotal}`,
    );
  }
  if (progress.ratePerSecond > 0) parts.push(`${progress.ratePerSecond.toFixed(1)} per second`);
  if (progress.etaSeconds !== null && progress.done < progress.total) {
    parts.push(`about ${formatDuration(progress.etaSeconds)} left`);
  }
  return { percent, text: parts.join(" · ") };
}

/** The next progress to show: done and total never go down (events may arrive out of order). */
export function monotone(previous: SyncProgress | null, next: SyncProgress): SyncProgress {
  if (!previous || previous.work !== next.work) return next;
  const done = Math.max(previous.done, next.done);
  return { ...next, done, total: Math.max(previous.total, next.total, done) };
}
