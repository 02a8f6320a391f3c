#!/usr/bin/env bash
# Conformance of a running local API with the official Vital SDKs (PyPI `vital`, npm `@tryvital/vital-node`).
#
#   VITAL_BASE_URL=http://127.0.0.1:8750 VITAL_API_KEY=<key> VITAL_LINK_BIN=target/debug/vital-link \
#     tests/conformance/run.sh [all|python|node|legacy|legacy-python|legacy-node]
#
# `legacy` is the seed-era SDKs of Vital's Link guide (PyPI `vital` 1.4.11, npm `@tryvital/vital-node`
# 1.6.5), each in its own environment (legacy/), so they never clash with the current versions.
#
# VITAL_BASE_URL defaults to http://127.0.0.1:8750 and VITAL_LINK_BIN to target/debug/vital-link when it
# exists; VITAL_API_KEY has no default. Optional: VITAL_LINK_SANDBOX_NOW (the RFC 3339 "now" the server is
# pinned to), VITAL_CONFORMANCE_TIMEOUT (seconds to wait for a backfill, default 180).
# The Python venvs live in target/conformance-venv and target/conformance-legacy-venv (reused), JUnit
# reports in target/conformance/.
# Exits non-zero when any test failed or could not run.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WHICH="${1:-all}"
case "$WHICH" in all | python | node | legacy | legacy-python | legacy-node) ;; *)
  echo "usage: $0 [all|python|node|legacy|legacy-python|legacy-node]" >&2
  exit 2
  ;;
esac

export VITAL_BASE_URL="${VITAL_BASE_URL:-http://127.0.0.1:8750}"
if [[ -z "${VITAL_LINK_BIN:-}" && -x "$ROOT/target/debug/vital-link" ]]; then
  export VITAL_LINK_BIN="$ROOT/target/debug/vital-link"
fi
missing=()
[[ -n "${VITAL_API_KEY:-}" ]] || missing+=(VITAL_API_KEY)
[[ -n "${VITAL_LINK_BIN:-}" ]] || missing+=(VITAL_LINK_BIN)
if ((${#missing[@]})); then
  echo "conformance: set ${missing[*]} (and VITAL_BASE_URL, now $VITAL_BASE_URL)" >&2
  exit 2
fi
case "$VITAL_LINK_BIN" in /*) ;; *) export VITAL_LINK_BIN="$PWD/$VITAL_LINK_BIN" ;; esac
export VITAL_API_KEY

OUT="$ROOT/target/conformance"
mkdir -p "$OUT"
rm -f "$OUT"/*.xml
py_rc=0
node_rc=0
legacy_py_rc=0
legacy_node_rc=0
# Whether the suite $1 is part of this run.
runs() { [[ "$WHICH" == all || "$WHICH" == "$1" || "$WHICH" == "legacy" && "$1" == legacy-* ]]; }

if runs python; then
  VENV="$ROOT/target/conformance-venv"
  if [[ ! -x "$VENV/bin/python" ]]; then
    echo "conformance: creating $VENV"
    python3 -m venv "$VENV" || exit 2
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" || exit 2
  echo "conformance: Python SDK $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("vital"))') against $VITAL_BASE_URL"
  (cd "$HERE/python" && "$VENV/bin/python" -m pytest --junitxml="$OUT/python.xml" test_sdk_python.py test_webhooks_svix.py test_export.py)
  py_rc=$?
fi

if runs node; then
  command -v node >/dev/null || { echo "conformance: node (20+) is not installed" >&2; exit 2; }
  (cd "$HERE/node" && npm ci --no-audit --no-fund --loglevel=error) || exit 2
  echo "conformance: Node SDK $(cd "$HERE/node" && node -p 'require("@tryvital/vital-node/package.json").version') against $VITAL_BASE_URL"
  (cd "$HERE/node" && node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$OUT/node.xml" \
    sdk.test.mjs)
  node_rc=$?
fi

if runs legacy-python; then
  LEGACY_VENV="$ROOT/target/conformance-legacy-venv"
  [[ -x "$LEGACY_VENV/bin/python" ]] || python3 -m venv "$LEGACY_VENV" || exit 2
  "$LEGACY_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/legacy/requirements.txt" || exit 2
  echo "conformance: legacy Python SDK $("$LEGACY_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("vital"))') against $VITAL_BASE_URL"
  (cd "$HERE/legacy/python" && "$LEGACY_VENV/bin/python" -m pytest --junitxml="$OUT/legacy-python.xml" test_sdk_python_v1.py test_doc_snippets.py)
  legacy_py_rc=$?
fi

if runs legacy-node; then
  (cd "$HERE/legacy/node" && npm ci --no-audit --no-fund --loglevel=error) || exit 2
  echo "conformance: legacy Node SDK $(cd "$HERE/legacy/node" && node -p 'require("@tryvital/vital-node/package.json").version') against $VITAL_BASE_URL"
  (cd "$HERE/legacy/node" && node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$OUT/legacy-node.xml" \
    sdk_v1.test.mjs doc_snippets.test.mjs)
  legacy_node_rc=$?
fi

# One plain verdict line over every suite, from their JUnit reports.
python3 - "$OUT" "$WHICH" "$py_rc" "$node_rc" "$legacy_py_rc" "$legacy_node_rc" <<'EOF'
import os, sys, xml.etree.ElementTree as ET
out, which = sys.argv[1], sys.argv[2]
rcs = dict(zip(("python", "node", "legacy-python", "legacy-node"), map(int, sys.argv[3:7])))
p = f = s = 0
for suite in rcs:
    if which not in ("all", suite) and not (which == "legacy" and suite.startswith("legacy-")):
        continue
    sf = 0
    path = os.path.join(out, suite + ".xml")
    try:
        cases = list(ET.parse(path).getroot().iter("testcase")) if os.path.exists(path) else []
    except ET.ParseError:
        cases = []
    for c in cases:
        tags = {child.tag for child in c}
        if tags & {"failure", "error"}:
            sf += 1
        elif "skipped" in tags:
            s += 1
        else:
            p += 1
    # A suite that stopped before reporting any failure (no server, bad setup) still counts as one.
    f += sf or (1 if rcs[suite] != 0 else 0)
print(f"conformance: {p} passed, {f} failed, {s} skipped")
EOF

if ((py_rc != 0 || node_rc != 0 || legacy_py_rc != 0 || legacy_node_rc != 0)); then
  echo "conformance: FAILED (pytest exit $py_rc, node exit $node_rc, legacy pytest exit $legacy_py_rc, legacy node exit $legacy_node_rc)" >&2
  exit 1
fi
