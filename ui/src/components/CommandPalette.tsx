import { useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { navigate } from "../router";
import type { RouteId } from "../router";

export type PaletteCommand = {
  id: string;
  label: string;
  /** Words it is also found by. */
  keywords: string;
  route: RouteId;
  /** Builds the page's query from what was typed (e.g. the contact to find). */
  query?: (typed: string) => string;
};

/** What Ctrl+K offers: each command opens the page where it is done. */
export const COMMANDS: PaletteCommand[] = [
  { id: "preview", label: "Preview the sync", keywords: "plan dry run preview", route: "sync" },
  { id: "apply", label: "Apply the sync", keywords: "run apply write sync now", route: "sync" },
  {
    id: "contact",
    label: "Go to contact…",
    keywords: "find contact person search timeline",
    route: "contacts",
    query: (typed) => (typed.trim() ? `q=${encodeURIComponent(typed.trim())}` : ""),
  },
  { id: "reconnect", label: "Reconnect an app", keywords: "sign in oauth token reconnect connection", route: "connections" },
  { id: "mappings", label: "Edit a mapping", keywords: "fields mapping lines", route: "mappings" },
  { id: "logs", label: "Open logs", keywords: "log errors diagnostics", route: "logs" },
  { id: "settings", label: "Open settings", keywords: "schedule theme breaker data folder", route: "settings" },
];

/** Commands matching what was typed; "Go to contact" always stays, searching for the text. */
export function matchCommands(typed: string): PaletteCommand[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const found = COMMANDS.filter((c) => words.every((w) => `${c.label} ${c.keywords}`.toLowerCase().includes(w)));
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
    if (open) input.current?.focus();
  }, [open]);

  if (!open) return null;
  const commands = matchCommands(typed);
  const at = Math.min(active, Math.max(commands.length - 1, 0));
  const close = () => {
    setOpen(false);
    returnTo.current?.focus();
  };
  const runCommand = (command: PaletteCommand | undefined) => {
    if (!command) return;
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
        <p className="muted palette-hint">↑ ↓ to choose · Enter to open · Esc to close</p>
      </div>
    </div>
  );
}
