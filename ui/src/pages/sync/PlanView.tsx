import { useState } from "react";
import { breakdownRows, diffRows, groupOperations, plannedWrites, planTotals } from "../../logic/planModel";
import type { PlanGroup } from "../../logic/planModel";
import type { PairOutcome, PlannedOperation } from "../../platform";

function OperationDiff({ op }: { op: PlannedOperation }) {
  return (
    <li className="operation" data-testid="plan-operation">
      <p>
        <strong>{op.contactName}</strong> <span className="muted">{op.reason}</span>
      </p>
      <table className="table compact diff">
        <tbody>
          {diffRows(op).map((row) => (
            <tr key={row.field}>
              <td>
                <code>{row.field}</code>
              </td>
              <td className={row.added ? "muted" : "before"}>{row.before}</td>
              <td>→</td>
              <td className={row.cleared ? "muted" : "after"}>{row.after}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </li>
  );
}

function Group({ group }: { group: PlanGroup }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="plan-group" data-testid="plan-group" data-system={group.system} data-kind={group.kind}>
      <button type="button" className="plan-group-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span>
          {group.system}: <strong>{group.kind} contacts</strong>
        </span>
        <span className="count" data-testid="plan-group-count">
          {group.count}
        </span>
      </button>
      {open ? (
        <ul className="operations">
          {group.operations.slice(0, 200).map((op, i) => (
            <OperationDiff key={`${op.contactId}-${i}`} op={op} />
          ))}
          {group.operations.length > 200 ? (
            <li className="muted">…and {group.operations.length - 200} more</li>
          ) : null}
        </ul>
      ) : null}
    </li>
  );
}

/**
 * Every kind of write per pair and app: planned, and once applied, written / failed / skipped
 * (planned = written + failed + skipped on every line).
 */
export function BreakdownTable({ pairs, applied }: { pairs: PairOutcome[]; applied: boolean }) {
  const rows = breakdownRows(pairs);
  if (rows.length === 0) return <p className="muted">Nothing to write.</p>;
  return (
    <table
      className="table compact"
      data-testid={applied ? "result-breakdown" : "plan-breakdown"}
      aria-label={applied ? "What the apply wrote, per app and kind" : "What the plan writes, per app and kind"}
    >
      <thead>
        <tr>
          <th scope="col">Pair</th>
          <th scope="col">Writes to</th>
          <th scope="col">Kind</th>
          <th scope="col">Planned</th>
          {applied ? (
            <>
              <th scope="col">Written</th>
              <th scope="col">Failed</th>
              <th scope="col">Skipped</th>
              <th scope="col">Also written</th>
            </>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={r.key}
            data-testid="breakdown-row"
            data-pair={r.pairName}
            data-target={r.target}
            data-kind={r.kind}
            data-planned={r.planned}
            data-written={r.written}
            data-failed={r.failed}
            data-skipped={r.skipped}
          >
            <td>{r.pairName}</td>
            <td>{r.target}</td>
            <td>
              {r.kind}
              {r.kind === "tags" ? <span className="muted"> (in the contact writes)</span> : null}
              {r.kind === "deletes" ? <span className="muted"> (waiting for your approval)</span> : null}
              {r.note ? <span className="muted"> · {r.note}</span> : null}
            </td>
            <td>{r.planned}</td>
            {applied ? (
              <>
                <td>{r.written}</td>
                <td>{r.failed}</td>
                <td>{r.skipped}</td>
                <td>{r.unplanned > 0 ? r.unplanned : ""}</td>
              </>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The plan of a preview: every kind of write per app, then the contact writes' diffs. */
export function PlanView({ pairs }: { pairs: PairOutcome[] }) {
  const groups = groupOperations(pairs);
  const totals = planTotals(pairs);
  const writes = plannedWrites(pairs);
  return (
    <div data-testid="plan-view">
      <p data-testid="plan-total" data-writes={writes}>
        {writes === 0
          ? "Nothing to change: both sides agree."
          : `${writes} writes over ${totals.pairs} ${totals.pairs === 1 ? "pair" : "pairs"}`}
        {totals.conflicts > 0 ? `, ${totals.conflicts} conflicts left for you to decide` : ""}
      </p>
      <BreakdownTable pairs={pairs} applied={false} />
      {groups.length > 0 ? <h3>Contact writes, field by field</h3> : null}
      <ul className="plan-groups">
        {groups.map((g) => (
          <Group key={g.key} group={g} />
        ))}
      </ul>
      <p className="muted">
        {pairs
          .map(
            (p) =>
              `${p.pairName}: ${p.contactsPulled} GHL contacts and ${p.appRecordsPulled} ${p.appSystemName} records read, ${p.ghlRequests + p.appRequests} requests`,
          )
          .join("; ")}
      </p>
    </div>
  );
}
