#!/usr/bin/env bash
# Starts a sandbox `vital-link serve` on a free loopback port with its own data directory, runs
# the SDK conformance suite (run.sh) against it, and always stops it.
#   VITAL_LINK_BIN=target/debug/vital-link tests/conformance/with-server.sh [all|python|node|legacy|legacy-python|legacy-node]
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${VITAL_LINK_BIN:-$HERE/../../target/debug/vital-link}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
[[ -x "$BIN" ]] || { echo "conformance: no binary at $BIN (build it first)" >&2; exit 2; }
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export VITAL_LINK_DATA_DIR="$DATA" VITAL_LINK_SANDBOX_NOW="${VITAL_LINK_SANDBOX_NOW:-2026-11-20T15:00:00Z}"
export VITAL_LINK_HISTORY_DAYS="${VITAL_LINK_HISTORY_DAYS:-30}"
BROWSER="$BIN sandbox-browser" "$BIN" serve --port "$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
VITAL_API_KEY="$("$BIN" api-key)" VITAL_BASE_URL="http://127.0.0.1:$PORT" VITAL_LINK_BIN="$BIN" \
  "$HERE/run.sh" "${1:-all}"
rc=$?
[[ $rc -eq 0 ]] || { echo "--- server log ---"; tail -40 "$DATA/serve.log"; }
exit $rc
