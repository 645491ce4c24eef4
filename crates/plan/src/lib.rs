//! The plan compiler: a checked workflow and its params become the
//! [`Plan`] that `wfc plan` shows and `wfc run` executes — one compiler, so
//! what the plan shows is what runs.
//!
//! The pipeline:
//! 0. [`inline`] replaces each call step by its callee's steps
//!    ([`plan_with_calls`]);
//! 1. [`params`] binds `--param` / `--params-file` / defaults by declared type;
//! 2. [`compile`] walks the IR with those values ([`eval`] folds constants):
//!    prunes `if` branches decided at plan time, unrolls `for each` over
//!    known lists (`ship[eu-west]`), expands block dependencies, adds implied
//!    edges and chains sequential iterations; [`reduce`] removes edges
//!    implied by others (transitive reduction);
//! 3. [`estimate`] gives each step an expected duration (behind the
//!    [`Estimator`] trait, so run history can plug in) and [`schedule`]
//!    computes the critical path, a list-scheduled total for N workers and
//!    the lower bound, with the priority the interpreter's scheduler uses;
//! 4. [`render`] shows the plan as text, JSON, Graphviz DOT or Mermaid.
//!
//! Spans travel into the plan, so a failure at run time can point at source.

mod max_failures;
pub use max_failures::MaxFailures;
pub mod alerts;
mod any_deps;
pub mod compile;
mod comprehension;
pub mod errors;
pub mod estimate;
pub mod eval;
pub mod expand;
pub mod file_call;
pub mod functions;
pub mod gate_check;
pub mod gate_inputs;
pub mod inline;
pub mod lets;
mod link;
pub mod outputs;
pub mod params;
pub mod reduce;
pub mod render;
pub mod required_env;
pub mod rows;
pub mod schedule;
pub mod script;
pub mod select;
pub mod settings;
pub mod strict_json;
pub mod templates;
mod time;
pub mod trigger_params;
pub mod trigger_when;
pub mod triggers;
pub mod value;

pub use estimate::{DefaultEstimator, Estimate, EstimateSource, Estimator};
pub use params::{bind, BoundParam, ParamInput, ParamSource};
pub use schedule::{priorities, Schedule};
pub use settings::PlannedUntil;
pub use value::Value;

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    BlockId, Expr, HandlerKind, OnFail, OutputDecl, Retry, StepField, StepId, StepKind, Wait,
    Workflow,
};
use wfc_language::span::Span;

/// Index into [`Graph::steps`].
pub type InstanceId = usize;
/// Index into [`Graph::groups`].
pub type GroupId = usize;

/// A compiled workflow: everything the interpreter needs, nothing it must
/// re-derive from the syntax tree.
#[derive(Clone, Debug)]
pub struct Plan {
    pub workflow: String,
    pub description: Option<String>,
    /// The workflow's `version` and `tags` settings: recorded with a run.
    pub version: Option<String>,
    pub tags: Vec<String>,
    /// Every param with its bound value (secrets included: renderers mask them).
    pub params: Vec<BoundParam>,
    /// Workflow-level `env { }`, folded.
    pub env: Vec<(String, Expr)>,
    /// Every `let`, with its value where the plan knows it.
    pub lets: Vec<lets::PlannedLet>,
    pub concurrency: Option<u32>,
    pub timeout_ms: Option<u64>,
    /// The workflow's `fail fast`: a required failure cancels every step
    /// running (see [`Group::fail_fast`] for a block's).
    pub fail_fast: bool,
    /// The main graph.
    pub main: Graph,
    /// `on failure` / `on success` / `finally`, each its own graph.
    pub handlers: Vec<HandlerPlan>,
    /// What was left out at plan time, and why.
    pub pruned: Vec<Pruned>,
    /// `--from`: main-graph instances taken from the last run that had
    /// them instead of run (sorted; see [`select`]).
    pub earlier: Vec<InstanceId>,
    /// `--target` / `--from` as given, when the plan was cut to them:
    /// recorded with the run, so that `wfc resume` cuts the plan alike.
    pub selection: Option<select::Selection>,
    /// Estimates, critical path and totals of the main graph.
    pub schedule: Schedule,
    /// The workflow's own outputs, evaluated when the run's steps are done.
    pub outputs: Vec<outputs::PlannedOutput>,
    /// `on schedule|webhook|change …`, in source order.
    pub triggers: Vec<triggers::PlannedTrigger>,
    /// `lock EXPR` with the params folded in ([`Plan::lock_key`] computes it).
    pub lock: Option<wfc_language::ir::Expr>,
    /// `lock … { on busy MODE }`: what a run does while its key is held.
    pub lock_busy: wfc_language::ir::LockBusy,
    /// `alert NAME { … }`: decided when a recorded run of it ends.
    pub alerts: std::sync::Arc<alerts::Rules>,
    /// The workflow the plan was compiled from (calls inlined), kept only
    /// when a step is a `call file(EXPR)`: the run inlines the file into it
    /// and compiles it again when that step starts ([`file_call`]).
    pub file_calls: Option<std::sync::Arc<Workflow>>,
}

