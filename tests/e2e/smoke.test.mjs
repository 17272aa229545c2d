// Desktop smoke test: visits every page of the built app in its real webview, checks each
// page's heading and saves one screenshot per page (the README shows them).
//
// Run through scripts/e2e.sh, which builds nothing: it expects the app built with embedded
// assets, starts tauri-driver on a free port and sets WEBDRIVER_URL and APP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Builder, By, until } from "selenium-webdriver";

const PAGES = [
  { id: "connections", heading: "Connections" },
  { id: "mappings", heading: "Mappings" },
  { id: "sync", heading: "Sync" },
  { id: "contacts", heading: "Contacts" },
  { id: "settings", heading: "Settings" },
  { id: "logs", heading: "Logs" },
];
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? "docs/screenshots";
const TIMEOUT_MS = 15_000;

let driver;

before(async () => {
  assert.ok(process.env.APP, "APP (the built desktop binary) must be set");
  assert.ok(process.env.WEBDRIVER_URL, "WEBDRIVER_URL (tauri-driver) must be set");
  driver = await new Builder()
    .usingServer(process.env.WEBDRIVER_URL)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: process.env.APP } })
    .build();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

after(async () => {
  await driver?.quit();
});

async function heading() {
  const h1 = await driver.wait(until.elementLocated(By.css("[data-testid=page-heading]")), TIMEOUT_MS);
  return h1.getText();
}

async function screenshot(name) {
  const png = Buffer.from(await driver.takeScreenshot(), "base64");
  // A blank or unrendered window compresses to a few KB; a rendered page is far larger.
  assert.ok(png.length > 20_000, `screenshot ${name} looks blank (${png.length} bytes)`);
  writeFileSync(join(SCREENSHOT_DIR, `${name}.png`), png);
}

test("the window is titled Contact Bridge and opens on Connections", async () => {
  assert.equal(await driver.getTitle(), "Contact Bridge");
  assert.equal(await heading(), "Connections");
});

for (const page of PAGES) {
  test(`navigation reaches ${page.heading}`, async () => {
    await driver.findElement(By.css(`[data-testid=nav-${page.id}]`)).click();
    await driver.wait(async () => (await heading()) === page.heading, TIMEOUT_MS);
    const current = await driver.findElement(By.css(`[data-testid=nav-${page.id}]`));
    assert.equal(await current.getAttribute("aria-current"), "page");
    if (page.id === "settings") {
      // app_info crossed IPC: the schema version and database path come from the Rust core.
      const schema = await driver.wait(until.elementLocated(By.css("[data-testid=info-schema]")), TIMEOUT_MS);
      await driver.wait(async () => /^\d+$/.test(await schema.getText()), TIMEOUT_MS);
      assert.ok(Number(await schema.getText()) >= 1);
      const db = await driver.findElement(By.css("[data-testid=info-database]")).getText();
      assert.equal(db, process.env.BRIDGE_DB);
    }
    await screenshot(page.id);
  });
}
