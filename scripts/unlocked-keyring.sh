#!/usr/bin/env bash
# Runs a command with a throwaway, unlocked gnome-keyring on a private D-Bus, so keychain code
# exercises the real Secret Service and never the user's. Used by scripts/test.sh (the Rust
# tests) and scripts/e2e.sh (the desktop suite).
#
#   scripts/unlocked-keyring.sh COMMAND [ARGS...]
#
# Why more than `gnome-keyring-daemon --unlock`: a client calling org.freedesktop.secrets while
# no daemon owns it makes D-Bus start a second daemon, which loads the login keyring from disk
# LOCKED; the next keychain read then waits on a password prompt no one can answer. CI saw it
# twice: once when a client called before our daemon owned the name (the desktop suite's first
# sync sat at "starting…" until gcr-prompter gave up ten minutes later), once when our daemon
# died mid-run and the next read hung. So:
#   - D-Bus may not start a keyring daemon at all here: service files in the private
#     XDG_RUNTIME_DIR take precedence over the system's and refuse, loudly;
#   - our daemon runs in the foreground as this script's child, so we know when it dies;
#   - we wait until it owns the name and the default collection is unlocked before the command
#     starts, and if the daemon exits before the command does, we stop the command and say so.
set -euo pipefail

# The bus names gnome-keyring's own service files (/usr/share/dbus-1/services) would start a
# daemon for.
keyring_bus_names="org.freedesktop.secrets org.gnome.keyring org.freedesktop.impl.portal.Secret"

if [ -z "${UNLOCKED_KEYRING_INSIDE:-}" ]; then
  keyring_home="$(mktemp -d)"
  mkdir -m 700 "$keyring_home/run"
  # dbus-daemon reads $XDG_RUNTIME_DIR/dbus-1/services first (dbus-daemon(1)): a service file
  # there for a name wins over the system one. Ours exits with a sentence on the bus's stderr,
  # so a client gets an activation error at once instead of a locked second daemon.
  mkdir -p "$keyring_home/run/dbus-1/services"
  for name in $keyring_bus_names; do
    cat >"$keyring_home/run/dbus-1/services/$name.service" <<EOF
[D-BUS Service]
Name=$name
Exec=/bin/sh -c 'echo "unlocked-keyring: a client asked D-Bus to start a keyring daemon for $name (ours is not on the bus); refused, it would start locked" >&2; exit 1'
EOF
  done
  # A document portal started inside that session (a webview may wake it) can still hold its
  # FUSE mount at run/doc for a moment after the session ends: unmount it, retry, and never
  # let cleanup turn a passing run into a failure. On EXIT, so a Ctrl-C cleans up too.
  clean_home() {
    fusermount -u "$keyring_home/run/doc" 2>/dev/null || fusermount3 -u "$keyring_home/run/doc" 2>/dev/null || true
    rm -rf "$keyring_home" 2>/dev/null || { sleep 2; rm -rf "$keyring_home" 2>/dev/null; } \
      || echo "unlocked-keyring: left $keyring_home behind (a mount inside it was still busy)" >&2
  }
  trap clean_home EXIT
  status=0
  UNLOCKED_KEYRING_INSIDE=1 HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/data" \
    XDG_RUNTIME_DIR="$keyring_home/run" dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside the private session.
say() { echo "unlocked-keyring: $*" >&2; }

# Starts a command in the background, in a process group of its own (job control on for the
# launch only, so foreground commands here never take the terminal), and sets `spawned` to its
# pid. Redirections on the call apply to the command. So stopping the command stops everything
# it started (a test runner's test processes too), and a Ctrl-C at the terminal reaches this
# script alone, which stops the command itself (below), never the daemon first (which would
# read as the daemon dying).
spawn() {
  set -m
  "$@" &
  spawned=$!
  set +m
}

# The command gets this script's stdin, unless that is a terminal: from a process group not in
# the terminal's foreground, its first read of it would stop it (SIGTTIN) for good.
if [ -t 0 ]; then exec 3</dev/null; else exec 3<&0; fi

# --foreground keeps the daemon our child (without it, it forks and we could not watch it);
# --unlock reads the password from stdin.
spawn gnome-keyring-daemon --foreground --unlock --components=secrets < <(printf throwaway) >/dev/null
daemon_pid=$spawned
cmd_pid=""

# Stops the command's whole process group: TERM, then KILL for whatever is left after it ended
# or after 5 s (a test process that ignores TERM must not keep the run alive).
stop_command() {
  local pid="$cmd_pid" watchdog
  cmd_pid=""
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  spawn sh -c 'sleep 5; kill -s KILL -- "-$1" 2>/dev/null' watchdog "$pid"
  watchdog=$spawned
  wait "$pid" 2>/dev/null || true
  kill -- "-$watchdog" 2>/dev/null || true
  kill -KILL -- "-$pid" 2>/dev/null || true
}
stop() {
  stop_command
  kill -TERM "$daemon_pid" 2>/dev/null || true
}
trap stop EXIT
# A background job does not get the terminal's Ctrl-C: pass it (and a TERM) on, then end the
# way the signal asks.
trap 'stop; trap - INT; kill -INT $$' INT
trap 'stop; trap - TERM; kill -TERM $$' TERM

daemon_alive() { kill -0 "$daemon_pid" 2>/dev/null; }

# NameHasOwner asks the bus itself, so it never starts a daemon the way a call to the name would.
owned() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true
}
for _ in $(seq 1 100); do owned && break; daemon_alive || break; sleep 0.1; done
daemon_alive || { say "gnome-keyring-daemon exited while starting, before it took org.freedesktop.secrets"; exit 1; }
owned || { say "gnome-keyring did not take org.freedesktop.secrets within 10 s"; exit 1; }

default_collection="$(gdbus call --session --dest org.freedesktop.secrets \
  --object-path /org/freedesktop/secrets \
  --method org.freedesktop.Secret.Service.ReadAlias default | sed -n "s/^(objectpath '\(.*\)',)$/\1/p")"
if [ -z "$default_collection" ] || [ "$default_collection" = "/" ]; then
  say "the keyring has no default collection; a keychain write would ask for a password"
  exit 1
fi
locked="$(gdbus call --session --dest org.freedesktop.secrets --object-path "$default_collection" \
  --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked)"
case "$locked" in
  *false*) ;;
  *) say "$default_collection is locked ($locked); a keychain read would ask for a password"; exit 1 ;;
esac

spawn "$@" <&3 3<&-
cmd_pid=$spawned
exec 3<&-

# Whichever ends first: the command (its status is ours) or the daemon (the command can no
# longer trust the keychain, so it is stopped rather than left to hang or fail obscurely).
ended=""
status=0
wait -n -p ended "$daemon_pid" "$cmd_pid" || status=$?
if [ "$ended" = "$daemon_pid" ]; then
  say "the test keyring's gnome-keyring-daemon (pid $daemon_pid) exited (status $status) while '$*' was still running; stopping the command, since its keychain calls would fail or hang from now on"
  stop_command
  exit 1
fi
cmd_pid=""
exit "$status"
