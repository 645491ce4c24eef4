//! Zed extension for wfc workflows: starts the `wfc` language server
//! (`wfc lsp`) for `.wf` files. Highlighting comes from the tree-sitter
//! grammar (`editors/tree-sitter-wf`, see `extension.toml`).

use zed_extension_api as zed;

struct WfcExtension;

impl zed::Extension for WfcExtension {
    fn new() -> Self {
        WfcExtension
    }

    fn language_server_command(
        &mut self,
        _id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        // `wfc` from the PATH the project's shell sees (e.g. ~/.cargo/bin).
        let command = worktree.which("wfc").ok_or_else(|| {
            "wfc not found on PATH: install it with `cargo install --path .`".to_string()
        })?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".into()],
            env: Vec::new(),
        })
    }
}

zed::register_extension!(WfcExtension);
