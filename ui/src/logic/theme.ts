/**
 * Light or dark. The choice (as the system says, light, or dark) is a setting like the others,
 * saved in the settings store; this module resolves it to the effective theme and always sets
 * `data-theme` on the document, so the stylesheet holds one dark palette. With "system" it
 * follows the operating system's scheme as it changes.
 */
import type { Theme } from "../platform";

export type ThemeChoice = Theme;
export type Effective = "light" | "dark";

/** The theme in effect for a choice, given whether the system prefers dark. */
export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): Effective {
  if (choice === "light" || choice === "dark") return choice;
  return systemPrefersDark ? "dark" : "light";
}

const QUERY = "(prefers-color-scheme: dark)";

function systemQuery(): MediaQueryList | null {
  return typeof window.matchMedia === "function" ? window.matchMedia(QUERY) : null;
}

let stopFollowing: (() => void) | null = null;
let current: ThemeChoice = "system";

/** The choice in effect now. */
export function currentTheme(): ThemeChoice {
  return current;
}

/**
 * Applies a choice: sets `data-theme` to the effective theme and, for "system", keeps it in
 * step with the operating system until another choice is applied.
 */
export function applyTheme(choice: ThemeChoice) {
  current = choice;
  stopFollowing?.();
  stopFollowing = null;
  const query = systemQuery();
  const set = () => {
    document.documentElement.dataset.theme = resolveTheme(choice, query?.matches ?? false);
  };
  set();
  if (choice === "system" && query) {
    query.addEventListener("change", set);
    stopFollowing = () => query.removeEventListener("change", set);
  }
}
