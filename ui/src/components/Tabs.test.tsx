import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AddConnection } from "../pages/connections/AddConnection";

describe("tabs (WAI-ARIA)", () => {
  it("are one tab stop, and arrow keys, Home and End move the selection and focus", async () => {
    const user = userEvent.setup();
    render(<AddConnection busy={false} onSubmit={vi.fn()} />);
    const list = screen.getByRole("tablist", { name: "Kind of connection" });
    const tabs = screen.getAllByRole("tab");
    expect(list).toContainElement(tabs[0] ?? null);
    expect(tabs.map((t) => t.getAttribute("tabindex"))).toEqual(["0", "-1", "-1", "-1", "-1", "-1", "-1"]);
    expect(tabs[0]).toHaveAttribute("aria-selected", "true");

    await user.tab();
    expect(tabs[0]).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    const token = screen.getByRole("tab", { name: "GHL (your Marketplace app)" });
    expect(token).toHaveFocus();
    expect(token).toHaveAttribute("aria-selected", "true");
    expect(token).toHaveAttribute("tabindex", "0");
    expect(screen.getByRole("tab", { name: "GHL (Private Integration Token)" })).toHaveAttribute("aria-selected", "false");
    // The panel is the selected tab's: named by it, showing its form.
    const panel = screen.getByRole("tabpanel");
    expect(panel).toHaveAccessibleName("GHL (your Marketplace app)");
    expect(token).toHaveAttribute("aria-controls", panel.id);
    expect(screen.getByTestId("field-clientId")).toBeInTheDocument();

    await user.keyboard("{End}");
    expect(screen.getByRole("tab", { name: "Nifty (OAuth)" })).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "GHL (Private Integration Token)" })).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Nifty (OAuth)" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Home}");
    expect(screen.getByRole("tab", { name: "GHL (Private Integration Token)" })).toHaveFocus();
    expect(screen.getByTestId("field-locationId")).toBeInTheDocument();
  });
});
