import axe from "axe-core";
import { vi } from "vitest";

/**
 * jsdom lays nothing out: every element measures 0×0, so a virtualized list would show no row.
 * Call in a test (mocks are restored after each) to make every element 800×600 inside and each
 * row 36 px tall, as a window would.
 */
export function layOutScreenful() {
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(800);
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, "offsetHeight", "get").mockReturnValue(36);
}

/**
 * The serious and critical axe findings in `root`, one line each (rule, impact, the elements),
 * so a failing test says what to fix. Colour contrast is left to the real webview (jsdom lays
 * nothing out); styles.test.ts checks the palette.
 */
export async function seriousAxeFindings(root: Element = document.body): Promise<string[]> {
  const results = await axe.run(root, {
    rules: { "color-contrast": { enabled: false } },
    resultTypes: ["violations"],
  });
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
