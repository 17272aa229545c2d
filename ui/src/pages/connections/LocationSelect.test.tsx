import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, BridgeError } from "../../platform";
import type { ConnectionView, PairView } from "../../platform";
import { LocationSelect } from "./LocationSelect";

vi.mock(import("../../platform"), async (importOriginal) => {
  const actual = await importOriginal();
  const mocked = Object.fromEntries(Object.keys(actual.api).map((name) => [name, vi.fn()]));
  return { ...actual, api: mocked as unknown as typeof actual.api };
});

const NINOX: ConnectionView = {
  id: "ninox:Table",
  system: "ninox",
  systemName: "Ninox",
  name: "Table",
  baseUrl: "http://127.0.0.1:4003/v1",
  accountId: "A",
  authKind: "api_key",
  signedInBy: "API key",
  sandbox: true,
  status: "connected",
  needsReconnect: false,
  scopes: [],
  lastSyncAt: null,
  lastSyncStatus: null,
  dailyBudgetLeft: null,
  dailyBudget: null,
  capabilities: [],
};

const PAIR: PairView = { appId: "ninox:Table", appName: "Table", appSystem: "ninox", ghlId: "ghl:North", ghlName: "North", links: 4 };

const PAIRS = {
  pairs: [PAIR],
  locations: [
    { id: "ghl:North", name: "North" },
    { id: "ghl:Harbor", name: "Harbor" },
  ],
};

const MOVED = { appName: "Table", ghlName: "Harbor", forgotten: null, journalRows: 0, message: "\"Table\" now syncs with the GHL location \"Harbor\"." };

describe("LocationSelect", () => {
  beforeEach(() => {
    vi.mocked(api.listPairs).mockResolvedValue(PAIRS);
  });

  it("shows the pair's location and moves it when another is chosen", async () => {
    vi.mocked(api.setPair).mockResolvedValue(MOVED);
    render(<LocationSelect connection={NINOX} />);
    const select = await screen.findByLabelText("GHL location");
    expect(select).toHaveValue("North");
    await userEvent.selectOptions(select, "Harbor");
    expect(api.setPair).toHaveBeenCalledWith("Table", "Harbor", false);
    expect(await screen.findByRole("status")).toHaveTextContent("now syncs with the GHL location \"Harbor\"");
  });

  it("asks before dropping links, then moves with forgetLinks", async () => {
    vi.mocked(api.setPair)
      .mockRejectedValueOnce(new BridgeError("invalid_input", "\"Table\" was not moved: 4 of its records are linked to contacts of \"North\"; run it again with --forget-links to do so."))
      .mockResolvedValueOnce(MOVED);
    render(<LocationSelect connection={NINOX} />);
    await userEvent.selectOptions(await screen.findByLabelText("GHL location"), "Harbor");
    const drop = await screen.findByRole("button", { name: "Move to Harbor and drop the links" });
    expect(screen.getByText(/4 of its records are linked/)).toBeInTheDocument();
    await userEvent.click(drop);
    await waitFor(() => expect(api.setPair).toHaveBeenLastCalledWith("Table", "Harbor", true));
  });

  it("offers a choice when the app waits for one", async () => {
    vi.mocked(api.listPairs).mockResolvedValue({ ...PAIRS, pairs: [{ ...PAIR, ghlId: null, ghlName: null }] });
    render(<LocationSelect connection={NINOX} />);
    expect(await screen.findByLabelText("GHL location")).toHaveValue("");
    expect(screen.getByRole("option", { name: "Choose a location…" })).toBeInTheDocument();
  });
});
