import { useState } from "react";
import { parseValueMap, transformLabel, valueMapText } from "../../logic/mappingModel";
import type { TransformDto } from "../../platform";

type Props = {
  transform: TransformDto;
  /** "line 2", for the controls' names. */
  where: string;
  onChange: (next: TransformDto) => void;
  onRemove: () => void;
};

function Param({
  label,
  value,
  onChange,
  width = 10,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  width?: number;
}) {
  return (
    <label className="param">
      <span>{label}</span>
      <input type="text" size={width} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** The value map as typed (`a=b; c=d`): kept as text while typing, parsed on every change. */
function ValueMapParam({ values, onChange }: { values: Record<string, string>; onChange: (v: Record<string, string>) => void }) {
  const [text, setText] = useState(() => valueMapText(values));
  return (
    <Param
      label="values (a=b; c=d)"
      width={24}
      value={text}
      onChange={(v) => {
        setText(v);
        onChange(parseValueMap(v));
      }}
    />
  );
}

/** One transform of a line with its parameters edited in place. */
export function TransformEditor({ transform: t, where, onChange, onRemove }: Props) {
  let params = null;
  switch (t.kind) {
    case "phone_e164":
      params = (
        <Param
          label="region"
          width={3}
          value={t.default_region}
          onChange={(v) => onChange({ ...t, default_region: v.toUpperCase() })}
        />
      );
      break;
    case "tag_prefix":
      params = <Param label="prefix" value={t.prefix} onChange={(v) => onChange({ ...t, prefix: v })} />;
      break;
    case "default_value":
      params = <Param label="value" value={t.value} onChange={(v) => onChange({ ...t, value: v })} />;
      break;
    case "date_format":
      params = (
        <>
          <Param label="GHL" value={t.ghl} onChange={(v) => onChange({ ...t, ghl: v })} />
          <Param label="app" value={t.app} onChange={(v) => onChange({ ...t, app: v })} />
        </>
      );
      break;
    case "value_map":
      params = (
        <ValueMapParam
          values={t.values as Record<string, string>}
          onChange={(values) => onChange({ ...t, values })}
        />
      );
      break;
    default:
      params = null;
  }
  const name = t.kind.replace(/_/g, " ");
  return (
    <div className="transform" role="group" aria-label={`${name} on ${where}`}>
      <span className="transform-name">{params ? name : transformLabel(t)}</span>
      {params}
      <button type="button" className="icon-button" aria-label={`remove ${name} from ${where}`} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}
