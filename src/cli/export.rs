//! `wfc export ENGINE FILE`: the compiled plan as another engine's workflow
//! (see `crates/export` and docs/export.md). One subcommand per engine.

use super::plan::{compile_for_export as compile, PlanInput};
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

#[derive(Subcommand)]
pub enum Engine {
    /// An Argo Workflows `Workflow` (or `WorkflowTemplate`) as YAML.
    #[command(
        after_help = "Params are folded at export time, as `wfc plan` shows them; secrets never are (an `if` over one is decided at run time by a task of its own; a loop, a `timeout` or `retry` that reads one is refused, E0728), they become `secretKeyRef`s to one Kubernetes secret (--secret-name), one key per secret param. A `parallel` loop of one shell/docker step is one task with `withItems` (the item an input parameter, then an env var; `parallel N` a template with `parallelism`); other loops are one task per iteration. A step's `outputs` are Argo output parameters; a run-time `if` or `check` on int/float/bool outputs is a `when`. A `wait any` block is one task whose pod races its members (the first success wins, the others are killed). A docker step's `mount` of a folder relative to the workflow's is that folder of a clone of --repo at --revision (an init container). What Argo cannot express (`lock`, string outputs in a condition, a `wait any` whose members cannot share one pod, and `mount` without --repo or --approximate) is an error with its code and line (E0720-E0725, docs/export.md); --approximate writes the nearest equivalent of some, each a warning E0726. Text holding `{{` (a value, default or literal) is refused (E0727): Argo would expand it and has no escape.\n\nExamples:\n  wfc export argo examples/etl.wf --image python:3.12-slim > etl.yaml\n  wfc export argo ci.wf -p version=1.2.3 --image alpine:3.20 --template -o ci-template.yaml\n  wfc export argo ci.wf --image alpine:3.20 | argo submit -\n  wfc export argo examples/deploy.wf -p version=1.2.3 --image alpine:3.20 --repo https://github.com/acme/app.git --revision v1.2.3\n\nExit status: 0 written, 2 bad params or unreadable file, 3 the workflow has errors or Argo cannot express it."
    )]
    Argo(ArgoArgs),
    /// A GitHub Actions workflow: a job per chain of steps, a matrix per loop, params as `workflow_dispatch` inputs.
    #[command(
        name = "github-actions",
        visible_alias = "github",
        after_help = "Params shape the export (an `if` decided by them, a `for each` over them) and become the inputs' defaults; secrets never do (an `if` over one is decided at run time by a job of its own; a loop, a `timeout` or `retry` that reads one is refused, E0740); inside scripts they are read from `env:`, never spliced in. Secrets are `${{ secrets.NAME }}` (NAME: the param upper-cased). Step outputs go through `$GITHUB_OUTPUT` to job outputs, read as `needs.JOB.outputs.NAME` in `env:`; an `if` or a `check` on outputs becomes a GitHub expression; `retry` becomes a loop in the step's script; a `for each` over scalars is a `strategy.matrix` job (docs/export.md, Loops); a chain of steps is one job, each job checks the repository out first (--no-checkout) and runs on the step's or workflow's `runner` (else --runs-on, else ubuntu-latest). What GitHub cannot express is an error with its code and line (E0730-E0740, docs/export.md); --approximate writes `wait any`, `mount` and `alert` as their nearest equivalent, each a warning with the refusal's code.\n\nExamples:\n  wfc export github-actions deploy.wf -p version=1.2.3 -o .github/workflows/deploy.yml\n  wfc export github nightly.wf --runs-on self-hosted --no-checkout\n  wfc export github-actions deploy.wf --approximate -p version=1.2.3"
    )]
    GithubActions(GithubArgs),
    /// The workflow file in the JSON form (docs/json-form.md), which `wfc check|plan|run` read too.
    #[command(
        after_help = "Every name, type and expression is a string in `.wf` syntax; `##` docs are kept, other comments are not. A `.json` file is written again in canonical form.\n\nExamples:\n  wfc export json examples/deploy.wf -o deploy.workflow.json\n  wfc plan deploy.workflow.json -p version=1.2.3\n\nExit status: 0 written, 2 unreadable file, 3 the file has syntax errors."
    )]
    Json(super::export_json::JsonArgs),
}

#[derive(Args)]
pub struct ArgoArgs {
    #[command(flatten)]
    pub input: PlanInput,
    /// The image shell steps run in (they have none of their own).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Emit a `WorkflowTemplate` (metadata.name) instead of a `Workflow` (metadata.generateName).
    #[arg(long)]
    pub template: bool,
    /// The Kubernetes secret that holds the workflow's secrets, one key per secret param.
    #[arg(long, value_name = "NAME", default_value = "wfc-secrets")]
    pub secret_name: String,
    /// Write the YAML to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a `wait any` whose members cannot share one pod, a `linear` backoff, `mount` and `alert` as their nearest Argo equivalent, each a warning (E0726) saying what differs.
    #[arg(long)]
    pub approximate: bool,
    /// The repository the workflow's file is in, as `git clone` takes it: a `mount` of a folder relative to the workflow's is that folder of a clone (an init container, `alpine/git`).
    #[arg(long, value_name = "URL")]
    pub repo: Option<String>,
    /// The commit, tag or branch of --repo to clone (default: its default branch).
    #[arg(long, value_name = "REV", requires = "repo")]
    pub revision: Option<String>,
}

