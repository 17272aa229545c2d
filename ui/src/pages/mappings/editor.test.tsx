import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { COMMANDS, matchCommands, reconnectCommands } from "../../components/CommandPalette";
import { automapSuggestions, compatibleFields, searchFields } from "../../logic/mappingModel";
import { summarySentence } from "../../logic/previewModel";
import { api } from "../../platform";
import type { FieldOption, MappingEditor, PreviewRecordView } from "../../platform";
import { seriousAxeFindings } from "../../test/a11y";

vi.mock(import("../../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  const mocked = Object.fromEntries(Object.keys(actual.api).map((name) => [name, vi.fn()]));
  return { ...actual, api: mocked as unknown as typeof actual.api };
});

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

const field = (key: string, kind: FieldOption["kind"], sample: string | null = null, label = key): FieldOption => ({
  key,
  label,
  kind,
  sample,
});

const EDITOR: MappingEditor = {
  app: { id: "novi-1", name: "Members", system: "novi", systemName: "Novi AMS" },
  ghlFields: [
    field("email", "email", "ada@example.org"),
    field("tags", "list", '["vip"]'),
    field("customFields.contact.job_title", "text", "Engineer", "Job Title"),
  ],
  appFields: ["Email", "JobTitle", "Interests", "Phone"],
  appFieldOptions: [
    field("Email", "email", "ada@example.org"),
    field("JobTitle", "text", "Engineer"),
    field("Interests", "list", '["chess"]'),
    field("Phone", "phone", "+15550100"),
  ],
  mapping: { object: "contact", fields: [] },
  problems: [],
};

function cell(change: PreviewRecordView["cells"][number]["change"], line = 0) {
  return { line, target: "app", field: "Email", source: "a", before: "b", after: "c", error: null, change };
}

describe("the mapping editor", () => {
  beforeEach(() => {
    vi.mocked(api.listMappingApps).mockResolvedValue([EDITOR.app]);
    vi.mocked(api.mappingEditor).mockResolvedValue(EDITOR);
    vi.mocked(api.checkMapping).mockResolvedValue([]);
    vi.mocked(api.listConnections).mockResolvedValue([]);
    vi.mocked(api.sandboxStatus).mockResolvedValue(null);
    vi.mocked(api.readLogs).mockResolvedValue([]);
  });

  it("adds a line by keyboard only: search, pick, pick a compatible field, add", async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, "", "/#/mappings");
    render(<App />);
    const open = await screen.findByTestId("add-mapping-open");
    open.focus();
    await user.keyboard("{Enter}");
    await user.tab();
    expect(screen.getByTestId("add-ghl-field-search")).toHaveFocus();
    await user.keyboard("job");
    expect(screen.getByTestId("add-ghl-field")).toHaveValue("customFields.contact.job_title");
    // The second list offers only fields that can hold text, each with its kind and a sample.
    const offered = within(screen.getByTestId("add-app-field")).getAllByRole("option");
    expect(offered.map((o) => o.textContent)).toEqual([
      "Email · email · e.g. ada@example.org",
      "JobTitle · text · e.g. Engineer",
      "Phone · phone · e.g. +15550100",
    ]);
    await user.tab();
    await user.tab();
    await user.keyboard("JobTitle");
    await user.tab();
    await user.tab();
    expect(screen.getByTestId("add-mapping-confirm")).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("mapping-line-count")).toHaveTextContent("1");
    expect(screen.getByTestId("mapping-line-0")).toHaveTextContent("Job Title");
    expect(screen.getByTestId("mapping-line-0")).toHaveTextContent("JobTitle");
    expect(await seriousAxeFindings()).toEqual([]);
  }, 30_000);

  it("asks before leaving with unsaved changes; Escape stays, 'Leave' goes", async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, "", "/#/mappings");
    render(<App />);
    // An automap suggestion (Email ↔ Email) accepted: an unsaved change.
    const automap = await screen.findByTestId("automap");
    await user.click(within(automap).getAllByRole("button", { name: /Accept/ })[0]!);
    await user.click(screen.getByTestId("nav-logs"));
    const dialog = await screen.findByTestId("leave-dialog");
    expect(dialog).toHaveTextContent("not saved");
    expect(screen.getByTestId("leave-stay")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("leave-dialog")).not.toBeInTheDocument();
    expect(window.location.hash).toBe("#/mappings");
    await user.click(screen.getByTestId("nav-logs"));
    await user.click(await screen.findByTestId("leave-discard"));
    await waitFor(() => expect(window.location.hash).toBe("#/logs"));
  }, 30_000);

  it("opens the command palette with Ctrl+K and runs a command by keyboard", async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, "", "/#/mappings");
    render(<App />);
    await screen.findByTestId("add-mapping-open");
    await user.keyboard("{Control>}k{/Control}");
    expect(screen.getByTestId("palette-input")).toHaveFocus();
    await user.keyboard("logs");
    expect(screen.getByTestId("palette-logs")).toHaveAttribute("aria-selected", "true");
    expect(await seriousAxeFindings()).toEqual([]);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(window.location.hash).toBe("#/logs"));
    expect(screen.queryByTestId("palette")).not.toBeInTheDocument();
  }, 30_000);
});

