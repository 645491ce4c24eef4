-- Headless Neovim types into a .wf file as a person would, with the user's
-- config (-u editors/nvim/test/init.lua) and nothing else: keys go through
-- Neovim's input queue one by one (nvim_input), so InsertCharPre fires and
-- the plugin's completion-as-you-type does what it does for a user. Prints
-- what it saw, one line each, for scripts/editors/nvim-e2e.sh to check:
--   FOLDS <json {method, expr, level}>     after the first diagnostics
--   COMPLETION <json {visible, words, line}> once the menu is up (or timed out)
--   DEFINITION <json result>                at DEF_POS, with the line half-typed
-- Env: WF_FILE (to open), FOLD_LINE (1-based line inside a step), TYPE_AFTER
-- (1-based line to open a new one below, `o`), TYPE_KEYS (typed one key at a
-- time, 60 ms apart), DEF_POS ("line:col", 0-based, after typing), TIMEOUT_MS.
-- Exit code: 0 done (the caller judges), 1 script error, 2 no server.

local function out(s) io.stdout:write(s .. "\n"); io.stdout:flush() end
local timeout = tonumber(os.getenv("TIMEOUT_MS") or "15000")

-- Runs `main` as a coroutine whose sleeps hand control back to Neovim's main
-- loop: typed keys are only processed there.
local function sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function() assert(coroutine.resume(co)) end, ms)
  coroutine.yield()
end
local function wait_for(cond, ms)
  local deadline = vim.uv.now() + ms
  while not cond() do
    if vim.uv.now() > deadline then return false end
    sleep(20)
  end
  return true
end

local function main()
  -- Headless Neovim prints its messages on stdout: keep them out of ours.
  vim.o.showmode = false
  vim.opt.shortmess:append("c")
  local file = vim.fn.fnamemodify(assert(os.getenv("WF_FILE"), "WF_FILE not set"), ":p")
  local uri = vim.uri_from_fname(file)
  local published = false
  local default_handler = vim.lsp.handlers["textDocument/publishDiagnostics"]
  vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    if result and result.uri == uri then published = true end
    return default_handler(err, result, ctx, config)
  end
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  if not wait_for(function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = "wfc" })[1]
    return client ~= nil and published
  end, timeout) then
    io.stderr:write("no wfc client attached, or no diagnostics, within " .. timeout .. " ms\n")
    return 2
  end

  -- Folds come from the server's foldingRange answer, asked for on attach.
  local fold_line = tonumber(os.getenv("FOLD_LINE") or "1")
  wait_for(function() return vim.fn.foldlevel(fold_line) > 0 end, timeout)
  out("FOLDS " .. vim.json.encode({ method = vim.wo.foldmethod, expr = vim.wo.foldexpr,
    level = vim.fn.foldlevel(fold_line) }))

  -- Type a new line key by key; no <C-x><C-o>: the menu must open by itself.
  vim.api.nvim_win_set_cursor(0, { tonumber(os.getenv("TYPE_AFTER")), 0 })
  vim.api.nvim_input("o")
  for key in (os.getenv("TYPE_KEYS") or ""):gmatch(".") do
    vim.api.nvim_input(key == "<" and "<lt>" or key)
    sleep(60)
  end
  local visible = wait_for(function() return vim.fn.pumvisible() == 1 end, timeout)
  local words = {}
  for _, item in ipairs(vim.fn.complete_info({ "items" }).items or {}) do
    table.insert(words, item.word)
  end
  out("COMPLETION " .. vim.json.encode({ visible = visible, words = words,
    line = vim.api.nvim_get_current_line(), mode = vim.api.nvim_get_mode().mode }))
  vim.api.nvim_input("<Esc>")
  wait_for(function() return vim.api.nvim_get_mode().mode == "n" end, timeout)

  -- The line stays half-typed; definition elsewhere in the file must work.
  local l, c = assert(os.getenv("DEF_POS"), "DEF_POS not set"):match("(%d+):(%d+)")
  local params = { textDocument = { uri = uri },
                   position = { line = tonumber(l), character = tonumber(c) } }
  local res = vim.lsp.buf_request_sync(bufnr, "textDocument/definition", params, timeout) or {}
  local r = res[client.id] or {}
  out("DEFINITION " .. vim.json.encode(r.result == nil and vim.NIL or r.result))
  return 0
end

local co = coroutine.create(function()
  local ok, code = pcall(main)
  if not ok then io.stderr:write(tostring(code) .. "\n"); code = 1 end
  vim.cmd(code == 0 and "qall!" or ("cquit " .. code))
end)
assert(coroutine.resume(co))