impl Plan {
    pub fn handler(&self, kind: HandlerKind) -> Option<&Graph> {
        self.handlers
            .iter()
            .find(|h| h.kind == kind)
            .map(|h| &h.graph)
    }

    /// The bound params' values by param id, as the evaluator's scope
    /// takes them (`None` for an optional param left unset).
    pub fn param_values(&self, params: usize) -> Vec<Option<Value>> {
        let mut values = vec![None; params];
        for p in &self.params {
            values[p.id] = Some(p.value.clone());
        }
        values
    }
}

#[derive(Clone, Debug)]
pub struct HandlerPlan {
    pub kind: HandlerKind,
    pub graph: Graph,
}

/// A graph of step instances (the main graph, a handler, or a rollback).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// In source order (loop instances in item order); dependencies point backwards or forwards.
    pub steps: Vec<PlannedStep>,
    /// `parallel` and `sequence` blocks and `for each` loops, outermost first.
    pub groups: Vec<Group>,
}

impl Graph {
    /// Drops the spare capacity compilation left (see [`Workflow::shrink_to_fit`]).
    pub fn shrink_to_fit(&mut self) {
        self.steps.shrink_to_fit();
        self.groups.shrink_to_fit();
        for s in &mut self.steps {
            s.name.shrink_to_fit();
            s.fields.shrink_to_fit();
            s.deps.shrink_to_fit();
            s.outputs.shrink_to_fit();
            s.items.shrink_to_fit();
            s.reads.shrink_to_fit();
            if let Some(rb) = &mut s.rollback {
                rb.shrink_to_fit();
            }
        }
    }

