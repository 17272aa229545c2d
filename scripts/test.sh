#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh) and runs every check and test Contact Bridge has:
# formatting, clippy, the Rust tests of the whole workspace, the UI's lint, type check and
# unit tests, a build of the desktop app with its .deb and .rpm, an install of the .deb, and the
# desktop e2e suite in a real window.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

scripts/setup.sh

say "cargo fmt --check"
cargo fmt --all --check

say "cargo clippy (whole workspace, desktop shell included)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "Rust tests (whole workspace, with a real Secret Service keychain on a private D-Bus)"
if command -v cargo-nextest >/dev/null 2>&1; then
  rust_tests="cargo nextest run --workspace --locked --no-fail-fast"
else
  rust_tests="cargo test --workspace --locked --no-fail-fast"
fi
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# A throwaway, unlocked gnome-keyring on a private D-Bus: keychain tests exercise the real
# OS store, never the user's.
scripts/unlocked-keyring.sh $rust_tests

say "UI: lint, type check, unit tests"
(cd ui && npm run --silent lint && npm run --silent typecheck && npm test --silent)

say "Desktop app build (assets embedded) and its .deb and .rpm installers"
# One debug build; the bundles reuse its binary (AppImage is left out: it downloads its tools).
ui/node_modules/.bin/tauri build --debug --bundles deb,rpm

say "Installers: install the .deb, start the installed app under Xvfb, see its window, remove it"
scripts/installers.sh

say "Desktop e2e suite (Xvfb + tauri-driver + WebKitWebDriver)"
xvfb-run -a -s "-screen 0 1280x1024x24" scripts/e2e.sh
