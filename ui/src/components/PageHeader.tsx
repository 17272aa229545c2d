import type { ReactNode } from "react";

type PageHeaderProps = {
  title: string;
  /** One sentence under the heading saying what the page is for. */
  children?: ReactNode;
};

/** The single `<h1>` of a page. Focusable so navigation can move focus to it. */
export function PageHeader({ title, children }: PageHeaderProps) {
  return (
    <header className="page-header">
      <h1 data-testid="page-heading" tabIndex={-1}>
        {title}
      </h1>
      {children ? <p className="page-lede">{children}</p> : null}
    </header>
  );
}
