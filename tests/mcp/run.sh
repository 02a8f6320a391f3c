#!/usr/bin/env bash
# The MCP face with official clients: the MCP Python SDK (test_mcp_sdk.py) and the MCP
# inspector's CLI, both launching `vital-link mcp` over stdio on a sandbox data directory that
# a `vital-link serve` on a free loopback port filled (and that the tests read back through the
# Vital API for comparison). The server is stopped by the PID this script started.
#   VITAL_LINK_BIN=target/debug/vital-link tests/mcp/run.sh
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/../.."
BIN="${VITAL_LINK_BIN:-$ROOT/target/debug/vital-link}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
[[ -x "$BIN" ]] || { echo "mcp: no binary at $BIN (build it first)" >&2; exit 2; }
VENV="$ROOT/target/mcp-venv"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || exit 2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" || exit 2
[[ -d "$HERE/node_modules" ]] || npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error || exit 2

DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export VITAL_LINK_DATA_DIR="$DATA" VITAL_LINK_SANDBOX_NOW="2026-11-20T15:00:00Z" VITAL_LINK_HISTORY_DAYS=30
"$BIN" serve --port "$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
export VITAL_API_KEY="$("$BIN" api-key)" VITAL_BASE_URL="http://127.0.0.1:$PORT" VITAL_LINK_BIN="$BIN"

echo "mcp: MCP Python SDK $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))') against $BIN mcp"
(cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider --disable-warnings test_mcp_sdk.py) || { tail -30 "$DATA/serve.log"; exit 1; }

echo "mcp: the inspector's CLI ($(node -p "require('$HERE/node_modules/@modelcontextprotocol/inspector/package.json').version"))"
inspect() {
  timeout 60 "$HERE/node_modules/.bin/mcp-inspector" --cli \
    -e "VITAL_LINK_DATA_DIR=$DATA" -e "VITAL_LINK_SANDBOX_NOW=$VITAL_LINK_SANDBOX_NOW" \
    "$BIN" mcp --participant mcp-a "$@"
}
# --strict: a schema some assistants cannot map (e.g. a [T, null] type) fails the run.
inspect --method tools/list --strict >"$DATA/tools.json" || exit 1
inspect --method tools/call --tool-name get_coverage --tool-arg participant=mcp-a --tool-arg from=2026-10-25 \
  --tool-arg to=2026-11-19 >"$DATA/coverage.json" || exit 1
python3 - "$DATA/tools.json" "$DATA/coverage.json" <<'PY' || exit 1
import json, sys
tools = {t["name"] for t in json.load(open(sys.argv[1]))["tools"]}
assert {"list_participants", "get_timeseries", "get_coverage", "compare"} <= tools, tools
assert "get_raw" not in tools, "raw payloads offered without --allow-raw"
cov = json.load(open(sys.argv[2]))
body = cov.get("structuredContent") or json.loads(cov["content"][0]["text"])
assert not cov.get("isError") and body["resources"]["sleep"]["days"] > 20, cov
assert body["days_with_any_data"] <= body["days_in_range"], body
print(f"mcp: inspector listed {len(tools)} tools; coverage: {body['days_with_any_data']} of {body['days_in_range']} days hold data")
PY
