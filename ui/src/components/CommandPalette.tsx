import { useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { api } from "../platform";
import { navigate } from "../router";
import type { RouteId } from "../router";

export type PaletteCommand = {
  id: string;
  label: string;
  /** Words it is also found by. */
  keywords: string;
  /** The page it opens (and where an action shows its result). */
  route: RouteId;
  /** Builds the page's query from what was typed: the contact to find, the action to start. */
  query?: (typed: string) => string;
  /** Done in place instead of opening a page (the log folder). */
  action?: () => Promise<unknown>;
};

/**
 * What Ctrl+K offers. Preview and Apply start on the Sync page (Apply previews, then writes
 * exactly that plan, both shown there); "Go to contact" searches and opens the contact;
 * Reconnect opens that connection's reconnect form; the log folder opens in the file manager.
 */
export const COMMANDS: PaletteCommand[] = [
  { id: "preview", label: "Preview the sync", keywords: "plan dry run preview", route: "sync", query: () => "run=preview" },
  {
    id: "apply",
    label: "Apply the sync (preview, then write that plan)",
    keywords: "run apply write sync now",
    route: "sync",
    query: () => "run=apply",
  },
  {
    id: "contact",
    label: "Go to contact…",
    keywords: "find contact person search timeline",
    route: "contacts",
    query: (typed) => (typed.trim() ? `q=${encodeURIComponent(typed.trim())}&open=first` : ""),
  },
  { id: "reconnect", label: "Reconnect an app", keywords: "sign in oauth token reconnect connection", route: "connections" },
  { id: "mappings", label: "Edit a mapping", keywords: "fields mapping lines", route: "mappings" },
  { id: "logs", label: "Open logs", keywords: "log errors diagnostics", route: "logs" },
  {
    id: "logs-folder",
    label: "Open the log folder",
    keywords: "log files folder diagnostics",
    route: "logs",
    action: () => api.openFolder("logs"),
  },
  { id: "settings", label: "Open settings", keywords: "schedule theme breaker data folder", route: "settings" },
];

/** One "Reconnect NAME" command per connection: opens its reconnect form in place. */
export function reconnectCommands(connections: readonly { id: string; name: string; systemName: string }[]): PaletteCommand[] {
  return connections.map((c) => ({
    id: `reconnect-${c.id}`,
    label: `Reconnect ${c.name} (${c.systemName})`,
    keywords: `sign in oauth token reconnect connection ${c.systemName}`,
    route: "connections" as const,
    query: () => `reconnect=${encodeURIComponent(c.id)}`,
  }));
}

/** Commands matching what was typed; "Go to contact" always stays, searching for the text. */
export function matchCommands(typed: string, extra: readonly PaletteCommand[] = []): PaletteCommand[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const all = [...COMMANDS, ...extra];
  const found = all.filter((c) => words.every((w) => `${c.label} ${c.keywords}`.toLowerCase().includes(w)));
  const contact = COMMANDS.find((c) => c.id === "contact")!;
  return words.length > 0 && !found.includes(contact) ? [...found, contact] : found;
}

/**
 * Ctrl+K (⌘K): a combobox over the commands. Arrows move, Enter runs, Escape closes and focus
 * returns where it was.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [active, setActive] = useState(0);
  const [extra, setExtra] = useState<PaletteCommand[]>([]);
  const [failed, setFailed] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const id = useId();

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        returnTo.current = document.activeElement as HTMLElement | null;
        setTyped("");
        setActive(0);
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  useEffect(() => {
    if (!open) return;
    input.current?.focus();
    // The connections, for one Reconnect command each (none when they cannot be read).
    let active = true;
    api.listConnections().then(
      (connections) => active && setExtra(reconnectCommands(connections)),
      () => active && setExtra([]),
    );
    return () => {
      active = false;
    };
  }, [open]);

  if (!open) return null;
  const commands = matchCommands(typed, extra);
  const at = Math.min(active, Math.max(commands.length - 1, 0));
  const close = () => {
    setOpen(false);
    returnTo.current?.focus();
  };
  const runCommand = (command: PaletteCommand | undefined) => {
    if (!command) return;
    if (command.action) {
      setFailed(null);
      command.action().then(close, (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)));
      return;
    }
    setOpen(false);
    navigate(command.route, command.query?.(typed) ?? "");
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") setActive((at + 1) % Math.max(commands.length, 1));
    else if (e.key === "ArrowUp") setActive((at - 1 + commands.length) % Math.max(commands.length, 1));
    else if (e.key === "Enter") runCommand(commands[at]);
    else if (e.key === "Escape") close();
    else if (e.key !== "Tab") return; // Tab would leave the dialog: focus stays in the box.
    e.preventDefault();
  };

  return (
    <div
      className="modal-backdrop"
      role="presentation"
      onClick={(e) => {
        if (e.target === e.currentTarget) close();
      }}
    >
      <div className="modal palette" role="dialog" aria-modal="true" aria-label="Command palette" data-testid="palette">
        <input
          ref={input}
          type="text"
          className="search palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls={`${id}-list`}
          aria-activedescendant={commands[at] ? `${id}-${commands[at].id}` : undefined}
          aria-autocomplete="list"
          aria-label="Type a command or a contact's name"
          placeholder="Type a command or a contact's name"
          value={typed}
          data-testid="palette-input"
          onChange={(e) => {
            setTyped(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <div id={`${id}-list`} role="listbox" aria-label="Commands" className="palette-list">
          {commands.map((c, i) => (
            <div
              key={c.id}
              id={`${id}-${c.id}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === at}
              className={i === at ? "palette-option active" : "palette-option"}
              data-testid={`palette-${c.id}`}
              onMouseDown={(e) => {
                e.preventDefault();
                runCommand(c);
              }}
            >
              {c.id === "contact" && typed.trim() ? `Go to contact “${typed.trim()}”` : c.label}
            </div>
          ))}
        </div>
        {failed ? (
          <p className="inline-problem" role="alert">
            {failed}
          </p>
        ) : null}
        <p className="muted palette-hint">↑ ↓ to choose · Enter to run · Esc to close</p>
      </div>
    </div>
  );
}
