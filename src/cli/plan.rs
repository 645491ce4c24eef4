//! `wfc plan FILE [WORKFLOW]` (and `wfc run --dry-run FILE`, see
//! [`super::run`]): pick the workflow, bind params, compile the plan and
//! show it as text, JSON, DOT or Mermaid.

use super::read_input;
use crate::cli::complete;
use clap::{Args, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::analysis;
use wfc_language::diag::{render, Diagnostic};
use wfc_language::span::SourceFile;
use wfc_plan::{self as plan, render as prender, DefaultEstimator, ParamInput};

/// What `wfc plan` and `wfc run` share: the workflow and its params.
#[derive(Args, Clone, Debug)]
pub struct PlanInput {
    /// The workflow file (`-` reads standard input), or a built-in
    /// template's name when no file has that name.
    #[arg(add = ArgValueCompleter::new(complete::names::runnable))]
    pub file: PathBuf,
    /// Which workflow of the file (default: its first).
    #[arg(add = ArgValueCompleter::new(complete::names::workflows_in_file))]
    pub workflow: Option<String>,
    /// Set a param: `--param name=value` (repeatable). The value is read by the
    /// param's declared type: `3`, `2.5`, `true`, `30s`, `a,b` or `["a","b"]`, `{"k":"v"}`.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", add = ArgValueCompleter::new(complete::names::params))]
    pub params: Vec<String>,
    /// Read params from a JSON object (`--param` wins over it).
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    /// Workers for the estimate (default: the workflow's `concurrency`, else the CPU count).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// The run store: estimates come from its history when it has some.
    #[command(flatten)]
    pub store: super::history::StoreArgs,
    /// Ask for missing required params on a terminal (`wfc run`).
    #[arg(skip)]
    pub ask: bool,
    /// Print the workflow's warnings on stderr (`wfc run`).
    #[arg(skip)]
    pub warn: bool,
}

/// `--target` and `--from`: part of the plan (`wfc plan`, `wfc run`).
#[derive(Args, Clone, Debug, Default)]
pub struct SelectArgs {
    /// Run only this step and what it needs (repeatable; a loop's step
    /// name stands for all its iterations, `'build[eu]'` for one).
    #[arg(long, value_name = "STEP", add = ArgValueCompleter::new(complete::names::steps_in_file))]
    pub target: Vec<String>,
    /// Run this step and everything after it (repeatable); the steps they
    /// need that do not run are taken from the last run that had them.
    #[arg(long, value_name = "STEP", add = ArgValueCompleter::new(complete::names::steps_in_file))]
    pub from: Vec<String>,
}

impl SelectArgs {
    pub fn selection(&self) -> plan::select::Selection {
        plan::select::Selection {
            targets: self.target.clone(),
            from: self.from.clone(),
        }
    }

    /// Cuts `plan` down to the selection, or prints why not (exit 2).
    pub fn apply(&self, plan: &mut plan::Plan) -> Result<(), ExitCode> {
        plan::select::select(plan, &self.selection()).map_err(|d| {
            super::print_diagnostic(&d);
            ExitCode::from(2)
        })
    }
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: PlanInput,
    #[command(flatten)]
    pub select: SelectArgs,
    /// `text` (for people), `json` (for tools, see docs/plan.md), `dot` (Graphviz) or `mermaid`.
    #[arg(long, value_enum, default_value_t)]
    pub format: PlanFormat,
    /// Compare this plan with the one run RUN used (default: the workflow's
    /// last run): steps added, removed and changed field by field, params
    /// and env changed (`--format json` for tools).
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "")]
    pub diff: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    #[default]
    Text,
    Json,
    Dot,
    Mermaid,
}

