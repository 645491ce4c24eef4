#!/usr/bin/env bash
# Checks and packages the VS Code extension (editors/vscode) without VS Code:
# npm install, grammar tests (vscode-tmgrammar-test on test/*.test.wf), then
# `vsce package` into OUT_DIR (default: editors/vscode). Prints the .vsix path.
# Usage: scripts/editors/vscode-package.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
OUT="${1:-$PWD}"
npm install -q --no-audit --no-fund >&2
npx --no-install vscode-tmgrammar-test "test/**/*.test.wf" >&2
npx --no-install vsce package --no-yarn --allow-missing-repository -o "$OUT/wfc-workflows.vsix" >&2
echo "$OUT/wfc-workflows.vsix"
