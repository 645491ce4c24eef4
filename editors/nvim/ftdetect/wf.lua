-- .wf files are wfc workflows.
vim.filetype.add({ extension = { wf = "wf" } })
