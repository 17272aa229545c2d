import { useEffect, useRef, useState } from "react";
import { compatibleFields, KIND_LABELS } from "../../logic/mappingModel";
import type { FieldOption } from "../../platform";
import { FieldPicker } from "./FieldPicker";

type Props = {
  appName: string;
  ghlFields: FieldOption[];
  appFields: FieldOption[];
  onAdd: (ghl: string, app: string) => void;
  onCancel: () => void;
};

/** "+ Add mapping": a GoHighLevel field, then one of the app's fields that can hold its values. */
export function AddMapping({ appName, ghlFields, appFields, onAdd, onCancel }: Props) {
  const [ghl, setGhl] = useState<string | null>(ghlFields[0]?.key ?? null);
  const [app, setApp] = useState<string | null>(null);
  const ghlField = ghlFields.find((f) => f.key === ghl);
  const candidates = compatibleFields(ghlField, appFields);
  const chosenApp = candidates.some((f) => f.key === app) ? app : null;
  const box = useRef<HTMLElement>(null);
  // Escape anywhere in the form closes it.
  useEffect(() => {
    const element = box.current;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        onCancel();
      }
    };
    element?.addEventListener("keydown", onKey);
    return () => element?.removeEventListener("keydown", onKey);
  }, [onCancel]);
  return (
    <section
      className="add-mapping"
      aria-labelledby="add-mapping-heading"
      data-testid="add-mapping"
      ref={box}
    >
      <h3 id="add-mapping-heading">Add a line</h3>
      <div className="add-mapping-pickers">
        <FieldPicker
          label="GHL field"
          fields={ghlFields}
          value={ghl}
          onChange={(key) => {
            setGhl(key);
            setApp(null);
          }}
          testId="add-ghl-field"
          empty="GHL has no fields to map yet: sync once."
        />
        <FieldPicker
          label={`${appName} field${ghlField ? ` that can hold ${KIND_LABELS[ghlField.kind]}` : ""}`}
          fields={candidates}
          value={chosenApp}
          onChange={setApp}
          testId="add-app-field"
          empty={`${appName} has no field that can hold this kind of value.`}
        />
      </div>
      <div className="actions">
        <button
          type="button"
          className="button primary"
          data-testid="add-mapping-confirm"
          disabled={!ghl || !chosenApp}
          onClick={() => ghl && chosenApp && onAdd(ghl, chosenApp)}
        >
          Add line
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </section>
  );
}
