#!/usr/bin/env bash
# Installs what Vital Link Desktop needs to build, run and test on Debian/Ubuntu:
# system packages, the Rust toolchain (if missing), the UI's npm packages and tauri-driver.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(build-essential pkg-config curl libssl-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
      librsvg2-dev xvfb webkit2gtk-driver fonts-dejavu-core dbus dbus-x11 gnome-keyring libdbus-1-dev
      chromium python3-venv postgresql)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "==> installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy -c rustfmt
  export PATH="$HOME/.cargo/bin:$PATH"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Node.js 20 or newer is needed for the UI build (found $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

echo "==> installing npm packages (UI, test authorization server, browser tests, the Tauri bundler)"
for dir in ui tests/oidc tests/browser tests/mcp tests/fit tests/package; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done

echo "==> installing the MCP Python SDK (tests/mcp: mcp 2.3.0 with the Vital SDK)"
[ -x target/mcp-venv/bin/python ] || python3 -m venv target/mcp-venv
target/mcp-venv/bin/pip install --quiet --disable-pip-version-check -r tests/mcp/requirements.txt

echo "==> installing the seed-era Vital SDKs (legacy conformance suites: vital 1.4.11, vital-node 1.6.5)"
[ -x target/conformance-legacy-venv/bin/python ] || python3 -m venv target/conformance-legacy-venv
target/conformance-legacy-venv/bin/pip install --quiet --disable-pip-version-check -r tests/conformance/legacy/requirements.txt
npm ci --prefix tests/conformance/legacy/node --no-audit --no-fund --loglevel=error

if [ "${VITAL_LINK_SKIP_DRIVER:-0}" != "1" ] && ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz (fuzz smoke test)"
  cargo install cargo-fuzz --version '^0.13' --locked --quiet
fi

if [ "${VITAL_LINK_SKIP_DRIVER:-0}" != "1" ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> installing tauri-driver (WebDriver for the real window)"
  # Tauri 3 alphas are published: stay on 2.
  cargo install tauri-driver --version '^2' --locked --quiet
fi
