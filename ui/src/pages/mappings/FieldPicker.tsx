import { useId, useState } from "react";
import { KIND_LABELS, searchFields } from "../../logic/mappingModel";
import type { FieldOption } from "../../platform";

type Props = {
  label: string;
  fields: FieldOption[];
  value: string | null;
  onChange: (key: string) => void;
  testId: string;
  /** Said when no field is offered at all. */
  empty: string;
};

const optionText = (f: FieldOption) =>
  `${f.label}${f.label !== f.key ? ` (${f.key})` : ""} · ${KIND_LABELS[f.kind]}${f.sample ? ` · e.g. ${f.sample}` : ""}`;

/**
 * A searchable field picker: a search box narrowing a list box. Both are native controls, so
 * the keyboard works as everywhere (type to search, Tab to the list, arrows to choose).
 */
export function FieldPicker({ label, fields, value, onChange, testId, empty }: Props) {
  const [query, setQuery] = useState("");
  const id = useId();
  const shown = searchFields(fields, query);
  return (
    <div className="field-picker">
      <label className="field" htmlFor={`${id}-search`}>
        <span>{label}</span>
      </label>
      <input
        id={`${id}-search`}
        type="search"
        className="search"
        placeholder="Search fields"
        value={query}
        aria-controls={`${id}-list`}
        data-testid={`${testId}-search`}
        onChange={(e) => {
          setQuery(e.target.value);
          const [first] = searchFields(fields, e.target.value);
          if (first && !searchFields(fields, e.target.value).some((f) => f.key === value)) onChange(first.key);
        }}
      />
      {shown.length === 0 ? (
        <p className="muted" role="status">
          {fields.length === 0 ? empty : "No field matches the search."}
        </p>
      ) : (
        <select
          id={`${id}-list`}
          size={Math.min(8, Math.max(2, shown.length))}
          aria-label={label}
          value={value ?? ""}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        >
          {shown.map((f) => (
            <option key={f.key} value={f.key}>
              {optionText(f)}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
