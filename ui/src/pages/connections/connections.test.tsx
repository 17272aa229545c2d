import { render, screen } from "@testing-library/react";
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

describe("connection cards", () => {
  it("show the capability line, each part's reason as its tooltip, and what the app cannot hold", () => {
    render(<ConnectionList connections={[connection("niftyimages", SANDBOX.niftyimagesBaseUrl, "NiftyImages")]} onReconnect={() => {}} />);
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
    const { container } = render(<ConnectionList connections={[c]} onReconnect={() => {}} />);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByText('<img src=x onerror="alert(1)">', { exact: false })).toBeInTheDocument();
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
