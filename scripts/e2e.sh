#!/usr/bin/env bash
# Desktop end-to-end tests: the built app (assets embedded) in a real window under Xvfb,
# driven through tauri-driver + WebKitWebDriver. Screenshots land in docs/screenshots/.
# Expects the app already built (scripts/test.sh does that); run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The app keeps secrets only in the OS keychain: run everything inside a private D-Bus with a
# throwaway, unlocked gnome-keyring (as scripts/test.sh does for the Rust tests).
if [ -z "${UNLOCKED_KEYRING_INSIDE:-}" ]; then
  exec "$root/scripts/unlocked-keyring.sh" "$0" "$@"
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
app="$target_dir/debug/contact-bridge"
[ -x "$app" ] || { echo "e2e: $app is missing; build it with: ui/node_modules/.bin/tauri build --debug --no-bundle" >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# The app gets a scratch home: its database, logs and settings never touch the user's.
scratch="$(mktemp -d)"
driver_pid=""
cleanup() {
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  rm -rf "$scratch" 2>/dev/null || true
}
trap cleanup EXIT

export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export BRIDGE_DB="$scratch/bridge.sqlite3" BRIDGE_LOG_DIR="$scratch/logs"
# Sandbox mode: the suite starts the in-app fakes ("Try the sandbox"); the app writes their
# fake credentials here so the test can act as someone using GHL. No browser under Xvfb: the
# app shows the sign-in link and the test approves it.
export BRIDGE_SANDBOX_INFO_FILE="$scratch/sandbox.json" BRIDGE_SANDBOX_CONTACTS=60 BROWSER=true
mkdir -p "$HOME"
export APP="$app"
export SCREENSHOT_DIR="$root/docs/screenshots"

port="$(free_port)"
native_port="$(free_port)"
tauri-driver --port "$port" --native-port "$native_port" --native-driver "$(command -v WebKitWebDriver)" > "$scratch/tauri-driver.log" 2>&1 &
driver_pid=$!
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export WEBDRIVER_URL="http://127.0.0.1:$port/"

cd tests/e2e
# E2E_ONLY=PATTERN runs only the steps whose names match (a developer's shortcut; CI runs all).
if ! node --test --test-concurrency=1 ${E2E_ONLY:+"--test-name-pattern=$E2E_ONLY"} ./*.test.mjs; then
  echo "--- tauri-driver log" >&2
  cat "$scratch/tauri-driver.log" >&2
  exit 1
fi
