import type { MappingLine, PreviewRecordView } from "../../platform";

const shown = (value: string | null) => value ?? "—";

/** Five real contacts: for each line, the target's value now and what the line would write. */
export function PreviewTable({ records, lines }: { records: PreviewRecordView[]; lines: MappingLine[] }) {
  if (records.length === 0) {
    return <p className="muted">No contacts yet: sync once, then preview with real records.</p>;
  }
  return (
    <div className="preview" data-testid="mapping-preview">
      {records.map((record) => (
        <section key={record.contactId} className="preview-record">
          <h3>
            {record.name}{" "}
            <span className="muted">{record.linked ? "(linked in the app)" : "(not in the app yet)"}</span>
          </h3>
          <table className="table compact">
            <thead>
              <tr>
                <th>Line</th>
                <th>Writes to</th>
                <th>Before</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              {record.cells.map((cell) => (
                <tr key={cell.line} className={cell.error ? "invalid" : ""}>
                  <td>
                    {cell.line + 1}. {lines[cell.line]?.ghl} → {lines[cell.line]?.app}
                  </td>
                  <td>
                    {cell.target === "app" ? "app" : "GHL"} <code>{cell.field}</code>
                  </td>
                  <td>{shown(cell.before)}</td>
                  <td>{cell.error ? <span className="inline-problem">{cell.error}</span> : shown(cell.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
