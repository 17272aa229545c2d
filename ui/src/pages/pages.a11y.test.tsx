import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { api, BridgeError } from "../platform";
import type {
  ConnectionView,
  ContactDetail,
  LogLine,
  MappingEditor,
  OperationView,
  PairOutcome,
  RunView,
} from "../platform";
import { layOutScreenful, seriousAxeFindings } from "../test/a11y";
import { Timeline } from "./contacts/Timeline";

vi.mock(import("../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  const mocked = Object.fromEntries(Object.keys(actual.api).map((name) => [name, vi.fn()]));
  return { ...actual, api: mocked as unknown as typeof actual.api };
});

// React Flow (the mapping diagram) measures itself; jsdom has no layout.
beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

const CONNECTIONS: ConnectionView[] = [
  {
    id: "ghl-1",
    system: "ghl",
    systemName: "GoHighLevel",
    name: "Main location",
    baseUrl: "https://services.leadconnectorhq.com",
    accountId: "loc-1",
    authKind: "oauth",
    signedInBy: "OAuth sign-in in the browser",
    sandbox: false,
    status: "connected",
    needsReconnect: false,
    scopes: ["contacts.readonly"],
    lastSyncAt: "2026-11-30T10:00:00Z",
    lastSyncStatus: "done",
    dailyBudgetLeft: 190000,
    dailyBudget: 200000,
    capabilities: [{ object: "contacts", flow: "both", note: "" }],
  },
  {
    id: "novi-1",
    system: "novi",
    systemName: "Novi AMS",
    name: "Members",
    baseUrl: "https://example.org/api",
    accountId: "example.org",
    authKind: "api_key",
    signedInBy: "API key",
    sandbox: false,
    status: "connected",
    needsReconnect: false,
    scopes: [],
    lastSyncAt: null,
    lastSyncStatus: null,
    dailyBudgetLeft: null,
    dailyBudget: null,
    capabilities: [
      { object: "contacts", flow: "both", note: "members" },
      { object: "appointments", flow: "none", note: "Novi has no appointments" },
    ],
  },
];

const EDITOR: MappingEditor = {
  app: { id: "novi-1", name: "Members", system: "novi", systemName: "Novi AMS" },
  ghlFields: [
    { key: "email", label: "Email", kind: "email", sample: "ada@example.org" },
    { key: "firstName", label: "First name", kind: "text", sample: "Ada" },
    { key: "customFields.contact.job_title", label: "Job title", kind: "text", sample: "Engineer" },
  ],
  appFields: ["Email", "FirstName", "JobTitle"],
  appFieldOptions: [
    { key: "Email", label: "Email", kind: "email", sample: "ada@example.org" },
    { key: "FirstName", label: "FirstName", kind: "text", sample: "Ada" },
    { key: "JobTitle", label: "JobTitle", kind: "text", sample: null },
  ],
  mapping: {
    object: "contact",
    fields: [
      { ghl: "email", app: "Email", direction: "both", owner: "ghl", transforms: [{ kind: "lower" }] },
      { ghl: "firstName", app: "FirstName", direction: "ghl_to_app", owner: "ghl", transforms: [] },
    ],
  },
  problems: [{ line: 1, field: "FirstName", message: "FirstName is read-only in Novi AMS", fix: "remove_line" }],
};

const RUNS: RunView[] = [
  {
    id: "run-1",
    trigger: "manual",
    dryRun: false,
    status: "done",
    startedAt: "2026-11-30T10:00:00Z",
    finishedAt: "2026-11-30T10:01:00Z",
    requestsSpent: 42,
    rateLimited: 1,
    pair: "GHL ↔ Novi AMS",
    error: null,
    durationMs: 60000,
    planned: 3,
    written: 2,
    failed: 1,
    skipped: 0,
  },
];

const DEAD: OperationView[] = [
  {
    id: 7,
    runId: "run-1",
    pairId: "novi-1",
    connectionId: "novi-1",
    contactId: "c-1",
    contactName: "Ada Lovelace",
    objectKind: "contact",
    action: "update",
    remoteId: "m-1",
    before: "ada@old.example",
    after: "ada@example.org",
    reason: "email changed in GHL",
    state: "dead",
    attempts: 5,
    lastError: "422: Email is invalid",
  },
];

