//! `wfc export ENGINE FILE`: the workflow's compiled plan (params bound as
//! `wfc plan` binds them) written for another workflow engine.

use super::plan::{compile, PlanInput};
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::render;

#[derive(Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub engine: Engine,
}

/// One variant per engine.
#[derive(Subcommand)]
pub enum Engine {
    /// A GitHub Actions workflow: one job per step, params as `workflow_dispatch` inputs.
    #[command(
        name = "github-actions",
        after_help = "Params shape the export (an `if` decided by them, a `for each` over them) and become the inputs' defaults; inside scripts they are read from `env:`, never spliced in. Secrets are `${{ secrets.NAME }}` (NAME: the param upper-cased).\n\nExamples:\n  wfc export github-actions deploy.wf -p version=1.2.3 -o .github/workflows/deploy.yml\n  wfc export github-actions nightly.wf --runs-on self-hosted"
    )]
    GithubActions(GithubArgs),
}

#[derive(Args)]
pub struct GithubArgs {
    #[command(flatten)]
    pub input: PlanInput,
    /// The runner label of every job.
    #[arg(long, value_name = "LABEL", default_value = "ubuntu-latest")]
    pub runs_on: String,
    /// Write the YAML here instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: ExportArgs) -> ExitCode {
    match args.engine {
        Engine::GithubActions(args) => github(args),
    }
}

fn github(args: GithubArgs) -> ExitCode {
    let (plan, wf, source) = match compile(&args.input) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let options = wfc_export::github::Options {
        source: &source.name,
        version: env!("CARGO_PKG_VERSION"),
        runs_on: &args.runs_on,
    };
    match wfc_export::github::export(&plan, &wf, &options) {
        Ok(yaml) => write(&yaml, args.output.as_deref()),
        Err(diags) => {
            let color = render::use_color(std::io::stderr().is_terminal());
            eprint!("{}", render::render_all(&diags, &source, color));
            eprintln!(
                "{}: GitHub Actions cannot express {} construct{} of this workflow",
                source.name,
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            ExitCode::from(3)
        }
    }
}

fn write(text: &str, to: Option<&std::path::Path>) -> ExitCode {
    match to {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        },
    }
}
