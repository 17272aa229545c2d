/** The preview's risk summary: what the mapping would do to the values it lands on. */
import type { CellChange, PreviewCellView, PreviewRecordView } from "../platform";

export type PreviewTally = Record<CellChange, number> & { contacts: number };

export function tally(records: PreviewRecordView[]): PreviewTally {
  const counts: PreviewTally = {
    contacts: records.length,
    unchanged: 0,
    set: 0,
    overwritten: 0,
    cleared: 0,
    new: 0,
    error: 0,
  };
  for (const record of records) for (const cell of record.cells) counts[cell.change] += 1;
  return counts;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence, risks first: "Across 5 contacts: 1 value cleared, 2 overwritten, 12
 * unchanged." Kinds that did not occur are left out, except "unchanged".
 */
export function summarySentence(records: PreviewRecordView[]): string {
  const t = tally(records);
  if (t.contacts === 0) return "No contacts to preview.";
  const parts = [
    t.cleared ? plural(t.cleared, "value cleared", "values cleared") : null,
    t.overwritten ? `${t.overwritten} overwritten` : null,
    t.error ? plural(t.error, "value refused", "values refused") : null,
    t.set ? `${t.set} filled in` : null,
    t.new ? `${t.new} in new records` : null,
    `${t.unchanged} unchanged`,
  ].filter(Boolean);
  return `Across ${plural(t.contacts, "contact", "contacts")}: ${parts.join(", ")}.`;
}

/** Whether a cell changes anything (what "only changes" keeps). */
export const isChange = (cell: PreviewCellView) => cell.change !== "unchanged";

/** Words for a cell's change, shown beside the colour (never colour alone). */
export const CHANGE_LABELS: Record<CellChange, string> = {
  unchanged: "unchanged",
  set: "filled in",
  overwritten: "overwritten",
  cleared: "cleared",
  new: "new record",
  error: "refused",
};