const PLAN: PairOutcome[] = [
  {
    runId: "run-2",
    pairName: "GHL ↔ Novi AMS",
    appSystem: "novi",
    appSystemName: "Novi AMS",
    dryRun: true,
    cancelled: false,
    durationMs: 900,
    contactsPulled: 3,
    appRecordsPulled: 2,
    operations: [
      {
        system: "novi",
        action: "update",
        contactId: "c-1",
        contactName: "Ada Lovelace",
        remoteId: "m-1",
        reason: "email changed in GHL",
        changes: [{ field: "Email", before: "ada@old.example", after: "ada@example.org" }],
      },
    ],
    conflicts: [],
    breakdown: [
      { system: "ghl", kind: "contacts", creates: 1, planned: 1, written: 0, failed: 0, skipped: 0, unplanned: 0 },
      { system: "novi", kind: "contacts", creates: 0, planned: 1, written: 0, failed: 0, skipped: 0, unplanned: 0 },
      { system: "novi", kind: "tasks", creates: 2, planned: 2, written: 0, failed: 0, skipped: 0, unplanned: 0 },
    ],
    ghlRequests: 2,
    appRequests: 1,
    rateLimited: 0,
  },
];

const TIMELINE: ContactDetail = {
  contact: { id: "c-1", ghlContactId: "g-1", name: "Ada Lovelace", email: "ada@example.org", phone: null, tags: [] },
  links: [{ system: "novi", connectionName: "Members", remoteId: "m-1" }],
  events: [
    {
      system: "ghl",
      kind: "task",
      occurredAt: "2026-11-30T09:00:00Z",
      title: "Call back",
      body: "About the renewal",
      beforeValue: null,
      afterValue: null,
      runId: null,
    },
  ],
};

const LOGS: LogLine[] = [
  { timestamp: "2026-11-30T10:00:00Z", level: "INFO", target: "sync", message: "sync finished", fields: "pair=novi" },
  { timestamp: "2026-11-30T10:00:01Z", level: "ERROR", target: "sync", message: "write refused", fields: "status=422" },
];

function withData() {
  vi.mocked(api.listConnections).mockResolvedValue(CONNECTIONS);
  vi.mocked(api.sandboxStatus).mockResolvedValue(null);
  vi.mocked(api.listPairs).mockResolvedValue({
    pairs: [{ appId: "novi-1", appName: "Members", appSystem: "novi", ghlId: "ghl-1", ghlName: "Main location", links: 3 }],
    locations: [
      { id: "ghl-1", name: "Main location" },
      { id: "ghl-2", name: "Second location" },
    ],
  });
  vi.mocked(api.listMappingApps).mockResolvedValue([EDITOR.app]);
  vi.mocked(api.mappingEditor).mockResolvedValue(EDITOR);
  vi.mocked(api.checkMapping).mockResolvedValue(EDITOR.problems);
  vi.mocked(api.listRuns).mockResolvedValue(RUNS);
  vi.mocked(api.deadLetters).mockResolvedValue(DEAD);
  vi.mocked(api.listConflicts).mockResolvedValue([
    { id: 1, connectionId: "novi-1", contactId: "c-1", contactName: "Ada Lovelace", field: "Phone", base: "1", ghl: "2", app: "3" },
  ]);
  vi.mocked(api.planSync).mockResolvedValue({ planId: "plan-1", pairs: PLAN });
  vi.mocked(api.syncStatus).mockResolvedValue({ running: null, startedAt: null, progress: null, cancelRequested: false });
  vi.mocked(api.listContacts).mockResolvedValue({
    total: 1,
    offset: 0,
    rows: [TIMELINE.contact],
  });
  vi.mocked(api.contactTimeline).mockResolvedValue(TIMELINE);
  vi.mocked(api.appInfo).mockResolvedValue({
    version: "0.1.0",
    databasePath: "/home/ops/.local/share/contact-bridge/bridge.sqlite3",
    schemaVersion: 12,
    logDirectory: "/home/ops/.local/share/contact-bridge/logs",
  });
  vi.mocked(api.getSettings).mockResolvedValue({ scheduleMinutes: 30, maxOverwritePercent: 20, theme: "system", webhookPort: null });
  vi.mocked(api.webhookStatus).mockResolvedValue({ running: false, url: null, received: 0, waiting: 0 });
  vi.mocked(api.readLogs).mockResolvedValue(LOGS);
  vi.mocked(api.overview).mockResolvedValue({
    pairs: [
      {
        pairId: "novi-1",
        pairName: "Members",
        ghlName: "Main location",
        system: "novi",
        systemName: "Novi AMS",
        reconnect: false,
        inSync: 40,
        deadLetters: 1,
        failedForNow: 0,
        conflicts: 1,
        reviews: 0,
        deletesWaiting: 0,
        onlyInApp: 2,
        lastSuccessAt: "2026-11-30T10:00:00Z",
        lastRunAt: "2026-11-30T10:00:00Z",
        lastRunStatus: "succeeded",
        lastRunError: null,
      },
    ],
    nextScheduledAt: null,
    running: null,
  });
}

/** axe over a whole page in jsdom takes seconds on a loaded machine (the Mappings page most). */
const AXE_TIMEOUT_MS = 30_000;

/** Opens a page through the sidebar and waits until `ready` (its loaded content) shows. */
async function open(page: string, ready: () => Promise<unknown>) {
  window.history.replaceState(null, "", `/#/${page}`);
  render(<App />);
  await ready();
}

