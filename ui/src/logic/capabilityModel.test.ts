import { describe, expect, it } from "vitest";
import type { CapabilityView } from "../platform";
import { cannotHold, capabilityLine, capabilityParts, flowArrow, flowWords } from "./capabilityModel";

const CONNECTIF: CapabilityView[] = [
  { object: "contacts", flow: "both", note: "keyed by email; read through the contacts export" },
  { object: "tasks", flow: "toApp", note: "custom event ghl-task (events cannot be read back)" },
  { object: "notes", flow: "toApp", note: "custom event ghl-note" },
  { object: "tags", flow: "toApp", note: "a checkbox custom field" },
  { object: "appointments", flow: "toApp", note: "custom event ghl-appointment" },
];

const NIFTY: CapabilityView[] = [
  { object: "contacts", flow: "none", note: "Nifty members are workspace users, not contacts" },
  { object: "tasks", flow: "both", note: "tasks of the project you chose" },
  { object: "notes", flow: "toApp", note: "comments on the contact's tasks" },
  { object: "tags", flow: "both", note: "labels of those tasks" },
  { object: "appointments", flow: "none", note: "Nifty has no calendar objects" },
];

describe("capability line", () => {
  it("reads like the CLI's line: object and arrow, joined by a middle dot", () => {
    expect(capabilityLine(CONNECTIF)).toBe("contacts ↔ · tasks → · notes → · tags → · appointments →");
    expect(capabilityLine(NIFTY)).toBe("contacts ✕ · tasks ↔ · notes → · tags ↔ · appointments ✕");
    expect(capabilityLine([])).toBe("");
  });

  it("has one arrow per flow", () => {
    expect(["both", "toApp", "toGhl", "none"].map((f) => flowArrow(f as CapabilityView["flow"]))).toEqual([
      "↔",
      "→",
      "←",
      "✕",
    ]);
  });

  it("gives each part a tooltip saying the way in words and the app's reason", () => {
    const parts = capabilityParts(NIFTY, "Nifty");
    expect(parts.map((p) => p.text)).toEqual(["contacts ✕", "tasks ↔", "notes →", "tags ↔", "appointments ✕"]);
    expect(parts[0]?.title).toBe(
      "contacts: Nifty's API cannot hold them — Nifty members are workspace users, not contacts",
    );
    expect(parts[2]?.title).toBe("notes: from GHL into Nifty only — comments on the contact's tasks");
    expect(flowWords("toGhl", "Novi AMS")).toBe("from Novi AMS into GHL only");
    expect(flowWords("both", "Ninox")).toBe("both ways");
  });

  it("lists what the app's API cannot hold", () => {
    expect(cannotHold(NIFTY).map((c) => c.object)).toEqual(["contacts", "appointments"]);
    expect(cannotHold(CONNECTIF)).toEqual([]);
  });
});
