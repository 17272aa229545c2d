import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "./bindings";
import { api, BridgeError, isTauri, NOT_IN_DESKTOP_APP_MESSAGE, toBridgeError } from "./index";

vi.mock(import("./bindings"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, commands: { ...actual.commands, appInfo: vi.fn() } };
});

const INFO = {
  version: "1.2.3",
  databasePath: "/tmp/bridge.sqlite3",
  schemaVersion: 4,
  logDirectory: "/tmp/logs",
};

function setTauri(present: boolean) {
  if (present) {
    Object.defineProperty(window, "__TAURI_INTERNALS__", { value: {}, configurable: true });
  } else {
    Reflect.deleteProperty(window, "__TAURI_INTERNALS__");
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("platform api inside Tauri", () => {
  beforeEach(() => setTauri(true));
  afterEach(() => setTauri(false));

  it("detects Tauri", () => {
    expect(isTauri()).toBe(true);
  });

  it("resolves with data on {status: 'ok'}", async () => {
    vi.mocked(commands.appInfo).mockResolvedValue({ status: "ok", data: INFO });

    await expect(api.appInfo()).resolves.toEqual(INFO);
  });

  it("throws a BridgeError with the same code and message on {status: 'error'}", async () => {
    vi.mocked(commands.appInfo).mockResolvedValue({
      status: "error",
      error: { code: "reconnect_required", message: "GoHighLevel token expired" },
    });

    const error = await rejectionOf(api.appInfo());
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "BridgeError",
      code: "reconnect_required",
      message: "GoHighLevel token expired",
    });
  });

  it("turns a non-{code,message} error payload into an internal BridgeError", async () => {
    // tauri-specta returns `{status: "error", error: e}` for any non-Error rejection,
    // e.g. a plain string from Tauri when a command is missing.
    vi.mocked(commands.appInfo).mockResolvedValue({
      status: "error",
      error: "command app_info not found" as never,
    });

    const error = await rejectionOf(api.appInfo());
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "internal", message: "command app_info not found" });
  });

  it("turns a thrown rejection into an internal BridgeError", async () => {
    vi.mocked(commands.appInfo).mockRejectedValue(new TypeError("IPC channel closed"));

    const error = await rejectionOf(api.appInfo());
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "internal", message: "IPC channel closed" });
  });
});

describe("platform api outside Tauri", () => {
  it("rejects with an internal BridgeError and never calls the backend", async () => {
    expect(isTauri()).toBe(false);

    const error = await rejectionOf(api.appInfo());
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "internal", message: NOT_IN_DESKTOP_APP_MESSAGE });
    expect(NOT_IN_DESKTOP_APP_MESSAGE).toBe("Not running inside the Contact Bridge desktop app");
    expect(commands.appInfo).not.toHaveBeenCalled();
  });
});

describe("toBridgeError", () => {
  it("keeps BridgeErrors, maps {code,message} objects and stringifies the rest", () => {
    const original = new BridgeError("conflict", "already exists");
    expect(toBridgeError(original)).toBe(original);
    expect(toBridgeError({ code: "not_found", message: "no such contact" })).toMatchObject({
      code: "not_found",
      message: "no such contact",
    });
    expect(toBridgeError(42)).toMatchObject({ code: "internal", message: "42" });
    expect(toBridgeError({ code: 5 })).toMatchObject({ code: "internal", message: "[object Object]" });
  });
});
