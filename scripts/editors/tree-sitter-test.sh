#!/usr/bin/env bash
# Tests the tree-sitter grammar (editors/tree-sitter-wf) with the tree-sitter
# CLI: checks that the committed parser (src/) is what grammar.js generates,
# runs the corpus tests
# (test/corpus/*.txt: every construct, with its expected tree) and the
# highlight tests (test/highlight/*.wf: captures under `^`), parses every
# examples/, std/ and templates/ workflow (none may hold an ERROR or MISSING
# node), checks that every query (queries/*.scm, the Zed copies) compiles
# against the grammar, that Zed's highlights are the grammar's, and that
# the Helix and Zed files parse as TOML.
# Usage: scripts/editors/tree-sitter-test.sh        (exit 0 = passed)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TS="${TS_CLI:-$(scripts/editors/install-tree-sitter.sh)}"
fail() { echo "tree-sitter-test: FAILED: $1"; exit 1; }
cd editors/tree-sitter-wf
# The generated parser is committed (Helix and Zed build from src/ without
# generating): it must be what grammar.js gives. Generated in a copy, so a
# stale one is reported, not silently replaced.
gen="$(mktemp -d /tmp/wfc-tree-sitter.XXXXXX)"
trap 'rm -rf "$gen"' EXIT
cp -r grammar.js tree-sitter.json package.json src "$gen/"
(cd "$gen" && "$TS" generate) || fail "tree-sitter generate"
diff -r -q src "$gen/src" ||
  fail "src/ is not what grammar.js generates: run \`npx tree-sitter generate\` in editors/tree-sitter-wf and commit src/"
"$TS" test || fail "corpus or highlight tests (test/)"
files=("$ROOT"/examples/*.wf "$ROOT"/std/*.wf "$ROOT"/templates/*.wf)
out="$("$TS" parse --quiet "${files[@]}" 2>&1)" || true
if echo "$out" | grep -Eq 'ERROR|MISSING'; then
  echo "$out" | grep -E 'ERROR|MISSING' | head -20
  fail "a workflow of examples/, std/ or templates/ does not parse"
fi
for q in queries/*.scm "$ROOT"/editors/zed/languages/wf/*.scm; do
  out="$("$TS" query "$q" "$ROOT/examples/deploy.wf" 2>&1)" || { echo "$out" | tail -5; fail "query $q does not compile"; }
done
cmp -s queries/highlights.scm "$ROOT/editors/zed/languages/wf/highlights.scm" ||
  fail "editors/zed/languages/wf/highlights.scm differs from queries/highlights.scm (copy it)"
# The Helix and Zed setups that use the grammar are valid TOML.
python3 - "$ROOT"/editors/helix/languages.toml "$ROOT"/editors/zed/extension.toml \
  "$ROOT"/editors/zed/languages/wf/config.toml <<'PY' || fail "a Helix or Zed file is not valid TOML"
import sys, tomllib
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        tomllib.load(f)
PY
echo "tree-sitter-test: passed ($("$TS" --version): corpus, ${#files[@]} workflows without errors, queries, Helix and Zed files)"
