import { useState } from "react";
import { diffRows, groupOperations, planTotals } from "../../logic/planModel";
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
          {group.system}: <strong>{group.kind}</strong>
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

/** The plan of a dry run: counts by system and kind, each group opening to per-record diffs. */
export function PlanView({ pairs }: { pairs: PairOutcome[] }) {
  const groups = groupOperations(pairs);
  const totals = planTotals(pairs);
  return (
    <div data-testid="plan-view">
      <p data-testid="plan-total">
        {totals.operations === 0
          ? "Nothing to change: both sides agree."
          : `${totals.operations} changes over ${totals.pairs} ${totals.pairs === 1 ? "pair" : "pairs"}`}
        {totals.conflicts > 0 ? `, ${totals.conflicts} conflicts left for you to decide` : ""}
      </p>
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
