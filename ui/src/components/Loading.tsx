import type { ReactNode } from "react";

/** Text shown while something loads, announced to screen readers (a polite live region). */
export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="muted" role="status">
      {children}
    </p>
  );
}
