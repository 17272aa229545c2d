import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { PairOutcome } from "../../platform";
import { BreakdownTable } from "./PlanView";

/** A preview of one pair whose welcome rule writes a note and tasks beside a contact update. */
const WITH_RULE: PairOutcome = {
  runId: "run-1",
  pairName: "GHL ↔ Novi AMS",
  appSystem: "novi",
  appSystemName: "Novi AMS",
  dryRun: true,
  cancelled: false,
  durationMs: 10,
  contactsPulled: 1,
  appRecordsPulled: 1,
  operations: [],
  conflicts: [],
  breakdown: [
    { system: "novi", kind: "contacts", creates: 1, planned: 1, written: 0, failed: 0, skipped: 0, unplanned: 0 },
    { system: "ghl", kind: "notes by rule: welcome note", creates: 1, planned: 1, written: 0, failed: 0, skipped: 0, unplanned: 0 },
    { system: "novi", kind: "tasks by rule: welcome note", creates: 2, planned: 2, written: 0, failed: 0, skipped: 0, unplanned: 0 },
  ],
  ghlRequests: 1,
  appRequests: 1,
  rateLimited: 0,
};

describe("BreakdownTable", () => {
  it("shows a rule's writes as lines of their own, named by the rule", () => {
    render(<BreakdownTable pairs={[WITH_RULE]} applied={false} />);
    const table = screen.getByRole("table", { name: "What the plan writes, per app and kind" });
    const rows = within(table).getAllByTestId("breakdown-row");
    const byRule = rows.filter((r) => r.textContent?.includes("by rule: welcome note"));
    expect(byRule.map((r) => [r.getAttribute("data-kind"), r.getAttribute("data-planned")])).toEqual([
      ["notes by rule: welcome note", "1"],
      ["tasks by rule: welcome note", "2"],
    ]);
    // The person's own contact write stays its own line.
    expect(rows.some((r) => r.getAttribute("data-kind") === "contacts")).toBe(true);
  });
});
