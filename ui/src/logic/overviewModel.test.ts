import { describe, expect, it } from "vitest";
import type { PairHealthView } from "../platform";
import { pairStatus, reviewText, statusHint, waiting } from "./overviewModel";

function pair(extra: Partial<PairHealthView> = {}): PairHealthView {
  return {
    pairId: "p1",
    pairName: "Sandbox Novi",
    ghlName: "Main location",
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

describe("a review in words", () => {
  const review = {
    id: 3,
    pairId: "novi-1",
    objectKind: "contact",
    remoteId: "m-9",
    reason: "ambiguous",
    matchKey: "email",
    candidates: ["Ada Lovelace", "Ada King"],
    candidateIds: ["c-1", "c-2"],
    summary: "Novi AMS member Ada (ada@example.org)",
    placeable: true,
  };

  it("asks which contact an ambiguous record is, naming the candidates", () => {
    expect(reviewText(review, "Novi AMS")).toBe(
      "Novi AMS member Ada (ada@example.org): its email matches Ada Lovelace, Ada King. Which contact is it?",
    );
  });

  it("says where a record was deleted or is gone, with no raw reason shown", () => {
    expect(reviewText({ ...review, reason: "deleted", matchKey: "ghl", candidates: [] }, "Novi AMS")).toBe(
      "Novi AMS member Ada (ada@example.org): deleted in GHL; its copy waits for you.",
    );
    expect(reviewText({ ...review, reason: "not_found", matchKey: "app", summary: "" }, "Ninox")).toBe(
      "Ninox contact m-9: Ninox no longer has it; its copy waits for you.",
    );
  });
});
