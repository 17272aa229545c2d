import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BridgeError } from "../../platform";
import type { RuleDto } from "../../platform";
import { seriousAxeFindings } from "../../test/a11y";
import { RulesTab } from "./RulesTab";

vi.mock(import("../../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  const mocked = Object.fromEntries(Object.keys(actual.api).map((name) => [name, vi.fn()]));
  return { ...actual, api: mocked as unknown as typeof actual.api };
});

const WELCOME: RuleDto = {
  name: "welcome",
  label: "welcome note",
  description: "A new GHL contact gets starter tasks and a welcome note, in GHL and the app",
  enabled: false,
  enabledAt: null,
  settings: '{\n  "note": "Welcome, {firstName}!",\n  "starterTasks": []\n}',
};
const SUMMARY: RuleDto = {
  name: "summary",
  label: "summary note",
  description: "A change made in the app adds a note listing it on the GHL contact",
  enabled: true,
  enabledAt: "2026-12-01T10:00:00Z",
  settings: "{}",
};

const TAG_GROUPS: RuleDto = {
  name: "tag_groups",
  label: "tag groups",
  description: "A tag added or removed in GHL adds or removes the app group the table names for it, and back",
  enabled: false,
  enabledAt: null,
  settings: '{\n  "groups": {}\n}',
};
const FOLLOW_UP: RuleDto = {
  name: "follow_up",
  label: "follow-up task",
  description: "An email opened, a link clicked or a custom event in the app adds a GHL task to follow the contact up",
  enabled: false,
  enabledAt: null,
  settings: '{\n  "customEvents": [],\n  "dueInDays": 1,\n  "kinds": [\n    "click"\n  ]\n}',
};

describe("the Rules tab of a pair", () => {
  beforeEach(() => {
    vi.mocked(api.listRules).mockResolvedValue([WELCOME, SUMMARY, TAG_GROUPS, FOLLOW_UP]);
  });

  it("shows each rule off or on and says how the plan names its writes", async () => {
    render(<RulesTab appId="novi-1" />);
    const welcome = await screen.findByTestId("rule-welcome");
    expect(welcome.textContent).toContain("by rule: welcome note");
    expect(screen.getByTestId<HTMLInputElement>("rule-welcome-switch").checked).toBe(false);
    expect(screen.getByTestId<HTMLInputElement>("rule-summary-switch").checked).toBe(true);
    expect(screen.getByTestId("rule-summary").textContent).toContain("On since 2026-12-01T10:00:00Z");
    expect(vi.mocked(api.listRules)).toHaveBeenCalledWith("novi-1");
    expect(await seriousAxeFindings()).toEqual([]);
    // axe is CPU work: the same budget as the other axe checks (pages.a11y.test.tsx).
  }, 30_000);

  it("switches a rule on through the engine and shows it on", async () => {
    vi.mocked(api.switchRule).mockResolvedValue({ ...WELCOME, enabled: true, enabledAt: "now" });
    render(<RulesTab appId="novi-1" />);
    const toggle = await screen.findByTestId("rule-welcome-switch");
    vi.mocked(api.listRules).mockResolvedValue([{ ...WELCOME, enabled: true, enabledAt: "2026-12-01T11:00:00Z" }, SUMMARY]);
    await userEvent.click(toggle);
    expect(vi.mocked(api.switchRule)).toHaveBeenCalledWith("novi-1", "welcome", true);
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("rule-welcome-switch").checked).toBe(true));
  });

  it("saves settings and shows the engine's refusal naming what is wrong", async () => {
    vi.mocked(api.setRule).mockRejectedValue(
      new BridgeError("invalid_input", "the welcome note has the placeholder {nickname}, which nothing fills"),
    );
    render(<RulesTab appId="novi-1" />);
    const settings = await screen.findByTestId<HTMLTextAreaElement>("rule-welcome-settings");
    const save = screen.getByTestId<HTMLButtonElement>("rule-welcome-save");
    expect(save.disabled).toBe(true);
    await userEvent.clear(settings);
    await userEvent.type(settings, '{{"note":"Hi {{nickname}"}');
    expect(save.disabled).toBe(false);
    await userEvent.click(save);
    expect(vi.mocked(api.setRule)).toHaveBeenCalledWith("novi-1", "welcome", '{"note":"Hi {nickname}"}');
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The welcome note rule was not changed.");
    expect(alert.textContent).toContain("{nickname}");
  });

  it("offers the tag groups and follow-up rules with their settings and what those hold", async () => {
    render(<RulesTab appId="connectif-1" />);
    const groups = await screen.findByTestId("rule-tag_groups");
    expect(groups.textContent).toContain("the contacts’ tag changes");
    expect(groups.textContent).not.toContain("by rule:");
    expect(screen.getByTestId("rule-follow_up").textContent).toContain("by rule: follow-up task");
    expect(screen.getByTestId("rule-tag_groups-help").textContent).toContain('{"groups":{"gold":"VIP Members"}}');
    expect(screen.getByTestId<HTMLTextAreaElement>("rule-follow_up-settings").value).toContain('"kinds"');
    expect(screen.getByTestId("rule-follow_up-help").textContent).toContain("customEvents");
    expect(screen.getByTestId<HTMLTextAreaElement>("rule-follow_up-settings").getAttribute("aria-describedby")).toBe(
      "rule-follow_up-settings-help",
    );
    expect(screen.queryByTestId("rule-summary-help")).toBeNull();
  });

  it("shows the engine's refusal of a rule the pair's app cannot run", async () => {
    vi.mocked(api.switchRule).mockRejectedValue(
      new BridgeError(
        "invalid_input",
        "\"Novi\" cannot run the follow-up task rule: the follow-up rule needs the app's engagement records; only Connectif's activities export has them",
      ),
    );
    render(<RulesTab appId="novi-1" />);
    await userEvent.click(await screen.findByTestId("rule-follow_up-switch"));
    expect(vi.mocked(api.switchRule)).toHaveBeenCalledWith("novi-1", "follow_up", true);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The follow-up task rule was not changed.");
    expect(alert.textContent).toContain("only Connectif");
    expect(screen.getByTestId<HTMLInputElement>("rule-follow_up-switch").checked).toBe(false);
  });
});
