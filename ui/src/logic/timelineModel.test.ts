import { describe, expect, it } from "vitest";
import type { TimelineItem } from "../platform";
import { changeLine, copiesLine, filterTimeline, groupActivities, localDay, systemName, timelineOptions, timelineRows } from "./timelineModel";

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

function at(system: string, kind: string, title: string, occurredAt: string, runId: string | null = null, body = ""): TimelineItem {
  return { system, kind, occurredAt, title, body, beforeValue: null, afterValue: null, runId };
}

describe("one timeline entry per activity", () => {
  it("a task made in Novi AMS and copied to GHL and Nifty is one entry, its origin the person's", () => {
    const events = [
      at("novi", "task", "Task added: Send the pack", "2026-11-30T09:00:00Z", null, "From the desk"),
      at("ghl", "task", "Task added: Send the pack", "2026-11-30T09:05:00Z", "run-1"),
      at("nifty", "task", "Task added: Send the pack", "2026-11-30T09:06:00Z", "run-2"),
      // GHL's copy read back by the next pull: an echo, not a new activity.
      at("ghl", "task", "Task added: Send the pack", "2026-11-30T09:10:00Z"),
      at("ghl", "field", "email changed", "2026-11-30T09:11:00Z"),
    ];
    const activities = groupActivities(events);
    expect(activities).toHaveLength(2);
    const task = activities[0]!;
    expect(task.origin).toEqual({ system: "novi", occurredAt: "2026-11-30T09:00:00Z", byBridge: false });
    expect(task.body).toBe("From the desk");
    expect(task.events).toHaveLength(4);
    expect(copiesLine(task)).toBe("copied to GHL · Nifty by Contact Bridge");
    expect(copiesLine(activities[1]!)).toBeNull();
  });

  it("two tasks with one title in the same app stay two activities", () => {
    const events = [
      at("ghl", "task", "Task added: Call", "2026-11-30T09:00:00Z"),
      at("ghl", "task", "Task added: Call", "2026-11-30T10:00:00Z"),
    ];
    expect(groupActivities(events)).toHaveLength(2);
  });

  it("lists upcoming appointments apart, then days newest first with a heading each", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    const events = [
      at("ghl", "task", "Task added: A", "2026-11-29T09:00:00Z"),
      at("ghl", "note", "Note added: B", "2026-11-30T09:00:00Z"),
      at("ghl", "task", "Task added: C", "2026-11-30T10:00:00Z"),
      at("ghl", "appointment", "Appointment added: D", "2026-12-03T10:00:00Z"),
    ];
    const rows = timelineRows(groupActivities(events), now);
    expect(rows.map((r) => (r.type === "heading" ? `# ${r.label}` : r.activity.title))).toEqual([
      "# Upcoming appointments",
      "Appointment added: D",
      `# ${localDay("2026-11-30T10:00:00Z")}`,
      "Task added: C",
      "Note added: B",
      `# ${localDay("2026-11-29T09:00:00Z")}`,
      "Task added: A",
    ]);
  });
});
