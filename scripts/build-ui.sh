#!/usr/bin/env bash
# Builds ui/dist, which every cargo command needs (the window embeds it at compile time).
set -euo pipefail
cd "$(dirname "$0")/.."
# A pull that changed ui/package-lock.json needs its packages before the build.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm ci --prefix ui --no-audit --no-fund --silent
fi
npm run build --prefix ui --silent
