//! `wfc plan FILE [WORKFLOW]` (and `wfc run --dry-run FILE`, see
//! [`super::run`]): pick the workflow, bind params, compile the plan and
//! show it as text, JSON, DOT or Mermaid.

use super::read_input;
use clap::{Args, ValueEnum};
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
    /// The workflow file (`-` reads standard input).
    pub file: PathBuf,
    /// Which workflow of the file (default: its first).
    pub workflow: Option<String>,
    /// Set a param: `--param name=value` (repeatable). The value is read by the
    /// param's declared type: `3`, `2.5`, `true`, `30s`, `a,b` or `["a","b"]`, `{"k":"v"}`.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
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
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: PlanInput,
    /// `text` (for people), `json` (for tools, see docs/plan.md), `dot` (Graphviz) or `mermaid`.
    #[arg(long, value_enum, default_value_t)]
    pub format: PlanFormat,
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
            with_history(&mut plan, &args.input.store.dir());
            match now() {
                Ok(now) => plan.set_fire_times(now),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
            print!("{}", show(&plan, &wf, &source, args.format));
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
    let (name, text) = read_input(&input.file).map_err(|msg| {
        eprintln!("{msg}");
        ExitCode::from(2)
    })?;
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
    let options = plan::Options {
        jobs: input.jobs.map(|j| j as usize),
    };
    // History estimates come later ([`with_history`]), once the caller can
    // drop the IR: the store's connection and the front end's peak apart.
    // Calls are inlined first: the plan's ids are the merged workflow's.
    let planning = tracing::trace_span!(target: "wfc::timing", "planning (span)").entered();
    let planned = plan::plan_with_calls(ir, &params, options, &DefaultEstimator);
    tracing::trace!(target: "wfc::timing", "plan");
    drop(planning);
    match planned {
        Ok((plan, ir)) => Ok((plan, ir, source)),
        Err(diags) => Err(fail(&diags)),
    }
}

/// Takes the run store's history estimates (see [`wfc_store::history_estimator`])
/// into a compiled plan.
pub fn with_history(plan: &mut plan::Plan, state_dir: &std::path::Path) {
    let names = plan.main.steps.iter().map(|s| s.name.as_str());
    let history = read_history(names, &plan.workflow, state_dir);
    tracing::trace!(target: "wfc::timing", "history: estimates");
    apply_history(plan, history);
}

/// [`with_history`] in two halves, for `wfc run`: the history's store is
/// opened on a thread ([`HistoryReader::open`]), the step names follow once
/// planned ([`HistoryReader::read`]), and the returned function waits for
/// the reading and takes it into the plan. The run's other preparations go
/// on in between (opening the run's store, starting the reaper): reading
/// the history is ~2 ms for a workflow of 220 steps with ten runs, and grows
/// with the steps.
pub struct HistoryReader {
    names: std::sync::mpsc::Sender<(String, Vec<String>)>,
    reading: std::thread::JoinHandle<Option<wfc_store::history_estimator::HistoryEstimator>>,
}

impl HistoryReader {
    /// Files up to this size (1,000 steps of the benchmark's shapes: 68 KB
    /// for a chain, 207 KB for layers) have their history's store opened
    /// while they compile ([`HistoryReader::early`]), which starts their first
    /// step ~0.5–1 ms sooner. Files of 5,000 steps (352 KB and more) stay
    /// out: their connection would sit beside the front end's peak.
    pub const EARLY_MAX_FILE: u64 = 256 * 1024;

    /// [`HistoryReader::open`] while `file` compiles, if it is small: ~1 ms
    /// sooner to the critical case's first step. A big file's connection
    /// would sit beside the front end's peak.
    pub fn early(file: &std::path::Path, state_dir: &std::path::Path) -> Option<HistoryReader> {
        let small =
            std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() <= Self::EARLY_MAX_FILE);
        small.then(|| Self::open(state_dir)).flatten()
    }

    /// Opens the store in `state_dir` on a thread, which then waits for the
    /// step names (`None`: no store there, or no thread to be had).
    pub fn open(state_dir: &std::path::Path) -> Option<HistoryReader> {
        if !state_dir.join("runs.db").exists() {
            return None;
        }
        let (names, asked) = std::sync::mpsc::channel::<(String, Vec<String>)>();
        let dir = state_dir.to_owned();
        let reading = std::thread::Builder::new()
            .name("wfc-history".into())
            .spawn(move || {
                let store = wfc_store::Store::open_existing(&dir).ok()??;
                // No names: the plan was big after all, or did not compile.
                let (workflow, names) = asked.recv().ok()?;
                let only = names.iter().map(String::as_str).collect();
                wfc_store::history_estimator::from_open_store(&store, &workflow, Some(&only))
            })
            .ok()?;
        Some(HistoryReader { names, reading })
    }

    /// Reads `plan`'s history; the returned function takes it into the plan.
    pub fn read(self, plan: &plan::Plan) -> impl FnOnce(&mut plan::Plan) + use<> {
        let names = plan.main.steps.iter().map(|s| s.name.clone()).collect();
        let _ = self.names.send((plan.workflow.clone(), names));
        let reading = self.reading;
        move |plan: &mut plan::Plan| apply_history(plan, reading.join().ok().flatten())
    }
}

/// The history of main-graph steps `names`: only those have any (see
/// `store::estimate`).
fn read_history<'a>(
    names: impl Iterator<Item = &'a str>,
    workflow: &str,
    dir: &std::path::Path,
) -> Option<wfc_store::history_estimator::HistoryEstimator> {
    let only: rustc_hash::FxHashSet<&str> = names.collect();
    wfc_store::history_estimator::from_store(dir, workflow, Some(&only))
}

fn apply_history(
    plan: &mut plan::Plan,
    history: Option<wfc_store::history_estimator::HistoryEstimator>,
) {
    if let Some(h) = history {
        plan.reestimate(&|name| h.median(name));
    }
}
