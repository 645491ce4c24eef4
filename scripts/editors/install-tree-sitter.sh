#!/usr/bin/env bash
# The tree-sitter CLI for editors/tree-sitter-wf, at the version its
# package-lock.json pins (npm `tree-sitter-cli`). Prints the path of the
# `tree-sitter` binary that `npx tree-sitter` runs.
# npm's package downloads its binary from GitHub in a postinstall script;
# where that fails (a network without GitHub, or npm refusing install
# scripts), the same version is built from crates.io (`cargo install
# tree-sitter-cli --locked`, without QuickJS: `generate` runs on node; ~3 min on 2 cores, cached in ~/.cache/wfc-test-deps) and
# linked where the npm package expects its binary.
# Usage: TS=$(scripts/editors/install-tree-sitter.sh)
set -euo pipefail
cd "$(dirname "$0")/../../editors/tree-sitter-wf"
DEPS="${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}"
VER="$(node -p 'require("./package-lock.json").packages["node_modules/tree-sitter-cli"].version')"
bin="node_modules/tree-sitter-cli/tree-sitter"
if ! "$bin" --version >/dev/null 2>&1; then
  npm ci -q --no-audit --no-fund --ignore-scripts >&2
  (cd node_modules/tree-sitter-cli && timeout 120 node install.js) >&2 ||
    echo "install-tree-sitter: npm's binary download failed; building tree-sitter-cli $VER" >&2
fi
if ! "$bin" --version >/dev/null 2>&1; then
  root="$DEPS/tree-sitter-cli-$VER"
  if [ ! -x "$root/bin/tree-sitter" ]; then
    CARGO_INCREMENTAL=0 cargo install tree-sitter-cli --version "$VER" --locked --no-default-features --root "$root" >&2
  fi
  ln -sfn "$root/bin/tree-sitter" "$bin"
fi
"$bin" --version >&2
echo "$PWD/$bin"
