#!/usr/bin/env bash
# Browser tests of the link page and /initialize.js (headless Chromium, playwright-core).
#
#   tests/browser/run.sh                              # uses target/debug/vital-link
#   VITAL_LINK_BIN=/path/to/vital-link tests/browser/run.sh [test files…]
#
# Starts two `vital-link serve` on free loopback ports, each with its own temporary data dir and
# the sandbox browser as $BROWSER (one approves the consent page, one declines it), runs the
# tests with `node --test`, and always stops both servers. A debug binary reads the UI from
# ui/dist at run time, so build it first (npm run build --prefix ui). Screenshots and server
# logs: artifacts/browser/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${VITAL_LINK_BIN:-target/debug/vital-link}"
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
if [[ ! -x "$bin" ]]; then
  echo "run.sh: no vital-link binary at $bin (build it, or set VITAL_LINK_BIN)" >&2
  exit 2
fi
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "run.sh: no Chromium at $CHROMIUM (set CHROMIUM)" >&2
  exit 2
fi

export VL_ARTIFACTS="${VL_ARTIFACTS:-$repo/artifacts/browser}"
# A full run starts from an empty folder; a run of chosen files keeps the other screenshots.
[[ $# -eq 0 ]] && rm -rf "$VL_ARTIFACTS"
mkdir -p "$VL_ARTIFACTS"
work="$(mktemp -d "${TMPDIR:-/tmp}/vl-browser.XXXXXX")"
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  cp "$work"/*.log "$VL_ARTIFACTS"/ 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME BROWSER_COMMAND → sets SERVER_URL and SERVER_KEY
start_server() {
  local name="$1" browser="$2" data="$work/$1" log="$work/serve-$1.log" url="" i
  mkdir -p "$data"
  VITAL_LINK_DATA_DIR="$data" VITAL_LINK_PORT=0 BROWSER="$browser" "$bin" serve --port 0 >"$log" 2>&1 &
  pids+=("$!")
  for i in $(seq 1 300); do
    url="$(grep -o 'Vital Link API on http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 | sed 's/^Vital Link API on //' || true)"
    [[ -n "$url" ]] && break
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "run.sh: the $name server exited:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "run.sh: the $name server did not start within 30 s:" >&2
    cat "$log" >&2
    exit 1
  fi
  SERVER_URL="$url"
  SERVER_KEY="$(VITAL_LINK_DATA_DIR="$data" VITAL_LINK_PORT=0 "$bin" api-key)"
  # The UI the server hands out must include the runtime.
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' "$url/initialize.js")"
  if [[ "$code" != 200 ]]; then
    echo "run.sh: $url/initialize.js answered $code: build the UI first (npm run build --prefix ui)" >&2
    exit 1
  fi
  echo "run.sh: $name server on $url (its log is copied to $VL_ARTIFACTS/serve-$name.log at the end)"
}

start_server allow "$bin sandbox-browser"
export VL_URL="$SERVER_URL" VL_KEY="$SERVER_KEY"
start_server deny "$bin sandbox-browser --deny"
export VL_DENY_URL="$SERVER_URL" VL_DENY_KEY="$SERVER_KEY"

cd "$here"
if [[ ! -d node_modules/playwright-core || ! -d node_modules/@tryvital/vital-link ]]; then
  npm ci --no-audit --no-fund
fi

if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(link-page.test.js react-hook.test.js)
fi
set +e
node --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
status=$?
set -e
echo "run.sh: screenshots and server logs in ${VL_ARTIFACTS#"$repo"/}/"
exit "$status"
