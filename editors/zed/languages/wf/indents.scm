; Indentation (Zed): one level inside every brace pair.
(_ "{" "}" @end) @indent
(_ "[" "]" @end) @indent
