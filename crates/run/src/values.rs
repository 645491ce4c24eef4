//! Run-time evaluation of plan expressions, and step outcomes as values.
//!
//! The plan keeps as expressions only what the run must compute: reads of
//! step outputs, `failed.…`, and values derived from secrets. Rather than a
//! second evaluator, [`Evaluator`] reuses the plan's ([`wfc_plan::eval`]):
//! each step-output read and each `failed.…` in an expression is replaced by a
//! *synthetic loop variable* bound to the run-time value, so the plan
//! evaluator sees an expression whose every name it can resolve — including
//! `null` values (an output of a step that did not run), which have no
//! literal form. One set of operator, function and indexing rules, then, for
//! plan time and run time.
//!
//! Secrets: whenever an expression marked `tainted` (derived from a secret)
//! is evaluated, its string value is collected so the run's masker can hide
//! it as well as the secret params themselves ([`Evaluator::take_derived`]).
//! The checker cannot know which step outputs will hold a secret (a step
//! that prints its token), so taint is also decided here: an expression
//! that reads an output in which the run's masker finds a secret is
//! collected the same way (`upper(login.stdout)`).

use crate::mask::Masker;
use crate::quote::ShellCommand;
use crate::run_context::RunContext;
use wfc_contract::StepStatus;
use wfc_language::ir::{
    BlockId, Expr, ExprKind, FailedField, Func, InterpPart, Names, StepId, Type,
};
use wfc_plan::eval::{self, Eval, Scope};
use wfc_plan::script::{self, Piece, RenderedScript, ScriptLang};
use wfc_plan::{OutputRef, RefTarget, Value};

mod drawn;
mod outcome;
pub use outcome::outcome_value;

/// Synthetic loop-variable ids start here (far above any real block id).
const SYNTHETIC: BlockId = usize::MAX / 2;

/// Where the ids of values bound by [`Evaluator::freeze`] start: apart
/// from [`SYNTHETIC`], which the frozen expression's own evaluation uses.
const FROZEN: BlockId = usize::MAX / 4 * 3;

/// Derived secret values shorter than this are not registered (a `len(token)`
/// of `32` must not blank out every `32` in the output).
const MIN_DERIVED_SECRET: usize = 4;

/// Outputs of the instances of one graph: `None` for an instance that has not
/// produced any (not run, skipped, or not finished).
pub type Outputs = [Option<Value>];

/// Everything one instance's expressions can see at run time.
pub struct Evaluator<'a> {
    pub scope_params: &'a [Option<Value>],
    /// The instance's loop items.
    pub items: &'a [(BlockId, String, Value)],
    /// How each step it reads resolves.
    pub reads: &'a [OutputRef],
    /// Outputs of the main graph.
    pub main: &'a Outputs,
    /// Outputs of the graph the instance belongs to (the main graph's again
    /// for main-graph steps).
    pub local: &'a Outputs,
    /// `failed.step` and `failed.error`, in `on failure`.
    pub failed: Option<(&'a str, &'a str)>,
    /// Names for messages about expressions (see [`Evaluator::with_names`]).
    names: Option<&'a dyn Names>,
    /// What `run.…` reads (see [`Evaluator::with_run`]).
    run: Option<&'a RunContext>,
    /// The run's secrets so far: an output holding one taints what reads it.
    masker: Option<Masker>,
    /// How the steps of the main graph and of this graph ended, for `x.status`.
    ended: Option<(Ended<'a>, Ended<'a>)>,
    derived: Vec<String>,
    /// While [`Evaluator::freeze`] runs: the step whose outputs stay reads.
    frozen: Option<StepId>,
    /// The source of the instance's step: a `uuid()` written there draws
    /// per loop iteration, one in a `let` once per run (see `drawn`).
    step_span: Option<wfc_language::span::Span>,
}

