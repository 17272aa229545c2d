import { describe, expect, it } from "vitest";
import type { PairHealthView } from "../platform";
import { pairStatus, statusHint, waiting } from "./overviewModel";

function pair(extra: Partial<PairHealthView> = {}): PairHealthView {
  return {
    pairId: "p1",
    pairName: "Sandbox Novi",
    system: "novi",
    systemName: "Novi AMS",
    reconnect: false,
    inSync: 40,
    deadLetters: 0,
    failedForNow: 0,
    conflicts: 0,
    reviews: 0,
    deletesWaiting: 0,
    onlyInApp: 3,
    lastSuccessAt: "2026-12-01T10:00:00Z",
    lastRunAt: "2026-12-01T09:59:00Z",
    lastRunStatus: "succeeded",
    lastRunError: null,
    ...extra,
  };
}

describe("the overview's status rules", () => {
  it("is healthy when the last sync succeeded and nothing waits (only-in-app records are no problem)", () => {
    expect(pairStatus(pair(), null)).toBe("healthy");
  });

  it("says reconnect before anything else", () => {
    expect(pairStatus(pair({ reconnect: true, deadLetters: 2 }), "apply")).toBe("reconnect");
    expect(statusHint(pair(), "reconnect")).toMatch(/Sign in again/);
  });

  it("is syncing while an apply, a retry or the scheduled sync runs, not while a preview does", () => {
    expect(pairStatus(pair(), "scheduled")).toBe("syncing");
    expect(pairStatus(pair(), "apply")).toBe("syncing");
    expect(pairStatus(pair(), "preview")).toBe("healthy");
  });

  it("is never synced before its first written run", () => {
    expect(pairStatus(pair({ lastRunAt: null, lastSuccessAt: null, lastRunStatus: null }), null)).toBe("never synced");
  });

  it("needs attention for each kind of waiting item and for a failed last run", () => {
    for (const extra of [{ deadLetters: 1 }, { failedForNow: 1 }, { conflicts: 2 }, { reviews: 1 }, { deletesWaiting: 1 }]) {
      expect(pairStatus(pair(extra), null)).toBe("needs attention");
    }
    const failed = pair({ lastRunStatus: "failed", lastRunError: "Novi AMS answered 503" });
    expect(pairStatus(failed, null)).toBe("needs attention");
    expect(statusHint(failed, "needs attention")).toBe("The last sync failed: Novi AMS answered 503.");
    expect(waiting(pair({ conflicts: 2, reviews: 1 }))).toBe(3);
  });
});
