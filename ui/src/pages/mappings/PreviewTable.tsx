import { useState } from "react";
import { CHANGE_LABELS, isChange, summarySentence } from "../../logic/previewModel";
import type { MappingLine, PreviewRecordView } from "../../platform";

const shown = (value: string | null) => value ?? "—";

type Props = { records: PreviewRecordView[]; lines: MappingLine[]; appName: string };

/**
 * Up to five real contacts: first one sentence of what would happen (clears and overwrites
 * first), then each line's value before and after, clears and overwrites highlighted and named.
 */
export function PreviewTable({ records, lines, appName }: Props) {
  const [onlyChanges, setOnlyChanges] = useState(true);
  if (records.length === 0) {
    return <p className="muted">No contact matches: sync once, or search for another contact.</p>;
  }
  return (
    <div className="preview" data-testid="mapping-preview">
      <p className="preview-summary" data-testid="preview-summary">
        {summarySentence(records)}
      </p>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={onlyChanges}
          data-testid="preview-only-changes"
          onChange={(e) => setOnlyChanges(e.target.checked)}
        />
        Only changes
      </label>
      {records.map((record) => {
        const cells = onlyChanges ? record.cells.filter(isChange) : record.cells;
        return (
          <section key={record.contactId} className="preview-record" aria-label={record.name}>
            <h3>
              {record.name}{" "}
              <span className="muted">{record.linked ? `(linked in ${appName})` : `(not in ${appName} yet)`}</span>
            </h3>
            {cells.length === 0 ? (
              <p className="muted">Nothing changes for this contact.</p>
            ) : (
              <div className="table-scroll">
                <table className="table compact">
                  <thead>
                    <tr>
                      <th scope="col">Line</th>
                      <th scope="col">Writes to</th>
                      <th scope="col">Before</th>
                      <th scope="col">After</th>
                      <th scope="col">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {cells.map((cell) => (
                      <tr key={cell.line} className={`change-${cell.change}`} data-change={cell.change}>
                        <td>
                          {cell.line + 1}. {lines[cell.line]?.ghl} → {lines[cell.line]?.app}
                        </td>
                        <td>
                          {cell.target === "app" ? appName : "GHL"}{" "}
                          <span className="field-name">{cell.field}</span>
                        </td>
                        <td>{shown(cell.before)}</td>
                        <td>{cell.error ? <span className="inline-problem">{cell.error}</span> : shown(cell.after)}</td>
                        <td>
                          <span className={`change-badge ${cell.change}`}>{CHANGE_LABELS[cell.change]}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
