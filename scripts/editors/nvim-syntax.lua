-- Checks editors/nvim/syntax/wf.vim against the expectations written in a
-- .wf file (editors/nvim/test/syntax.wf): under a source line, a comment
-- `#   ^^^ wfKeyword` names the syntax group expected at the marked columns
-- (`!kw`: none of the keyword-like groups), `# <- wfImport` the first column.
-- Prints one line per failed expectation, then "SYNTAX n checked, m failed".
-- Usage: nvim --headless -u NONE -i NONE -n --cmd 'set rtp^=editors/nvim' \
--          -c 'luafile scripts/editors/nvim-syntax.lua' editors/nvim/test/syntax.wf
-- Exit code: 0 all held, 1 some failed (or the script broke).

local KEYWORDISH = { wfKeyword = true, wfStorage = true, wfOperatorWord = true, wfConstant = true,
  wfField = true, wfBuiltinVar = true, wfType = true, wfImport = true, wfCallKind = true }

local function out(s) io.stdout:write(s .. "\n"); io.stdout:flush() end

local function check()
  vim.cmd("syntax on")
  vim.bo.filetype = "wf"
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local source, checked, failed = nil, 0, 0
  for lnum, line in ipairs(lines) do
    local marks = {}
    local first_col_group = line:match("^#%s*<%-%s*(%S+)%s*$")
    local pad, carets, group = line:match("^#( *)(%^+) (%S+)%s*$")
    if first_col_group then
      marks = { { col = 1, group = first_col_group } }
    elseif carets then
      for i = 1, #carets do marks[#marks + 1] = { col = #pad + 1 + i, group = group } end
    else
      source = lnum
    end
    for _, m in ipairs(marks) do
      local name = vim.fn.synIDattr(vim.fn.synID(source, m.col, 1), "name")
      local ok
      if m.group == "!kw" then ok = not KEYWORDISH[name] else ok = name == m.group end
      checked = checked + 1
      if not ok then
        failed = failed + 1
        out(("FAIL line %d col %d (%q): want %s, got %q"):format(source, m.col,
          lines[source]:sub(m.col, m.col), m.group, name))
      end
    end
  end
  out(("SYNTAX %d checked, %d failed"):format(checked, failed))
  return failed == 0 and checked > 0
end

local ok, res = pcall(check)
if not ok then io.stderr:write(tostring(res) .. "\n") end
vim.cmd((ok and res) and "qall!" or "cquit 1")
