import { describe, expect, it } from "vitest";
import type { KindView, PairOutcome, PlannedOperation, SyncProgress } from "../platform";
import {
  breakdownRows,
  cancelSummary,
  diffRows,
  formatDuration,
  groupOperations,
  monotone,
  pairResult,
  plannedWrites,
  planTotals,
  progressFigures,
} from "./planModel";

function op(system: string, action: string, name = "Ada"): PlannedOperation {
  return {
    system,
    action,
    contactId: `c-${name}`,
    contactName: name,
    remoteId: action === "create" ? null : "r1",
    reason: "changed in GHL",
    changes: [{ field: "Email", before: null, after: "ada@example.com" }],
  };
}

function pair(name: string, appSystem: "novi" | "ninox", operations: PlannedOperation[], conflicts = 0): PairOutcome {
  return {
    runId: `run-${name}`,
    pairName: name,
    appSystem,
    appSystemName: appSystem === "novi" ? "Novi AMS" : "Ninox",
    dryRun: true,
    cancelled: false,
    durationMs: 10,
    contactsPulled: 5,
    appRecordsPulled: 3,
    operations,
    conflicts: Array.from({ length: conflicts }, (_, i) => ({
      contactId: `c${i}`,
      contactName: "X",
      field: "Phone",
      base: null,
      ghl: "1",
      app: "2",
    })),
    breakdown: [],
    ghlRequests: 1,
    appRequests: 1,
    rateLimited: 0,
  };
}

describe("groupOperations", () => {
  it("groups by the system written to and the kind, with counts, GoHighLevel first", () => {
    const pairs = [
      pair("Sandbox Novi", "novi", [op("novi", "update"), op("ghl", "create"), op("novi", "update", "Bo"), op("novi", "create")]),
      pair("Sandbox Ninox", "ninox", [op("ninox", "create"), op("ghl", "create", "Cy")]),
    ];
    const groups = groupOperations(pairs);
    expect(groups.map((g) => [g.system, g.kind, g.count])).toEqual([
      ["GHL (from Ninox · Sandbox Ninox)", "create", 1],
      ["GHL (from Novi AMS · Sandbox Novi)", "create", 1],
      ["Ninox (Sandbox Ninox)", "create", 1],
      ["Novi AMS (Sandbox Novi)", "create", 1],
      ["Novi AMS (Sandbox Novi)", "update", 2],
    ]);
    expect(groups[4]?.operations.map((o) => o.contactName)).toEqual(["Ada", "Bo"]);
  });

  it("returns no groups for an empty plan", () => {
    expect(groupOperations([pair("Sandbox Novi", "novi", [])])).toEqual([]);
  });

  it("totals operations and conflicts over every pair", () => {
    const pairs = [pair("A", "novi", [op("novi", "update")], 2), pair("B", "ninox", [op("ghl", "create"), op("ninox", "update")])];
    expect(planTotals(pairs)).toEqual({ operations: 3, conflicts: 2, pairs: 2 });
  });
});

describe("diffRows", () => {
  it("shows each change before and after, naming empty values", () => {
    const rows = diffRows({
      ...op("novi", "update"),
      changes: [
        { field: "Email", before: null, after: "ada@example.com" },
        { field: "Phone", before: "+15550100", after: null },
        { field: "FirstName", before: "Ada", after: "Adah" },
      ],
    });
    expect(rows).toEqual([
      { field: "Email", before: "(empty)", after: "ada@example.com", cleared: false, added: true },
      { field: "Phone", before: "+15550100", after: "(empty)", cleared: true, added: false },
      { field: "FirstName", before: "Ada", after: "Adah", cleared: false, added: false },
    ]);
  });
});

function line(system: string, kind: string, planned: number, written = 0, failed = 0, skipped = 0, creates = 0): KindView {
  return { system, kind, creates, planned, written, failed, skipped, unplanned: 0 };
}

