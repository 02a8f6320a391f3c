#!/usr/bin/env bash
# Sets up and runs every test: formatting, lints, Rust unit and integration tests, UI tests,
# the real OS keyring path, and the end-to-end tests of the real window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
scripts/build-ui.sh

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (desktop and headless)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --exclude vital-link-desktop --all-targets --no-default-features --target-dir target/headless -- -D warnings

echo "==> UI tests"
npm test --prefix ui --silent

echo "==> Rust unit and integration tests (with the real Secret Service keyring)"
dbus-run-session -- bash -c '
  set -euo pipefail
  printf "ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  VITAL_LINK_TEST_KEYRING=1 cargo test --workspace --all-targets
'

echo "==> SDK conformance: the official Python and Node Vital SDKs against vital-link serve"
VITAL_LINK_BIN=target/debug/vital-link timeout --kill-after=30 1200 tests/conformance/with-server.sh

echo "==> the MCP server with official clients: the MCP Python SDK and the MCP inspector's CLI"
VITAL_LINK_BIN=target/debug/vital-link timeout --kill-after=30 600 tests/mcp/run.sh

echo "==> the link page and the @tryvital/vital-link React hook in headless Chromium"
VITAL_LINK_BIN=target/debug/vital-link timeout --kill-after=30 900 tests/browser/run.sh

echo "==> the .deb: release build, apt-get install, the installed vital-link without the repository, apt-get remove"
# About 12 minutes from a clean release build on 2 cores (docs/packaging.md).
timeout --kill-after=30 1500 tests/package/run.sh

echo "==> fuzz smoke: each target for 20 s (longer runs: docs/security.md)"
# Built first with the compiler's output kept: a target that no longer compiles must say why,
# not vanish behind the filter below.
mkdir -p artifacts
if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build --dev -s none) >artifacts/fuzz-build.log 2>&1; then
  tail -n 60 artifacts/fuzz-build.log
  echo "fuzz: the targets do not build (full log: artifacts/fuzz-build.log)" >&2
  exit 1
fi
for t in callback normalize dates import_files; do
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --dev -s none "$t" -- -max_total_time=20 2>&1 | grep -E "^Done|ERROR|panicked|deadly" )
done

echo "==> end-to-end tests in the real window (Xvfb + tauri-driver)"
rm -rf artifacts/e2e
# A window that never comes up must fail the run, not hang it: each suite gets a hard limit,
# and whatever a killed suite left behind (its Xvfb, tauri-driver, the app) is stopped. Only the
# process groups the harness started and noted in artifacts/e2e/groups/ are stopped, never
# processes by name: a developer's own Xvfb or driver stays untouched.
stop_window_leftovers() {
  for note in artifacts/e2e/groups/*; do
    [ -e "$note" ] || continue
    kill -- "-$(basename "$note")" 2>/dev/null || true
    rm -f "$note"
  done
}
trap stop_window_leftovers EXIT
cargo build --test e2e_window --test e2e_console
timeout --kill-after=30 900 cargo test --test e2e_window -- --ignored --test-threads=1
timeout --kill-after=30 900 cargo test --test e2e_console -- --ignored --test-threads=1
echo "screenshots: artifacts/e2e/"
