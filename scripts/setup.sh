#!/usr/bin/env bash
# Installs everything Contact Bridge needs to build, run and test on Debian/Ubuntu:
# system packages, the UI's and the e2e suite's npm packages, and tauri-driver.
# Safe to run again: it installs only what is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Build: WebKitGTK and friends for the Tauri shell. Tests: Xvfb and WebKitWebDriver for the
# desktop e2e suite; dbus + gnome-keyring so keychain tests can run against a real Secret Service;
# x11-utils (xwininfo) so the installer check sees the installed app's window.
APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev libsoup-3.0-dev libdbus-1-dev
  webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring libsecret-tools x11-utils
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null 2>&1 || {
  echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
}
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?1:0)')
[ "$node_ok" = 1 ] || {
  echo "Node.js $(node --version) is too old: the UI needs Node 20.19 or newer." >&2
  exit 1
}

say "Installing npm packages (ui/, tests/e2e/, tests/spec-mock/)"
for dir in ui tests/e2e tests/spec-mock; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

if ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (WebDriver bridge for the desktop e2e suite)"
  cargo install tauri-driver --version 2.1.0 --locked
fi
