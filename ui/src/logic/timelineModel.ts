/** The contact timeline's logic: which apps and kinds it holds, and filtering by them. */
import type { TimelineItem } from "../platform";

const SYSTEM_NAMES: Record<string, string> = {
  ghl: "GHL",
  novi: "Novi AMS",
  ninox: "Ninox",
  nifty: "Nifty",
  niftyimages: "NiftyImages",
  connectif: "Connectif",
};

export function systemName(system: string): string {
  return SYSTEM_NAMES[system] ?? system;
}

export type TimelineFilter = { system: string | null; kind: string | null };

/** The distinct values of one property, in first-seen order. */
function distinct(events: TimelineItem[], pick: (e: TimelineItem) => string): string[] {
  return [...new Set(events.map(pick))];
}

export function timelineOptions(events: TimelineItem[]): { systems: string[]; kinds: string[] } {
  return { systems: distinct(events, (e) => e.system), kinds: distinct(events, (e) => e.kind) };
}

/** The events of the chosen app and kind (null = any), newest first. */
export function filterTimeline(events: TimelineItem[], filter: TimelineFilter): TimelineItem[] {
  return events
    .filter((e) => (filter.system === null || e.system === filter.system) && (filter.kind === null || e.kind === filter.kind))
    .slice()
    .reverse();
}

/** A field change reads "before → after"; other events have no change line. */
export function changeLine(event: TimelineItem): string | null {
  if (event.beforeValue === null && event.afterValue === null) return null;
  if (event.kind !== "field") return null;
  return `${event.beforeValue ?? "(empty)"} → ${event.afterValue ?? "(empty)"}`;
}

/** Where one copy (or the original) of an activity is, and who made it. */
export type Copy = { system: string; occurredAt: string; byBridge: boolean };

/**
 * One activity as a person sees it: made once in one app (the origin), copied to others by
 * Contact Bridge. Field and tag changes are activities of their own (never grouped).
 */
export type Activity = {
  key: string;
  kind: string;
  title: string;
  body: string;
  origin: Copy;
  copies: Copy[];
  /** Every event the activity gathers, oldest first (the per-app details). */
  events: TimelineItem[];
};

const GROUPED_KINDS = new Set(["task", "note", "appointment"]);

function norm(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

function copyOf(event: TimelineItem): Copy {
  return { system: event.system, occurredAt: event.occurredAt, byBridge: event.runId !== null };
}

/**
 * Gathers a contact's events into activities, oldest first: a task, note or appointment with
 * the same kind and title in another app is a copy of the first one seen, unless that app
 * already has its copy (then it is another activity with the same title). The origin is the
 * earliest event a person made (not written by Contact Bridge), else the earliest.
 */
export function groupActivities(events: TimelineItem[]): Activity[] {
  const sorted = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt) || a.index - b.index)
    .map((x) => x.event);
  const activities: Activity[] = [];
  const open = new Map<string, Activity[]>();
  sorted.forEach((event, i) => {
    const key = `${event.kind}|${norm(event.title)}`;
    const candidates = GROUPED_KINDS.has(event.kind) ? (open.get(key) ?? []) : [];
    // An app holds one copy of an activity: its event, or Contact Bridge's write there and
    // the same record read back by the next pull (an echo, not a second activity).
    const accepts = (a: Activity) => {
      const here = a.events.filter((e) => e.system === event.system);
      if (here.length === 0) return true;
      const echo = event.runId === null && here.length === 1 && here[0]?.runId !== null;
      return echo;
    };
    const found = candidates.find(accepts);
    if (found) {
      found.events.push(event);
      return;
    }
    const activity: Activity = {
      key: `${key}|${i}`,
      kind: event.kind,
      title: event.title,
      body: event.body,
      origin: copyOf(event),
      copies: [],
      events: [event],
    };
    activities.push(activity);
    if (GROUPED_KINDS.has(event.kind)) open.set(key, [...candidates, activity]);
  });
  for (const activity of activities) {
    const made = activity.events.find((e) => e.runId === null) ?? activity.events[0];
    if (!made) continue;
    activity.origin = copyOf(made);
    activity.body = made.body || activity.events.find((e) => e.body)?.body || "";
    // One copy per other app: Contact Bridge's write there when it made one.
    const bySystem = new Map<string, Copy>();
    for (const e of activity.events) {
      if (e.system === made.system) continue;
      const seen = bySystem.get(e.system);
      if (!seen || (!seen.byBridge && e.runId !== null)) bySystem.set(e.system, copyOf(e));
    }
    activity.copies = [...bySystem.values()];
  }
  return activities;
}

/** "copied to GHL · Nifty by Contact Bridge", or null when the activity has no copies. */
export function copiesLine(activity: Activity): string | null {
  if (activity.copies.length === 0) return null;
  const names = activity.copies.map((c) => shortName(c.system)).join(" · ");
  return `copied to ${names} by Contact Bridge`;
}

function shortName(system: string): string {
  return system === "ghl" ? "GHL" : systemName(system);
}

export type TimelineRow =
  | { type: "heading"; key: string; label: string }
  | { type: "activity"; key: string; activity: Activity };

/** The day an instant falls on, in the operator's zone, as YYYY-MM-DD. */
export function localDay(instant: string): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The timeline as rows, newest first: upcoming appointments apart at the top, then one heading
 * per day followed by that day's activities.
 */
export function timelineRows(activities: Activity[], now: Date): TimelineRow[] {
  const upcoming = activities
    .filter((a) => a.kind === "appointment" && new Date(a.origin.occurredAt).getTime() > now.getTime())
    .sort((a, b) => a.origin.occurredAt.localeCompare(b.origin.occurredAt));
  const past = activities.filter((a) => !upcoming.includes(a)).slice().reverse();
  const rows: TimelineRow[] = [];
  if (upcoming.length > 0) {
    rows.push({ type: "heading", key: "h-upcoming", label: "Upcoming appointments" });
    for (const a of upcoming) rows.push({ type: "activity", key: a.key, activity: a });
  }
  let day: string | null = null;
  for (const a of past) {
    const d = localDay(a.origin.occurredAt);
    if (d !== day) {
      day = d;
      rows.push({ type: "heading", key: `h-${d}`, label: d });
    }
    rows.push({ type: "activity", key: a.key, activity: a });
  }
  return rows;
}