    /// Flags, in `read`, the instances whose outputs a step of this graph
    /// reads: with `main`, its reads of the main graph (from a handler or a
    /// rollback), else its reads of itself. Outputs nobody reads need not be
    /// kept while the run goes on.
    pub fn mark_reads(&self, main: bool, read: &mut [bool]) {
        let mut mark = |i: InstanceId| {
            if let Some(r) = read.get_mut(i) {
                *r = true;
            }
        };
        for s in &self.steps {
            for r in s.reads.iter().filter(|r| r.main == main) {
                match &r.target {
                    RefTarget::One(i) => mark(*i),
                    RefTarget::List(xs) => xs.iter().copied().for_each(&mut mark),
                    RefTarget::Absent => {}
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn named(&self, name: &str) -> Option<InstanceId> {
        self.steps.iter().position(|s| s.name == name)
    }

    /// The dependency lists as plain indices (for scheduling and tests).
    pub fn deps(&self) -> Vec<Vec<InstanceId>> {
        self.steps
            .iter()
            .map(|s| s.deps.iter().map(|d| d.on()).collect())
            .collect()
    }

    /// The instances that wait for each instance, as compressed rows (what
    /// scheduling walks: a quarter of the memory of a vector per instance).
    pub fn dependents(&self) -> rows::Rows {
        rows::Rows::reversed(self.steps.len(), |v| {
            self.steps[v].deps.iter().map(|d| d.on())
        })
    }

    /// Edge count after reduction.
    pub fn edge_count(&self) -> usize {
        self.steps.iter().map(|s| s.deps.len()).sum()
    }
}

/// One step instance: a step, or one iteration of a step inside `for each`.
#[derive(Clone, Debug)]
pub struct PlannedStep {
    /// Instance name: `ship`, `ship[eu-west]`, `build[linux][x86_64]`.
    pub name: String,
    /// The IR step this is an instance of.
    pub step: StepId,
    pub kind: StepKind,
    pub span: Span,
    /// The kind's fields with params and loop items folded in. Reads of step
    /// outputs and secrets stay expressions, evaluated at run time.
    pub fields: Vec<StepField>,
    /// What this instance waits for (after transitive reduction).
    pub deps: Vec<Dep>,
    /// A condition decided at run time (from `if` branches whose conditions
    /// read step outputs); the step is skipped when it is false.
    /// (Boxed, as `retry`: most steps have neither, and a plan holds
    /// thousands of steps.)
    pub condition: Option<Box<Expr>>,
    pub retry: Option<Box<Retry>>,
    pub timeout_ms: Option<u64>,
    /// `executor` and `resources`, when written (boxed: most steps have none).
    pub placement: Option<Box<settings::Placement>>,
    /// `until … every … within`: re-run on success until the condition holds.
    pub until: Option<Box<PlannedUntil>>,
    pub estimate: Estimate,
    pub optional: bool,
    pub on_fail: Option<OnFail>,
    pub outputs: Vec<OutputDecl>,
    /// Loop variables bound for this instance, outermost first: (loop, var, item).
    pub items: Vec<(BlockId, String, Value)>,
    /// The innermost group (parallel block or loop) holding it.
    pub group: Option<GroupId>,
    /// The `wait any` block it is a member of: a dependency on it is
    /// satisfied when the block succeeds (its first member succeeds).
    pub wait_any: Option<GroupId>,
    /// It has `after` (or reads a `.status`): a local `finally`, it starts
    /// even while the run is failing or cancelled, once what it waits for
    /// has ended.
    pub finally: bool,
    /// How each step this instance reads outputs of resolves (see [`OutputRef`]).
    pub reads: Vec<OutputRef>,
    /// The compensation registered by this instance (its `on failure rollback`).
    pub rollback: Option<Box<Graph>>,
    pub doc: Option<String>,
    /// Its `depends on … any(b, c)` groups (empty for most steps).
    pub any: Box<[PlannedAny]>,
    /// A gate whose `check` the plan decided is false (it reads only
    /// params and loop items): what the check compared, and the values
    /// ("the check `n >= 3` is false: `n` is 1"), which the run says too.
    pub check_false: Option<Box<gate_check::CheckFalse>>,
}

/// `any(b, c)` of an instance's `depends on`: it runs once every member has
/// ended, if one succeeded (all absent counts as absent). Each member is a
/// name as written: the instances it stands for, which all must succeed (or
/// be absent) for it to count.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedAny {
    /// As written: `any(b, c)`.
    pub label: String,
    pub members: Vec<Vec<InstanceId>>,
    /// The span of `any(…)`.
    pub span: Span,
}

/// A dependency edge. The instance is kept as a `u32`: a plan of 5,000
/// steps in layers of 20 holds 100,000 of these (0.8 MB instead of 1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dep {
    on: u32,
    pub why: EdgeKind,
}

impl Dep {
    pub fn new(on: InstanceId, why: EdgeKind) -> Dep {
        let on = u32::try_from(on).expect("fewer than 2^32 step instances");
        Dep { on, why }
    }

    /// The instance this edge waits for.
    pub fn on(&self) -> InstanceId {
        self.on as InstanceId
    }
}

/// Why an edge exists (explicit wins when several reasons hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// `depends on` of the step.
    Explicit,
    /// `depends on` of an enclosing block.
    Block,
    /// Reads an output (or a run-time condition reads one).
    Implied,
    /// The previous iteration of a sequential `for each`.
    Sequence,
    /// `after`, a `.status` read, or reads outputs only through
    /// `default(…)`: waits for the step to end, however it ends (the
    /// fallback stands in when it did not succeed).
    After,
    /// The member before it in a `sequence`: must succeed (or be absent).
    Previous,
    /// A member of one of its `any(…)` groups: waits for it to end; the
    /// group decides whether it runs (see [`PlannedAny`]).
    Any,
}

impl EdgeKind {
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Explicit => "explicit",
            EdgeKind::Block => "block",
            EdgeKind::Implied => "implied",
            EdgeKind::Sequence => "sequence",
            EdgeKind::After => "after",
            EdgeKind::Previous => "previous",
            EdgeKind::Any => "any",
        }
    }

    /// Whether the edge only orders: it is satisfied however the step it
    /// waits for ends (a sequential loop's next iteration; a guarded read).
    /// Any other edge needs the step to succeed or be absent.
    pub fn orders_only(self) -> bool {
        matches!(self, EdgeKind::Sequence | EdgeKind::After | EdgeKind::Any)
    }
}

/// How a step named in an instance's expressions resolves at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputRef {
    pub step: StepId,
    /// `true`: in the main graph (read from a handler or rollback).
    pub main: bool,
    pub target: RefTarget,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefTarget {
    /// One instance (the same iteration, or a step outside loops).
    One(InstanceId),
    /// A list, one element per instance in item order (a loop read from outside).
    List(Vec<InstanceId>),
    /// Pruned at plan time: the value does not exist.
    Absent,
}

/// A `parallel` block or a `for each` loop (one per outer iteration).
#[derive(Clone, Debug)]
pub struct Group {
    /// `probes`, `parallel`, `for each region in regions`.
    pub name: String,
    pub block: BlockId,
    pub kind: GroupKind,
    pub parent: Option<GroupId>,
    /// Every instance inside, at any depth.
    pub members: Vec<InstanceId>,
    pub span: Span,
    /// `fail fast`: a required failure inside cancels the members running.
    pub fail_fast: bool,
}

