import type { LogLine } from "../platform";

/** Lines whose message, details, level or target hold every word of `query` (ignoring case). */
export function searchLines(lines: LogLine[], query: string): LogLine[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return lines;
  return lines.filter((l) => {
    const text = `${l.level} ${l.target} ${l.message} ${l.fields}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Date and time in the operator's locale. */
export function when(timestamp: string): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : date.toLocaleString();
}

/** What to paste into a support request: the version, where things are, and the lines shown. */
export function diagnostics(
  info: { version: string; databasePath: string; logDirectory: string } | null,
  lines: LogLine[],
): string {
  const head = info
    ? [`Contact Bridge ${info.version}`, `database: ${info.databasePath}`, `logs: ${info.logDirectory}`]
    : ["Contact Bridge (version not read)"];
  return [
    ...head,
    `${lines.length} log lines:`,
    ...lines.map((l) => `${l.timestamp} ${l.level} ${l.target}: ${l.message}${l.fields ? ` ${l.fields}` : ""}`),
  ].join("\n");
}
