/**
 * Light or dark: the system's choice (prefers-color-scheme) unless Settings picked one. A
 * presentation choice of this window only, so it stays in the webview's storage, not in the
 * sync settings the CLI reads.
 */
export type ThemeChoice = "system" | "light" | "dark";

const KEY = "contact-bridge.theme";

export function savedTheme(): ThemeChoice {
  const value = window.localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

export function applyTheme(choice: ThemeChoice) {
  if (choice === "system") {
    delete document.documentElement.dataset.theme;
    window.localStorage.removeItem(KEY);
  } else {
    document.documentElement.dataset.theme = choice;
    window.localStorage.setItem(KEY, choice);
  }
}