describe("breakdownRows", () => {
  const ninox = {
    ...pair("Sandbox Ninox", "ninox", []),
    breakdown: [
      line("ghl", "contacts", 12, 12, 0, 0, 12),
      line("ghl", "tasks", 3, 2, 1, 0, 3),
      line("ninox", "contacts", 5, 5),
      line("ninox", "tags", 2, 2),
      line("ninox", "notes", 4, 4),
      line("ninox", "appointments", 1, 1),
      line("ninox", "events", 2, 2),
      line("any", "deletes", 1, 0, 0, 1),
    ],
  };

  it("lists every kind of write per app, GHL creates naming the app they come from", () => {
    const rows = breakdownRows([ninox]);
    expect(rows.map((r) => [r.target, r.kind, r.planned, r.note])).toEqual([
      ["GHL", "contacts", 12, "12 creates from Ninox"],
      ["GHL", "tasks", 3, "3 creates from Ninox"],
      ["Ninox (Sandbox Ninox)", "contacts", 5, ""],
      ["Ninox (Sandbox Ninox)", "tags", 2, ""],
      ["Ninox (Sandbox Ninox)", "notes", 4, ""],
      ["Ninox (Sandbox Ninox)", "appointments", 1, ""],
      ["Ninox (Sandbox Ninox)", "events", 2, ""],
      ["either side (Sandbox Ninox)", "deletes", 1, ""],
    ]);
    expect(rows.every((r) => r.balanced)).toBe(true);
  });

  it("flags a line whose written, failed and skipped do not add up to planned", () => {
    const odd = { ...ninox, breakdown: [line("ghl", "contacts", 3, 1, 0, 0)] };
    expect(breakdownRows([odd])[0]?.balanced).toBe(false);
  });

  it("counts planned writes without the tag lines (inside contact writes) or deletes", () => {
    expect(plannedWrites([ninox])).toBe(12 + 3 + 5 + 4 + 1 + 2);
  });

  it("never says nothing was applied when a pair wrote tasks only", () => {
    const tasksOnly = { ...pair("Sandbox Nifty", "ninox", []), dryRun: false, breakdown: [line("ghl", "tasks", 4, 4)] };
    expect(pairResult(tasksOnly)).toBe("4 written");
    expect(pairResult({ ...tasksOnly, breakdown: [] })).toBe("nothing to write");
  });

  it("says what a cancel did and did not do", () => {
    const cancelled = { ...ninox, cancelled: true, breakdown: [line("ghl", "contacts", 10, 4, 0, 6)] };
    expect(pairResult(cancelled)).toBe("4 written, 6 not sent (cancelled)");
    expect(cancelSummary([cancelled])).toBe(
      "Cancelled: 4 writes were made and stay; 6 were not sent — the next sync plans them again.",
    );
    expect(cancelSummary([ninox])).toBeNull();
  });
});

function progress(done: number, total: number, extra: Partial<SyncProgress> = {}): SyncProgress {
  return {
    work: "apply",
    done,
    total,
    ratePerSecond: 0,
    etaSeconds: null,
    pair: 0,
    pairs: 0,
    pairName: "",
    phase: "contacts",
    pairDone: 0,
    pairTotal: 0,
    ...extra,
  };
}

describe("monotone progress", () => {
  it("never lets done or total go down", () => {
    let shown = monotone(null, progress(10, 100));
    shown = monotone(shown, progress(8, 90));
    expect([shown.done, shown.total]).toEqual([10, 100]);
    shown = monotone(shown, progress(120, 110));
    expect([shown.done, shown.total]).toEqual([120, 120]);
  });

  it("starts over for a new sync", () => {
    const shown = monotone(progress(50, 50), progress(1, 10, { work: "scheduled" }));
    expect([shown.done, shown.total]).toEqual([1, 10]);
  });

  it("names the pair, the app and the phase", () => {
    const p = progress(40, 200, { pair: 3, pairs: 5, pairName: "Ninox", phase: "contacts", pairDone: 34, pairTotal: 98, ratePerSecond: 4, etaSeconds: 40 });
    expect(progressFigures(p).text).toBe("pair 3 of 5 · Ninox · contacts 34/98 · 40 / 200 · 4.0 per second · about 40 s left");
  });
});

describe("progressFigures", () => {
  it("reports done/total, rate and time left while running", () => {
    expect(progressFigures(progress(25, 100, { ratePerSecond: 12.5, etaSeconds: 6 }))).toEqual({
      percent: 25,
      text: "25 / 100 · 12.5 per second · about 6 s left",
    });
  });

  it("reaches exactly 100% when done, without a time left", () => {
    expect(progressFigures(progress(100, 100, { ratePerSecond: 20, etaSeconds: 0 }))).toEqual({
      percent: 100,
      text: "100 / 100 · 20.0 per second",
    });
  });

  it("never rounds up to 100% before the end", () => {
    expect(progressFigures(progress(999, 1000)).percent).toBe(99);
  });

  it("treats an empty apply as complete, and no event yet or the first word of a sync as starting", () => {
    expect(progressFigures(progress(0, 0, { pair: 1, pairs: 1 })).percent).toBe(100);
    expect(progressFigures(null)).toEqual({ percent: 0, text: "starting…" });
    // SyncProgress::started: sent before any pair runs, its total may still be unknown (0).
    expect(progressFigures(progress(0, 0, { pairs: 0 }))).toEqual({ percent: 0, text: "starting…" });
    expect(progressFigures(progress(0, 120, { pairs: 0 }))).toEqual({ percent: 0, text: "starting…" });
  });

  it("formats durations in seconds, minutes and hours", () => {
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(185)).toBe("3 min 5 s");
    expect(formatDuration(3720)).toBe("1 h 2 min");
  });
});