impl<'a> Evaluator<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        params: &'a [Option<Value>],
        items: &'a [(BlockId, String, Value)],
        reads: &'a [OutputRef],
        main: &'a Outputs,
        local: &'a Outputs,
        failed: Option<(&'a str, &'a str)>,
    ) -> Self {
        Evaluator {
            scope_params: params,
            items,
            reads,
            main,
            local,
            failed,
            names: None,
            run: None,
            masker: None,
            ended: None,
            derived: Vec::new(),
            frozen: None,
            step_span: None,
        }
    }

    /// The instance's step is written at `span`.
    pub fn at_step(mut self, span: wfc_language::span::Span) -> Self {
        self.step_span = Some(span);
        self
    }

    /// Names expressions in errors by their source text.
    pub fn with_names(mut self, names: &'a dyn Names) -> Self {
        self.names = Some(names);
        self
    }

    /// The names it shows expressions with, if it has them.
    pub fn names(&self) -> Option<&'a dyn Names> {
        self.names
    }

    /// `x` as an error about a value that does not exist: never rendered as
    /// empty text.
    fn missing(&self, x: &Expr) -> String {
        match self.names {
            Some(n) => format!("`${{{}}}` has no value", wfc_plan::render::expr::show(n, x)),
            None => "an interpolated value has no value".into(),
        }
    }

    /// `x`'s value as text; an error if it has none.
    fn present_text(&mut self, x: &Expr) -> Result<String, String> {
        match self.eval(x)? {
            Value::Null => Err(self.missing(x)),
            v => Ok(v.to_text()),
        }
    }

    /// Gives `run.…` its values.
    pub fn with_run(mut self, run: &'a RunContext) -> Self {
        self.run = Some(run);
        self
    }

    /// Treats what reads an output holding one of `masker`'s secrets as
    /// derived from it.
    pub fn with_masker(mut self, masker: Masker) -> Self {
        self.masker = Some(masker);
        self
    }

    /// Secret-derived strings seen so far (to add to the masker).
    pub fn take_derived(&mut self) -> Vec<String> {
        std::mem::take(&mut self.derived)
    }

    /// `e` with every run-time read but those of `own`'s outputs replaced
    /// by its value now, and the values, bound as loop variables (append
    /// them to the items `e` is evaluated with): what a step's `until`
    /// evaluates after each try, so that it sees `run.…`, `failed.…` and
    /// `x.status` as the step's other expressions did when it started.
    pub fn freeze(&mut self, e: &Expr, own: StepId) -> (Expr, Vec<(BlockId, String, Value)>) {
        let mut bound = Vec::new();
        self.frozen = Some(own);
        let e = self.substitute(e, &mut bound);
        self.frozen = None;
        let items = bound.into_iter().map(|(b, v)| (b, String::new(), v));
        (e, items.collect())
    }

    /// Evaluates `e` to a value.
    pub fn eval(&mut self, e: &Expr) -> Result<Value, String> {
        let mut bound: Vec<(BlockId, Value)> =
            self.items.iter().map(|(b, _, v)| (*b, v.clone())).collect();
        let items = bound.len();
        let (v, reads_secret) = if needs_run(e) {
            if let Some(why) = self.json_of_cut_stream(e) {
                return Err(why);
            }
            let e = self.substitute(e, &mut bound);
            let read = &bound[items..];
            let reads_secret = self
                .masker
                .as_ref()
                .is_some_and(|m| read.iter().any(|(_, v)| holds_secret(m, v)));
            (self.eval_in(&e, &bound)?, reads_secret)
        } else {
            (self.eval_in(e, &bound)?, false)
        };
        if e.tainted || reads_secret {
            collect_strings(&v, &mut self.derived);
        }
        Ok(v)
    }

    /// Evaluates `e` as text (what `${…}` inserts).
    pub fn text(&mut self, e: &Expr) -> Result<String, String> {
        if let ExprKind::Interp(parts) = &e.kind {
            let mut out = String::new();
            for p in parts {
                match p {
                    InterpPart::Text(t) => out.push_str(t),
                    InterpPart::Expr(x) => out.push_str(&self.present_text(x)?),
                }
            }
            if e.tainted {
                self.derived.push(out.clone());
            }
            return Ok(out);
        }
        self.present_text(e)
    }

    /// Renders a `run` command: literal text as written, each `${…}` escaped
    /// for the shell quoting context it stands in (a list: one word per
    /// item), `${raw(…)}` spliced as is. Of `c ? "make a" : "make b"`, the
    /// text chosen is the command, rendered so.
    pub fn command(&mut self, e: &Expr) -> Result<String, String> {
        let parts = match &e.kind {
            ExprKind::Interp(parts) => parts,
            ExprKind::Cond(c, a, b) => {
                return match self.eval(c)? {
                    Value::Bool(true) => self.command(a),
                    Value::Bool(false) => self.command(b),
                    _ => Err("the condition choosing the command has no value".into()),
                };
            }
            _ => return self.text(e),
        };
        let mut cmd = ShellCommand::new();
        for p in parts {
            match p {
                InterpPart::Text(t) => {
                    cmd.text(t);
                }
                InterpPart::Expr(x) => match &x.kind {
                    ExprKind::Call(Func::Raw, args) if args.len() == 1 => {
                        let v = self.present_text(&args[0])?;
                        cmd.raw(&v);
                    }
                    _ if matches!(x.ty, Type::List(_)) => {
                        let items = self.words(x)?;
                        cmd.words(&items).map_err(|err| err.to_string())?;
                    }
                    _ => {
                        let v = self.present_text(x)?;
                        cmd.value(&v).map_err(|err| err.to_string())?;
                    }
                },
            }
        }
        Ok(cmd.finish())
    }

    /// The items of list `x` as text, for the words of a command.
    fn words(&mut self, x: &Expr) -> Result<Vec<String>, String> {
        match self.eval(x)? {
            Value::List(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::Null => Err(self.missing(x)),
                    v => Ok(v.to_text()),
                })
                .collect(),
            Value::Null => Err(self.missing(x)),
            v => Ok(vec![v.to_text()]),
        }
    }

    /// Renders a `python` or `node` script: literal text as written, each
    /// `${…}` as a literal of the language ([`wfc_plan::script`]).
    pub fn script(&mut self, lang: ScriptLang, e: &Expr) -> Result<RenderedScript, String> {
        let ExprKind::Interp(parts) = &e.kind else {
            let source = self.text(e)?;
            return script::render(lang, &[Piece::Text(&source)]);
        };
        let mut values = Vec::new();
        for p in parts {
            if let InterpPart::Expr(x) = p {
                let seen = self.derived.len();
                let v = self.eval(x)?;
                values.push((v, x.tainted || self.derived.len() > seen));
            }
        }
        let mut values = values.iter();
        let pieces: Vec<Piece> = parts
            .iter()
            .map(|p| match p {
                InterpPart::Text(t) => Piece::Text(t),
                InterpPart::Expr(_) => {
                    let (value, secret) = values.next().expect("one value per part");
                    Piece::Value {
                        value,
                        secret: *secret,
                    }
                }
            })
            .collect();
        script::render(lang, &pieces)
    }

    fn eval_in(&self, e: &Expr, bound: &[(BlockId, Value)]) -> Result<Value, String> {
        let never = |_| false;
        let scope = Scope {
            params: self.scope_params,
            loops: bound,
            pruned: &never,
        };
        match eval::eval(e, &scope) {
            Eval::Known(v) => Ok(v),
            Eval::Error(why) => Err(why),
            Eval::Unknown => Err("the expression cannot be evaluated (a value it needs is missing or has the wrong type)".into()),
        }
    }

    /// `e` with every run-time read replaced by a synthetic loop variable
    /// bound (in `bound`) to its value.
    fn substitute(&self, e: &Expr, bound: &mut Vec<(BlockId, Value)>) -> Expr {
        let kind = match &e.kind {
            ExprKind::StepOutput { step, .. } if self.frozen == Some(*step) => e.kind.clone(),
            ExprKind::StepOutput {
                step,
                field,
                output,
            } => {
                let v = absent_list(self.output(*step, field, output.as_deref()), &e.ty);
                return self.synthetic(e, v, bound);
            }
            ExprKind::StepStatus(step) => {
                let v = self.status(*step);
                return self.synthetic(e, v, bound);
            }
            ExprKind::Failed(f) => {
                let v = match (self.failed, f) {
                    (Some((s, _)), FailedField::Step) => Value::Str(s.to_owned()),
                    (Some((_, m)), FailedField::Error) => Value::Str(m.to_owned()),
                    (None, _) => Value::Str(String::new()),
                };
                return self.synthetic(e, v, bound);
            }
            ExprKind::Run(f) => {
                let v = self.run.map_or(Value::Null, |r| r.value(*f));
                return self.synthetic(e, v, bound);
            }
            ExprKind::Cond(c, a, b) => ExprKind::Cond(
                Box::new(self.substitute(c, bound)),
                Box::new(self.substitute(a, bound)),
                Box::new(self.substitute(b, bound)),
            ),
            ExprKind::List(xs) => {
                ExprKind::List(xs.iter().map(|x| self.substitute(x, bound)).collect())
            }
            ExprKind::Map(m) => ExprKind::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.substitute(v, bound)))
                    .collect(),
            ),
            ExprKind::Interp(parts) => ExprKind::Interp(
                parts
                    .iter()
                    .map(|p| match p {
                        InterpPart::Text(t) => InterpPart::Text(t.clone()),
                        InterpPart::Expr(x) => InterpPart::Expr(self.substitute(x, bound)),
                    })
                    .collect(),
            ),
            // The time it is now; an `until` reads it afresh at each check.
            ExprKind::Call(Func::Now, _) if self.frozen.is_none() => {
                let now = wfc_language::time_value::from_system(std::time::SystemTime::now());
                return self.synthetic(e, Value::Time(now), bound);
            }
            ExprKind::Call(f @ (Func::Uuid | Func::RandomInt), args) if self.frozen.is_none() => {
                let args: Vec<Expr> = args.iter().map(|a| self.substitute(a, bound)).collect();
                match self.drawn(*f, e, &args, bound) {
                    Ok(v) => return self.synthetic(e, v, bound),
                    // Left as a call: evaluating it says why.
                    Err(_) => ExprKind::Call(*f, args),
                }
            }
            ExprKind::Call(f, args) => {
                ExprKind::Call(*f, args.iter().map(|a| self.substitute(a, bound)).collect())
            }
            ExprKind::Unary(op, x) => ExprKind::Unary(*op, Box::new(self.substitute(x, bound))),
            ExprKind::Binary(op, l, r) => ExprKind::Binary(
                *op,
                Box::new(self.substitute(l, bound)),
                Box::new(self.substitute(r, bound)),
            ),
            ExprKind::Index(b, i) => ExprKind::Index(
                Box::new(self.substitute(b, bound)),
                Box::new(self.substitute(i, bound)),
            ),
            ExprKind::Field(b, name) => {
                ExprKind::Field(Box::new(self.substitute(b, bound)), name.clone())
            }
            ExprKind::Comprehension(c) => {
                ExprKind::Comprehension(Box::new(c.map(|x| self.substitute(x, bound))))
            }
            other => other.clone(),
        };
        Expr {
            kind,
            ty: e.ty.clone(),
            span: e.span,
            tainted: e.tainted,
        }
    }

    fn synthetic(&self, e: &Expr, v: Value, bound: &mut Vec<(BlockId, Value)>) -> Expr {
        let base = if self.frozen.is_some() {
            FROZEN
        } else {
            SYNTHETIC
        };
        let id = base + bound.len();
        bound.push((id, v));
        Expr {
            kind: ExprKind::LoopVar(id),
            ty: e.ty.clone(),
            span: e.span,
            tainted: e.tainted,
        }
    }

    /// Why `e` cannot be evaluated if it takes `json()` of a `stdout` or
    /// `stderr` that was cut to its capture cap: what is left is not the
    /// whole text, and "not JSON: EOF while parsing" would not say why.
    fn json_of_cut_stream(&self, e: &Expr) -> Option<String> {
        let mut found = None;
        e.walk(&mut |x| {
            if let ExprKind::Call(Func::Json, args) = &x.kind {
                for a in args {
                    a.walk(&mut |r| {
                        if let ExprKind::StepOutput {
                            step,
                            field,
                            output: None,
                        } = &r.kind
                        {
                            found = found.take().or_else(|| self.cut(*step, field));
                        }
                    });
                }
            }
        });
        found
    }

    /// The error for `json()` of `step.field` when that stream was cut.
    fn cut(&self, step: usize, field: &str) -> Option<String> {
        let r = self.reads.iter().find(|r| r.step == step)?;
        let graph = if r.main { self.main } else { self.local };
        let ids: &[usize] = match &r.target {
            RefTarget::One(id) => std::slice::from_ref(id),
            RefTarget::List(ids) => ids,
            RefTarget::Absent => &[],
        };
        let size = |sizes: &Value, k: &str| match pick(sizes, k, None) {
            Value::Int(n) => n.max(0) as u64,
            _ => 0,
        };
        ids.iter().find_map(|&id| {
            let outputs = graph.get(id)?.as_ref()?;
            let sizes = pick(&pick(outputs, crate::exec::TRUNCATED, None), field, None);
            if sizes == Value::Null {
                return None;
            }
            let bytes = crate::exec::bytes;
            Some(format!(
                "json(): `{field}` was truncated to its last {} ({} dropped before it), so it is not the whole JSON; \
                 have the step write the JSON to $WF_OUTPUTS as a declared `outputs {{ NAME: json }}` instead",
                bytes(size(&sizes, "kept_bytes")),
                bytes(size(&sizes, "dropped_bytes"))
            ))
        })
    }

    /// The value of `step.field` (or `step.outputs.NAME`) for this instance:
    /// `null` where the step did not produce it.
    fn output(&self, step: usize, field: &str, output: Option<&str>) -> Value {
        let Some(r) = self.reads.iter().find(|r| r.step == step) else {
            return Value::Null;
        };
        let graph = if r.main { self.main } else { self.local };
        let one = |id: usize| match graph.get(id).and_then(Option::as_ref) {
            Some(v) => pick(v, field, output),
            None => Value::Null,
        };
        match &r.target {
            RefTarget::One(id) => one(*id),
            RefTarget::List(ids) => Value::List(ids.iter().map(|&id| one(id)).collect()),
            RefTarget::Absent => Value::Null,
        }
    }
}

