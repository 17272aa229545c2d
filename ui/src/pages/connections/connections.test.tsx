import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../platform";
import type { ConnectionView, SandboxInfo } from "../../platform";
import { AddConnection } from "./AddConnection";
import { ConnectionList } from "./ConnectionList";
import { LeaveSandbox } from "./LeaveSandbox";
import { sandboxConnected } from "./SandboxCard";

afterEach(() => vi.restoreAllMocks());

function connection(system: ConnectionView["system"], baseUrl: string, name: string): ConnectionView {
  return {
    id: `${system}-1`,
    system,
    systemName: name,
    name: `Sandbox ${name}`,
    baseUrl,
    accountId: "acct",
    authKind: "api_key",
    signedInBy: "API key",
    sandbox: baseUrl.startsWith("http://127.0.0.1"),
    status: "connected",
    needsReconnect: false,
    scopes: [],
    lastSyncAt: null,
    lastSyncStatus: null,
    dailyBudgetLeft: null,
    dailyBudget: null,
    capabilities: [
      { object: "contacts", flow: "toApp", note: "rows of a Custom Data Store" },
      { object: "tasks", flow: "none", note: "a data store holds rows only" },
    ],
  };
}

const SANDBOX: SandboxInfo = {
  ghlBaseUrl: "http://127.0.0.1:4001",
  ghlLocationId: "loc",
  ghlClientId: "client",
  noviBaseUrl: "http://127.0.0.1:4002/api",
  ninoxBaseUrl: "http://127.0.0.1:4003/v1",
  ninoxTable: "A",
  connectifBaseUrl: "http://127.0.0.1:4004",
  niftyimagesBaseUrl: "http://127.0.0.1:4005/v1",
  niftyBaseUrl: "http://127.0.0.1:4006/api/v1.0",
  niftyProject: "Client follow-ups",
  contacts: 60,
};

const noTest = () => Promise.resolve([]);

describe("connection cards", () => {
  it("show the capability line, each part's reason as its tooltip, and what the app cannot hold", () => {
    render(<ConnectionList connections={[connection("niftyimages", SANDBOX.niftyimagesBaseUrl, "NiftyImages")]} onChanged={() => {}} test={noTest} />);
    const line = screen.getByTestId("connection-niftyimages-capabilities");
    expect(line).toHaveTextContent("contacts → · tasks ✕");
    expect(screen.getByText("contacts →")).toHaveAttribute(
      "title",
      "contacts: from GHL into NiftyImages only — rows of a Custom Data Store",
    );
    expect(screen.getByTestId("connection-niftyimages-cannot-hold")).toHaveTextContent(
      "tasks: a data store holds rows only",
    );
  });

  it("render remote text as text", () => {
    const c = connection("connectif", SANDBOX.connectifBaseUrl, "Connectif");
    c.name = '<img src=x onerror="alert(1)">';
    const { container } = render(<ConnectionList connections={[c]} onChanged={() => {}} test={noTest} />);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByText('<img src=x onerror="alert(1)">', { exact: false })).toBeInTheDocument();
  });
});

describe("Test on a connection card", () => {
  it("lists every check, and a failure with its sentence, announced", async () => {
    const user = userEvent.setup();
    const asked: string[] = [];
    const test = (id: string) => {
      asked.push(id);
      return Promise.resolve([
        { capability: "sign-in", ok: true, message: "the key is accepted" },
        { capability: "event type ghl-task", ok: false, message: "Create the custom event type ghl-task in Connectif." },
      ]);
    };
    const c = connection("connectif", SANDBOX.connectifBaseUrl, "Connectif");
    render(<ConnectionList connections={[c]} onChanged={() => {}} test={test} />);
    await user.click(screen.getByTestId("connection-connectif-test"));
    const result = await screen.findByTestId("connection-connectif-test-result");
    expect(asked).toEqual(["connectif-1"]);
    expect(result).toHaveTextContent("1 of 2 checks failed");
    expect(result).toHaveTextContent("event type ghl-task failed: Create the custom event type ghl-task in Connectif.");
    expect(result).toHaveTextContent("sign-in passed: the key is accepted");
  });

  it("shows a failed test as an error, never as a passed list", async () => {
    const user = userEvent.setup();
    const c = connection("novi", "http://127.0.0.1:4002/api", "Novi AMS");
    const test = () => Promise.reject(new Error("Novi AMS did not answer"));
    render(<ConnectionList connections={[c]} onChanged={() => {}} test={test} />);
    await user.click(screen.getByTestId("connection-novi-test"));
    expect(await screen.findByText(/Novi AMS did not answer/)).toBeInTheDocument();
    expect(screen.queryByTestId("connection-novi-test-result")).toBeNull();
  });
});

describe("sandbox steps", () => {
  it("count an app as connected when a connection of it points at its fake", () => {
    const connections = [
      connection("niftyimages", SANDBOX.niftyimagesBaseUrl, "NiftyImages"),
      connection("nifty", "http://127.0.0.1:4006/api/v1.0", "Nifty"),
      connection("connectif", "https://api.connectif.cloud", "Connectif"),
    ];
    expect(sandboxConnected(SANDBOX, connections, "niftyimages")).toBe(true);
    expect(sandboxConnected(SANDBOX, connections, "nifty")).toBe(true);
    expect(sandboxConnected(SANDBOX, connections, "connectif")).toBe(false);
    expect(sandboxConnected(SANDBOX, connections, "ghl")).toBe(false);
  });
});

