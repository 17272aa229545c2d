import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ConnectionView, SandboxInfo } from "../../platform";
import { ConnectionList } from "./ConnectionList";
import { sandboxConnected } from "./SandboxCard";

function connection(system: ConnectionView["system"], baseUrl: string, name: string): ConnectionView {
  return {
    id: `${system}-1`,
    system,
    systemName: name,
    name: `Sandbox ${name}`,
    baseUrl,
    accountId: "acct",
    authKind: "api_key",
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
    render(<ConnectionList connections={[connection("niftyimages", SANDBOX.niftyimagesBaseUrl, "NiftyImages")]} onReconnect={() => {}} test={noTest} />);
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
    const { container } = render(<ConnectionList connections={[c]} onReconnect={() => {}} test={noTest} />);
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
    render(<ConnectionList connections={[c]} onReconnect={() => {}} test={test} />);
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
    render(<ConnectionList connections={[c]} onReconnect={() => {}} test={test} />);
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