#[derive(Args)]
pub struct GithubArgs {
    #[command(flatten)]
    pub input: PlanInput,
    /// The runner label of every job without a `runner` of its own (default: the workflow's `runner`, else ubuntu-latest).
    #[arg(long, value_name = "LABEL")]
    pub runs_on: Option<String>,
    /// Write the YAML here instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Leave out the `actions/checkout` step each job starts with.
    #[arg(long)]
    pub no_checkout: bool,
    /// Write `wait any`, `mount` and `alert` as their nearest GitHub Actions equivalent, each a warning (the refusal's code) saying what differs.
    #[arg(long)]
    pub approximate: bool,
}

pub fn run(args: ExportArgs) -> ExitCode {
    match args.engine {
        Engine::Argo(a) => argo(a),
        Engine::GithubActions(a) => github(a),
        Engine::Json(a) => super::export_json::run(a),
    }
}

fn argo(args: ArgoArgs) -> ExitCode {
    let (plan, wf, source) = match compile(
        &args.input,
        wfc_plan::RunTime {
            secret_ifs: true,
            // Argo exports no trigger: params are bound at export.
            trigger_params: false,
        },
    ) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let options = wfc_export::argo::Options {
        image: args.image,
        template: args.template,
        secret_name: args.secret_name,
        source: args.input.file.display().to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        approximate: args.approximate,
        repo: args.repo.map(|url| wfc_export::argo::Repo {
            url,
            revision: args.revision,
            home: repository_folder(&args.input.file),
        }),
    };
    if let Some(Err(why)) = options.repo.as_ref().map(wfc_export::argo::mount::check) {
        eprintln!("wfc export argo: {why}");
        return ExitCode::from(2);
    }
    match wfc_export::argo::export(&plan, &wf, &options) {
        Ok(exported) => emit(
            &exported.warnings,
            &exported.yaml,
            &source,
            super::out_file(args.output.as_ref()),
        ),
        Err(diags) => {
            let why = format!(
                "{} error{}; Argo cannot run this workflow as it is",
                diags.len(),
                plural(diags.len())
            );
            refused(&diags, &source, &why)
        }
    }
}

fn github(args: GithubArgs) -> ExitCode {
    let (plan, wf, source) = match compile(
        &args.input,
        wfc_plan::RunTime {
            secret_ifs: true,
            // A push's files, a webhook's body: computed per event (`wfc-params`).
            trigger_params: true,
        },
    ) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let home = repository_folder(&args.input.file);
    let options = wfc_export::github::Options {
        source: &source.name,
        version: env!("CARGO_PKG_VERSION"),
        runs_on: args.runs_on.as_deref(),
        approximate: args.approximate,
        checkout: !args.no_checkout,
        home: &home,
    };
    match wfc_export::github::export(&plan, &wf, &options) {
        Ok(exported) => emit(
            &exported.warnings,
            &exported.yaml,
            &source,
            super::out_file(args.output.as_ref()),
        ),
        Err(diags) => {
            let why = format!(
                "GitHub Actions cannot express {} construct{} of this workflow",
                diags.len(),
                plural(diags.len())
            );
            refused(&diags, &source, &why)
        }
    }
}

/// Prints why the engine refused the workflow: each diagnostic, then
/// `why`; exit 3, nothing written.
/// Prints an export's warnings (the `--approximate` differences) on
/// stderr and writes its YAML.
fn emit(
    warnings: &[wfc_language::diag::Diagnostic],
    yaml: &str,
    source: &wfc_language::span::SourceFile,
    out: Option<&PathBuf>,
) -> ExitCode {
    if !warnings.is_empty() {
        let color = render::use_color(std::io::stderr().is_terminal());
        eprint!("{}", render::render_all(warnings, source, color));
    }
    write(out, yaml)
}

fn refused(
    diags: &[wfc_language::diag::Diagnostic],
    source: &wfc_language::span::SourceFile,
    why: &str,
) -> ExitCode {
    let color = render::use_color(std::io::stderr().is_terminal());
    eprint!("{}", render::render_all(diags, source, color));
    eprintln!("{}: {why}", source.name);
    ExitCode::from(3)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn write(out: Option<&PathBuf>, text: &str) -> ExitCode {
    match out {
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

/// The folder of workflow `file` in the git repository holding it (`.` at
/// its root), which the exported jobs check out: where a step runs, as
/// `wfc run` runs it in the file's folder. A file outside any repository
/// is taken to be at the root.
fn repository_folder(file: &std::path::Path) -> String {
    let Some(dir) = file
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| std::fs::canonicalize(p).ok())
    else {
        return ".".into();
    };
    let Some(root) = dir.ancestors().find(|a| a.join(".git").exists()) else {
        return ".".into();
    };
    let parts: Vec<String> = dir
        .strip_prefix(root)
        .unwrap_or(std::path::Path::new(""))
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}
