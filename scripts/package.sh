#!/usr/bin/env bash
# Builds the installable packages, release mode, from a clean checkout:
#   dist/vital-link_<version>_amd64.deb   (apt-get install ./dist/vital-link_*.deb)
#   dist/vital-link-<version>-1.x86_64.rpm (dnf install ./dist/vital-link-*.rpm)
# with the Tauri bundler (npm @tauri-apps/cli 2.x, prebuilt, from tests/package). AppImage is left
# out: its bundler downloads linuxdeploy and its plugins at build time. docs/packaging.md.
#   scripts/package.sh [--deb-only]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
BUNDLES="deb,rpm"
[ "${1:-}" = "--deb-only" ] && BUNDLES="deb"

if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null || ! command -v cargo >/dev/null 2>&1; then
  echo "package: the build dependencies are missing (WebKitGTK 4.1 headers, Rust): run scripts/setup.sh first" >&2
  exit 2
fi
if [ ! -f tests/package/node_modules/.package-lock.json ] || [ tests/package/package-lock.json -nt tests/package/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/package --no-audit --no-fund --loglevel=error
fi

# The window embeds ui/dist at compile time: it must be built, and current, first.
scripts/build-ui.sh
# Built here rather than by `tauri build`, which asks for the feature `tauri/custom-protocol` of
# the root package; the root package reaches Tauri only through the desktop face, so the same
# switch is the root's own `custom-protocol` feature.
echo "==> cargo build --release (the window, with the UI embedded)"
start=$(date +%s)
cargo build --release --locked --features custom-protocol
echo "release build: $(( $(date +%s) - start )) s, binary $(stat -c %s target/release/vital-link) bytes"

echo "==> bundling: $BUNDLES"
rm -rf target/release/bundle
tests/package/node_modules/.bin/tauri bundle --ci --bundles "$BUNDLES" --features custom-protocol

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' tauri.conf.json | head -1)
mkdir -p dist
rm -f dist/vital-link_*.deb dist/vital-link-*.rpm
# The bundler names files after the product name ("Vital Link_…"); the names people type and
# `apt-get install ./vital-link_*.deb` expects are the package's.
cp target/release/bundle/deb/*_"$version"_amd64.deb "dist/vital-link_${version}_amd64.deb"
if [ "$BUNDLES" != "deb" ]; then
  cp target/release/bundle/rpm/*-"$version"-1.x86_64.rpm "dist/vital-link-${version}-1.x86_64.rpm"
fi
ls -l dist/
