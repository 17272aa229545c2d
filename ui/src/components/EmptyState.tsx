import type { ReactNode } from "react";

export type EmptyStatePoint = {
  /** Short label shown in bold, e.g. "Status". */
  term: string;
  detail: string;
};

type EmptyStateProps = {
  title: string;
  children: ReactNode;
  /** Short list of what the finished page will offer. */
  points?: readonly EmptyStatePoint[];
};

/** A calm, icon-free card explaining what will appear on a page that has nothing yet. */
export function EmptyState({ title, children, points }: EmptyStateProps) {
  return (
    <section className="card empty-state" aria-label={title} data-testid="empty-state">
      <h2 className="empty-state-title">{title}</h2>
      <div className="empty-state-body">{children}</div>
      {points && points.length > 0 ? (
        <ul className="empty-state-points">
          {points.map(({ term, detail }) => (
            <li key={term}>
              <strong>{term}:</strong> {detail}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="empty-state-note">This part of Contact Bridge arrives in an upcoming release.</p>
    </section>
  );
}