pub fn run(args: PlanArgs) -> ExitCode {
    match compile(&args.input) {
        Ok((mut plan, wf, source)) => {
            if let Err(code) = args.select.apply(&mut plan) {
                return code;
            }
            wfc_launch::estimates::from_dir(&mut plan, &args.input.store.dir_for(&args.input.file));
            match now() {
                Ok(now) => plan.set_fire_times(now),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
            if let Some(against) = &args.diff {
                let dir = args.input.store.dir_for(&args.input.file);
                let against = Some(against.as_str()).filter(|a| !a.is_empty());
                let json = args.format == PlanFormat::Json;
                return match super::plan_diff::show(&plan, &wf, &source.name, &dir, against, json) {
                    Ok(text) => {
                        print!("{text}");
                        ExitCode::SUCCESS
                    }
                    Err(code) => code,
                };
            }
            let mut shown = show(&plan, &wf, &source, args.format);
            if matches!(args.format, PlanFormat::Text | PlanFormat::Json) {
                let dir = args.input.store.dir_for(&args.input.file);
                let states = super::plan_incremental::states(&plan, &wf, &source.name, &dir);
                shown = match args.format {
                    PlanFormat::Json => super::plan_incremental::json(shown, &states),
                    _ => {
                        let color = render::use_color(std::io::stdout().is_terminal());
                        let checks = super::plan_incremental::has_checks(&plan);
                        shown + &super::plan_incremental::text(&states, color, checks)
                    }
                };
            }
            print!("{shown}");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// Now, for a schedule's next fire times: `WFC_NOW` (RFC 3339) when set,
/// for tests and reproducible output, else the clock.
pub fn now() -> Result<chrono::DateTime<chrono::Utc>, String> {
    match std::env::var("WFC_NOW") {
        Ok(text) => chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| format!("error: WFC_NOW={text:?} is not an RFC 3339 time ({e})")),
        Err(_) => Ok(chrono::Utc::now()),
    }
}

/// Renders a plan in `format`.
pub fn show(
    plan: &plan::Plan,
    wf: &wfc_language::ir::Workflow,
    source: &SourceFile,
    format: PlanFormat,
) -> String {
    match format {
        PlanFormat::Text => {
            prender::text::render(plan, wf, render::use_color(std::io::stdout().is_terminal()))
        }
        PlanFormat::Json => prender::json::render(plan, wf, Some(source)),
        PlanFormat::Dot => prender::dot::render(plan, wf),
        PlanFormat::Mermaid => prender::mermaid::render(plan, wf),
    }
}

/// Reads, checks, binds and compiles; on failure prints why and returns the
/// exit code (2 bad input or params, 3 the workflow has errors).
pub fn compile(
    input: &PlanInput,
) -> Result<(plan::Plan, wfc_language::ir::Workflow, SourceFile), ExitCode> {
    compile_as(input, None)
}

/// [`compile`] for `wfc export`: what `run_time` names (an `if` over a
/// secret, …) is left to the run ([`plan::plan_for_export`]).
pub fn compile_for_export(
    input: &PlanInput,
    run_time: plan::RunTime,
) -> Result<(plan::Plan, wfc_language::ir::Workflow, SourceFile), ExitCode> {
    compile_as(input, Some(run_time))
}

fn compile_as(
    input: &PlanInput,
    export: Option<plan::RunTime>,
) -> Result<(plan::Plan, wfc_language::ir::Workflow, SourceFile), ExitCode> {
    let (name, text) = match super::new::builtin(&input.file) {
        Some((name, text)) => {
            if !super::quiet() {
                crate::cli::say::err(&format!(
                "note: no file `{name}` here: this is the built-in template {name} (`wfc new {name}` writes it to a file to change it)"
                ));
            }
            (format!("<template {name}>"), text.to_string())
        }
        None => read_input(&input.file).map_err(|msg| {
            eprintln!("{msg}");
            if let Some(hint) = super::new::near_template(&input.file) {
                eprintln!("{hint}");
            }
            ExitCode::from(2)
        })?,
    };
    let color = render::use_color(std::io::stderr().is_terminal());
    let front = tracing::trace_span!(target: "wfc::timing", "front end (span)").entered();
    let program = super::program::load(&name, text);
    let imported = super::program::imported_errors(&program, color);
    let Some(analysis) = program.units.into_iter().next().map(|u| u.analysis) else {
        return Err(ExitCode::from(3));
    };
    tracing::trace!(target: "wfc::timing", "check");
    drop(front);
    // Syntax errors first (the file's workflows are not all known), then
    // the workflow asked for, then the errors that concern it.
    let picked = match &analysis.module {
        Some(m) if analysis.parsed.diagnostics.is_empty() => {
            let file = &analysis.source.name;
            match super::pick::workflow_index(m, input.workflow.as_deref(), file) {
                Ok(i) => Some(i),
                Err(msg) => {
                    eprintln!("{msg}");
                    return Err(ExitCode::from(2));
                }
            }
        }
        _ => None,
    };
    let errors: Vec<Diagnostic> = match (picked, &analysis.module) {
        (Some(i), Some(m)) => {
            let mut all: Vec<Diagnostic> = m.diagnostics.clone();
            all.extend(analysis.import_diagnostics.iter().cloned());
            all.extend(m.workflows[i].diagnostics.iter().cloned());
            wfc_language::diag::sort(&mut all);
            all
        }
        _ => analysis.diagnostics(),
    };
    if picked.is_none() || errors.iter().any(Diagnostic::is_error) {
        let diags: Vec<Diagnostic> = errors.into_iter().filter(Diagnostic::is_error).collect();
        eprint!("{imported}");
        eprint!("{}", render::render_all(&diags, &analysis.source, color));
        eprintln!(
            "{}: {} error{}; fix {} before planning",
            analysis.source.name,
            diags.len(),
            if diags.len() == 1 { "" } else { "s" },
            if diags.len() == 1 { "it" } else { "them" }
        );
        return Err(ExitCode::from(3));
    }
    if input.warn && !super::quiet() {
        let warnings: Vec<Diagnostic> = errors.into_iter().filter(|d| !d.is_error()).collect();
        if !warnings.is_empty() {
            eprint!("{}", render::render_all(&warnings, &analysis.source, color));
        }
    }
    // From here on only the IR is needed: the syntax tree goes before
    // planning, which keeps the peak memory of a big workflow down.
    let analysis::Analysis {
        source,
        parsed,
        module,
        ..
    } = analysis;
    drop(parsed);
    let (Some(module), Some(i)) = (module, picked) else {
        return Err(ExitCode::from(3));
    };
    let ir = module
        .workflows
        .into_iter()
        .nth(i)
        .map(|c| c.ir)
        .ok_or(ExitCode::from(3))?;
    // Bad params exit 2; an expression that fails whatever the params
    // (E0407, or a call's E0231, alone) is an error of the
    // workflow, as the checker's are.
    let fail = |diags: &[Diagnostic]| {
        eprint!("{}", render::render_all(diags, &source, color));
        let workflow = diags.iter().all(|d| plan::errors::of_the_workflow(d.code));
        ExitCode::from(if workflow { 3 } else { 2 })
    };
    let mut params = ParamInput::default();
    let mut bad = Vec::new();
    for p in &input.params {
        if let Err(d) = params.push_assignment(p) {
            bad.push(d);
        }
    }
    if !bad.is_empty() {
        return Err(fail(&bad));
    }
    params.file = match &input.params_file {
        Some(path) => Some(read_input(path).map_err(|msg| {
            eprintln!("{msg}");
            ExitCode::from(2)
        })?),
        None => None,
    };
    params.typed_file = true;
    if input.ask && super::ask_params::can_ask() {
        super::ask_params::ask_missing(&ir, &mut params)?;
    }
    let options = plan::Options {
        jobs: input.jobs.map(|j| j as usize),
    };
    // History estimates come later (`wfc_launch::estimates`), once the caller can
    // drop the IR: the store's connection and the front end's peak apart.
    // Calls are inlined first: the plan's ids are the merged workflow's.
    let planning = tracing::trace_span!(target: "wfc::timing", "planning (span)").entered();
    // An export that folds params its triggers set (Argo carries no
    // trigger) says why such a param needs a value now.
    let set_by_triggers: Vec<String> = match export {
        Some(rt) if !rt.trigger_params => plan::trigger_params::set_by_triggers(&ir)
            .into_iter()
            .map(|id| ir.params[id].name.clone())
            .collect(),
        _ => Vec::new(),
    };
    let planned = match export {
        Some(run_time) => plan::plan_for_export(ir, &params, options, run_time, &DefaultEstimator),
        None => plan::plan_with_calls(ir, &params, options, &DefaultEstimator),
    };
    tracing::trace!(target: "wfc::timing", "plan");
    drop(planning);
    match planned {
        Ok((plan, ir)) => Ok((plan, ir, source)),
        Err(diags) => Err(fail(&trigger_set_help(diags, &set_by_triggers))),
    }
}

/// E0402 of a param a trigger sets, in an export that carries no trigger
/// and folds params (Argo): why it needs a value at export.
fn trigger_set_help(diags: Vec<Diagnostic>, set: &[String]) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .map(|d| {
            let name = set
                .iter()
                .find(|n| d.code == "E0402" && d.message.contains(&format!("`{n}`")));
            match name {
                Some(n) => d.help(format!(
                    "`{n}` is set by the workflow's trigger when `wfc serve` starts a run; the Argo export carries no trigger (it writes no Argo Events sensor) and folds params at export, so pass `--param {n}=VALUE`"
                )),
                None => d,
            }
        })
        .collect()
}
