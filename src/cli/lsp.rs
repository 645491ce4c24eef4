//! `wfc lsp`: the language server on stdin/stdout.
//!
//! The server is the `wfc-lsp` crate; it answers from
//! [`wfc_language::ide::Doc`], built on the same analysis as `wfc check`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LspArgs {
    /// Speak the protocol over standard input and output (the default; accepted
    /// because editors commonly pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: LspArgs) -> ExitCode {
    match wfc_lsp::serve_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            ExitCode::from(2)
        }
    }
}