#[derive(Clone, Debug)]
pub enum GroupKind {
    Parallel {
        wait: Wait,
    },
    /// `sequence`: members one after another (`EdgeKind::Previous` edges).
    Sequence,
    ForEach {
        var: String,
        /// The list, folded; a literal when it was unrolled.
        iter: Expr,
        /// Instances of each iteration; `None` when the list is known only at
        /// run time (the body is then planned once, as a template named `x[*]`).
        iterations: Option<Vec<Vec<InstanceId>>>,
        /// `None`: one at a time (iterations chained); `Some(None)`: all at
        /// once; `Some(Some(n))`: at most `n` iterations at once.
        parallel: Option<Option<u32>>,
        /// `batch N` (`parallel` is `Some(Some(N))`): the iterations in
        /// batches of `N`, each batch's first steps waiting for the last
        /// steps of the batch before.
        batch: bool,
        /// `max failures`: failed iterations let pass before the loop
        /// (and the run) fails.
        max_failures: Option<MaxFailures>,
    },
}

/// Something left out at plan time.
#[derive(Clone, Debug, PartialEq)]
pub struct Pruned {
    /// The steps left out (instance names).
    pub steps: Vec<String>,
    /// Why, in words: "`env == \"prod\"` is false".
    pub reason: String,
    pub span: Span,
}

/// Plan options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Workers for the estimate (`--jobs`); default: `concurrency`, else CPUs.
    pub jobs: Option<usize>,
}

/// Binds params, compiles and schedules: the whole pipeline after checking.
/// A workflow with calls goes through [`plan_with_calls`]: here a call
/// step is left as it is, and the run refuses it.
pub fn plan(
    wf: &Workflow,
    input: &ParamInput,
    options: Options,
    estimator: &dyn Estimator,
) -> Result<Plan, Vec<Diagnostic>> {
    required_env::check(wf)?;
    let params = params::bind(wf, input)?;
    compile::compile(wf, params, options.jobs, RunTime::default(), estimator)
}

/// [`plan`] for a workflow that may call others: the calls are inlined
/// first ([`inline`]), an argument breaking its callee param's constraint
/// is E0230, and the merged workflow comes back with the plan (the plan's
/// step ids are its; render and run with it, not with `wf`).
pub fn plan_with_calls(
    wf: Workflow,
    input: &ParamInput,
    options: Options,
    estimator: &dyn Estimator,
) -> Result<(Plan, Workflow), Vec<Diagnostic>> {
    plan_calls(wf, input, options, RunTime::default(), estimator)
}

/// What an export leaves to the run instead of deciding it with this
/// machine's values: the file runs elsewhere, with other ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunTime {
    /// An `if` over a secret stays a run-time condition.
    pub secret_ifs: bool,
    /// An `if` or a `for each` list over a param a trigger sets (a push's
    /// files, a webhook's body: [`trigger_params::set_by_triggers`]) stays
    /// a run-time condition or a loop planned once as a template, for a
    /// target that computes such params per event.
    pub trigger_params: bool,
}

/// [`plan_with_calls`] for `wfc export`: what `run_time` names is left to
/// the run; the export maps it or refuses it.
pub fn plan_for_export(
    wf: Workflow,
    input: &ParamInput,
    options: Options,
    run_time: RunTime,
    estimator: &dyn Estimator,
) -> Result<(Plan, Workflow), Vec<Diagnostic>> {
    plan_calls(wf, input, options, run_time, estimator)
}

fn plan_calls(
    wf: Workflow,
    input: &ParamInput,
    options: Options,
    run_time: RunTime,
    estimator: &dyn Estimator,
) -> Result<(Plan, Workflow), Vec<Diagnostic>> {
    let inlined = inline::inline(wf)?;
    required_env::check(&inlined.wf)?;
    // An export computes what its triggers set per event: such a param
    // needs no value to export (its run fails without one, saying so).
    let unset = match run_time.trigger_params {
        true => trigger_params::set_by_triggers(&inlined.wf),
        false => Vec::new(),
    };
    let params = params::bind_leaving(&inlined.wf, input, &unset)?;
    let mut values = vec![None; inlined.wf.params.len()];
    for p in &params {
        values[p.id] = Some(p.value.clone());
    }
    let bad = inline::check_args(&inlined, &values);
    if !bad.is_empty() {
        return Err(bad);
    }
    let plan = compile::compile(&inlined.wf, params, options.jobs, run_time, estimator)?;
    Ok((plan, inlined.wf))
}

/// An instance's name without its loop items: the step as written
/// (`work` of `work[b]`, `m.work` of `m[x].work[y]`).
pub fn without_items(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `concurrency`, else the CPU count.
pub fn default_jobs(wf: &Workflow) -> usize {
    wf.concurrency.map(|c| c as usize).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}
