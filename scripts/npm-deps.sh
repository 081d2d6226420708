#!/usr/bin/env bash
# Install the node packages the component tests need (jco's `parse` turns
# component .wast forms into binaries, see scripts/wast2component.mjs) into
# $WACC_NODE_DIR/node_modules (default: <repo>/.node/node_modules).
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
JCO_VERSION=1.35.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${WACC_NODE_DIR:-$ROOT/.node}"
PKG="$DIR/node_modules/@bytecodealliance/jco/package.json"
if [ -f "$PKG" ] && grep -q "\"version\": \"$JCO_VERSION\"" "$PKG"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm-deps: npm not found (install nodejs and npm); component tests need jco" >&2
  exit 1
fi
mkdir -p "$DIR"
echo "installing @bytecodealliance/jco@$JCO_VERSION into $DIR/node_modules"
npm install --prefix "$DIR" --no-save --no-audit --no-fund --omit=dev \
  "@bytecodealliance/jco@$JCO_VERSION"
