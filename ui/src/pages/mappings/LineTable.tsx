import {
  directionChoices,
  fixLabel,
  ownerChoices,
  ownerFor,
  problemsByLine,
  TRANSFORM_CHOICES,
} from "../../logic/mappingModel";
import type { FieldOption, LineFix, MappingLine, Problem } from "../../platform";
import { TransformEditor } from "./TransformEditor";

type Props = {
  appName: string;
  lines: MappingLine[];
  ghlFields: FieldOption[];
  problems: Problem[];
  selected: number | null;
  onSelect: (index: number) => void;
  onChange: (index: number, patch: Partial<MappingLine>) => void;
  onRemove: (index: number) => void;
  onFix: (index: number, fix: LineFix) => void;
};

/** Each line with its direction, owner and transforms, and its problems (and their fixes) under it. */
export function LineTable(props: Props) {
  const { appName, lines, ghlFields, problems, selected, onSelect, onChange, onRemove, onFix } = props;
  const byLine = problemsByLine(problems);
  const label = (key: string) => ghlFields.find((f) => f.key === key)?.label ?? key;
  const directions = directionChoices(appName);
  const owners = ownerChoices(appName);
  return (
    <div className="table-scroll">
      <table className="table lines" data-testid="mapping-lines">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">GHL field</th>
            <th scope="col">Direction</th>
            <th scope="col">{appName} field</th>
            <th scope="col">When both changed</th>
            <th scope="col">Transforms</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, index) => {
            const lineProblems = byLine.get(index) ?? [];
            const where = `line ${index + 1}`;
            const oneWay = line.direction !== "both";
            return (
              <tr
                key={`${line.ghl}|${line.app}`}
                className={[index === selected ? "chosen" : "", lineProblems.length ? "invalid" : ""].join(" ")}
                data-testid={`mapping-line-${index}`}
                onFocusCapture={() => onSelect(index)}
                onClick={() => onSelect(index)}
              >
                <td>{index + 1}</td>
                <td>
                  <span className="field-name">{label(line.ghl)}</span>
                  {label(line.ghl) !== line.ghl ? <code className="field-key">{line.ghl}</code> : null}
                </td>
                <td>
                  <fieldset className="direction" data-testid={`line-direction-${index}`}>
                    <legend className="visually-hidden">Direction of {where}</legend>
                    {directions.map((d) => (
                      <label key={d.value} className="direction-choice" title={d.label}>
                        <input
                          type="radio"
                          name={`direction-${index}`}
                          value={d.value}
                          checked={line.direction === d.value}
                          onChange={() =>
                            onChange(index, { direction: d.value, owner: ownerFor(d.value, line.owner) })
                          }
                        />
                        <span aria-hidden="true">{d.symbol}</span>
                        <span className="visually-hidden">{d.label}</span>
                      </label>
                    ))}
                  </fieldset>
                </td>
                <td>
                  <span className="field-name">{line.app}</span>
                  {lineProblems.map((p) => (
                    <div key={p.message} className="inline-problem" data-testid={`line-problem-${index}`}>
                      <p>{p.message}</p>
                      {p.fix ? (
                        <button
                          type="button"
                          className="button small"
                          data-testid={`line-fix-${index}`}
                          onClick={() => onFix(index, p.fix!)}
                        >
                          {fixLabel(p.fix)}
                        </button>
                      ) : null}
                    </div>
                  ))}
                </td>
                <td>
                  <select
                    aria-label={`When both changed, ${where}`}
                    value={ownerFor(line.direction, line.owner)}
                    disabled={oneWay}
                    title={oneWay ? "A one-way line always takes its source's value" : undefined}
                    onChange={(e) => onChange(index, { owner: e.target.value as MappingLine["owner"] })}
                  >
                    {owners.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <div className="transforms">
                    {line.transforms.map((t, ti) => (
                      <TransformEditor
                        key={`${t.kind}-${ti}`}
                        transform={t}
                        where={where}
                        onChange={(next) =>
                          onChange(index, { transforms: line.transforms.map((x, j) => (j === ti ? next : x)) })
                        }
                        onRemove={() => onChange(index, { transforms: line.transforms.filter((_, j) => j !== ti) })}
                      />
                    ))}
                  </div>
                  <select
                    aria-label={`Add a transform to ${where}`}
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
                  <button
                    type="button"
                    className="button small"
                    aria-label={`Remove ${where}`}
                    onClick={() => onRemove(index)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
