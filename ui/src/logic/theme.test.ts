import { afterEach, describe, expect, it, vi } from "vitest";
import { applyTheme, currentTheme, resolveTheme } from "./theme";

type Listener = () => void;

/** A matchMedia whose answer the test changes, as the system would. */
function fakeSystem(prefersDark: boolean) {
  const listeners = new Set<Listener>();
  const query = {
    matches: prefersDark,
    addEventListener: (_: string, l: Listener) => listeners.add(l),
    removeEventListener: (_: string, l: Listener) => listeners.delete(l),
  };
  vi.stubGlobal("matchMedia", () => query);
  window.matchMedia = (() => query) as unknown as typeof window.matchMedia;
  return {
    switchTo(dark: boolean) {
      query.matches = dark;
      listeners.forEach((l) => l());
    },
    listeners,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("theme", () => {
  it("resolves a choice to the effective theme", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });

  it("always sets data-theme, and follows the system only while the choice is 'system'", () => {
    const system = fakeSystem(false);
    applyTheme("system");
    expect(document.documentElement.dataset.theme).toBe("light");
    system.switchTo(true);
    expect(document.documentElement.dataset.theme).toBe("dark");
    applyTheme("light");
    expect(currentTheme()).toBe("light");
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(system.listeners.size).toBe(0);
    system.switchTo(false);
    system.switchTo(true);
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
