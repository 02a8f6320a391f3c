#!/usr/bin/env bash
# Builds ui/dist, which every cargo command needs (the window embeds it at compile time).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --prefix ui --silent
