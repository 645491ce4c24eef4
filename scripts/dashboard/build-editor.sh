#!/usr/bin/env bash
# Rebuilds the dashboard editor's vendored CodeMirror 6 bundle,
# crates/serve/assets/vendor/codemirror.min.js, from the entry file
# crates/serve/assets/editor/entry.js: pinned npm packages installed into a
# cache folder, bundled by esbuild into one minified IIFE (`window.WfcEditor`).
# The bundle is committed: building wfc never needs npm. Run it after
# changing the entry file or a version below, and commit both.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}/editor-node"
PACKAGES=(
  "@codemirror/state@6.7.6"
  "@codemirror/view@6.43.15"
  "@codemirror/language@6.13.1"
  "@codemirror/commands@6.11.1"
  "@codemirror/autocomplete@6.20.4"
  "@codemirror/lint@6.9.8"
  "@codemirror/search@6.7.2"
  "@lezer/highlight@1.2.5"
  "esbuild@0.28.2"
)
command -v npm >/dev/null || { echo "build-editor: npm is not installed" >&2; exit 2; }
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name": "wfc-editor-bundle", "private": true}' > "$DIR/package.json"
(cd "$DIR" && npm install -q --no-audit --no-fund --save-exact "${PACKAGES[@]}" >&2)
OUT="$ROOT/crates/serve/assets/vendor/codemirror.min.js"
{
  echo "/* CodeMirror 6 for the wfc dashboard's editor (MIT, see LICENSE-codemirror)."
  echo " * Bundled from crates/serve/assets/editor/entry.js by scripts/dashboard/build-editor.sh:"
  echo " * ${PACKAGES[*]} */"
  NODE_PATH="$DIR/node_modules" "$DIR/node_modules/.bin/esbuild" "$ROOT/crates/serve/assets/editor/entry.js" \
    --bundle --minify --format=iife --target=es2020 --legal-comments=none --log-level=warning
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cp "$DIR/node_modules/@codemirror/view/LICENSE" "$ROOT/crates/serve/assets/vendor/LICENSE-codemirror"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
