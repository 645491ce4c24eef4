-- The `wfc` language server for Neovim 0.11+ (`:help lsp-config`): with this
-- folder on the runtimepath, `vim.lsp.enable("wfc")` starts `wfc lsp` for
-- every `wf` buffer. Override any field with `vim.lsp.config("wfc", { … })`,
-- e.g. `cmd = { "/home/me/.cargo/bin/wfc", "lsp" }`.
---@type vim.lsp.Config
return {
  cmd = { "wfc", "lsp" },
  filetypes = { "wf" },
  root_markers = { ".git", "Cargo.toml" },
  -- Completion as you type, LSP folding, format on save when asked: see
  -- lua/wfc/init.lua. Your own on_attach replaces this one; call
  -- require("wfc").on_attach(client, bufnr) from it to keep them.
  on_attach = function(client, bufnr)
    require("wfc").on_attach(client, bufnr)
  end,
}
