//! The typed IR the checker produces and later phases (plan, run, ide) consume.
//!
//! Names are resolved to ids ([`ParamId`], [`StepId`], [`BlockId`]), every
//! expression carries its [`Type`], and dependencies are explicit: the ones the
//! user wrote ([`Step::depends_on`], [`Block::depends_on`]) and the ones implied
//! by reading another step's output ([`Step::implied`], [`Block::implied`]).
//! Spans travel through everything so later phases can point at the source.
//!
//! The IR is always produced, even for a file with errors: things that were
//! wrong become `Invalid` placeholders ([`Type::Invalid`], [`ExprKind::Invalid`],
//! [`StepKind::Invalid`]) so that tools such as the language server can still
//! work on the rest of the file.

use crate::span::Span;

mod error_class;
pub use error_class::{ErrorClass, ERROR_CLASS};
mod settings;
pub use settings::{attempt_names, ATTEMPT_NAMES};
pub use settings::{
    Backoff, ExecutorExprs, ExecutorKind, ResourceExprs, Retry, RetryExprs, StepSettings,
    Tolerance, Until,
};
mod name_table;
mod order;
pub use name_table::{NameTable, Names};
pub use order::SequenceOrder;
pub mod alerts;
pub mod artifacts;
mod call;
mod comprehension;
mod context;
mod func;
mod gate_inputs;
mod outputs;
mod schedule_env;
pub mod sources;
mod triggers;
pub use schedule_env::resolve_schedules;
mod types;
pub use alerts::Alert;
pub use call::{Call, CallArg, FILE_FIELD, FILE_PARAMS};
pub use comprehension::{CompVar, CompVarDecl, Comprehension};
pub use context::{Let, RunField};
pub use func::Func;
pub use gate_inputs::GateInput;
pub use outputs::WorkflowOutput;
pub use triggers::{
    next_fires, parse_cron, Change, LockBusy, Overlap, Schedule, ScheduleEnv, Trigger,
    TriggerInput, TriggerParam, Webhook, DEFAULT_DEBOUNCE_MS,
};
pub use types::Type;

pub use crate::syntax::ast::{BinaryOp, HandlerKind, UnaryOp};

/// Index into [`Workflow::params`].
pub type ParamId = usize;
/// Index into [`Workflow::steps`].
pub type StepId = usize;
/// Index into [`Workflow::blocks`].
pub type BlockId = usize;

/// A checked workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub name_span: Span,
    pub doc: Option<String>,
    pub description: Option<String>,
    /// Its `version "…"` setting.
    pub version: Option<String>,
    /// Its `tags [...]` setting, in the order written.
    pub tags: Vec<String>,
    pub concurrency: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub params: Vec<Param>,
    /// Workflow-level `env { KEY = EXPR }`, in source order.
    pub env: Vec<(String, Expr)>,
    /// `defaults { … }` as written (already applied to every step).
    pub defaults: Defaults,
    /// Every step, including those in blocks, rollbacks and handlers; `StepId` = index.
    pub steps: Vec<Step>,
    /// Every block (if branches, loops, parallel blocks, handlers, rollbacks); `BlockId` = index.
    pub blocks: Vec<Block>,
    /// The main graph's top-level nodes in source order (handlers are in `handlers`).
    pub root: Vec<Node>,
    /// Workflow-level `on failure` / `on success` / `finally` blocks (kind [`BlockKind::Handler`]).
    pub handlers: Vec<BlockId>,
    /// Every use of a param, step, block, loop variable or output, in source order.
    pub references: Vec<Reference>,
    /// Every `let`, in source order; `LetId` = index.
    pub lets: Vec<Let>,
    /// Where each use of a let stands (its expression is inlined there, with
    /// the use's span): what a reason shows by the let's name.
    pub let_uses: rustc_hash::FxHashMap<Span, LetId>,
    /// The workflow's `outputs { … }`, in source order.
    pub outputs: Vec<WorkflowOutput>,
    /// `on schedule|webhook|change …`, in source order (read by `wfc serve`).
    pub triggers: Vec<Trigger>,
    /// `lock EXPR`: a string over params and `run.*`; runs with equal keys
    /// never overlap on one store.
    pub lock: Option<Expr>,
    /// `lock … { on busy MODE }`: what a run does while its key is held.
    pub lock_busy: LockBusy,
    /// `alert NAME { … }`, in source order (decided as runs end).
    pub alerts: Vec<Alert>,
    /// `any(b, c)` groups of `depends on` lists, in source order.
    pub depends_any: Vec<AnyDeps>,
    /// The workflow's text, `workflow` to its closing `}`.
    pub span: Span,
    /// The file its spans point into, when that is an imported module's
    /// (set by the loader; `None` for the file being checked).
    pub file: Option<std::sync::Arc<str>>,
    /// Every `require_env("NAME")`: the variable and the call, checked
    /// before a run starts.
    pub required_env: Vec<(String, Span)>,
    /// Every comprehension's variable, for the editor (kept with the
    /// references).
    pub comp_vars: Vec<CompVarDecl>,
    /// `runner "LABEL"`: the GitHub Actions runner of every job (the
    /// export's `runs-on`); `wfc run` ignores it.
    pub runner: Option<Expr>,
    /// `strict true|false`: whether its `shell` steps' shells stop at the
    /// first failing command (each step's own `strict` wins; default true).
    pub strict: Option<bool>,
    /// `fail fast`: a required failure cancels every running step (not
    /// only those that wait), with their process trees.
    pub fail_fast: bool,
}

