import { describe, expect, it } from "vitest";
import type { MappingLine, Problem } from "../platform";
import {
  addLine,
  appNodeId,
  edgeId,
  fieldNodes,
  ghlNodeId,
  lineEdges,
  lineFromConnection,
  problemsByLine,
  removeEdges,
  transformLabel,
  updateLine,
} from "./mappingModel";

const EMAIL: MappingLine = {
  ghl: "email",
  app: "Email",
  direction: "both",
  owner: "ghl",
  transforms: [{ kind: "trim" }, { kind: "lower" }],
};
const PHONE: MappingLine = {
  ghl: "phone",
  app: "Phone",
  direction: "ghl_to_app",
  owner: "newest",
  transforms: [],
};

describe("drawing a line", () => {
  it("turns an edge from a GHL field to an app field into a two-way line", () => {
    const line = lineFromConnection({
      source: ghlNodeId("customFields.contact.level"),
      target: appNodeId("Membership Level"),
    });
    expect(line).toEqual({
      ghl: "customFields.contact.level",
      app: "Membership Level",
      direction: "both",
      owner: "newest",
      transforms: [],
    });
  });

  it("accepts an edge drawn from the app side to the GHL side", () => {
    const line = lineFromConnection({ source: appNodeId("Email"), target: ghlNodeId("email") });
    expect(line?.ghl).toBe("email");
    expect(line?.app).toBe("Email");
  });

  it("refuses an edge between two fields of the same side, or with a loose end", () => {
    expect(lineFromConnection({ source: ghlNodeId("email"), target: ghlNodeId("phone") })).toBeNull();
    expect(lineFromConnection({ source: appNodeId("A"), target: appNodeId("B") })).toBeNull();
    expect(lineFromConnection({ source: ghlNodeId("email"), target: null })).toBeNull();
  });

  it("adds a new line but not a second line between the same two fields", () => {
    const first = addLine([EMAIL], PHONE);
    expect(first.added).toBe(true);
    expect(first.lines).toEqual([EMAIL, PHONE]);

    const again = addLine(first.lines, { ...EMAIL, owner: "app" });
    expect(again.added).toBe(false);
    expect(again.lines).toBe(first.lines);
    expect(again.reason).toBe("email and Email are already joined by a line");
  });
});

describe("lines as edges", () => {
  it("draws one edge per line between the two field nodes, labelled with direction and owner", () => {
    const edges = lineEdges([EMAIL, PHONE], []);
    expect(edges).toEqual([
      { id: "line-0", source: "ghl:email", target: "app:Email", label: "↔ GHL wins", invalid: false, index: 0, direction: "both" },
      { id: "line-1", source: "ghl:phone", target: "app:Phone", label: "→ newest wins", invalid: false, index: 1, direction: "ghl_to_app" },
    ]);
  });

  it("marks exactly the lines that have a problem", () => {
    const problems: Problem[] = [
      { line: 1, field: "Phone", message: "line 2 (phone → Phone): the app has no field 'Phone'", fix: null },
    ];
    expect(lineEdges([EMAIL, PHONE], problems).map((e) => e.invalid)).toEqual([false, true]);
  });

  it("removes the lines whose edges were deleted and keeps the rest in order", () => {
    const third = { ...PHONE, ghl: "firstName", app: "FirstName" };
    expect(removeEdges([EMAIL, PHONE, third], [edgeId(1)])).toEqual([EMAIL, third]);
  });

  it("changes one line's direction without touching the others", () => {
    const lines = updateLine([EMAIL, PHONE], 1, { direction: "app_to_ghl" });
    expect(lines[1]?.direction).toBe("app_to_ghl");
    expect(lines[0]).toBe(EMAIL);
  });
});

describe("fields and problems", () => {
  it("lays GHL fields out on the left and app fields on the right, labelled by name", () => {
    const nodes = fieldNodes(
      [
        { key: "email", label: "email", kind: "email", sample: null },
        { key: "customFields.contact.level", label: "Membership Level", kind: "text", sample: "Gold" },
      ],
      ["Email"],
    );
    expect(nodes.map((n) => [n.id, n.label, n.side])).toEqual([
      ["ghl:email", "email", "ghl"],
      ["ghl:customFields.contact.level", "Membership Level", "ghl"],
      ["app:Email", "Email", "app"],
    ]);
    expect(nodes[2]?.position.x).toBeGreaterThan(nodes[0]?.position.x ?? 0);
    expect(nodes[1]?.position.y).toBeGreaterThan(nodes[0]?.position.y ?? 0);
  });

  it("groups problems by the line they belong to", () => {
    const problems: Problem[] = [
      { line: 0, field: "email", message: "a", fix: null },
      { line: 2, field: "x", message: "b", fix: null },
      { line: 0, field: "Email", message: "c", fix: null },
    ];
    const byLine = problemsByLine(problems);
    expect(byLine.get(0)?.map((p) => p.message)).toEqual(["a", "c"]);
    expect(byLine.get(2)?.map((p) => p.message)).toEqual(["b"]);
    expect(byLine.has(1)).toBe(false);
  });

  it("describes transforms in words", () => {
    expect(transformLabel({ kind: "phone_e164", default_region: "GB" })).toBe("phone E.164 (GB)");
    expect(transformLabel({ kind: "join_name" })).toBe("join name");
    expect(transformLabel({ kind: "value_map", values: { a: "b", c: "d" } })).toBe("value map (2)");
  });
});
