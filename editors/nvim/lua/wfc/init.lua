-- Neovim support for wfc workflows: `wfc lsp` for every `wf` buffer, with
-- completion as you type and folds from the server.
--
-- Neovim 0.11+: lsp/wfc.lua is the server's config, so `vim.lsp.enable("wfc")`
-- is enough; setup() is that plus options. Neovim 0.10: setup() starts the
-- server itself (vim.lsp.start), one per project root.
--
--   require("wfc").setup()                                 -- `wfc` on PATH
--   require("wfc").setup({ cmd = { "/path/to/wfc", "lsp" } })
local M = {}

M.config = {
  -- The server command.
  cmd = { "wfc", "lsp" },
  -- Files that mark a project root (else the file's folder).
  root_markers = { ".git", "Cargo.toml" },
  -- Open the completion menu while typing (Neovim 0.11+): at the server's
  -- trigger characters (`.`, `:`, `{`, space) and at the start of a word.
  autocomplete = true,
  -- Fold with the server's folding ranges (Neovim 0.11+): steps, blocks,
  -- strings over several lines. All folds start open.
  folding = true,
  -- Format on save with the server (`wfc fmt`).
  format_on_save = false,
}

-- The characters that start a word of the language: typing one opens the
-- menu, and Neovim filters it as the word goes on.
local WORD_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"

local function enable_autocomplete(client, bufnr)
  local provider = client.server_capabilities.completionProvider
  if not provider or not (vim.lsp.completion and vim.lsp.completion.enable) then return end
  -- vim.lsp.completion's autotrigger fires only on the server's trigger
  -- characters; the server lists punctuation, so the word starts are added
  -- here (`:help lsp-autocompletion`). Done once per client.
  local triggers = provider.triggerCharacters or {}
  local have = {}
  for _, c in ipairs(triggers) do have[c] = true end
  for c in WORD_START:gmatch(".") do
    if not have[c] then table.insert(triggers, c) end
  end
  provider.triggerCharacters = triggers
  -- Without `noselect` the first item would be inserted while typing.
  pcall(function() vim.bo[bufnr].completeopt = "menuone,noselect,popup" end)
  vim.lsp.completion.enable(true, client.id, bufnr, { autotrigger = true })
end

local function set_folds(win)
  vim.api.nvim_win_call(win, function()
    vim.opt_local.foldmethod = "expr"
    vim.opt_local.foldexpr = "v:lua.vim.lsp.foldexpr()"
    vim.opt_local.foldlevel = 99
  end)
end

local function enable_folding(bufnr)
  if not vim.lsp.foldexpr then return end
  for _, win in ipairs(vim.fn.win_findbuf(bufnr)) do set_folds(win) end
  vim.api.nvim_create_autocmd("BufWinEnter", {
    group = vim.api.nvim_create_augroup("wfc_folds_" .. bufnr, { clear = true }),
    buffer = bufnr,
    callback = function() set_folds(vim.api.nvim_get_current_win()) end,
  })
end

--- What the server's config runs when it attaches to a buffer: completion
--- as you type, LSP folding, format on save (each as M.config says).
function M.on_attach(client, bufnr)
  if M.config.autocomplete then enable_autocomplete(client, bufnr) end
  if M.config.folding then enable_folding(bufnr) end
  if M.config.format_on_save then
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = vim.api.nvim_create_augroup("wfc_format_" .. bufnr, { clear = true }),
      buffer = bufnr,
      callback = function() vim.lsp.buf.format({ bufnr = bufnr, name = "wfc" }) end,
    })
  end
end

local function root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.fs.root then
    local root = vim.fs.root(bufnr, M.config.root_markers)
    if root then return root end
  end
  return vim.fs.dirname(name)
end

-- Neovim 0.10: start (or reuse) the server for one buffer.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.fn.executable(M.config.cmd[1]) == 0 then
    vim.notify("wfc: `" .. M.config.cmd[1] .. "` not found; install wfc or set cmd in require('wfc').setup()",
      vim.log.levels.WARN)
    return nil
  end
  return vim.lsp.start({
    name = "wfc",
    cmd = M.config.cmd,
    root_dir = root_dir(bufnr),
    on_attach = M.on_attach,
  }, { bufnr = bufnr })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  vim.filetype.add({ extension = { wf = "wf" } })
  if vim.lsp.config and vim.lsp.enable then
    -- Neovim 0.11+: lsp/wfc.lua plus these options.
    vim.lsp.config("wfc", { cmd = M.config.cmd, root_markers = M.config.root_markers })
    vim.lsp.enable("wfc")
    return
  end
  local group = vim.api.nvim_create_augroup("wfc", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "wf",
    callback = function(args) M.start(args.buf) end,
  })
  -- Buffers already open when setup() runs.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "wf" then M.start(buf) end
  end
end

return M