/// Index into [`Workflow::lets`].
pub type LetId = usize;

impl Workflow {
    /// One line saying what the workflow is for: its `description`
    /// setting, else the first line of its `##` docs.
    pub fn summary(&self) -> Option<String> {
        self.description.clone().or_else(|| {
            let doc = self.doc.as_deref()?;
            doc.lines().next().map(str::to_owned)
        })
    }

    /// Drops the spare capacity the checker's pushes left: a workflow of
    /// thousands of steps would otherwise carry up to twice its size.
    pub fn shrink_to_fit(&mut self) {
        self.steps.shrink_to_fit();
        self.blocks.shrink_to_fit();
        self.references.shrink_to_fit();
        for s in &mut self.steps {
            s.depends_on.shrink_to_fit();
            s.after.shrink_to_fit();
            s.implied.shrink_to_fit();
            s.fields.shrink_to_fit();
            s.outputs.shrink_to_fit();
            s.rollback.shrink_to_fit();
        }
    }

    /// The handler block for `kind`, if the workflow has one.
    pub fn handler(&self, kind: HandlerKind) -> Option<BlockId> {
        self.handlers
            .iter()
            .copied()
            .find(|&b| self.blocks[b].kind == BlockKind::Handler(kind))
    }

    pub fn step_named(&self, name: &str) -> Option<StepId> {
        self.steps.iter().position(|s| s.name == name)
    }

    pub fn param_named(&self, name: &str) -> Option<ParamId> {
        self.params.iter().position(|p| p.name == name)
    }

    /// The blocks enclosing `block`, innermost first, starting with `block` itself.
    pub fn block_chain(&self, block: Option<BlockId>) -> Vec<BlockId> {
        let mut out = Vec::new();
        let mut cur = block;
        while let Some(b) = cur {
            out.push(b);
            cur = self.blocks[b].parent;
        }
        out
    }

