import { useEffect, useRef } from "react";
import { CommandPalette } from "./components/CommandPalette";
import { LeaveDialog } from "./components/LeaveDialog";
import { SyncIndicator } from "./components/SyncIndicator";
import { hrefFor, navigate, useRoute } from "./router";
import type { RouteId } from "./router";
import { ROUTES } from "./routes";

function Sidebar({ current }: { current: RouteId }) {
  return (
    <aside className="sidebar">
      <div className="sidebar-header">
        <span className="app-title">Contact Bridge</span>
      </div>
      <p className="sidebar-hint muted">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> commands
      </p>
      <nav aria-label="Main">
        <ul className="nav-list">
          {ROUTES.map(({ id, label }) => {
            const active = id === current;
            return (
              <li key={id}>
                <a
                  href={hrefFor(id)}
                  className={active ? "nav-link active" : "nav-link"}
                  data-testid={`nav-${id}`}
                  aria-current={active ? "page" : undefined}
                  onClick={(e) => {
                    // Through the unsaved-changes guard.
                    e.preventDefault();
                    navigate(id);
                  }}
                >
                  {label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
    </aside>
  );
}

export function App() {
  const current = useRoute();
  const route = ROUTES.find((r) => r.id === current);
  const mainRef = useRef<HTMLElement>(null);
  const previous = useRef<RouteId>(current);

  // After navigating, move keyboard/screen-reader focus to the new page's heading.
  useEffect(() => {
    if (previous.current === current) return;
    previous.current = current;
    mainRef.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [current]);

  if (!route) return null;
  const { Page } = route;

  return (
    <div className="app-shell">
      <Sidebar current={current} />
      <main className="main" ref={mainRef}>
        <SyncIndicator />
        <div className="page">
          <Page key={window.location.hash.includes("?") ? window.location.hash : route.id} />
        </div>
      </main>
      <CommandPalette />
      <LeaveDialog />
    </div>
  );
}
