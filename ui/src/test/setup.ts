import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";

beforeEach(() => {
  // Every test starts on the default route, without firing hashchange.
  window.history.replaceState(null, "", "/");
});

afterEach(() => {
  cleanup();
});
