import { describe, expect, it } from "vitest";
import { reconnectKind, removalLines, secretName } from "./connectionModel";

describe("removing a connection", () => {
  it("lists the pairs that stop, the mappings and links forgotten, and that the apps keep their data", () => {
    const lines = removalLines({ connection: "Main", systemName: "GoHighLevel", pairs: ["Members", "Table"], mappings: 2, links: 1, contacts: 300 });
    expect(lines).toEqual([
      "These 2 pairs stop syncing: Members, Table.",
      "2 saved mappings are removed.",
      "1 link between records is forgotten (a later connection matches them again by email or phone).",
      "300 contacts kept in this app's database are removed.",
      "Nothing is deleted in GoHighLevel or any other app, and its key or token is removed from the keychain.",
    ]);
  });

  it("says so when no pair syncs with it, and leaves out contacts an app connection does not hold", () => {
    const lines = removalLines({ connection: "X", systemName: "Ninox", pairs: [], mappings: 0, links: 0, contacts: 0 });
    expect(lines[0]).toBe("No pair syncs with it.");
    expect(lines.some((l) => l.includes("contacts kept"))).toBe(false);
  });
});

describe("reconnecting", () => {
  it("signs in again through the browser for OAuth, and takes a new key or token otherwise", () => {
    expect(reconnectKind("oauth")).toBe("browser");
    expect(reconnectKind("api_key")).toBe("secret");
    expect(secretName("private_token")).toBe("Private Integration Token");
    expect(secretName("api_key")).toBe("API key");
  });
});
