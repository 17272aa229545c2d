/// <reference types="node" />
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Read as text: Vitest hands CSS imports to tests empty.
const css = readFileSync(join(import.meta.dirname, "styles.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

/** A custom property's value from the stylesheet's `:root`. */
function variable(name: string): string {
  const found = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})\\s*;`).exec(css);
  if (!found?.[1]) throw new Error(`--${name} is not a #rrggbb colour in styles.css`);
  return found[1];
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The declarations of the first rule whose selector list contains `selector`. */
function rule(selector: string): string {
  const at = css.split("}").find((block) => block.split("{")[0]!.split(",").some((s) => s.trim() === selector));
  if (!at) throw new Error(`no rule for ${selector} in styles.css`);
  return at.split("{")[1]!;
}

describe("styles (WCAG 1.4.11 non-text contrast)", () => {
  it("draws every control's edge and the focus ring at 3:1 or more against the surface and the page", () => {
    for (const name of ["color-control-border", "color-focus"]) {
      for (const background of ["color-surface", "color-bg", "color-sidebar"]) {
        expect(contrast(variable(name), variable(background)), `${name} on ${background}`).toBeGreaterThanOrEqual(3);
      }
    }
    // The check above proves nothing unless the controls use that colour.
    for (const selector of [".field input", "select", ".search", ".button"]) {
      expect(rule(selector), selector).toMatch(/border: 1px solid var\(--color-control-border\)/);
    }
  });

  it("shows a focus ring on whatever has keyboard focus", () => {
    expect(rule(":focus-visible")).toMatch(/outline: 2px solid var\(--color-focus\)/);
    expect(css).not.toMatch(/:focus-visible\s*{[^}]*outline:\s*(none|0)/);
  });
});

/** The dark theme's value of a custom property (the `:root[data-theme="dark"]` block). */
function darkVariable(name: string): string {
  const block = css.split(':root[data-theme="dark"]')[1]?.split("}")[0] ?? "";
  const found = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})\\s*;`).exec(block);
  if (!found?.[1]) throw new Error(`--${name} is not a #rrggbb colour in the dark theme`);
  return found[1];
}

describe("both themes (WCAG 1.4.3 text and 1.4.11 non-text contrast)", () => {
  for (const [theme, value] of [
    ["light", variable],
    ["dark", darkVariable],
  ] as const) {
    it(`${theme}: text at 4.5:1, controls and focus at 3:1 on every surface`, () => {
      for (const background of ["color-surface", "color-bg", "color-sidebar"]) {
        for (const text of ["color-text", "color-text-muted", "color-danger", "color-ok", "color-warn", "color-accent"]) {
          expect(contrast(value(text), value(background)), `${theme} ${text} on ${background}`).toBeGreaterThanOrEqual(4.5);
        }
        for (const edge of ["color-control-border", "color-focus"]) {
          expect(contrast(value(edge), value(background)), `${theme} ${edge} on ${background}`).toBeGreaterThanOrEqual(3);
        }
      }
      expect(contrast(value("color-on-accent"), value("color-accent")), `${theme} primary button`).toBeGreaterThanOrEqual(4.5);
      expect(contrast(value("color-danger"), value("color-danger-soft")), `${theme} a cleared value`).toBeGreaterThanOrEqual(4.5);
      expect(contrast(value("color-warn"), value("color-warn-soft")), `${theme} an overwritten value`).toBeGreaterThanOrEqual(4.5);
    });
  }

  const APPS = ["ghl", "novi", "ninox", "nifty", "niftyimages", "connectif"];
  for (const [theme, value] of [
    ["light", variable],
    ["dark", darkVariable],
  ] as const) {
    it(`${theme}: each app's colour reads at 4.5:1 on every surface, and the apps differ`, () => {
      for (const app of APPS) {
        for (const background of ["color-surface", "color-bg", "color-sidebar"]) {
          expect(contrast(value(`app-${app}`), value(background)), `${theme} ${app} on ${background}`).toBeGreaterThanOrEqual(4.5);
        }
      }
      expect(new Set(APPS.map((app) => value(`app-${app}`))).size).toBe(APPS.length);
    });
  }

  it("colours each app's timeline badge and entry edge with its own colour", () => {
    for (const app of APPS) {
      expect(rule(`.badge.system-${app}`)).toContain(`var(--app-${app})`);
      expect(rule(`.event[data-system="${app}"]`)).toContain(`var(--app-${app})`);
    }
  });

  it("keeps one dark palette, chosen by data-theme (logic/theme.ts resolves the system's scheme)", () => {
    expect(css.split(':root[data-theme="dark"]').length).toBe(2);
    expect(css).not.toMatch(/prefers-color-scheme/);
  });
});
