/**
 * The mapping editor's logic, free of React and xyflow: fields become nodes, mapping lines
 * become edges, a drawn edge becomes a line, and problems are attached to their lines.
 */
import type { Direction, FieldOption, MappingLine, Owner, Problem, TransformDto } from "../platform";

export const GHL_PREFIX = "ghl:";
export const APP_PREFIX = "app:";

export const ghlNodeId = (key: string) => `${GHL_PREFIX}${key}`;
export const appNodeId = (name: string) => `${APP_PREFIX}${name}`;
export const edgeId = (index: number) => `line-${index}`;

/** A new line starts two-way, with the newest change winning a conflict. */
export const NEW_LINE_DIRECTION: Direction = "both";
export const NEW_LINE_OWNER: Owner = "newest";

export type FieldNode = {
  id: string;
  side: "ghl" | "app";
  key: string;
  label: string;
  position: { x: number; y: number };
};

export type LineEdge = {
  id: string;
  source: string;
  target: string;
  label: string;
  invalid: boolean;
  index: number;
};

const ROW_HEIGHT = 44;
const APP_COLUMN_X = 460;

/** GHL's fields in the left column, the app's in the right. */
export function fieldNodes(ghlFields: FieldOption[], appFields: string[]): FieldNode[] {
  return [
    ...ghlFields.map((f, i) => ({
      id: ghlNodeId(f.key),
      side: "ghl" as const,
      key: f.key,
      label: f.label,
      position: { x: 0, y: i * ROW_HEIGHT },
    })),
    ...appFields.map((name, i) => ({
      id: appNodeId(name),
      side: "app" as const,
      key: name,
      label: name,
      position: { x: APP_COLUMN_X, y: i * ROW_HEIGHT },
    })),
  ];
}

export function directionLabel(direction: Direction): string {
  switch (direction) {
    case "both":
      return "↔";
    case "ghl_to_app":
      return "→";
    case "app_to_ghl":
      return "←";
  }
}

export function ownerLabel(owner: Owner): string {
  switch (owner) {
    case "ghl":
      return "GHL wins";
    case "app":
      return "app wins";
    case "newest":
      return "newest wins";
    case "manual":
      return "manual review";
  }
}

export function transformLabel(t: TransformDto): string {
  switch (t.kind) {
    case "trim":
    case "lower":
    case "upper":
    case "join_name":
      return t.kind.replace("_", " ");
    case "split_name":
      return `split name (${t.part})`;
    case "phone_e164":
      return `phone E.164 (${t.default_region})`;
    case "date_format":
      return `date ${t.ghl} ↔ ${t.app}`;
    case "value_map":
      return `value map (${Object.keys(t.values).length})`;
    case "default_value":
      return `default "${t.value}"`;
    case "tag_prefix":
      return `tag prefix "${t.prefix}"`;
  }
}

/** The transforms the editor offers to add, each with usable defaults. */
export const TRANSFORM_CHOICES: { label: string; make: () => TransformDto }[] = [
  { label: "trim", make: () => ({ kind: "trim" }) },
  { label: "lower case", make: () => ({ kind: "lower" }) },
  { label: "upper case", make: () => ({ kind: "upper" }) },
  { label: "phone E.164 (US)", make: () => ({ kind: "phone_e164", default_region: "US" }) },
  { label: "join name", make: () => ({ kind: "join_name" }) },
  { label: "split name (first)", make: () => ({ kind: "split_name", part: "first" }) },
  { label: "split name (last)", make: () => ({ kind: "split_name", part: "last" }) },
  { label: "tag prefix", make: () => ({ kind: "tag_prefix", prefix: "ghl:" }) },
];

/** Problems by line index. */
export function problemsByLine(problems: Problem[]): Map<number, Problem[]> {
  const byLine = new Map<number, Problem[]>();
  for (const p of problems) {
    byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  }
  return byLine;
}

/** One edge per line; a line with a problem is marked invalid. */
export function lineEdges(lines: MappingLine[], problems: Problem[]): LineEdge[] {
  const byLine = problemsByLine(problems);
  return lines.map((line, index) => ({
    id: edgeId(index),
    source: ghlNodeId(line.ghl),
    target: appNodeId(line.app),
    label: `${directionLabel(line.direction)} ${ownerLabel(line.owner)}`,
    invalid: byLine.has(index),
    index,
  }));
}

export type Drawn = { source: string | null; target: string | null };

/**
 * The line a drawn edge means: from a GHL field to an app field (drawn either way round).
 * Returns null when both ends are on the same side or missing.
 */
export function lineFromConnection(drawn: Drawn): MappingLine | null {
  const ends = [drawn.source, drawn.target];
  const ghl = ends.find((id) => id?.startsWith(GHL_PREFIX));
  const app = ends.find((id) => id?.startsWith(APP_PREFIX));
  if (!ghl || !app) return null;
  return {
    ghl: ghl.slice(GHL_PREFIX.length),
    app: app.slice(APP_PREFIX.length),
    direction: NEW_LINE_DIRECTION,
    owner: NEW_LINE_OWNER,
    transforms: [],
  };
}

export type AddResult = { lines: MappingLine[]; added: boolean; reason?: string };

/** Adds a drawn line unless the same two fields are already joined. */
export function addLine(lines: MappingLine[], line: MappingLine): AddResult {
  const exists = lines.some((l) => l.ghl === line.ghl && l.app === line.app);
  if (exists) {
    return {
      lines,
      added: false,
      reason: `${line.ghl} and ${line.app} are already joined by a line`,
    };
  }
  return { lines: [...lines, line], added: true };
}

export function updateLine(
  lines: MappingLine[],
  index: number,
  patch: Partial<MappingLine>,
): MappingLine[] {
  return lines.map((line, i) => (i === index ? { ...line, ...patch } : line));
}

export function removeLine(lines: MappingLine[], index: number): MappingLine[] {
  return lines.filter((_, i) => i !== index);
}

/** Removes the lines whose edges xyflow reports deleted. */
export function removeEdges(lines: MappingLine[], removedEdgeIds: string[]): MappingLine[] {
  const removed = new Set(removedEdgeIds);
  return lines.filter((_, i) => !removed.has(edgeId(i)));
}
