#!/usr/bin/env bash
# Installs what the dashboard's browser tests (tests/e2e/browser.rs) drive
# Debian's headless Chromium with: playwright-core (no browser download) and
# axe-core (the accessibility rules), pinned, into a cache folder.
# Prints the node_modules folder. Idempotent: a second run only checks.
set -euo pipefail
DEPS="${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}"
DIR="$DEPS/browser-node"
PLAYWRIGHT=1.65.1
AXE=4.14.1
have() { [ "$(node -p "require('$DIR/node_modules/$1/package.json').version" 2>/dev/null)" = "$2" ]; }
if ! have playwright-core "$PLAYWRIGHT" || ! have axe-core "$AXE"; then
  command -v npm >/dev/null || { echo "browser deps: npm is not installed" >&2; exit 2; }
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name": "wfc-browser-tests", "private": true}' > "$DIR/package.json"
  (cd "$DIR" && npm install -q --no-audit --no-fund --save-exact \
    "playwright-core@$PLAYWRIGHT" "axe-core@$AXE" >&2)
fi
echo "$DIR/node_modules"