impl<'a> Evaluator<'a> {
    /// Reads `x.status` from how the steps of the main graph (`main`) and of
    /// the instance's own graph (`local`) ended.
    pub fn with_ended(mut self, main: Ended<'a>, local: Ended<'a>) -> Self {
        self.ended = Some((main, local));
        self
    }

    /// `step.status`: one text, or a list of them for a loop's instances.
    fn status(&self, step: usize) -> Value {
        let Some(r) = self.reads.iter().find(|r| r.step == step) else {
            // Not in the plan: its branch was decided not taken.
            return Value::Str(status_text(Some(StepStatus::Skipped)).into());
        };
        let one = |id: usize| {
            let ended = self.ended.as_ref().and_then(|(main, local)| {
                let graph = if r.main { main } else { local };
                graph.get(id)
            });
            Value::Str(status_text(ended).into())
        };
        match &r.target {
            RefTarget::One(id) => one(*id),
            RefTarget::List(ids) => Value::List(ids.iter().map(|&id| one(id)).collect()),
            RefTarget::Absent => Value::Str(status_text(Some(StepStatus::Skipped)).into()),
        }
    }
}

/// How the instances of one graph ended so far.
#[derive(Clone, Copy)]
pub enum Ended<'a> {
    /// A graph being run.
    States(&'a [crate::state::State]),
    /// A graph that has run (the main graph, read from a handler).
    Statuses(&'a [StepStatus]),
}

impl Ended<'_> {
    fn get(&self, id: usize) -> Option<StepStatus> {
        match self {
            Ended::States(s) => match s.get(id)? {
                crate::state::State::Done(st) => Some(*st),
                _ => None,
            },
            Ended::Statuses(s) => s.get(id).copied(),
        }
    }
}

