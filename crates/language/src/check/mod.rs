//! The checker: resolves names, infers and checks types, validates step kinds
//! and the dependency graph, and lowers the tree to [`crate::ir`].
//!
//! It runs in passes over one `Checker`:
//! 1. `scope` collects every step, block and param (so names may be used
//!    before they are declared — the body is a graph, not a script) and
//!    lowers params;
//! 2. `steps` checks workflow settings, `defaults`, block headers and every
//!    step's fields against the kind table in [`kinds`], typing expressions
//!    with [`exprs`] (which records implied dependencies);
//! 3. `graph` checks dependencies: cycles, `parallel` members, regions;
//! 4. `lints` reports warnings (unused params, dead branches, `raw()`,
//!    secrets in command lines and notifications).
//!
//! A file with `optional` steps is checked twice: `quiet` finds, on the
//! first IR, the steps that may fail without failing the run, whose outputs
//! the second check types as optional.
//!
//! Errors never cascade: a bad expression gets [`Type::Invalid`], and nothing
//! involving `Invalid` is reported again.

mod alerts;
mod any_deps;
mod artifacts;
mod call_env;
mod call_file;
mod call_step;
mod calls;
mod collections;
mod comprehension;
mod concurrency;
mod cond;
pub mod exprs;
pub mod functions;
mod gate_fields;
mod gate_inputs;
mod gate_order;
mod graph;
mod habits;
mod inherit;
pub mod kinds;
mod labels;
mod lets;
mod lints;
mod module;
pub mod moved_paths;
mod order;
mod outputs;
mod quiet;
mod require_env;
mod resources;
mod retry_when;
mod run_context;
mod runner;
mod scope;
mod scripts;
mod settings;
mod shell;
mod sources;
mod sql;
mod status_words;
mod steps;
mod strict;
mod time;
mod trigger_config;
mod triggers;
pub mod types;
mod workflow_outputs;

pub use call_env::{CallEnv, Callable, ModuleEntry, Resolved};
pub use module::{call_targets, check_module, check_module_lean, check_module_with, Module};
pub use run_context::run_field_type;

use crate::diag::{self, Diagnostic};
use crate::ir::{self, BlockId, BlockKind, ParamId, Reference, StepId, Symbol, Type, Workflow};
use crate::span::Span;
use crate::syntax::ast;
use rustc_hash::FxHashMap;

/// The checker's result: always an IR (with `Invalid` placeholders where
/// things were wrong) and every problem found, sorted by position.
#[derive(Clone, Debug)]
pub struct Checked {
    pub ir: Workflow,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks one workflow and lowers it to the typed IR, with the table of
/// references ([`Workflow::references`]) the language server navigates by.
/// (A whole file is checked by [`check_module`].)
pub fn check(file: &ast::Workflow) -> Checked {
    check_with(file, true, &CallEnv::default())
}

/// [`check`] without collecting [`Workflow::references`] (left empty): what
/// `wfc check`, `plan` and `run` do. A workflow of 5,000 steps in layers of
/// 20 has 100,000 uses of step names; the table would be ~5 MB at the peak.
pub fn check_lean(file: &ast::Workflow) -> Checked {
    check_with(file, false, &CallEnv::default())
}

/// Checks one workflow whose call steps resolve through `env`.
pub fn check_with(file: &ast::Workflow, references: bool, env: &CallEnv) -> Checked {
    let first = check_pass(file, references, None, env);
    // Outputs of steps that may fail quietly are optional: known from the
    // lowered IR, so a file with such steps is checked again knowing them.
    match quiet::find(&first.ir) {
        None => first,
        Some(q) => check_pass(file, references, Some(q), env),
    }
}

fn check_pass(
    wf: &ast::Workflow,
    references: bool,
    quiet: Option<quiet::QuietSteps>,
    env: &CallEnv,
) -> Checked {
    let mut c = Checker::new(wf, wf.span, env);
    c.keep_references = references;
    c.quiet = quiet;
    c.collect(wf);
    c.lower_params();
    c.check_let_names();
    c.check_items();
    c.check_blocks();
    c.check_block_scopes();
    c.check_steps();
    c.check_local_resources();
    c.lower_lets();
    c.lower_workflow_outputs();
    c.lower_triggers();
    c.lower_alerts();
    c.check_graph();
    c.lint();
    c.lint_lets();
    c.lint_parallel_sizes();
    let mut diagnostics = c.diags;
    diag::sort(&mut diagnostics);
    c.wf.shrink_to_fit();
    Checked {
        ir: c.wf,
        diagnostics,
    }
}

/// A step or named block, as found by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Named {
    Step(StepId),
    Block(BlockId),
}

