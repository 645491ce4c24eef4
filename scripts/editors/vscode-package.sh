#!/usr/bin/env bash
# Checks and packages the VS Code extension (editors/vscode) without VS Code:
# npm ci, grammar tests (vscode-tmgrammar-test on test/*.test.wf), then
# `vsce package` into OUT_DIR (default: editors/vscode), which bundles the
# extension with esbuild first (`vscode:prepublish`). Fails when vsce warns
# or when the .vsix holds anything but the bundle and the static files
# (node_modules, sources). Prints the .vsix path.
# Usage: scripts/editors/vscode-package.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
OUT="${1:-$PWD}"
npm ci -q --no-audit --no-fund >&2
npx --no-install vscode-tmgrammar-test "test/**/*.test.wf" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
npx --no-install vsce package --no-yarn -o "$OUT/wfc-workflows.vsix" 2>&1 | tee "$log" >&2
if grep -Eiq '^\s*(WARNING|warn)\b' "$log"; then
  echo "vscode-package: FAILED: vsce warned (above)" >&2
  exit 1
fi
# What the .vsix holds, checked against what it should.
python3 - "$OUT/wfc-workflows.vsix" <<'PY' >&2
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
files = [n[len("extension/"):] for n in names if n.startswith("extension/")]
bad = [f for f in files if f.startswith("node_modules/") or f in ("extension.js",) or f.startswith("test/")]
need = ["dist/extension.js", "images/icon.png", "package.json", "LICENSE.txt", "syntaxes/wf.tmLanguage.json"]
missing = [f for f in need if f not in files]
if bad or missing:
    sys.exit("vscode-package: FAILED: the .vsix holds %r, lacks %r" % (bad, missing))
print("vscode-package: %d files in the .vsix: %s" % (len(files), ", ".join(sorted(files))))
PY
echo "$OUT/wfc-workflows.vsix"
