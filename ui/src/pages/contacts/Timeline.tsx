import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useMemo, useRef, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { useLoad } from "../../hooks/useLoad";
import { toBridgeError, api } from "../../platform";
import type { BridgeError, TimelineItem } from "../../platform";
import {
  changeLine,
  copiesLine,
  filterTimeline,
  groupActivities,
  systemName,
  timelineOptions,
  timelineRows,
} from "../../logic/timelineModel";
import type { Activity, TimelineRow } from "../../logic/timelineModel";

function ActivityEntry({ activity }: { activity: Activity }) {
  const [open, setOpen] = useState(false);
  const copies = copiesLine(activity);
  const change = activity.events.length === 1 && activity.events[0] ? changeLine(activity.events[0]) : null;
  return (
    <div
      className="event"
      data-testid="timeline-event"
      data-kind={activity.kind}
      data-system={activity.origin.system}
      data-copies={activity.copies.map((c) => c.system).join(" ")}
    >
      <p className="event-head">
        <span className={`badge system-${activity.origin.system}`}>{systemName(activity.origin.system)}</span>
        <span className="badge">{activity.kind}</span>
        <strong className="event-title">{activity.title}</strong>
        <time className="muted" dateTime={activity.origin.occurredAt}>
          {new Date(activity.origin.occurredAt).toLocaleString()}
        </time>
        {activity.origin.byBridge ? <span className="muted">by Contact Bridge</span> : null}
      </p>
      {activity.body ? (
        <p className="event-body" data-testid="timeline-event-body">
          {activity.body}
        </p>
      ) : null}
      {change ? <p className="event-change">{change}</p> : null}
      {copies ? (
        <p className="muted event-copies" data-testid="timeline-event-copies">
          {copies}{" "}
          <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "hide details" : "details per app"}
          </button>
        </p>
      ) : null}
      {open ? (
        <ul className="event-details" data-testid="timeline-event-details">
          {activity.events.map((e, i) => (
            <li key={`${e.system}-${e.occurredAt}-${i}`}>
              {systemName(e.system)} · {new Date(e.occurredAt).toLocaleString()} ·{" "}
              {e.runId ? `written by Contact Bridge (run ${e.runId})` : "read from the app"} · {e.title}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The rows of the timeline, keeping only those in view in the page (long histories). */
function TimelineList({ rows }: { rows: TimelineRow[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.type === "heading" ? 36 : 96),
    overscan: 8,
    // Before layout (and in tests without one) render a first screenful.
    initialRect: { width: 800, height: 900 },
  });
  const items = virtualizer.getVirtualItems();
  return (
    // A scrolling region must take keyboard focus, or keyboard users cannot scroll it.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div ref={scroller} className="virtual-scroll timeline-scroll" role="region" aria-label="Timeline entries" tabIndex={0}>
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <div
              key={row.key}
              ref={virtualizer.measureElement}
              data-index={item.index}
              style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
            >
              {row.type === "heading" ? (
                <h3 className="timeline-day" data-testid="timeline-day">
                  {row.label}
                </h3>
              ) : (
                <ActivityEntry activity={row.activity} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/**
 * One contact's activities in every connected app: an activity copied across apps is one
 * entry (where a person made it, its text once, where Contact Bridge copied it), with the
 * per-app details on demand. Titles and bodies come from remote apps and are rendered as React
 * text only, so markup in them shows as characters and never runs.
 */
export function Timeline({ contactId }: { contactId: string }) {
  const load = useCallback(() => api.contactTimeline(contactId), [contactId]);
  const [state] = useLoad(load);
  const [system, setSystem] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<TimelineItem[] | null>(null);
  const [searchError, setSearchError] = useState<BridgeError | null>(null);
  const events = state.status === "ready" ? state.data.events : null;
  const rows = useMemo(() => {
    if (!events) return [];
    const source = found ?? events;
    // filterTimeline returns newest first; grouping wants oldest first.
    const shown = filterTimeline(source, { system, kind }).slice().reverse();
    return timelineRows(groupActivities(shown), new Date());
  }, [events, found, system, kind]);

  if (state.status === "loading") return <Loading>Loading the timeline…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The timeline could not be read." error={state.error} />;
  const { contact, links } = state.data;
  const options = timelineOptions(state.data.events);

  const search = (text: string) => {
    setQuery(text);
    setSearchError(null);
    if (text.trim() === "") {
      setFound(null);
      return;
    }
    api
      .searchTimeline(contactId, text)
      .then(setFound)
      .catch((e: unknown) => setSearchError(toBridgeError(e)));
  };

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
          <span>Search</span>
          <input
            type="search"
            data-testid="timeline-search"
            value={query}
            placeholder="words in titles and texts"
            onChange={(e) => search(e.target.value)}
          />
        </label>
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
      {searchError ? <ErrorBox title="The search could not be run." error={searchError} /> : null}
      {rows.length === 0 ? <p className="muted">{found ? "Nothing matches the search." : "Nothing here yet."}</p> : null}
      {rows.length > 0 ? <TimelineList rows={rows} /> : null}
    </section>
  );
}