    /// The blocks around a step or block in `parent`, innermost first, up to
    /// its region (a handler or a rollback, whose own dependencies are not
    /// those of what is inside).
    pub fn region_chain(&self, parent: Option<BlockId>) -> impl Iterator<Item = BlockId> + '_ {
        self.block_chain(parent).into_iter().take_while(|&b| {
            !matches!(
                self.blocks[b].kind,
                BlockKind::Handler(_) | BlockKind::Rollback { .. }
            )
        })
    }

    /// The steps a `depends on` entry names (a block stands for its steps).
    pub fn dep_steps(&self, d: &Dep, f: &mut impl FnMut(StepId)) {
        match d.target() {
            DepTarget::Step(s) => f(s),
            DepTarget::Block(b) => self.steps_in(b).into_iter().for_each(f),
        }
    }

    /// Every step inside `block`, at any depth (rollbacks of those steps excluded), in id order.
    pub fn steps_in(&self, block: BlockId) -> Vec<StepId> {
        let mut out = Vec::new();
        self.collect_steps(&self.blocks[block].members, &mut out);
        out.sort_unstable();
        out
    }

    fn collect_steps(&self, nodes: &[Node], out: &mut Vec<StepId>) {
        for node in nodes {
            match *node {
                Node::Step(s) => out.push(s),
                Node::Block(b) => self.collect_steps(&self.blocks[b].members, out),
            }
        }
    }
}

/// `defaults { timeout … retry … estimate … }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Defaults {
    pub timeout_ms: Option<u64>,
    pub retry: Option<Retry>,
    pub estimate_ms: Option<u64>,
}

/// A node of a body: a step or a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Step(StepId),
    Block(BlockId),
}

/// A use of a named thing, for go-to-definition, references and rename.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// The span of the name as used (for an output, the output's name).
    pub span: Span,
    pub target: Symbol,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    Param(ParamId),
    Step(StepId),
    Block(BlockId),
    /// The variable of the `for each` block.
    LoopVar(BlockId),
    /// A comprehension's variable: its index in [`Workflow::comp_vars`].
    CompVar(usize),
    Let(LetId),
    /// An output of a step: `declared` for `s.outputs.NAME`, else a kind output (`s.stdout`).
    Output {
        step: StepId,
        name: String,
        declared: bool,
    },
}

/// `param NAME: TYPE [in …] [= DEFAULT]` or `secret …`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub name_span: Span,
    pub ty: Type,
    pub ty_span: Span,
    pub secret: bool,
    pub constraint: Option<Constraint>,
    pub default: Option<Expr>,
    pub doc: Option<String>,
    pub span: Span,
}

impl Param {
    /// Secret, or computed from one: a param whose default reads a secret
    /// (`param auth: string = "Bearer ${token}"`) is masked like a secret.
    pub fn is_tainted(&self) -> bool {
        self.secret || self.default.as_ref().is_some_and(|d| d.tainted)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    /// `in [a, b, c]`
    OneOf(Vec<Expr>),
    /// `in lo..hi`, inclusive.
    Range(Expr, Expr),
}

/// The kind of a step; [`crate::check::kinds`] describes each one's fields and outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    Shell,
    Http,
    Docker,
    /// A Python script (`script` or `file`), values rendered as Python literals.
    Python,
    /// A JavaScript script run by Node.js, values rendered as JavaScript literals.
    Node,
    /// Statements against a database, values bound as parameters.
    Sql,
    Slack,
    Webhook,
    Email,
    Gate,
    /// Waits for its `duration`.
    Sleep,
    /// Runs another workflow ([`Step::call`]); the plan inlines it.
    Call,
    /// An unknown kind (already reported); its fields are not checked.
    Invalid,
}

