import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BridgeError, NOT_IN_DESKTOP_APP_MESSAGE } from "../platform";
import type { AppInfo } from "../platform";
import { SettingsPage } from "./SettingsPage";

vi.mock(import("../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  return {
    ...actual,
    api: { ...actual.api, appInfo: vi.fn(), getSettings: vi.fn(), saveSettings: vi.fn(), webhookStatus: vi.fn(), setWebhooks: vi.fn() },
  };
});

const INFO: AppInfo = {
  version: "0.3.1",
  databasePath: "/home/ops/.local/share/contact-bridge/bridge.sqlite3",
  schemaVersion: 7,
  logDirectory: "/home/ops/.local/share/contact-bridge/logs",
};

describe("SettingsPage", () => {
  beforeEach(() => {
    vi.mocked(api.getSettings).mockResolvedValue({ scheduleMinutes: null, maxOverwritePercent: 20, theme: "system", webhookPort: null });
    vi.mocked(api.webhookStatus).mockResolvedValue({ running: false, url: null, received: 0, waiting: 0 });
  });

  it("saves the theme with the other settings and applies it at once", async () => {
    const user = userEvent.setup();
    vi.mocked(api.appInfo).mockResolvedValue(INFO);
    vi.mocked(api.saveSettings).mockImplementation((s) => Promise.resolve(s));
    render(<SettingsPage />);
    await user.selectOptions(screen.getByTestId("settings-theme"), "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    await vi.waitFor(() =>
      expect(api.saveSettings).toHaveBeenCalledWith({ scheduleMinutes: null, maxOverwritePercent: 20, theme: "dark", webhookPort: null }),
    );
  });

  it("turns the webhook receiver on at the port given, and shows where it listens", async () => {
    const user = userEvent.setup();
    vi.mocked(api.appInfo).mockResolvedValue(INFO);
    vi.mocked(api.setWebhooks).mockResolvedValue({ running: true, url: "http://127.0.0.1:8791/webhooks/ghl", received: 0, waiting: 0 });
    render(<SettingsPage />);
    const port = await screen.findByTestId("webhook-port");
    await user.clear(port);
    await user.type(port, "8791");
    vi.mocked(api.webhookStatus).mockResolvedValue({ running: true, url: "http://127.0.0.1:8791/webhooks/ghl", received: 2, waiting: 1 });
    await user.click(screen.getByTestId("webhook-on"));
    expect(api.setWebhooks).toHaveBeenCalledWith(8791);
    expect(await screen.findByTestId("webhook-running")).toHaveTextContent(
      "Listening at http://127.0.0.1:8791/webhooks/ghl: forward GHL's webhook URL there through a tunnel or reverse proxy. 2 events received, 1 waiting for the next sync.",
    );
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
