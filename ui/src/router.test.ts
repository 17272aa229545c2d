import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTE, hrefFor, parseHash } from "./router";

describe("parseHash", () => {
  it.each([
    ["#/sync", "sync"],
    ["#/Settings", "settings"],
    ["#/contacts/123", "contacts"],
    ["#logs", "logs"],
    ["", DEFAULT_ROUTE],
    ["#/", DEFAULT_ROUTE],
    ["#/unknown", DEFAULT_ROUTE],
  ])("%s -> %s", (hash, expected) => {
    expect(parseHash(hash)).toBe(expected);
  });

  it("round-trips hrefFor", () => {
    expect(parseHash(hrefFor("mappings"))).toBe("mappings");
  });
});