describe("field pickers and suggestions", () => {
  it("offers only compatible fields: text takes anything but a list, a list only a list", () => {
    const keys = (f: FieldOption[]) => f.map((x) => x.key);
    expect(keys(compatibleFields(EDITOR.ghlFields[1], EDITOR.appFieldOptions))).toEqual(["Interests"]);
    expect(keys(compatibleFields(EDITOR.ghlFields[0], EDITOR.appFieldOptions))).toEqual(["Email", "JobTitle"]);
    expect(keys(compatibleFields(field("x", "unknown"), EDITOR.appFieldOptions))).toHaveLength(4);
  });

  it("puts an exact name first when searching", () => {
    const fields = [field("FirstName", "text"), field("Name", "text"), field("LastName", "text")];
    expect(searchFields(fields, "name").map((f) => f.key)).toEqual(["Name", "FirstName", "LastName"]);
  });

  it("suggests same-named unmapped pairs and forgets rejected ones", () => {
    const found = automapSuggestions(EDITOR.ghlFields, EDITOR.appFieldOptions, []);
    expect(found.map((s) => `${s.ghl.key}>${s.app.key}`)).toEqual([
      "email>Email",
      "customFields.contact.job_title>JobTitle",
    ]);
    const rejected = new Set([`email\u0000Email`]);
    expect(automapSuggestions(EDITOR.ghlFields, EDITOR.appFieldOptions, [], rejected)).toHaveLength(1);
  });
});

describe("the preview sentence and the palette's commands", () => {
  it("puts clears and overwrites first", () => {
    const records: PreviewRecordView[] = [
      { contactId: "1", name: "Ada", linked: true, cells: [cell("cleared"), cell("overwritten", 1), cell("unchanged", 2)] },
      { contactId: "2", name: "Bob", linked: true, cells: [cell("overwritten"), cell("unchanged", 1)] },
    ];
    expect(summarySentence(records)).toBe("Across 2 contacts: 1 value cleared, 2 overwritten, 2 unchanged.");
    expect(summarySentence([])).toBe("No contacts to preview.");
  });

  it("finds commands by their words and always offers to find a contact by name", () => {
    expect(matchCommands("apply").map((c) => c.id)).toEqual(["apply", "contact"]);
    expect(matchCommands("reconnect").map((c) => c.id)).toEqual(["reconnect", "contact"]);
    expect(matchCommands("ada lovelace").map((c) => c.id)).toEqual(["contact"]);
    expect(matchCommands("").length).toBeGreaterThan(5);
  });

  it("runs actions: Preview and Apply start on the Sync page, Reconnect opens one connection's form", () => {
    const byId = (id: string) => COMMANDS.find((c) => c.id === id)!;
    expect(byId("preview").query?.("")).toBe("run=preview");
    expect(byId("apply").query?.("")).toBe("run=apply");
    expect(byId("contact").query?.(" ada ")).toBe("q=ada&open=first");
    expect(typeof byId("logs-folder").action).toBe("function");
    const extra = reconnectCommands([{ id: "novi:Members", name: "Members", systemName: "Novi AMS" }]);
    expect(matchCommands("reconnect members", extra).map((c) => c.id)).toEqual(["reconnect-novi:Members", "contact"]);
    expect(extra[0]!.query?.("")).toBe("reconnect=novi%3AMembers");
  });
});
