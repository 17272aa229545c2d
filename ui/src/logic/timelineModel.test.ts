import { describe, expect, it } from "vitest";
import type { TimelineItem } from "../platform";
import { changeLine, filterTimeline, systemName, timelineOptions } from "./timelineModel";

function event(system: string, kind: string, title: string, before: string | null = null, after: string | null = null): TimelineItem {
  return { system, kind, occurredAt: "2026-11-23T09:00:00Z", title, body: "", beforeValue: before, afterValue: after, runId: null };
}

const EVENTS: [TimelineItem, TimelineItem, TimelineItem, TimelineItem] = [
  event("ghl", "task", "Call back"),
  event("novi", "field", "Email changed", "a@x.org", "b@x.org"),
  event("ghl", "note", "Met at the fair"),
  event("ninox", "field", "Phone changed", null, "+15550100"),
];

describe("timeline filters", () => {
  it("lists the apps and kinds present, once each", () => {
    expect(timelineOptions(EVENTS)).toEqual({ systems: ["ghl", "novi", "ninox"], kinds: ["task", "field", "note"] });
  });

  it("keeps only the chosen app and kind, newest first", () => {
    expect(filterTimeline(EVENTS, { system: "ghl", kind: null }).map((e) => e.title)).toEqual(["Met at the fair", "Call back"]);
    expect(filterTimeline(EVENTS, { system: null, kind: "field" }).map((e) => e.title)).toEqual(["Phone changed", "Email changed"]);
    expect(filterTimeline(EVENTS, { system: "novi", kind: "task" })).toEqual([]);
  });

  it("shows a field change as before → after, empty values named", () => {
    expect(changeLine(EVENTS[1])).toBe("a@x.org → b@x.org");
    expect(changeLine(EVENTS[3])).toBe("(empty) → +15550100");
    expect(changeLine(EVENTS[0])).toBeNull();
  });

  it("names the apps", () => {
    expect(systemName("novi")).toBe("Novi AMS");
    expect(systemName("other")).toBe("other");
  });
});