/// Where a block came from, for the passes after collection.
#[derive(Clone, Copy)]
pub(crate) enum BlockSrc<'a> {
    If(Option<&'a ast::Expr>, &'a ast::Block),
    ForEach(&'a ast::ForEach),
    Parallel(&'a ast::Parallel),
    Other(&'a ast::Block),
}

impl<'a> BlockSrc<'a> {
    fn block(self) -> &'a ast::Block {
        match self {
            BlockSrc::If(_, b) | BlockSrc::Other(b) => b,
            BlockSrc::ForEach(f) => &f.block,
            BlockSrc::Parallel(p) => &p.block,
        }
    }
}

/// Where an expression is being typed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ctx {
    /// The innermost block around the expression (None = top level).
    pub block: Option<BlockId>,
    /// The step whose field this is.
    pub step: Option<StepId>,
    /// Steps are not in scope here (param defaults, workflow env): where we are.
    pub params_only: Option<&'static str>,
    /// In a param's default: only params with a smaller id are visible.
    pub param_limit: Option<ParamId>,
    /// The block whose header this is (an `if` condition, a loop's list).
    pub header: Option<BlockId>,
    /// `step`'s own outputs may be read (its `until` condition).
    pub own_outputs: bool,
    /// Names are looked up as in this block rather than `block` (set while
    /// a let's expression is typed for one of its users).
    pub scope: Option<Option<BlockId>>,
    /// In a `run` command (unknown upper-case names are environment variables).
    pub command: bool,
    /// The text of a `run` command itself (or an arm of a `? :` choosing
    /// it), not a value inside it: a list interpolated here becomes one
    /// word per item.
    pub words: bool,
    /// In a `python` or `node` `script`: its `${…}` become literals of the
    /// language, so lists, maps and optionals may be interpolated.
    pub script: bool,
    /// In the `params { … }` of a trigger of this kind (`request`, `changed`).
    pub trigger: Option<ast::TriggerKind>,
    /// In a retry's `when` on this step: its attempt's `exit_code`, … are names.
    pub attempt: Option<StepId>,
}

impl Ctx {
    /// The block whose loop variables and lets are visible.
    pub fn names_block(&self) -> Option<BlockId> {
        self.scope.unwrap_or(self.block)
    }
}

/// One layer of control flow between a step and a reader of its outputs.
#[derive(Clone, Debug)]
pub(crate) enum Lift {
    /// The output may not exist (the text says why).
    Optional(String),
    /// The step may fail while the run goes on (the text says why); the
    /// step is named for the `depends on` a fix may add.
    Quiet { why: String, step: String },
    /// The step is in this loop; outside it the output is a list.
    List(Span),
}

pub(crate) struct Checker<'a> {
    pub wf: Workflow,
    pub diags: Vec<Diagnostic>,
    /// The source of each step, by id.
    pub step_src: Vec<&'a ast::Step>,
    /// The source of each block, by id.
    pub block_src: Vec<BlockSrc<'a>>,
    /// A short span naming each block (`parallel probes`, `for each x`, `if`).
    pub block_header: Vec<Span>,
    /// Steps and named `parallel` blocks by name (first definition wins).
    pub names: FxHashMap<&'a str, (Named, Span)>,
    pub param_names: FxHashMap<String, ParamId>,
    pub param_src: Vec<&'a ast::Param>,
    pub settings: Vec<&'a ast::Field>,
    pub env_src: Vec<&'a ast::MapBlock>,
    /// The workflow's `outputs { … }` blocks.
    pub outputs_src: Vec<&'a ast::WorkflowOutputs>,
    /// The workflow's `on schedule|webhook|change` items and `lock`s.
    pub trigger_src: Vec<&'a ast::Trigger>,
    pub lock_src: Vec<&'a ast::Lock>,
    /// The workflow's `alert` items.
    pub alert_src: Vec<&'a ast::Alert>,
    pub defaults_src: Vec<&'a ast::Field>,
    /// Output reads made while typing the current expression(s): (step, span).
    pub reads: Vec<(StepId, Span)>,
    /// `x.status` reads made likewise: they order (`after x`), never depend.
    pub status_reads: Vec<(StepId, Span)>,
    /// Implied dependencies with the span of their first read, per step / block.
    pub step_reads: Vec<Vec<(StepId, Span)>>,
    pub block_reads: Vec<Vec<(StepId, Span)>>,
    /// Why a step-output expression (by span) has an optional or list type.
    pub lifts: FxHashMap<Span, Vec<Lift>>,
    pub if_chains: usize,
    /// Whether to fill [`Workflow::references`].
    pub keep_references: bool,
    /// Steps that may fail without failing the run (second check only).
    pub(crate) quiet: Option<quiet::QuietSteps>,
    /// Params read somewhere (for the unused-param lint).
    pub used_params: Vec<bool>,
    /// Params suggested for a misspelt name (not reported as unused).
    pub suggested_params: std::cell::RefCell<std::collections::HashSet<ParamId>>,
    /// What blocks and the workflow's `defaults` set for their steps.
    pub(crate) scopes: inherit::Scopes,
    /// Lets: sources, and the checker's state of each (see `lets`).
    pub(crate) lets: lets::Lets<'a>,
    /// What call steps may call.
    pub(crate) callees: &'a CallEnv,
    /// Comprehension variables in scope.
    pub(crate) comps: comprehension::CompScope,
}