impl StepKind {
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Shell => "shell",
            StepKind::Http => "http",
            StepKind::Docker => "docker",
            StepKind::Python => "python",
            StepKind::Node => "node",
            StepKind::Sql => "sql",
            StepKind::Slack => "slack",
            StepKind::Webhook => "webhook",
            StepKind::Email => "email",
            StepKind::Gate => "gate",
            StepKind::Sleep => "sleep",
            StepKind::Call => "call",
            StepKind::Invalid => "{invalid}",
        }
    }

    /// The language of a `python` or `node` step's script.
    pub fn script_lang(self) -> Option<crate::script_syntax::Lang> {
        match self {
            StepKind::Python => Some(crate::script_syntax::Lang::Python),
            StepKind::Node => Some(crate::script_syntax::Lang::JavaScript),
            _ => None,
        }
    }

    /// Whether its `file` field names a file it reads (a script or a
    /// query), relative to the workflow file that says it.
    pub fn reads_file(self) -> bool {
        matches!(self, StepKind::Python | StepKind::Node | StepKind::Sql)
    }
}

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// In the main graph (possibly inside `if`, `for each`, `parallel`).
    Main,
    /// In the `on failure rollback { … }` of another step.
    Rollback { of: StepId },
    /// In a workflow-level handler.
    Handler(HandlerKind),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: StepId,
    pub name: String,
    pub name_span: Span,
    pub kind: StepKind,
    pub kind_span: Span,
    pub span: Span,
    /// The innermost enclosing block (None = top level).
    pub parent: Option<BlockId>,
    pub role: Role,
    /// `depends on …` as written, resolved.
    pub depends_on: Vec<Dep>,
    /// `after …` as written, resolved, then the steps whose `status` it
    /// reads: it starts once each has ended, however it ended.
    pub after: Vec<Dep>,
    /// Steps whose outputs this step reads (deduplicated, in first-use order);
    /// only steps in the same graph (main graph, or the same handler/rollback body).
    pub implied: Vec<StepId>,
    /// The kind's own fields (`run`, `image`, `get`, `message`, …), typed.
    pub fields: Vec<StepField>,
    /// After applying `defaults`, when written as literals (boxed: most
    /// steps have none, and a workflow holds thousands of steps).
    pub retry: Option<Box<Retry>>,
    /// After applying `defaults`, when written as a literal.
    pub timeout_ms: Option<u64>,
    /// After applying `defaults`, when written as a literal.
    pub estimate_ms: Option<u64>,
    /// Every setting after `defaults` as an expression, literal or not, and
    /// `until`: what the plan folds (None when the step has none).
    pub settings: Option<Box<StepSettings>>,
    pub optional: bool,
    /// Declared `outputs { name: type }`.
    pub outputs: Vec<OutputDecl>,
    /// Every step of this step's `on failure rollback { … }`, in id order.
    pub rollback: Vec<StepId>,
    pub rollback_block: Option<BlockId>,
    /// Gate `on fail` mode (gates with `check` only; default abort).
    pub on_fail: Option<OnFail>,
    pub doc: Option<String>,
    /// A call step's target and arguments (boxed: rare).
    pub call: Option<Box<Call>>,
}

impl Step {
    pub fn field(&self, name: &str) -> Option<&StepField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputDecl {
    pub name: String,
    pub name_span: Span,
    pub ty: Type,
}

/// A resolved `depends on` entry, in 12 bytes: a workflow of 5,000 steps
/// in layers of 20 holds 100,000 of them (1.2 MB, not 2.4).
#[derive(Clone, Copy, PartialEq)]
pub struct Dep {
    /// The target's id, with [`Dep::BLOCK`] set for a block.
    target: u32,
    /// The span of the name in `depends on`.
    pub span: Span,
}

impl Dep {
    const BLOCK: u32 = 1 << 31;

    pub fn new(target: DepTarget, span: Span) -> Dep {
        let id = |i: usize| {
            u32::try_from(i)
                .ok()
                .filter(|&i| i < Dep::BLOCK)
                .expect("fewer than 2^31 steps and blocks")
        };
        let target = match target {
            DepTarget::Step(s) => id(s),
            DepTarget::Block(b) => id(b) | Dep::BLOCK,
        };
        Dep { target, span }
    }

