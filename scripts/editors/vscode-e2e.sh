#!/usr/bin/env bash
# End-to-end test with a real VS Code: packages editors/vscode into a .vsix
# (after its grammar tests), installs it in a VS Code workbench (code-server
# 4.100.3 = VS Code 1.100.3) with `wfc.server.path` set to this build of wfc,
# opens a broken .wf file in headless Chromium, and checks that the file is
# highlighted by the grammar and that the server's diagnostics reach the
# Problems panel, then accepts the "did you mean" quick fix and checks that the problems clear.
# Usage: scripts/editors/vscode-e2e.sh        (exit 0 = passed)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
DEPS="${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "vscode-e2e: $CHROMIUM not found (apt-get install chromium)"; exit 2; }
CS_ENTRY="$(scripts/editors/install-code-server.sh)"
if [ ! -d "$DEPS/e2e-node/node_modules/playwright-core" ]; then
  mkdir -p "$DEPS/e2e-node"
  (cd "$DEPS/e2e-node" && npm init -y >/dev/null && npm install -q --no-audit --no-fund playwright-core@1 >&2)
fi
cargo build --quiet --locked --bin wfc
WFC="$ROOT/target/debug/wfc"

tmp="$(mktemp -d /tmp/wfc-vscode-e2e.XXXXXX)"
CODE_SERVER_PID=""
cleanup() {
  [ -n "$CODE_SERVER_PID" ] && kill "$CODE_SERVER_PID" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== grammar tests and vsce package"
VSIX="$(scripts/editors/vscode-package.sh "$tmp")"

mkdir -p "$tmp/ws"
cat > "$tmp/ws/deploy.wf" <<'WF'
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
PORT="${VSCODE_E2E_PORT:-$((20000 + RANDOM % 20000))}"
echo "== code-server on port $PORT"
eval "$(scripts/editors/start-code-server.sh "$CS_ENTRY" "$VSIX" "$tmp/ws" "$PORT" \
  "{\"wfc.server.path\": \"$WFC\"}")"
echo "== headless Chromium"
shot="${VSCODE_E2E_SCREENSHOT:-$tmp/vscode-e2e.png}"
NODE_PATH="$DEPS/e2e-node/node_modules" timeout 180 node scripts/editors/vscode-e2e.js \
  "$CODE_SERVER_URL" deploy.wf "$shot" --quick-fix 9:5 > "$tmp/result.json" || {
  echo "vscode-e2e: FAILED (browser run)"; cat "$tmp/result.json"; tail -20 "$CODE_SERVER_STATE/server.log"; exit 1; }
python3 - "$tmp/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps(r)[:1500])
def fail(msg):
    print("vscode-e2e: FAILED:", msg); sys.exit(1)
problems = " | ".join(r.get("problems") or [])
if "E0102" not in problems or "did you mean" not in problems:
    fail("the server's E0102 diagnostic is not in the Problems panel: " + problems)
if "E0103" not in problems:
    fail("the E0103 diagnostic is not in the Problems panel: " + problems)
tokens = dict((t, c) for t, c in r.get("tokens") or [] if t.strip())
kw, plain = tokens.get("workflow"), tokens.get("{")
if not kw or kw == plain:
    fail("`workflow` is not highlighted differently from `{`: %r" % tokens)
actions = r.get("actions") or []
if not any("replace with `run`" in a for a in actions):
    fail("the quick fix is not offered: %r" % actions)
if r.get("after_fix"):
    fail("problems left after accepting the quick fix: %r" % r["after_fix"])
if (r.get("language") or "").strip() not in ("wfc workflow", "wf"):
    fail("the editor's language is %r" % r.get("language"))
print("vscode-e2e: passed (VS Code 1.100.3 via code-server: grammar highlighting, %d problems from wfc lsp"
      " in %d ms, quick fix accepted, problems cleared in %d ms)"
      % (len(r["problems"]), r["ms"].get("diagnostics", -1), r["ms"].get("fixed", -1)))
PY