describe("every page passes axe with no serious or critical finding", () => {
  beforeEach(() => {
    withData();
    layOutScreenful();
  }, AXE_TIMEOUT_MS);

  it("Overview, with a count's list open", async () => {
    const user = userEvent.setup();
    await open("overview", () => screen.findByTestId("overview-table"));
    const row = screen.getByTestId("overview-row");
    expect(row.getAttribute("data-status")).toBe("needs attention");
    await user.click(within(row).getByTestId("count-conflicts"));
    await within(await screen.findByTestId("overview-list-conflicts")).findByText(/Keep GHL/);
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Connections", async () => {
    await open("connections", () => screen.findByText("Main location"));
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  // The editor's table holds many controls: axe takes several seconds on it in jsdom.
  it("Mappings, with a problem shown on its line", async () => {
    await open("mappings", () => screen.findByTestId("mapping-title", {}, { timeout: 10_000 }));
    expect(await seriousAxeFindings()).toEqual([]);
  }, 30_000);

  it("Sync, with its plan, conflicts, dead letters and history", async () => {
    const user = userEvent.setup();
    await open("sync", () => screen.findByTestId("dead-letter-count"));
    await user.click(screen.getByTestId("sync-now"));
    await user.click(within(await screen.findByTestId("plan-group")).getByRole("button"));
    await screen.findByTestId("plan-operation");
    vi.mocked(api.runOperations).mockResolvedValue(DEAD);
    await user.click(screen.getByTestId("run-open"));
    await screen.findByTestId("operations-search");
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Sync, with the undo confirmation open", async () => {
    const user = userEvent.setup();
    await open("sync", () => screen.findByTestId("dead-letter-count"));
    vi.mocked(api.runOperations).mockResolvedValue(DEAD.map((d) => ({ ...d, state: "done" })));
    await user.click(screen.getByTestId("run-undo"));
    const dialog = await screen.findByTestId("undo-dialog");
    expect(dialog).toHaveTextContent(/Novi AMS \(Members\) · Ada Lovelace/);
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Connections, with the removal confirmation open", async () => {
    const user = userEvent.setup();
    vi.mocked(api.removalImpact).mockResolvedValue({
      connection: "Members",
      systemName: "Novi AMS",
      pairs: ["Members"],
      mappings: 1,
      links: 40,
      contacts: 0,
    });
    await open("connections", () => screen.findByText("Main location"));
    await user.click(screen.getByTestId("connection-novi-remove"));
    const dialog = await screen.findByTestId("remove-dialog");
    expect(dialog).toHaveTextContent("40 links");
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Contacts, and a contact's timeline", async () => {
    await open("contacts", () => screen.findByTestId("contact-total"));
    expect(await seriousAxeFindings()).toEqual([]);
    const { container } = render(<Timeline contactId="c-1" />);
    await within(container).findByTestId("timeline-event");
    expect(await seriousAxeFindings(container)).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Settings", async () => {
    await open("settings", () => screen.findByTestId("settings-form"));
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("Logs", async () => {
    await open("logs", () => screen.findByText("write refused"));
    expect(await seriousAxeFindings()).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it("finds what it is meant to find (an unlabelled field)", async () => {
    render(<input type="text" />);
    expect((await seriousAxeFindings()).join("\n")).toMatch(/^label \(critical\)/);
  }, AXE_TIMEOUT_MS);
});

describe("a failed read never looks like empty data", () => {
  beforeEach(withData);
  const refused = new BridgeError("storage", "database is locked");

  it("Contacts says the list could not be read instead of 0 contacts", async () => {
    vi.mocked(api.listContacts).mockRejectedValue(refused);
    await open("contacts", () => screen.findByRole("alert"));
        // A plain title, what to do, and the code and raw message under "Details".
    expect(screen.getByRole("alert")).toHaveTextContent(
      /^The contacts could not be read\..*local database.*Detailsstorage: database is locked$/,
    );
    expect(screen.queryByTestId("contact-total")).not.toBeInTheDocument();
    expect(screen.queryByText(/0 contacts/)).not.toBeInTheDocument();
  });

  it("Settings shows the error, not a form of defaults that Save would write", async () => {
    vi.mocked(api.getSettings).mockRejectedValue(refused);
    await open("settings", () => screen.findByText("The sync settings could not be read."));
    expect(screen.queryByTestId("settings-form")).not.toBeInTheDocument();
  });

  it("loading text is announced as a status", async () => {
    vi.mocked(api.readLogs).mockReturnValue(new Promise(() => {}));
    vi.mocked(api.listContacts).mockReturnValue(new Promise(() => {}));
    await open("logs", () => screen.findByRole("status"));
    expect(screen.getByRole("status")).toHaveTextContent("Reading the log…");
  });
});
