import {
  directionLabel,
  problemsByLine,
  TRANSFORM_CHOICES,
  transformLabel,
} from "../../logic/mappingModel";
import type { Direction, MappingLine, Owner, Problem } from "../../platform";

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "both", label: "both ways" },
  { value: "ghl_to_app", label: "GHL → app" },
  { value: "app_to_ghl", label: "app → GHL" },
];
const OWNERS: { value: Owner; label: string }[] = [
  { value: "newest", label: "newest change wins" },
  { value: "ghl", label: "GHL wins" },
  { value: "app", label: "the app wins" },
  { value: "manual", label: "manual review" },
];

type Props = {
  lines: MappingLine[];
  problems: Problem[];
  selected: number | null;
  onSelect: (index: number) => void;
  onChange: (index: number, patch: Partial<MappingLine>) => void;
  onRemove: (index: number) => void;
};

/** Each line with its direction, owner and transforms, and its problems right under it. */
export function LineTable({ lines, problems, selected, onSelect, onChange, onRemove }: Props) {
  const byLine = problemsByLine(problems);
  return (
    <table className="table lines" data-testid="mapping-lines">
      <thead>
        <tr>
          <th>#</th>
          <th>GHL field</th>
          <th />
          <th>App field</th>
          <th>Direction</th>
          <th>Owner</th>
          <th>Transforms</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {lines.map((line, index) => {
          const lineProblems = byLine.get(index) ?? [];
          return (
            <tr
              key={`${line.ghl}|${line.app}`}
              className={[index === selected ? "chosen" : "", lineProblems.length ? "invalid" : ""].join(" ")}
              data-testid={`mapping-line-${index}`}
              onClick={() => onSelect(index)}
            >
              <td>{index + 1}</td>
              <td>
                <code>{line.ghl}</code>
              </td>
              <td>{directionLabel(line.direction)}</td>
              <td>
                <code>{line.app}</code>
                {lineProblems.map((p) => (
                  <p key={p.message} className="inline-problem" data-testid={`line-problem-${index}`}>
                    {p.message}
                  </p>
                ))}
              </td>
              <td>
                <select
                  aria-label={`direction of line ${index + 1}`}
                  value={line.direction}
                  onChange={(e) => onChange(index, { direction: e.target.value as Direction })}
                >
                  {DIRECTIONS.map((d) => (
                    <option key={d.value} value={d.value}>
                      {d.label}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <select
                  aria-label={`owner of line ${index + 1}`}
                  value={line.owner}
                  onChange={(e) => onChange(index, { owner: e.target.value as Owner })}
                >
                  {OWNERS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <ul className="chips">
                  {line.transforms.map((t, ti) => (
                    <li key={`${t.kind}-${ti}`} className="chip">
                      {transformLabel(t)}
                      <button
                        type="button"
                        aria-label={`remove ${transformLabel(t)}`}
                        onClick={() =>
                          onChange(index, { transforms: line.transforms.filter((_, j) => j !== ti) })
                        }
                      >
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
                <select
                  aria-label={`add a transform to line ${index + 1}`}
                  value=""
                  onChange={(e) => {
                    const choice = TRANSFORM_CHOICES.find((c) => c.label === e.target.value);
                    if (choice) onChange(index, { transforms: [...line.transforms, choice.make()] });
                  }}
                >
                  <option value="">+ transform</option>
                  {TRANSFORM_CHOICES.map((c) => (
                    <option key={c.label} value={c.label}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button type="button" className="button small" onClick={() => onRemove(index)}>
                  Remove
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