    pub fn target(&self) -> DepTarget {
        let id = (self.target & !Dep::BLOCK) as usize;
        if self.target & Dep::BLOCK == 0 {
            DepTarget::Step(id)
        } else {
            DepTarget::Block(id)
        }
    }
}

/// `any(b, c)` in the `depends on` of a step or block: it starts once every
/// member has ended and one succeeded (all absent: as for an absent step).
#[derive(Clone, Debug, PartialEq)]
pub struct AnyDeps {
    /// The step or block whose `depends on` says it.
    pub holder: Node,
    pub members: Vec<Dep>,
    /// As written, in canonical form: `any(b, c)`.
    pub label: String,
    /// The span of `any(…)`.
    pub span: Span,
}

impl std::fmt::Debug for Dep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dep")
            .field("target", &self.target())
            .field("span", &self.span)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DepTarget {
    Step(StepId),
    /// A named `parallel` or `sequence` block: stands for every step in it.
    Block(BlockId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepField {
    pub name: String,
    pub value: FieldValue,
    pub span: Span,
}

impl FieldValue {
    /// [`Expr::guarded_reads`] over every expression of the value.
    pub fn guarded_reads(&self, f: &mut impl FnMut(StepId, bool)) {
        match self {
            FieldValue::Expr(e) => e.guarded_reads(f),
            FieldValue::Map(m) => m.iter().for_each(|(_, e)| e.guarded_reads(f)),
            FieldValue::Mount { source, target } => {
                source.guarded_reads(f);
                target.guarded_reads(f);
            }
            FieldValue::Keyword(_) => {}
            FieldValue::Inputs(inputs) => inputs
                .iter()
                .filter_map(|i| i.default.as_ref())
                .for_each(|e| e.guarded_reads(f)),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Expr(Expr),
    /// `env { KEY = EXPR }`, `headers { … }`.
    Map(Vec<(String, Expr)>),
    /// `mount SOURCE at TARGET` (boxed: a field is as big as its largest variant).
    Mount {
        source: Box<Expr>,
        target: Box<Expr>,
    },
    /// A keyword value such as `pull missing`.
    Keyword(String),
    /// An approval gate's `inputs { … }`.
    Inputs(Vec<GateInput>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFail {
    Abort,
    Pause,
    Continue,
}

impl OnFail {
    /// As written after `on fail`.
    pub fn name(self) -> &'static str {
        match self {
            OnFail::Abort => "abort",
            OnFail::Pause => "pause",
            OnFail::Continue => "continue",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    All,
    Any,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub id: BlockId,
    pub kind: BlockKind,
    pub parent: Option<BlockId>,
    pub members: Vec<Node>,
    /// The block's leading `depends on` (applies to everything inside).
    pub depends_on: Vec<Dep>,
    /// Steps whose outputs the block's header reads (if condition, loop list, parallel count).
    pub implied: Vec<StepId>,
    /// For if branches: from `if`/`else` to the closing brace; otherwise the whole block.
    pub span: Span,
    /// `fail fast` on a `parallel` block or loop: a required failure inside
    /// it cancels its members still running.
    pub fail_fast: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BlockKind {
    /// One branch of an `if` chain. `chain` numbers the chains in the file;
    /// `index` is the branch's position in it; `cond` is None for `else`.
    IfBranch {
        cond: Option<Expr>,
        chain: usize,
        index: usize,
    },
    /// `for each VAR in ITER [parallel [N]]`.
    ForEach {
        var: String,
        var_span: Span,
        /// The element type (the type of `var` inside the loop).
        var_ty: Type,
        iter: Expr,
        parallel: Option<Option<Expr>>,
        /// `batch N`: `parallel` holds `N`, and each batch of `N`
        /// iterations starts once the one before has ended.
        batch: bool,
        /// `max failures N|P%`: failed iterations let pass.
        max_failures: Option<Box<Tolerance>>,
    },
    Parallel {
        name: Option<String>,
        name_span: Option<Span>,
        wait: Wait,
    },
    Handler(HandlerKind),
    Rollback {
        of: StepId,
    },
    /// `sequence [NAME]`: each member starts once the one before succeeded
    /// (or was absent).
    Sequence {
        name: Option<String>,
        name_span: Option<Span>,
    },
}

/// A typed expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
    /// Derived from a secret (masked at run time; warned about in command lines).
    pub tainted: bool,
}

impl Expr {
    pub fn invalid(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Invalid,
            ty: Type::Invalid,
            span,
            tainted: false,
        }
    }

    /// The literal boolean value, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ExprKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Calls `f` on the expression and every expression inside it, outer first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        match &self.kind {
            ExprKind::List(xs) | ExprKind::Call(_, xs) => xs.iter().for_each(|x| x.walk(f)),
            ExprKind::Map(m) => m.iter().for_each(|(_, x)| x.walk(f)),
            ExprKind::Interp(parts) => parts.iter().for_each(|p| {
                if let InterpPart::Expr(x) = p {
                    x.walk(f)
                }
            }),
            ExprKind::Unary(_, x) | ExprKind::Field(x, _) => x.walk(f),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Cond(c, a, b) => {
                c.walk(f);
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Comprehension(c) => c.parts().for_each(|x| x.walk(f)),
            _ => {}
        }
    }

    /// Calls `f` on every step-output read in the expression, with whether
    /// it is *guarded*: inside the first argument of `default(…)`, which
    /// gives a fallback when the step did not succeed.
    pub fn guarded_reads(&self, f: &mut impl FnMut(StepId, bool)) {
        self.walk_reads(false, f)
    }

    fn walk_reads(&self, guarded: bool, f: &mut impl FnMut(StepId, bool)) {
        match &self.kind {
            ExprKind::StepOutput { step, .. } => f(*step, guarded),
            // How a step ended exists however it ended: a read only orders.
            ExprKind::StepStatus(step) => f(*step, true),
            ExprKind::Call(Func::Default, xs) => {
                for (i, x) in xs.iter().enumerate() {
                    x.walk_reads(guarded || i == 0, f);
                }
            }
            ExprKind::List(xs) | ExprKind::Call(_, xs) => {
                xs.iter().for_each(|x| x.walk_reads(guarded, f))
            }
            ExprKind::Map(m) => m.iter().for_each(|(_, x)| x.walk_reads(guarded, f)),
            ExprKind::Interp(parts) => parts.iter().for_each(|p| {
                if let InterpPart::Expr(x) = p {
                    x.walk_reads(guarded, f)
                }
            }),
            ExprKind::Unary(_, x) | ExprKind::Field(x, _) => x.walk_reads(guarded, f),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                a.walk_reads(guarded, f);
                b.walk_reads(guarded, f);
            }
            ExprKind::Cond(c, a, b) => {
                c.walk_reads(guarded, f);
                a.walk_reads(guarded, f);
                b.walk_reads(guarded, f);
            }
            ExprKind::Comprehension(c) => c.parts().for_each(|x| x.walk_reads(guarded, f)),
            _ => {}
        }
    }

    /// The literal string value, if this is one (no interpolation).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Milliseconds.
    Duration(u64),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    /// A string with `${…}` interpolation.
    Interp(Vec<InterpPart>),
    Param(ParamId),
    LoopVar(BlockId),
    /// `step.field` (`field` = `stdout`, `status`, …) or `step.outputs.NAME`
    /// (`field` = `outputs`, `output` = `Some(NAME)`).
    StepOutput {
        step: StepId,
        field: String,
        output: Option<String>,
    },
    /// `step.status`: how the step ended (`"succeeded"`, `"failed"`,
    /// `"skipped"`, `"not_run"`, `"cancelled"`). Reading it orders the reader after the
    /// step, however the step ended; it never makes a dependency.
    StepStatus(StepId),
    /// `failed.step` / `failed.error` (in workflow `on failure` only).
    Failed(FailedField),
    Call(Func, Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// A member of a map or json value: `m.key`.
    Field(Box<Expr>, String),
    /// `cond ? then : otherwise`: only the chosen arm is evaluated.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `run.id`, `run.status`, …: known only to the run.
    Run(RunField),
    /// `request.json`, `changed`, …: only in a trigger's `params { … }`.
    TriggerInput(TriggerInput),
    /// `[elem for x in source if filter]`.
    Comprehension(Box<Comprehension>),
    /// A comprehension's variable, inside its `elem` or `filter`.
    CompVar(CompVar),
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InterpPart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailedField {
    /// The name of the step that failed.
    Step,
    /// Its error message.
    Error,
}
