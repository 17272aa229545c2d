/** The contact timeline's logic: which apps and kinds it holds, and filtering by them. */
import type { TimelineItem } from "../platform";

const SYSTEM_NAMES: Record<string, string> = {
  ghl: "GoHighLevel",
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
