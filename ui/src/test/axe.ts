import axe from "axe-core";

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
