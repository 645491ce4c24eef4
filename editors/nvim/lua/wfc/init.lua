-- Neovim support for wfc workflows: starts `wfc lsp` for every `wf` buffer
-- with the built-in client (vim.lsp.start), one server per project root.
--
--   require("wfc").setup()                                 -- `wfc` on PATH
--   require("wfc").setup({ cmd = { "/path/to/wfc", "lsp" } })
local M = {}

M.config = {
  -- The server command.
  cmd = { "wfc", "lsp" },
  -- Files that mark a project root (else the file's folder).
  root_markers = { ".git", "Cargo.toml" },
  -- Format on save with the server (`wfc fmt`).
  format_on_save = false,
}

local function root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.fs.root then
    local root = vim.fs.root(bufnr, M.config.root_markers)
    if root then return root end
  end
  return vim.fs.dirname(name)
end

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
  }, { bufnr = bufnr })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  vim.filetype.add({ extension = { wf = "wf" } })
  local group = vim.api.nvim_create_augroup("wfc", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "wf",
    callback = function(args) M.start(args.buf) end,
  })
  if M.config.format_on_save then
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = group,
      pattern = "*.wf",
      callback = function(args) vim.lsp.buf.format({ bufnr = args.buf, name = "wfc" }) end,
    })
  end
  -- Buffers already open when setup() runs.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "wf" then M.start(buf) end
  end
end

return M
