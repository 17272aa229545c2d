import { useCallback, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { useLoad } from "../../hooks/useLoad";
import { changeLine, filterTimeline, systemName, timelineOptions } from "../../logic/timelineModel";
import { api } from "../../platform";
import { Loading } from "../../components/Loading";

/**
 * One contact's events in every connected app. Titles and bodies come from remote apps and are
 * rendered as React text only, so markup in them shows as characters and never runs.
 */
export function Timeline({ contactId }: { contactId: string }) {
  const load = useCallback(() => api.contactTimeline(contactId), [contactId]);
  const [state] = useLoad(load);
  const [system, setSystem] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);

  if (state.status === "loading") return <Loading>Loading the timeline…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The timeline could not be read." error={state.error} />;
  const { contact, links, events } = state.data;
  const options = timelineOptions(events);
  const shown = filterTimeline(events, { system, kind });

  return (
    <section className="card timeline" data-testid="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading" className="card-title" data-testid="timeline-contact">
        {contact.name || contact.email || contact.id}
      </h2>
      <p className="muted">
        {[contact.email, contact.phone].filter(Boolean).join(" · ")}
        {links.length > 0
          ? ` · linked in ${links.map((l) => `${systemName(l.system)} (${l.connectionName})`).join(", ")}`
          : " · not linked in any app yet"}
      </p>
      <div className="toolbar">
        <label className="field inline">
          <span>App</span>
          <select data-testid="timeline-system" value={system ?? ""} onChange={(e) => setSystem(e.target.value || null)}>
            <option value="">every app</option>
            {options.systems.map((s) => (
              <option key={s} value={s}>
                {systemName(s)}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Kind</span>
          <select data-testid="timeline-kind" value={kind ?? ""} onChange={(e) => setKind(e.target.value || null)}>
            <option value="">every kind</option>
            {options.kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {shown.length === 0 ? <p className="muted">Nothing here yet.</p> : null}
      <ol className="events">
        {shown.map((event, i) => {
          const change = changeLine(event);
          return (
            <li key={`${event.occurredAt}-${i}`} className="event" data-testid="timeline-event" data-kind={event.kind} data-system={event.system}>
              <p className="event-head">
                <span className={`badge system-${event.system}`}>{systemName(event.system)}</span>
                <span className="badge">{event.kind}</span>
                <strong className="event-title">{event.title}</strong>
                <time className="muted" dateTime={event.occurredAt}>
                  {new Date(event.occurredAt).toLocaleString()}
                </time>
              </p>
              {event.body ? (
                <p className="event-body" data-testid="timeline-event-body">
                  {event.body}
                </p>
              ) : null}
              {change ? <p className="event-change">{change}</p> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
