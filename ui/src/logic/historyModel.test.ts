import { describe, expect, it } from "vitest";
import type { ConflictView, OperationView } from "../platform";
import {
  conflictChoice,
  durationLabel,
  fieldValues,
  filterOperations,
  kindsOf,
  outcomeOf,
  stateLabel,
  triggerLabel,
  undoPlan,
} from "./historyModel";

function op(id: number, over: Partial<OperationView>): OperationView {
  return {
    id,
    runId: "run-1",
    pairId: "novi-1",
    connectionId: "novi-1",
    contactId: `c-${id}`,
    contactName: `Person ${id}`,
    objectKind: "contact",
    action: "update",
    remoteId: null,
    before: null,
    after: null,
    reason: "",
    state: "done",
    attempts: 1,
    lastError: null,
    ...over,
  };
}

const OPS: OperationView[] = [
  op(1, { before: '[["email","ada@old.example"]]', after: '[["email","ada@example.org"]]', contactName: "Ada Lovelace" }),
  op(2, { state: "dead", lastError: "422: Email is invalid", contactName: "Bob Stone" }),
  op(3, { objectKind: "task", action: "create", state: "pending", contactName: "Cy Young", connectionId: "ghl-1" }),
  op(4, { action: "create", contactName: "Dee Ray" }),
  op(5, { state: "sent", contactName: "Eve Moss" }),
];

describe("the activity log", () => {
  it("names who started a run and how long it took, in words", () => {
    expect(triggerLabel({ trigger: "schedule", dryRun: false })).toBe("Scheduled");
    expect(triggerLabel({ trigger: "manual", dryRun: false })).toBe("You, in the window");
    expect(triggerLabel({ trigger: "cli", dryRun: false })).toBe("Command line");
    expect(triggerLabel({ trigger: "manual", dryRun: true })).toBe("Preview");
    expect(durationLabel(850)).toBe("850 ms");
    expect(durationLabel(12_400)).toBe("12 s");
    expect(durationLabel(184_000)).toBe("3 min 4 s");
    expect(durationLabel(120_000)).toBe("2 min");
    expect(durationLabel(null)).toBe("running");
  });

  it("counts a write as written, failed or not sent the way the engine's breakdown does", () => {
    expect(OPS.map((o) => outcomeOf(o.state))).toEqual(["written", "failed", "skipped", "written", "failed"]);
    expect(stateLabel("dead")).toBe("Refused by the app");
    expect(OPS.map((o) => stateLabel(o.state)).some((label) => /^(done|dead|sent|pending)$/.test(label))).toBe(false);
  });

  it("filters by outcome, kind and every word of the search, in any case", () => {
    const ids = (filter: Parameters<typeof filterOperations>[1]) => filterOperations(OPS, filter).map((o) => o.id);
    expect(ids({ query: "", outcome: "all", kind: "" })).toEqual([1, 2, 3, 4, 5]);
    expect(ids({ query: "", outcome: "failed", kind: "" })).toEqual([2, 5]);
    expect(ids({ query: "", outcome: "all", kind: "task" })).toEqual([3]);
    expect(ids({ query: "EMAIL invalid", outcome: "all", kind: "" })).toEqual([2]);
    expect(ids({ query: "ada example.org", outcome: "written", kind: "contact" })).toEqual([1]);
    expect(ids({ query: "nobody", outcome: "all", kind: "" })).toEqual([]);
    expect(kindsOf(OPS)).toEqual(["contact", "task"]);
  });

  it("reads journaled field values for people", () => {
    expect(fieldValues('[["email","a@b.c"],["phone",null],["tags",["x"]]]')).toBe('email: a@b.c; phone: (empty); tags: ["x"]');
    expect(fieldValues("plain text")).toBe("plain text");
    expect(fieldValues(null)).toBe("—");
  });
});

describe("confirming before writing", () => {
  it("an undo lists each value it writes back and where, and what stays", () => {
    const names = (id: string) => (id === "novi-1" ? "Novi AMS (Members)" : "GHL (Main)");
    const plan = undoPlan(OPS, names);
    expect(plan.restores).toEqual([{ where: "Novi AMS (Members)", contact: "Ada Lovelace", values: "email: ada@old.example" }]);
    expect(plan.createdKept).toBe(1);
    // The pending task was never written: nothing of it to keep or restore.
    expect(plan.activitiesKept).toBe(0);
    expect(plan.deletedKept).toBe(0);
  });

  it("an approved contact delete the run carried stays deleted, and is not counted as created", () => {
    const deleted = { ...OPS.find((op) => op.action === "update" && op.state === "done")!, id: 99, action: "delete" };
    const plan = undoPlan([...OPS, deleted], () => "Ninox");
    expect(plan.deletedKept).toBe(1);
    expect(plan.createdKept).toBe(undoPlan(OPS, () => "Ninox").createdKept);
  });

  it("choosing a conflict's side says which value goes into which app", () => {
    const conflict: ConflictView = {
      id: 1,
      connectionId: "novi-1",
      contactId: "c-1",
      contactName: "Ada Lovelace",
      field: "phone",
      base: "+1 555 0100",
      ghl: "+1 555 0199",
      app: null,
    };
    expect(conflictChoice(conflict, "ghl", "Novi AMS (Members)").sentence).toBe(
      "The next sync writes “+1 555 0199” into phone of Ada Lovelace in Novi AMS (Members).",
    );
    expect(conflictChoice(conflict, "app", "Novi AMS (Members)").sentence).toBe(
      "The next sync writes an empty value (the field is cleared) into phone of Ada Lovelace in GHL.",
    );
  });
});
