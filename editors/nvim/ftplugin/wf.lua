-- Buffer settings for wfc workflows: `#` comments, two-space indentation.
vim.bo.commentstring = "# %s"
vim.bo.comments = ":##,:#"
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.expandtab = true
vim.opt_local.iskeyword:append("-")