/// `x.status` of a step that ended so: a timeout is a failure; a step whose
/// branch was not taken (or that lost a `wait any` race before it started)
/// was skipped; one that never started because a dependency did not
/// succeed or the run stopped first did not run.
pub fn status_text(ended: Option<StepStatus>) -> &'static str {
    match ended {
        Some(StepStatus::Succeeded) => "succeeded",
        Some(StepStatus::Failed | StepStatus::TimedOut) => "failed",
        Some(StepStatus::Cancelled) => "cancelled",
        Some(StepStatus::Skipped) => "skipped",
        Some(StepStatus::NotRun) | None => "not_run",
    }
}

/// A loop's outputs read where the whole loop may not have run (`list<T>?`):
/// when no iteration has them (the loop was absent, or never unrolled), they
/// do not exist, rather than being a list of values that do not exist.
fn absent_list(v: Value, ty: &Type) -> Value {
    match (&v, ty) {
        (Value::List(xs), Type::Optional(inner))
            if matches!(&**inner, Type::List(e) if !matches!(**e, Type::Optional(_)))
                && !xs.is_empty()
                && xs.iter().all(|x| *x == Value::Null) =>
        {
            Value::Null
        }
        _ => v,
    }
}

/// Each element of a list as text (a docker command's words, mail
/// recipients): an error for one that does not exist.
pub fn texts(v: Value) -> Result<Vec<String>, String> {
    let one = |x: Value| match x {
        Value::Null => Err("a value in the list has no value".to_string()),
        x => Ok(x.to_text()),
    };
    match v {
        Value::List(xs) => xs.into_iter().map(one).collect(),
        v => one(v).map(|t| vec![t]),
    }
}

