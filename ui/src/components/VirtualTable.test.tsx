import { render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { layOutScreenful, seriousAxeFindings } from "../test/a11y";
import { VirtualTable } from "./VirtualTable";

const ROWS = Array.from({ length: 5000 }, (_, i) => ({ id: i, text: `line ${i}` }));

function Lines() {
  return (
    <VirtualTable
      rows={ROWS}
      rowKey={(row) => row.id}
      label="Lines"
      className="table"
      testId="lines"
      head={<th>Text</th>}
      cells={(row) => <td>{row.text}</td>}
    />
  );
}

describe("VirtualTable", () => {
  beforeEach(layOutScreenful);

  it("puts only a screenful of 5,000 rows in the page, and says how many there are", () => {
    render(<Lines />);
    const table = screen.getByTestId("lines");
    const shown = within(table).getAllByRole("row").slice(1); // the header row first
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(60);
    expect(shown[0]).toHaveTextContent("line 0");
    expect(shown[0]).toHaveAttribute("aria-rowindex", "2");
    expect(table).toHaveAttribute("aria-rowcount", "5001");
    expect(screen.queryByText("line 4999")).not.toBeInTheDocument();
  });

  it("scrolls by keyboard (a focusable, named region) and passes axe", async () => {
    render(<Lines />);
    const region = screen.getByRole("region", { name: "Lines" });
    expect(region).toHaveAttribute("tabindex", "0");
    expect(await seriousAxeFindings()).toEqual([]);
  });
});
