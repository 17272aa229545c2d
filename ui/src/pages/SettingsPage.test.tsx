import { render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BridgeError, NOT_IN_DESKTOP_APP_MESSAGE } from "../platform";
import type { AppInfo } from "../platform";
import { SettingsPage } from "./SettingsPage";

vi.mock(import("../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, api: { ...actual.api, appInfo: vi.fn(), getSettings: vi.fn() } };
});

const INFO: AppInfo = {
  version: "0.3.1",
  databasePath: "/home/ops/.local/share/contact-bridge/bridge.sqlite3",
  schemaVersion: 7,
  logDirectory: "/home/ops/.local/share/contact-bridge/logs",
};

describe("SettingsPage", () => {
  beforeEach(() => {
    vi.mocked(api.getSettings).mockResolvedValue({ scheduleMinutes: null, maxOverwritePercent: 20 });
  });

  it("shows a loading state while app info is pending", () => {
    vi.mocked(api.appInfo).mockReturnValue(new Promise(() => {}));
    render(<SettingsPage />);

    expect(screen.getByText("Loading app information…")).toHaveRole("status");
    expect(screen.queryByTestId("info-version")).not.toBeInTheDocument();
    expect(screen.getByTestId("page-heading")).toHaveTextContent("Settings");
  });

  it("renders the values returned by api.appInfo", async () => {
    vi.mocked(api.appInfo).mockResolvedValue(INFO);
    render(<SettingsPage />);

    expect(await screen.findByTestId("info-version")).toHaveTextContent("0.3.1");
    expect(screen.getByTestId("info-database")).toHaveTextContent(INFO.databasePath);
    expect(screen.getByTestId("info-schema")).toHaveTextContent("7");
    expect(screen.getByTestId("info-logs")).toHaveTextContent(INFO.logDirectory);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(api.appInfo).toHaveBeenCalled();
  });

  it("renders the error box with code and message on a BridgeError", async () => {
    vi.mocked(api.appInfo).mockRejectedValue(new BridgeError("storage", "database is locked"));
    render(<SettingsPage />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("storage: database is locked");
    expect(screen.queryByTestId("info-version")).not.toBeInTheDocument();
  });

  it("shows the not-in-desktop-app error gracefully", async () => {
    vi.mocked(api.appInfo).mockRejectedValue(
      new BridgeError("internal", NOT_IN_DESKTOP_APP_MESSAGE),
    );
    render(<SettingsPage />);

    expect(await screen.findByRole("alert")).toHaveTextContent(
      `internal: ${NOT_IN_DESKTOP_APP_MESSAGE}`,
    );
  });

  it("renders remote text as text, never as HTML", async () => {
    vi.mocked(api.appInfo).mockResolvedValue({
      ...INFO,
      databasePath: '<img src=x onerror="alert(1)">',
    });
    render(<SettingsPage />);

    const cell = await screen.findByTestId("info-database");
    expect(cell).toHaveTextContent('<img src=x onerror="alert(1)">');
    expect(cell.querySelector("img")).toBeNull();
  });
});
