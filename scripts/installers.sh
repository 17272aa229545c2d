#!/usr/bin/env bash
# Installer check: installs the .deb that `tauri build --debug --bundles deb,rpm` made (as root,
# no prompts), starts the installed app under Xvfb until its window titled "Contact Bridge"
# exists, then removes the package. The .rpm is only checked to exist (no rpm install on Debian).
# scripts/test.sh runs it after the build; run it from anywhere the same way.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The app needs an X display: xvfb-run gives one when there is none.
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" "$0" "$@"
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
bundle_dir="$target_dir/debug/bundle"
deb=$(ls "$bundle_dir"/deb/*.deb 2>/dev/null | head -n1 || true)
rpm=$(ls "$bundle_dir"/rpm/*.rpm 2>/dev/null | head -n1 || true)
[ -n "$deb" ] || { echo "installers: no .deb in $bundle_dir/deb; build with: ui/node_modules/.bin/tauri build --debug --bundles deb,rpm" >&2; exit 1; }
[ -n "$rpm" ] || { echo "installers: no .rpm in $bundle_dir/rpm" >&2; exit 1; }
echo "installers: $deb"
echo "installers: $rpm"

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
package=$(dpkg-deb --field "$deb" Package)
scratch="$(mktemp -d)"
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get remove -y -qq "$package" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# apt-get wants a path with a slash to take a local file; it installs the Depends: it lists.
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$(realpath "$deb")"
installed=$(dpkg-query -L "$package" | grep -E '^/usr/bin/[^/]+$' | head -n1)
[ -x "$installed" ] || { echo "installers: the package installed no program in /usr/bin" >&2; exit 1; }
echo "installers: installed $package as $installed"

# The installed app runs under a scratch home (its database, logs and settings never touch the
# user's).
mkdir -p "$scratch/home"
HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" \
  BRIDGE_DB="$scratch/bridge.sqlite3" BRIDGE_LOG_DIR="$scratch/logs" \
  "$installed" > "$scratch/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 120); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"Contact Bridge"'; then
    echo "installers: the installed app opened its window \"Contact Bridge\""
    exit 0
  fi
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.5
done
echo "installers: the installed app showed no window titled \"Contact Bridge\"; its output:" >&2
cat "$scratch/app.log" >&2
exit 1