describe("managing a connection", () => {
  it("says what removing it stops before removing, and removes only after Confirm", async () => {
    const user = userEvent.setup();
    const removeConnection = vi.spyOn(api, "removeConnection").mockResolvedValue(null);
    vi.spyOn(api, "removalImpact").mockResolvedValue({
      connection: "Sandbox Novi AMS",
      systemName: "Novi AMS",
      pairs: ["Sandbox Novi AMS"],
      mappings: 1,
      links: 120,
      contacts: 0,
    });
    const changed = vi.fn();
    const c = connection("novi", "http://127.0.0.1:4002/api", "Novi AMS");
    render(<ConnectionList connections={[c]} onChanged={changed} test={noTest} />);
    await user.click(screen.getByTestId("connection-novi-remove"));
    const dialog = await screen.findByTestId("remove-dialog");
    expect(dialog).toHaveTextContent("This pair stops syncing: Sandbox Novi AMS.");
    expect(dialog).toHaveTextContent("1 saved mapping is removed.");
    expect(dialog).toHaveTextContent("120 links between records are forgotten");
    // Focus starts on the safe answer; Escape cancels without removing.
    expect(screen.getByTestId("remove-dialog-cancel")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("remove-dialog")).toBeNull();
    expect(removeConnection).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("connection-novi-remove"));
    await user.click(await screen.findByTestId("remove-dialog-confirm"));
    expect(removeConnection).toHaveBeenCalledWith("novi-1");
    expect(changed).toHaveBeenCalled();
  });

  it("renames in place and reconnects a key connection with the new key", async () => {
    const user = userEvent.setup();
    const rename = vi.spyOn(api, "renameConnection").mockResolvedValue(connection("novi", "x", "Novi AMS"));
    const reconnect = vi.spyOn(api, "reconnectConnection").mockResolvedValue([
      { capability: "sign-in", ok: true, message: "ok" },
      { capability: "events", ok: false, message: "no" },
    ]);
    const c = connection("novi", "http://127.0.0.1:4002/api", "Novi AMS");
    render(<ConnectionList connections={[c]} onChanged={() => {}} test={noTest} />);
    await user.click(screen.getByTestId("connection-novi-rename"));
    const name = screen.getByTestId("connection-novi-new-name");
    await user.clear(name);
    await user.type(name, "Members{Enter}");
    expect(rename).toHaveBeenCalledWith("novi-1", "Members");
    await user.click(screen.getByTestId("connection-novi-reconnect"));
    await user.type(screen.getByTestId("connection-novi-new-secret"), "new-key{Enter}");
    expect(reconnect).toHaveBeenCalledWith("novi-1", "new-key");
    expect(await screen.findByTestId("connection-novi-reconnected")).toHaveTextContent("1 of 2 checks passed (events still failing");
  });

  it("reconnects an OAuth connection through the browser, with no key to type", async () => {
    const user = userEvent.setup();
    const reconnect = vi.spyOn(api, "reconnectConnection").mockResolvedValue([]);
    const c = { ...connection("ghl", SANDBOX.ghlBaseUrl, "GHL"), authKind: "oauth", needsReconnect: true };
    render(<ConnectionList connections={[c]} onChanged={() => {}} test={noTest} />);
    // A card whose sign-in expired opens on its reconnect form.
    expect(screen.queryByTestId("connection-ghl-new-secret")).toBeNull();
    await user.click(within(screen.getByTestId("connection-ghl-reconnect-form")).getByRole("button", { name: "Sign in again" }));
    expect(reconnect).toHaveBeenCalledWith("ghl-1", null);
  });

  it("leaves the sandbox after listing the connections it removes", async () => {
    const user = userEvent.setup();
    const leave = vi.spyOn(api, "leaveSandbox").mockResolvedValue(["Sandbox GHL"]);
    const left = vi.fn();
    const sandboxed = connection("ghl", SANDBOX.ghlBaseUrl, "GHL");
    const real = connection("ninox", "https://api.ninox.com/v1", "Ninox");
    render(<LeaveSandbox connections={[sandboxed, real]} onLeft={left} />);
    await user.click(screen.getByTestId("leave-sandbox"));
    const dialog = screen.getByTestId("leave-sandbox-dialog");
    expect(dialog).toHaveTextContent("Sandbox GHL");
    expect(dialog).not.toHaveTextContent("Sandbox Ninox");
    await user.click(screen.getByTestId("leave-sandbox-dialog-confirm"));
    expect(leave).toHaveBeenCalled();
    expect(left).toHaveBeenCalled();
  });

  it("offers nothing to leave when no connection is a sandbox one", () => {
    const { container } = render(<LeaveSandbox connections={[connection("ninox", "https://api.ninox.com/v1", "Ninox")]} onLeft={() => {}} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe("adding GHL", () => {
  it("offers the Private Integration Token first, with the steps to make one", () => {
    render(<AddConnection busy={false} onSubmit={() => {}} />);
    expect(screen.getAllByRole("tab")[0]).toHaveTextContent("GHL (Private Integration Token)");
    expect(screen.getAllByRole("tab")[0]).toHaveAttribute("aria-selected", "true");
    const steps = screen.getByTestId("pit-steps");
    expect(steps).toHaveTextContent("Settings → Private Integrations");
    expect(steps).toHaveTextContent("contacts.write");
    expect(screen.getByTestId("field-token")).toHaveAttribute("type", "password");
  });
});
