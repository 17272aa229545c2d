import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { api } from "./platform";

vi.mock(import("./platform"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, api: { ...actual.api, appInfo: vi.fn() } };
});

const EXPECTED_NAV = ["Overview", "Connections", "Mappings", "Sync", "Contacts", "Settings", "Logs"];

describe("App shell", () => {
  beforeEach(() => {
    // Settings calls api.appInfo() on mount; keep it pending unless a test says otherwise.
    vi.mocked(api.appInfo).mockReturnValue(new Promise(() => {}));
  });

  it("shows the app title and seven nav entries in order", () => {
    render(<App />);

    expect(screen.getByText("Contact Bridge")).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Main" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toEqual(EXPECTED_NAV);
    expect(links.map((link) => link.getAttribute("data-testid"))).toEqual(
      EXPECTED_NAV.map((name) => `nav-${name.toLowerCase()}`),
    );
  });

  it("opens on Connections with exactly one h1", () => {
    render(<App />);

    const headings = screen.getAllByRole("heading", { level: 1 });
    expect(headings).toHaveLength(1);
    expect(screen.getByTestId("page-heading")).toHaveTextContent("Connections");
    expect(screen.getByTestId("nav-connections")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-sync")).not.toHaveAttribute("aria-current");
  });

  it("switches pages when a nav entry is clicked", async () => {
    const user = userEvent.setup();
    render(<App />);

    for (const name of ["Sync", "Logs", "Settings", "Mappings", "Contacts", "Connections"]) {
      const id = `nav-${name.toLowerCase()}`;
      await user.click(screen.getByTestId(id));

      expect(await screen.findByRole("heading", { level: 1, name })).toBeInTheDocument();
      expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
      expect(screen.getByTestId(id)).toHaveAttribute("aria-current", "page");
      expect(window.location.hash).toBe(`#/${name.toLowerCase()}`);
    }
  });

  it("moves focus to the new page heading after navigating", async () => {
    const user = userEvent.setup();
    render(<App />);

    await user.click(screen.getByTestId("nav-contacts"));

    const heading = await screen.findByRole("heading", { level: 1, name: "Contacts" });
    expect(heading).toHaveFocus();
  });

  it("renders the page named in the hash on load, and falls back for unknown hashes", () => {
    window.history.replaceState(null, "", "/#/logs");
    const { unmount } = render(<App />);
    expect(screen.getByTestId("page-heading")).toHaveTextContent("Logs");
    unmount();

    window.history.replaceState(null, "", "/#/nope");
    render(<App />);
    expect(screen.getByTestId("page-heading")).toHaveTextContent("Connections");
  });

  it("renders every page's heading, and the Rust side's error, outside the desktop app", async () => {
    const user = userEvent.setup();
    render(<App />);
    // Outside Tauri every command rejects; the Connections page says so instead of crashing.
    expect(await screen.findByRole("alert")).toHaveTextContent("Not running inside the Contact Bridge desktop app");

    for (const name of ["Mappings", "Sync", "Contacts", "Logs"]) {
      await user.click(screen.getByTestId(`nav-${name.toLowerCase()}`));
      expect(await screen.findByRole("heading", { level: 1, name })).toBeInTheDocument();
    }
  });
});