/// A field of an instance's outputs map.
fn pick(outputs: &Value, field: &str, output: Option<&str>) -> Value {
    let get = |m: &Value, k: &str| match m {
        Value::Map(entries) => entries
            .iter()
            .find(|(ek, _)| ek == k)
            .map_or(Value::Null, |(_, v)| v.clone()),
        _ => Value::Null,
    };
    match output {
        // `outputs.NAME`, `artifacts.NAME`
        Some(name) => get(&get(outputs, field), name),
        None => get(outputs, field),
    }
}

/// Whether `e` reads anything only the run knows.
fn needs_run(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::StepOutput { .. }
        | ExprKind::StepStatus(_)
        | ExprKind::Failed(_)
        | ExprKind::Run(_)
        | ExprKind::Call(Func::Now | Func::Uuid | Func::RandomInt, _) => true,
        ExprKind::Cond(c, a, b) => needs_run(c) || needs_run(a) || needs_run(b),
        ExprKind::List(xs) | ExprKind::Call(_, xs) => xs.iter().any(needs_run),
        ExprKind::Map(m) => m.iter().any(|(_, x)| needs_run(x)),
        ExprKind::Interp(parts) => parts.iter().any(|p| match p {
            InterpPart::Expr(x) => needs_run(x),
            InterpPart::Text(_) => false,
        }),
        ExprKind::Unary(_, x) | ExprKind::Field(x, _) => needs_run(x),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => needs_run(a) || needs_run(b),
        ExprKind::Comprehension(c) => c.parts().any(needs_run),
        _ => false,
    }
}

/// Whether `masker` finds a secret in any text of `v`.
fn holds_secret(masker: &Masker, v: &Value) -> bool {
    match v {
        Value::Str(s) => masker.finds(s),
        Value::List(xs) => xs.iter().any(|x| holds_secret(masker, x)),
        Value::Map(m) => m.iter().any(|(_, x)| holds_secret(masker, x)),
        _ => false,
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(s) if s.len() >= MIN_DERIVED_SECRET => out.push(s.clone()),
        Value::List(xs) => xs.iter().for_each(|x| collect_strings(x, out)),
        Value::Map(m) => m.iter().for_each(|(_, x)| collect_strings(x, out)),
        _ => {}
    }
}

/// A map value from `(name, value)` pairs.
pub fn map(entries: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}
