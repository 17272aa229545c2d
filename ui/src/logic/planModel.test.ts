import { describe, expect, it } from "vitest";
import type { PairOutcome, PlannedOperation } from "../platform";
import { diffRows, formatDuration, groupOperations, planTotals, progressFigures } from "./planModel";

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
    applied: null,
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
      ["GoHighLevel", "create", 2],
      ["Ninox (Sandbox Ninox)", "create", 1],
      ["Novi AMS (Sandbox Novi)", "create", 1],
      ["Novi AMS (Sandbox Novi)", "update", 2],
    ]);
    expect(groups[3]?.operations.map((o) => o.contactName)).toEqual(["Ada", "Bo"]);
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

describe("progressFigures", () => {
  it("reports done/total, rate and time left while running", () => {
    expect(progressFigures({ done: 25, total: 100, ratePerSecond: 12.5, etaSeconds: 6 })).toEqual({
      percent: 25,
      text: "25 / 100 · 12.5 per second · about 6 s left",
    });
  });

  it("reaches exactly 100% when done, without a time left", () => {
    expect(progressFigures({ done: 100, total: 100, ratePerSecond: 20, etaSeconds: 0 })).toEqual({
      percent: 100,
      text: "100 / 100 · 20.0 per second",
    });
  });

  it("never rounds up to 100% before the end", () => {
    expect(progressFigures({ done: 999, total: 1000, ratePerSecond: 0, etaSeconds: null }).percent).toBe(99);
  });

  it("treats an empty apply as complete and no event yet as starting", () => {
    expect(progressFigures({ done: 0, total: 0, ratePerSecond: 0, etaSeconds: null }).percent).toBe(100);
    expect(progressFigures(null)).toEqual({ percent: 0, text: "starting…" });
  });

  it("formats durations in seconds, minutes and hours", () => {
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(185)).toBe("3 min 5 s");
    expect(formatDuration(3720)).toBe("1 h 2 min");
  });
});
