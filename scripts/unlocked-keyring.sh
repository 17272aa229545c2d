#!/usr/bin/env bash
# Runs a command with a throwaway, unlocked gnome-keyring on a private D-Bus, so keychain code
# exercises the real Secret Service and never the user's. Used by scripts/test.sh (the Rust
# tests) and scripts/e2e.sh (the desktop suite).
#
#   scripts/unlocked-keyring.sh COMMAND [ARGS...]
#
# Why more than `gnome-keyring-daemon --unlock`: that call can return before its daemon owns
# org.freedesktop.secrets on the bus. A client calling in that gap makes D-Bus start a second
# daemon, which, if it fails to find the first, loads the login keyring from disk LOCKED; the
# next keychain read then waits on a password prompt no one can answer (seen once in CI: the
# desktop suite's first sync sat at "starting…" until gcr-prompter gave up ten minutes later).
# So we wait until our daemon owns the name, and check the default collection is unlocked,
# before anything else talks to the keychain; if not, we fail at once and say why.
set -euo pipefail

if [ -z "${UNLOCKED_KEYRING_INSIDE:-}" ]; then
  keyring_home="$(mktemp -d)"
  mkdir -m 700 "$keyring_home/run"
  status=0
  UNLOCKED_KEYRING_INSIDE=1 HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/data" \
    XDG_RUNTIME_DIR="$keyring_home/run" dbus-run-session -- "$0" "$@" || status=$?
  # A document portal started inside that session (a webview may wake it) can still hold its
  # FUSE mount at run/doc for a moment after the session ends: unmount it, retry, and never
  # let cleanup turn a passing run into a failure.
  fusermount -u "$keyring_home/run/doc" 2>/dev/null || fusermount3 -u "$keyring_home/run/doc" 2>/dev/null || true
  rm -rf "$keyring_home" 2>/dev/null || { sleep 2; rm -rf "$keyring_home" 2>/dev/null; } \
    || echo "unlocked-keyring: left $keyring_home behind (a mount inside it was still busy)" >&2
  exit "$status"
fi

# Inside the private session.
echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# NameHasOwner asks the bus itself, so it never starts a daemon the way a call to the name would.
owned() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true
}
for _ in $(seq 1 100); do owned && break; sleep 0.1; done
owned || { echo "unlocked-keyring: gnome-keyring did not take org.freedesktop.secrets within 10 s" >&2; exit 1; }

default_collection="$(gdbus call --session --dest org.freedesktop.secrets \
  --object-path /org/freedesktop/secrets \
  --method org.freedesktop.Secret.Service.ReadAlias default | sed -n "s/^(objectpath '\(.*\)',)$/\1/p")"
if [ -z "$default_collection" ] || [ "$default_collection" = "/" ]; then
  echo "unlocked-keyring: the keyring has no default collection; a keychain write would ask for a password" >&2
  exit 1
fi
locked="$(gdbus call --session --dest org.freedesktop.secrets --object-path "$default_collection" \
  --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked)"
case "$locked" in
  *false*) ;;
  *) echo "unlocked-keyring: $default_collection is locked ($locked); a keychain read would ask for a password" >&2; exit 1 ;;
esac

exec "$@"
