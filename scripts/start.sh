#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh), builds the desktop app and opens its window.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
echo "==> Building Contact Bridge (the first build takes a few minutes)"
ui/node_modules/.bin/tauri build --debug --no-bundle
app="${CARGO_TARGET_DIR:-$root/target}/debug/contact-bridge"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY/WAYLAND_DISPLAY unset). Run this from a desktop session," >&2
  echo "or under a virtual one: xvfb-run -a $app" >&2
  exit 1
fi
exec "$app"
