/**
 * The mapping editor's logic, free of React and xyflow: fields become nodes, mapping lines
 * become edges, a drawn edge becomes a line, and problems are attached to their lines.
 */
import type {
  Direction,
  FieldKind,
  FieldOption,
  LineFix,
  MappingLine,
  Owner,
  Problem,
  TransformDto,
} from "../platform";

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
  direction: Direction;
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
    case "dnd_subscription":
      return "do-not-disturb ↔ subscription";
  }
}

/** The transforms the editor offers to add, each with defaults the operator then edits in place. */
export const TRANSFORM_CHOICES: { label: string; make: () => TransformDto }[] = [
  { label: "trim", make: () => ({ kind: "trim" }) },
  { label: "lower case", make: () => ({ kind: "lower" }) },
  { label: "upper case", make: () => ({ kind: "upper" }) },
  { label: "phone E.164", make: () => ({ kind: "phone_e164", default_region: "US" }) },
  { label: "join name", make: () => ({ kind: "join_name" }) },
  { label: "split name (first)", make: () => ({ kind: "split_name", part: "first" }) },
  { label: "split name (last)", make: () => ({ kind: "split_name", part: "last" }) },
  { label: "tag prefix", make: () => ({ kind: "tag_prefix", prefix: "ghl:" }) },
  { label: "value map", make: () => ({ kind: "value_map", values: {} }) },
  { label: "default value", make: () => ({ kind: "default_value", value: "" }) },
  { label: "date format", make: () => ({ kind: "date_format", ghl: "%Y-%m-%d", app: "%d/%m/%Y" }) },
  { label: "do-not-disturb ↔ subscription", make: () => ({ kind: "dnd_subscription" }) },
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
    direction: line.direction,
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

/** How the pickers name a kind of value. */
export const KIND_LABELS: Record<FieldKind, string> = {
  text: "text",
  email: "email",
  phone: "phone",
  number: "number",
  date: "date",
  yes_no: "yes/no",
  list: "list",
  unknown: "no value yet",
};

/**
 * Whether a field holding `a` can be joined to one holding `b`: the same kind, text with
 * anything but a list, and any field whose kind no value has shown yet.
 */
export function compatible(a: FieldKind, b: FieldKind): boolean {
  if (a === "unknown" || b === "unknown" || a === b) return true;
  if (a === "list" || b === "list") return false;
  return a === "text" || b === "text";
}

/** The app fields a GHL field can be joined to, in the app's order. */
export function compatibleFields(ghl: FieldOption | undefined, appFields: FieldOption[]): FieldOption[] {
  if (!ghl) return [];
  return appFields.filter((f) => compatible(ghl.kind, f.kind));
}

/**
 * Fields whose text holds every word of `query` (ignoring case), by label or key: exact names
 * first, then names starting with the query, then the rest, each in the given order.
 */
export function searchFields(fields: FieldOption[], query: string): FieldOption[] {
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  const rank = (f: FieldOption) => {
    const names = [f.label.toLowerCase(), f.key.toLowerCase()];
    if (names.includes(q)) return 0;
    return names.some((n) => n.startsWith(q)) ? 1 : 2;
  };
  return fields
    .filter((f) => {
      const text = `${f.label} ${f.key}`.toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .map((f, i) => ({ f, i, r: rank(f) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map(({ f }) => f);
}

/** A name reduced for comparing: lower case, letters and digits only, the last path part. */
export function normalizeName(name: string): string {
  const last = name.split(".").pop() ?? name;
  return last.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export type Suggestion = { ghl: FieldOption; app: FieldOption };

/**
 * Lines suggested by name: a GHL field and an app field whose names are the same once case,
 * spaces and punctuation are ignored, both still unmapped and of compatible kinds.
 */
export function automapSuggestions(
  ghlFields: FieldOption[],
  appFields: FieldOption[],
  lines: MappingLine[],
  rejected: ReadonlySet<string> = new Set(),
): Suggestion[] {
  const usedGhl = new Set(lines.map((l) => l.ghl));
  const usedApp = new Set(lines.map((l) => l.app));
  const suggestions: Suggestion[] = [];
  for (const ghl of ghlFields) {
    if (usedGhl.has(ghl.key)) continue;
    const names = new Set([normalizeName(ghl.key), normalizeName(ghl.label)]);
    const app = appFields.find(
      (a) =>
        !usedApp.has(a.key) &&
        !rejected.has(suggestionKey(ghl.key, a.key)) &&
        names.has(normalizeName(a.key)) &&
        compatible(ghl.kind, a.kind),
    );
    if (app) {
      suggestions.push({ ghl, app });
      usedApp.add(app.key);
    }
  }
  return suggestions;
}

export const suggestionKey = (ghl: string, app: string) => `${ghl}\u0000${app}`;

export function newLine(ghl: string, app: string): MappingLine {
  return { ghl, app, direction: NEW_LINE_DIRECTION, owner: NEW_LINE_OWNER, transforms: [] };
}

/** The three directions, named with the app. */
export function directionChoices(appName: string): { value: Direction; symbol: string; label: string }[] {
  return [
    { value: "both", symbol: "↔", label: "both ways" },
    { value: "ghl_to_app", symbol: "→", label: `GHL → ${appName} only` },
    { value: "app_to_ghl", symbol: "←", label: `${appName} → GHL only` },
  ];
}

/** Who wins a conflict, named with the app. */
export function ownerChoices(appName: string): { value: Owner; label: string }[] {
  return [
    { value: "newest", label: "newest change wins" },
    { value: "ghl", label: "GHL wins" },
    { value: "app", label: `${appName} wins` },
    { value: "manual", label: "ask me (review)" },
  ];
}

/** A one-way line has no conflicts: its source always wins. */
export function ownerFor(direction: Direction, owner: Owner): Owner {
  if (direction === "ghl_to_app") return "ghl";
  if (direction === "app_to_ghl") return "app";
  return owner;
}

/** What a one-click fix does, in words for its button. */
export function fixLabel(fix: LineFix): string {
  return fix === "one_way_ghl_to_app" ? "Make it one-way (GHL → app)" : "Remove this line";
}

/** The lines after applying `fix` to line `index`. */
export function applyFix(lines: MappingLine[], index: number, fix: LineFix): MappingLine[] {
  if (fix === "remove_line") return removeLine(lines, index);
  return updateLine(lines, index, { direction: "ghl_to_app", owner: "ghl" });
}

/** `a=b; c=d` as a value map; pairs without `=` are skipped. */
export function parseValueMap(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of text.split(";")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const from = pair.slice(0, at).trim();
    if (from) values[from] = pair.slice(at + 1).trim();
  }
  return values;
}

export function valueMapText(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}
