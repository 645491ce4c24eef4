#!/usr/bin/env bash
# Real VS Code (workbench 1.100.3 + Node extension host) without downloading VS Code:
# code-server 4.100.3 from the npm registry (the last line whose engines.node is 20,
# matching this machine's node v20). Plain `npm i -g code-server` FAILS here (npm 11
# blocks its postinstall / wants --unsafe-perm; @vscode/ripgrep downloads from GitHub;
# kerberos needs libkrb5-dev), so this script does the postinstall by hand.
# Usage: CS_ENTRY=$(install-code-server.sh [DIR])     # default ~/.cache/wfc-test-deps/code-server-4.100.3
#   then: node "$CS_ENTRY" --version           (~1.5-2 min to install, ~500 MB)
set -euo pipefail
DIR="${1:-${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}/code-server-4.100.3}"
VER=4.100.3
export npm_config_yes=true            # ~/.npmrc has yes=false: node-pty's `npx node-gyp` needs it
if [ ! -f "$DIR/.installed" ]; then
  apt-get -o DPkg::Lock::Timeout=600 install -y -q build-essential pkg-config python3 \
    libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep >&2
  rm -rf "$DIR"; mkdir -p "$DIR.tmp"; cd "$DIR.tmp"
  npm pack -q "code-server@$VER" >&2
  tar -xzf "code-server-$VER.tgz"; mv package "$DIR"; cd "$DIR"; rm -rf "$DIR.tmp"
  npm install -q --omit=dev --ignore-scripts --no-audit --no-fund >&2
  npm rebuild argon2 --dangerously-allow-all-scripts >&2          # native, node-gyp with nodedir=/usr
  cd lib/vscode
  npm install -q --omit=dev --ignore-scripts --no-audit --no-fund >&2
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg        # instead of its GitHub download
  npm rebuild --dangerously-allow-all-scripts >&2                   # node-pty, kerberos, spdlog, ...
  ln -sfn node_modules node_modules.asar
  (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
  (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
  (cd extensions && npm install -q --omit=dev --no-audit --no-fund --dangerously-allow-all-scripts >&2)
  touch "$DIR/.installed"
fi
node "$DIR/out/node/entry.js" --config "$DIR/.config.yaml" --version >&2
echo "$DIR/out/node/entry.js"
