#!/usr/bin/env bash
# Sets up and runs Vital Link Desktop on the sandbox (fake providers, no credentials needed).
#   scripts/run.sh             the desktop window
#   scripts/run.sh --headless  no display: connects a demo participant to Oura (sandbox),
#                              prints their data, then serves the local Vital API
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
HEADLESS=0
[ "${1:-}" = "--headless" ] && HEADLESS=1

# Running needs no tauri-driver (only the window tests do).
VITAL_LINK_SKIP_DRIVER=1 scripts/setup.sh
scripts/build-ui.sh

export VITAL_LINK_DATA_DIR="${VITAL_LINK_DATA_DIR:-$HOME/.local/share/vital-link-sandbox}"
if [ "$HEADLESS" = 0 ]; then
  cargo build --quiet
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "No display found. Use scripts/run.sh --headless, or run under xvfb-run." >&2
    exit 1
  fi
  echo "==> starting Vital Link (data in $VITAL_LINK_DATA_DIR)"
  exec ./target/debug/vital-link
fi

cargo build --quiet --no-default-features --target-dir target/headless
BIN=./target/headless/debug/vital-link
USER_ID="${VITAL_LINK_DEMO_USER:-demo-participant}"
"$BIN" users add "$USER_ID" >/dev/null 2>&1 || true
echo "==> connecting $USER_ID to Oura (sandbox); a scripted browser approves the consent page"
BROWSER="$BIN sandbox-browser" "$BIN" connect "$USER_ID" oura
echo "==> last 7 days of sleep for $USER_ID (Vital's shape, abridged)"
SLEEP_JSON="$("$BIN" data sleep "$USER_ID" --from "$(date -u -d '7 days ago' +%F)")" python3 - <<'PY'
import json, os
for s in json.loads(os.environ["SLEEP_JSON"])["sleep"]:
    print(f'  {s["calendar_date"]}  {s["type"]:<16} {s["total"] / 3600:4.1f} h asleep  score {s["score"]}  HR {s["hr_average"]}')
PY
echo "==> serving the local Vital API (Ctrl-C to stop)"
exec "$BIN" serve
