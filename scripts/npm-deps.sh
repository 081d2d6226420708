#!/usr/bin/env bash
# Install the node packages the component tests need (jco's `parse` turns
# component .wast forms into binaries, see scripts/wast2component.mjs) into
# $WACC_NODE_DIR/node_modules (default: <repo>/.node/node_modules), and
# componentize-js, which scripts/build-components.sh uses to build the JS
# components of tests/components (jco 1.35 depends on ^0.22.0; pinned here to
# the version those tests were recorded with).
# Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
JCO_VERSION=1.35.0
COMPONENTIZE_JS_VERSION=0.22.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${WACC_NODE_DIR:-$ROOT/.node}"
has() { # has PACKAGE VERSION
  local pkg="$DIR/node_modules/@bytecodealliance/$1/package.json"
  [ -f "$pkg" ] && grep -q "\"version\": \"$2\"" "$pkg"
}
if has jco "$JCO_VERSION" && has componentize-js "$COMPONENTIZE_JS_VERSION"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm-deps: npm not found (install nodejs and npm); component tests need jco" >&2
  exit 1
fi
mkdir -p "$DIR"
echo "installing @bytecodealliance/jco@$JCO_VERSION and componentize-js@$COMPONENTIZE_JS_VERSION into $DIR/node_modules"
npm install --prefix "$DIR" --no-save --no-audit --no-fund --omit=dev \
  "@bytecodealliance/jco@$JCO_VERSION" "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION"
