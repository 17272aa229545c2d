/**
 * What syncs which way with an app, as each connection card shows it: one line
 * ("contacts ↔ · tasks → · tags ✕ …") with the reason behind each part as its tooltip.
 */
import type { CapabilityFlow, CapabilityView } from "../platform";

const ARROWS: Record<CapabilityFlow, string> = {
  both: "↔",
  toApp: "→",
  toGhl: "←",
  none: "✕",
};

/** The arrow of a flow: ↔ both ways, → from GHL into the app, ← into GHL, ✕ not at all. */
export function flowArrow(flow: CapabilityFlow): string {
  return ARROWS[flow];
}

/** The flow in words, naming the app. */
export function flowWords(flow: CapabilityFlow, appName: string): string {
  switch (flow) {
    case "both":
      return "both ways";
    case "toApp":
      return `from GHL into ${appName} only`;
    case "toGhl":
      return `from ${appName} into GHL only`;
    case "none":
      return `${appName}'s API cannot hold them`;
  }
}

export type CapabilityPart = {
  /** "contacts ↔" */
  text: string;
  /** "contacts: both ways — keyed by email; …", for the tooltip. */
  title: string;
  flow: CapabilityFlow;
};

/** One part per kind of record, in the order the Rust side lists them. */
export function capabilityParts(capabilities: CapabilityView[], appName: string): CapabilityPart[] {
  return capabilities.map((c) => ({
    text: `${c.object} ${flowArrow(c.flow)}`,
    title: `${c.object}: ${flowWords(c.flow, appName)} — ${c.note}`,
    flow: c.flow,
  }));
}

/** The whole line, parts joined by " · " (the CLI prints the same line). */
export function capabilityLine(capabilities: CapabilityView[]): string {
  return capabilities.map((c) => `${c.object} ${flowArrow(c.flow)}`).join(" · ");
}

/** What the app's API cannot hold, for saying so under the line. */
export function cannotHold(capabilities: CapabilityView[]): CapabilityView[] {
  return capabilities.filter((c) => c.flow === "none");
}
