#!/usr/bin/env bash
# The .deb as a person gets it: installed with apt-get (which pulls its runtime dependencies),
# then the installed /usr/bin/vital-link run outside the repository with a fresh home: --help,
# doctor, a sandbox connect + sync + read-back, the link page served from the binary; logs in
# the XDG state directory (0600), data in the XDG data directory; then the package removed and
# the user's data checked to be still there.
#   tests/package/run.sh                       builds the .deb first (scripts/package.sh --deb-only)
#   tests/package/run.sh dist/vital-link_*.deb takes a built one
# Installs and removes the system package `vital-link`: meant for CI and throwaway machines.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/../.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DEB="${1:-}"
if [ -z "$DEB" ]; then
  "$ROOT/scripts/package.sh" --deb-only
  DEB="$(ls "$ROOT"/dist/vital-link_*_amd64.deb | head -1)"
fi
case "$DEB" in /*) ;; *) DEB="$PWD/$DEB" ;; esac
[ -f "$DEB" ] || { echo "package: no .deb at $DEB" >&2; exit 2; }

fail() { echo "package: FAIL: $*" >&2; exit 1; }
WORK="$(mktemp -d)"
SERVER=""
installed=0
cleanup() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
  if [ "$installed" = 1 ]; then $SUDO apt-get remove -y -qq vital-link >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "package: apt-get install $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"
# apt reads a local .deb as its unprivileged _apt user: a copy in a world-readable place keeps
# it from falling back to root with a warning.
cp "$DEB" "$WORK/" && chmod 0755 "$WORK" && chmod 0644 "$WORK/$(basename "$DEB")"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$WORK/$(basename "$DEB")" >/dev/null
installed=1
BIN=/usr/bin/vital-link
[ -x "$BIN" ] || fail "$BIN is not installed"
dpkg-query -W -f='${Depends}\n' vital-link | grep -q 'libwebkit2gtk-4.1-0' || fail "the package does not depend on WebKitGTK 4.1"
dpkg-query -W -f='${Depends}\n' vital-link | grep -q 'libayatana-appindicator3-1' || fail "the package does not depend on the appindicator library"
desktop="$(dpkg -L vital-link | grep '^/usr/share/applications/.*\.desktop$' | head -1)"
[ -n "$desktop" ] || fail "no desktop entry in /usr/share/applications"
grep -qx 'Exec=vital-link' "$desktop" || fail "the desktop entry does not start vital-link: $(grep Exec "$desktop")"
grep -qx 'Icon=vital-link' "$desktop" || fail "the desktop entry names no vital-link icon"
for size in 32x32 128x128 512x512; do
  [ -f "/usr/share/icons/hicolor/$size/apps/vital-link.png" ] || fail "no $size icon"
done
echo "package: installed $(dpkg-query -W -f='${Version}' vital-link): $BIN, $desktop, icons; depends: $(dpkg-query -W -f='${Depends}' vital-link)"

# A fresh user: an empty home, no repository (the working directory is the home), no variables
# of ours, no keyring (the vault falls back to its key file), the sandbox clock pinned.
USER_HOME="$WORK/home"
mkdir -p "$USER_HOME"
run() {
  (cd "$USER_HOME" && env -i PATH=/usr/bin:/bin HOME="$USER_HOME" LANG=C.UTF-8 \
    VITAL_LINK_SANDBOX_NOW=2026-11-20T15:00:00Z VITAL_LINK_HISTORY_DAYS=14 "$@")
}
DATA="$USER_HOME/.local/share/vital-link"
LOGS="$USER_HOME/.local/state/vital-link/logs"

run "$BIN" --help >"$WORK/help.txt" || fail "--help exited $?"
grep -q 'connect' "$WORK/help.txt" || fail "--help does not list connect"
run "$BIN" doctor >"$WORK/doctor.txt" 2>&1 || { cat "$WORK/doctor.txt"; fail "doctor exited non-zero"; }
grep -q "data directory  $DATA" "$WORK/doctor.txt" || { cat "$WORK/doctor.txt"; fail "doctor does not report the XDG data directory"; }
grep -q "logs            $LOGS" "$WORK/doctor.txt" || { cat "$WORK/doctor.txt"; fail "doctor does not report the XDG state directory for logs"; }
echo "package: --help and doctor ok"

run "$BIN" users add pkg-user >/dev/null
run env BROWSER="$BIN sandbox-browser" "$BIN" connect pkg-user oura --timeout 120 >"$WORK/connect.txt" 2>&1 \
  || { cat "$WORK/connect.txt"; fail "sandbox connect failed"; }
run "$BIN" sync pkg-user >"$WORK/sync.txt" 2>&1 || { cat "$WORK/sync.txt"; fail "sync exited non-zero"; }
run "$BIN" data sleep pkg-user --from 2026-11-10 >"$WORK/sleep.json" || fail "data sleep failed"
nights=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sleep"]))' "$WORK/sleep.json")
[ "$nights" -ge 5 ] || fail "only $nights nights of sleep after connect + sync"
echo "package: sandbox connect + sync: $nights nights of sleep read back"

# The link page and window.Vital runtime come from the UI build embedded in the binary: served
# here with no ui/dist anywhere near.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$USER_HOME" && exec env -i PATH=/usr/bin:/bin HOME="$USER_HOME" "$BIN" serve --port "$PORT") >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/link/" | grep -qi '<script' || { cat "$WORK/serve.log"; fail "the link page is not served from the installed binary"; }
curl -sf "http://127.0.0.1:$PORT/initialize.js" | grep -q 'Vital' || fail "initialize.js is not served from the installed binary"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
echo "package: the link page and initialize.js are served from the binary"

[ -f "$DATA/vital-link.sqlite3" ] || fail "no database in the XDG data directory $DATA"
[ -d "$LOGS" ] && ls "$LOGS"/vital-link.log.* >/dev/null 2>&1 || fail "no log file in the XDG state directory $LOGS"
[ ! -e "$DATA/logs" ] || fail "logs were written into the data directory too"
for f in "$DATA/vital-link.sqlite3" "$LOGS"/vital-link.log.*; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is mode $(stat -c %a "$f"), not 0600"
done
[ "$(stat -c %a "$DATA")" = 700 ] || fail "$DATA is mode $(stat -c %a "$DATA"), not 0700"
echo "package: data in $DATA, logs in $LOGS, files 0600"

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq vital-link >/dev/null
installed=0
[ ! -e "$BIN" ] || fail "$BIN is still there after apt-get remove"
[ -f "$DATA/vital-link.sqlite3" ] || fail "apt-get remove took the user's database with it"
echo "package: removed; the user's data stays in $DATA"
echo "package: ok"
