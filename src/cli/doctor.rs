//! `wfc doctor FILE…`: `wfc check --level paranoid`, with a list of what
//! was looked at (commands, interpreters, engines, servers, names), each
//! marked found or not, before each file's summary.

use super::check::{CheckArgs, Deny, LevelArg};
use super::Format;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_preflight::Checked;

#[derive(Args)]
pub struct DoctorArgs {
    /// Workflow files and folders to check (default: every `.wf` file under
    /// the current folder).
    files: Vec<PathBuf>,
    /// The folder the files will run in (`wfc run --workdir DIR`): where
    /// relative paths and `sqlite:` files are.
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
    /// `text` (reports and the list on stderr) or `json` (the findings as
    /// an array on stdout, as `wfc check`).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Treat these as errors: `warnings`.
    #[arg(long, value_enum)]
    deny: Vec<Deny>,
}

pub fn run(args: DoctorArgs) -> ExitCode {
    let args = CheckArgs {
        files: args.files,
        workdir: args.workdir,
        format: args.format,
        deny: args.deny,
        level: LevelArg::Paranoid,
    };
    super::check::check(args, true)
}

/// The list of what was looked at, one line each.
pub(super) fn checked(checked: &[Checked]) -> String {
    if checked.is_empty() {
        return "  nothing on this machine to check\n".to_owned();
    }
    checked
        .iter()
        .map(|c| {
            let (mark, state) = if c.ok {
                ("✓", "ok")
            } else {
                ("✗", "see its warning above")
            };
            format!("  {mark} {}: {state}\n", c.what)
        })
        .collect()
}
