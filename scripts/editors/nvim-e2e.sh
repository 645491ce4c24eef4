#!/usr/bin/env bash
# End-to-end test with a real editor: headless Neovim 0.11, configured only by
# the project's own plugin (editors/nvim/test/init.lua = the README's lines),
# opens a broken .wf file and must receive the diagnostics of `wfc lsp`
# (code, "did you mean" help); then it asks the server for a definition;
# then it types a step key by key (scripts/editors/nvim-typing.lua) and
# checks the completion menu, folds, and definition while half-typed.
# The syntax file is checked first (scripts/editors/nvim-syntax.lua).
# Usage: scripts/editors/nvim-e2e.sh        (exit 0 = passed)
set -euo pipefail
cd "$(dirname "$0")/../.."
NVIM="$(scripts/editors/install-nvim.sh)"
# The syntax file: every keyword and step kind coloured, names never.
timeout 30 "$NVIM" --headless -u NONE -i NONE -n --cmd 'set rtp^=editors/nvim' \
  -c 'luafile scripts/editors/nvim-syntax.lua' editors/nvim/test/syntax.wf ||
  { echo "nvim-e2e: FAILED: syntax highlighting (editors/nvim/test/syntax.wf)"; exit 1; }
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

# Typing: with the plugin's config only, a new step typed key by key at the
# end of the workflow opens the completion menu by itself (the step kinds,
# no <C-x><C-o>), folds come from the server, and with the step still
# half-typed, go to definition on `depends on lint` above it still answers.
cat > "$dir/typing.wf" <<'WF'
workflow deploy {
  param version: string

  step lint: shell {
    run "cargo clippy"
  }

  step build: shell {
    run "cargo build --release ${version}"
    depends on lint
  }
}
WF
# Line 11 (1-based) closes `build`; the new line comes below it. Line 9
# (0-based), column 16: `lint` in `depends on lint`.
out="$(WF_FILE="$dir/typing.wf" FOLD_LINE=5 TYPE_AFTER=11 TYPE_KEYS='step deploy: sh' \
  DEF_POS=9:16 TIMEOUT_MS=20000 \
  timeout 90 "$NVIM" --headless -u editors/nvim/test/init.lua -i NONE -n \
  -c 'luafile scripts/editors/nvim-typing.lua')" || {
  echo "nvim-e2e: FAILED (typing, exit $?)"; echo "$out"; exit 1; }
echo "$out" | cut -c1-300
folds="$(echo "$out" | grep '^FOLDS ')" || fail "no fold report"
echo "$folds" | grep -q 'v:lua.vim.lsp.foldexpr()' || fail "foldexpr is not the LSP's: $folds"
echo "$folds" | grep -Eq '"level": ?[1-9]' || fail "no fold from the server inside a step: $folds"
comp="$(echo "$out" | grep '^COMPLETION ')" || fail "no completion report"
echo "$comp" | grep -Eq '"visible": ?true' || fail "no completion menu while typing: $comp"
echo "$comp" | grep -q '"shell"' || fail "the menu does not offer the step kinds: $comp"
echo "$comp" | grep -q 'step deploy: sh"' || fail "the typed line is not in the buffer: $comp"
def="$(echo "$out" | grep '^DEFINITION ')" || fail "no definition while half-typed"
echo "$def" | grep -Eq '"start": ?\{"(character": ?7, ?"line": ?3|line": ?3, ?"character": ?7)\}' ||
  fail "definition with a half-typed step is not at step lint: $def"

# Definition also answers below a half-typed step: the new line goes after
# `lint` (line 6, 1-based), so `depends on lint` moves to line 10 (0-based).
out="$(WF_FILE="$dir/typing.wf" FOLD_LINE=5 TYPE_AFTER=6 TYPE_KEYS='step deploy: sh' \
  DEF_POS=10:16 TIMEOUT_MS=20000 \
  timeout 90 "$NVIM" --headless -u editors/nvim/test/init.lua -i NONE -n \
  -c 'luafile scripts/editors/nvim-typing.lua')" || {
  echo "nvim-e2e: FAILED (typing above a reference, exit $?)"; echo "$out"; exit 1; }
def="$(echo "$out" | grep '^DEFINITION ')" || fail "no definition below a half-typed step"
echo "$def" | grep -Eq '"start": ?\{"(character": ?7, ?"line": ?3|line": ?3, ?"character": ?7)\}' ||
  fail "definition below a half-typed step is not at step lint: $def"

# The menu also opens at the first letter of a word (no trigger character
# typed): `ti` on a new line in `lint` offers its fields, `timeout` among them.
out="$(WF_FILE="$dir/typing.wf" FOLD_LINE=5 TYPE_AFTER=5 TYPE_KEYS='ti' \
  DEF_POS=10:16 TIMEOUT_MS=20000 \
  timeout 90 "$NVIM" --headless -u editors/nvim/test/init.lua -i NONE -n \
  -c 'luafile scripts/editors/nvim-typing.lua')" || {
  echo "nvim-e2e: FAILED (typing a word, exit $?)"; echo "$out"; exit 1; }
comp="$(echo "$out" | grep '^COMPLETION ')" || fail "no completion report (word)"
echo "$comp" | grep -Eq '"visible": ?true' || fail "no completion menu at a word's first letter: $comp"
echo "$comp" | grep -q '"timeout"' || fail "the menu does not offer the step's fields: $comp"

echo "nvim-e2e: passed (Neovim $("$NVIM" --version | head -1 | cut -d' ' -f2): syntax, diagnostics from wfc lsp, definition, definition across files, completion as you type (trigger characters, word starts), LSP folds, definition above and below a half-typed step)"
