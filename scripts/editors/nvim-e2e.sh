#!/usr/bin/env bash
# End-to-end test with a real editor: headless Neovim 0.11, configured only by
# the project's own plugin (editors/nvim/test/init.lua = the README's lines),
# opens a broken .wf file and must receive the diagnostics of `wfc lsp`
# (code, "did you mean" help); then it asks the server for a definition.
# Usage: scripts/editors/nvim-e2e.sh        (exit 0 = passed)
set -euo pipefail
cd "$(dirname "$0")/../.."
NVIM="$(scripts/editors/install-nvim.sh)"
cargo build --quiet --locked --bin wfc
export WFC="$PWD/target/debug/wfc"
dir="$(mktemp -d /tmp/wfc-nvim-e2e.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
cat > "$dir/deploy.wf" <<'WF'
workflow deploy {
  param version: string

  step lint: shell {
    run "cargo clippy"
  }

  step build: shell {
    rnu "cargo build --release ${version}"
    depends on lint
  }
}
WF
# Line 9 (0-based), column 16: `lint` in `depends on lint`.
out="$(LSP_FILE="$dir/deploy.wf" LSP_TIMEOUT_MS=20000 \
  LSP_REQUEST=textDocument/definition LSP_POS=9:16 \
  timeout 90 "$NVIM" --headless -u editors/nvim/test/init.lua -i NONE -n \
  -c 'luafile scripts/editors/nvim-lsp-diagnostics.lua')" || {
  echo "nvim-e2e: FAILED (exit $?)"; echo "$out"; exit 1; }
echo "$out" | cut -c1-400
fail() { echo "nvim-e2e: FAILED: $1"; exit 1; }
diags="$(echo "$out" | grep '^DIAGNOSTICS ')" || fail "no diagnostics"
echo "$diags" | grep -Eq '"code": ?"E0102"' || fail "no E0102 (unknown field) diagnostic"
echo "$diags" | grep -q 'did you mean `run`' || fail "no did-you-mean help"
echo "$diags" | grep -Eq '"source": ?"wfc"' || fail "diagnostics not from wfc"
resp="$(echo "$out" | grep '^RESPONSE ')" || fail "no definition response"
echo "$resp" | grep -Eq '"start": ?\{"character": ?7, ?"line": ?3\}' || fail "definition not at step lint"

# Across files: go to definition on `rel.ship` in main.wf lands on
# `workflow ship` in lib/release.wf (line 1, column 9).
mkdir -p "$dir/lib"
cat > "$dir/lib/release.wf" <<'WF'
## Ships a release.
workflow ship {
  param version: string
  step tag: shell { run "git tag ${version}" }
}
WF
cat > "$dir/main.wf" <<'WF'
import "lib/release.wf" as rel

workflow deploy {
  step ship: call rel.ship { version "1.2.3" }
}
WF
out="$(LSP_FILE="$dir/main.wf" LSP_TIMEOUT_MS=20000 \
  LSP_REQUEST=textDocument/definition LSP_POS=3:23 \
  timeout 90 "$NVIM" --headless -u editors/nvim/test/init.lua -i NONE -n \
  -c 'luafile scripts/editors/nvim-lsp-diagnostics.lua')" || {
  echo "nvim-e2e: FAILED (exit $?)"; echo "$out"; exit 1; }
resp="$(echo "$out" | grep '^RESPONSE ')" || fail "no cross-file definition response"
echo "$resp" | grep -q 'lib/release.wf' || fail "definition not in lib/release.wf: $resp"
echo "$resp" | grep -Eq '"start": ?\{"character": ?9, ?"line": ?1\}' || fail "definition not at workflow ship: $resp"
echo "nvim-e2e: passed (Neovim $("$NVIM" --version | head -1 | cut -d' ' -f2): diagnostics from wfc lsp, definition, definition across files)"