impl<'a> Checker<'a> {
    fn new(w: &ast::Workflow, span: Span, callees: &'a CallEnv) -> Checker<'a> {
        Checker {
            wf: Workflow {
                name: w.name.name.to_string(),
                name_span: w.name.span,
                doc: w.doc.clone(),
                description: None,
                version: None,
                tags: Vec::new(),
                concurrency: None,
                timeout_ms: None,
                params: Vec::new(),
                env: Vec::new(),
                defaults: ir::Defaults::default(),
                steps: Vec::new(),
                blocks: Vec::new(),
                root: Vec::new(),
                handlers: Vec::new(),
                references: Vec::new(),
                lets: Vec::new(),
                let_uses: Default::default(),
                outputs: Vec::new(),
                triggers: Vec::new(),
                lock: None,
                lock_busy: Default::default(),
                alerts: Vec::new(),
                depends_any: Vec::new(),
                span,
                file: None,
                required_env: Vec::new(),
                comp_vars: Vec::new(),
                runner: None,
                strict: None,
                fail_fast: false,
            },
            diags: Vec::new(),
            step_src: Vec::new(),
            block_src: Vec::new(),
            block_header: Vec::new(),
            names: FxHashMap::default(),
            param_names: FxHashMap::default(),
            param_src: Vec::new(),
            settings: Vec::new(),
            env_src: Vec::new(),
            outputs_src: Vec::new(),
            trigger_src: Vec::new(),
            lock_src: Vec::new(),
            alert_src: Vec::new(),
            defaults_src: Vec::new(),
            reads: Vec::new(),
            status_reads: Vec::new(),
            step_reads: Vec::new(),
            block_reads: Vec::new(),
            lifts: FxHashMap::default(),
            if_chains: 0,
            keep_references: true,
            quiet: None,
            used_params: Vec::new(),
            suggested_params: Default::default(),
            scopes: Default::default(),
            lets: Default::default(),
            callees,
            comps: Default::default(),
        }
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn reference(&mut self, span: Span, target: Symbol) {
        if let Symbol::Param(p) = target {
            if self.used_params.len() <= p {
                self.used_params.resize(p + 1, false);
            }
            self.used_params[p] = true;
        }
        if self.keep_references {
            self.wf.references.push(Reference { span, target });
        }
    }

    /// Runs `f` with diagnostics discarded (for values we cannot check, such as
    /// the fields of an unknown step kind), keeping references.
    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let n = self.diags.len();
        let out = f(self);
        self.diags.truncate(n);
        out
    }

    /// The rollback or handler block `block` is in (None = the main graph).
    pub fn region_of(&self, block: Option<BlockId>) -> Option<BlockId> {
        self.wf.block_chain(block).into_iter().find(|&b| {
            matches!(
                self.wf.blocks[b].kind,
                BlockKind::Handler(_) | BlockKind::Rollback { .. }
            )
        })
    }

    /// How a region is named in messages.
    pub fn region_name(&self, region: Option<BlockId>) -> String {
        match region.map(|b| &self.wf.blocks[b].kind) {
            Some(BlockKind::Rollback { of }) => {
                format!("the rollback of `{}`", self.wf.steps[*of].name)
            }
            Some(BlockKind::Handler(k)) => format!("`{}`", k.keyword()),
            _ => "the main graph".to_string(),
        }
    }

    /// The name of a step or block, for messages.
    pub fn node_name(&self, named: Named) -> String {
        match named {
            Named::Step(s) => self.wf.steps[s].name.clone(),
            Named::Block(b) => self.block_name(b),
        }
    }

    pub fn block_name(&self, b: BlockId) -> String {
        match &self.wf.blocks[b].kind {
            BlockKind::Parallel {
                name: Some(name), ..
            } => name.clone(),
            BlockKind::Parallel { .. } => "parallel".into(),
            BlockKind::Sequence {
                name: Some(name), ..
            } => name.clone(),
            BlockKind::Sequence { .. } => "sequence".into(),
            BlockKind::ForEach { var, .. } => format!("for each {var}"),
            BlockKind::IfBranch { cond: None, .. } => "else".into(),
            BlockKind::IfBranch { .. } => "if".into(),
            BlockKind::Handler(k) => k.keyword().into(),
            BlockKind::Rollback { .. } => "rollback".into(),
        }
    }

    /// Every name a step-or-block lookup could suggest.
    pub fn step_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.names.keys().copied().collect();
        v.sort_unstable();
        v
    }

    pub fn type_of_param(&self, p: ParamId) -> Type {
        self.wf.params[p].ty.clone()
    }
}
