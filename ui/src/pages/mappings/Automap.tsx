import type { Suggestion } from "../../logic/mappingModel";

type Props = {
  suggestions: Suggestion[];
  onAccept: (s: Suggestion) => void;
  onReject: (s: Suggestion) => void;
};

/** Lines suggested because both fields have the same name; each accepted or rejected. */
export function Automap({ suggestions, onAccept, onReject }: Props) {
  if (suggestions.length === 0) return null;
  return (
    <section className="automap" aria-labelledby="automap-heading" data-testid="automap">
      <h3 id="automap-heading">
        Suggested by name <span className="muted">{suggestions.length}</span>
      </h3>
      <ul className="automap-list">
        {suggestions.map((s) => (
          <li key={`${s.ghl.key}|${s.app.key}`}>
            <span className="field-name">{s.ghl.label}</span> ↔ <span className="field-name">{s.app.label}</span>
            <button
              type="button"
              className="button small"
              aria-label={`Accept ${s.ghl.label} ↔ ${s.app.label}`}
              onClick={() => onAccept(s)}
            >
              Accept
            </button>
            <button
              type="button"
              className="button small"
              aria-label={`Reject ${s.ghl.label} ↔ ${s.app.label}`}
              onClick={() => onReject(s)}
            >
              Reject
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
