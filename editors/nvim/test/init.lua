-- The Neovim config of the end-to-end test: exactly what a user adds (see
-- README), with the plugin from this folder and the server from $WFC.
local plugin = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(plugin)
vim.lsp.config("wfc", { cmd = { os.getenv("WFC") or "wfc", "lsp" } })
vim.lsp.enable("wfc")
