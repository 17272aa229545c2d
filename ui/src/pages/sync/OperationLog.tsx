import { useMemo, useState } from "react";
import { VirtualTable } from "../../components/VirtualTable";
import { fieldValues, filterOperations, kindsOf, outcomeOf, stateLabel } from "../../logic/historyModel";
import type { Outcome } from "../../logic/historyModel";
import type { OperationView } from "../../platform";

type Props = {
  operations: OperationView[];
  names: (connectionId: string) => string;
  label: string;
  testId: string;
  busy: boolean;
  /** "Retry this" on a write the app refused. */
  onRetry: (op: OperationView) => void;
  /** Search and filters above the list. */
  searchable?: boolean;
};

/** Journaled writes, virtualized: each failure with the app's own message and "Retry this". */
export function OperationLog({ operations, names, label, testId, busy, onRetry, searchable }: Props) {
  const [query, setQuery] = useState("");
  const [outcome, setOutcome] = useState<Outcome | "all">("all");
  const [kind, setKind] = useState("");
  const shown = useMemo(() => filterOperations(operations, { query, outcome, kind }), [operations, query, outcome, kind]);
  return (
    <>
      {searchable ? (
        <div className="toolbar" role="search">
          <label className="field inline">
            <span>Search</span>
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="name, value or message" data-testid={`${testId}-search`} />
          </label>
          <label className="field inline">
            <span>Outcome</span>
            <select value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome | "all")} data-testid={`${testId}-outcome`}>
              <option value="all">All</option>
              <option value="written">Written</option>
              <option value="failed">Failed</option>
              <option value="skipped">Not sent</option>
            </select>
          </label>
          <label className="field inline">
            <span>Kind</span>
            <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid={`${testId}-kind`}>
              <option value="">Every kind</option>
              {kindsOf(operations).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <span className="muted" role="status" data-testid={`${testId}-shown`}>
            {shown.length} of {operations.length}
          </span>
        </div>
      ) : null}
      {shown.length === 0 ? (
        <p className="muted">{operations.length === 0 ? "No operations." : "No operation matches."}</p>
      ) : (
        <VirtualTable
          rows={shown}
          rowKey={(op) => op.id}
          label={label}
          className="table compact"
          testId={testId}
          estimate={44}
          rowClassName={(op) => (outcomeOf(op.state) === "failed" ? "row-failed" : undefined)}
          head={
            <>
              <th>Contact</th>
              <th>Write</th>
              <th>Before</th>
              <th>After</th>
              <th>Outcome</th>
            </>
          }
          cells={(op) => (
            <>
              <td>{op.contactName ?? op.contactId ?? "—"}</td>
              <td>
                {op.action} {op.objectKind} <span className="muted">in {names(op.connectionId)}</span>
              </td>
              <td className="clip">{fieldValues(op.before)}</td>
              <td className="clip">{fieldValues(op.after)}</td>
              <td>
                {stateLabel(op.state)}
                {op.lastError ? (
                  <p className="inline-problem" data-testid="app-message">
                    {op.lastError}
                  </p>
                ) : null}
                {op.state === "dead" ? (
                  <button type="button" className="button small" data-testid="retry-this" disabled={busy} onClick={() => onRetry(op)}>
                    Retry this
                  </button>
                ) : null}
              </td>
            </>
          )}
        />
      )}
    </>
  );
}
