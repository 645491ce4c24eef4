//! `.wf` expressions as GitHub Actions values: a param is `${{ inputs.NAME }}`,
//! a secret `${{ secrets.NAME }}`, a loop item or an expression over params
//! the text it folds to. These only ever land in `env:` (or in a script as
//! a quoted `$VARIABLE`), never spliced into a script.

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{
    BinaryOp, BlockId, Expr, ExprKind, FailedField, Func, InterpPart, StepId, Type, UnaryOp,
    Workflow,
};
use wfc_language::shell_syntax::{Context, ShellCommand};
use wfc_language::span::Span;
use wfc_plan::eval::{self, Eval, Scope};
use wfc_plan::{Plan, PlannedStep, Value};

/// What an expression of one step instance is evaluated against.
pub struct Values<'a> {
    pub wf: &'a Workflow,
    params: Vec<Option<Value>>,
    loops: Vec<(wfc_language::ir::BlockId, Value)>,
    /// Runs start other ways too (schedule, `repository_dispatch`): those
    /// have no inputs, so a param falls back to the value bound at export.
    other_triggers: bool,
    /// The job id of each step whose outputs this instance reads.
    producers: Vec<(StepId, String)>,
    /// `--approximate`: approximations allowed, each a warning here.
    pub approximate: bool,
    pub warnings: std::cell::RefCell<Vec<Diagnostic>>,
    /// A `strategy.matrix` job: this loop's variable reaches the script as
    /// `${{ matrix.VAR }}` (in `env:`) instead of the folded item.
    matrix: Option<(BlockId, String)>,
    /// The workflow file's folder in the workspace (`Options::home`).
    pub home: String,
    /// Whether each job checks the repository out first (`--no-checkout`:
    /// false): the workspace then holds the workflow's folder.
    pub checked_out: bool,
    /// In the `on failure` handler: the job giving `failed.*` ([`super::failed`]).
    failed: Option<String>,
    /// The jobs of each instance of a loop's step this one reads as a list.
    lists: Vec<(StepId, Vec<String>)>,
    /// Values the step `wfc-values` computes ([`super::computed`]).
    pub(super) computed: std::cell::RefCell<super::computed::Computed>,
    /// Whether a value may be computed there: only a step's own values
    /// (`env`, the script, the request), not its job's `runs-on` or image.
    pub(super) step_level: std::cell::Cell<bool>,
    /// A sql step's `rows` / `row_count` that others read: job outputs too.
    pub sql_outputs: Vec<&'static str>,
    /// The params a webhook trigger sets ([`super::trigger_params`]).
    hook_params: Vec<wfc_language::ir::ParamId>,
    /// The steps whose jobs hand their answer or stdout on.
    pub(super) handed_on: std::rc::Rc<super::answer::HandedOn>,
}

impl<'a> Values<'a> {
    pub fn new(plan: &Plan, wf: &'a Workflow, step: Option<&PlannedStep>) -> Values<'a> {
        let mut params = plan.param_values(wf.params.len());
        let hook_params = match step {
            Some(_) => wfc_plan::trigger_params::set_by_triggers(wf),
            None => Vec::new(),
        };
        // A trigger's param is the run's: nothing over it is folded.
        for &p in &hook_params {
            params[p] = None;
        }
        let loops = step
            .map(|s| s.items.iter().map(|(b, _, v)| (*b, v.clone())).collect())
            .unwrap_or_default();
        let other_triggers = !plan.triggers.is_empty();
        let sql_outputs = step
            .filter(|s| s.kind == wfc_language::ir::StepKind::Sql)
            .map(|s| crate::sql::fields_read(plan, s.step))
            .unwrap_or_default();
        Values {
            wf,
            params,
            loops,
            other_triggers,
            producers: Vec::new(),
            approximate: false,
            warnings: Default::default(),
            matrix: None,
            home: ".".into(),
            checked_out: false,
            failed: None,
            lists: Vec::new(),
            computed: Default::default(),
            step_level: std::cell::Cell::new(false),
            sql_outputs,
            // (Workflow-level text cannot read a job's outputs.)
            handed_on: Default::default(),
            hook_params,
        }
    }

    /// The same, for a workflow whose file is in folder `home` of the
    /// workspace (see [`super::folder`]).
    pub fn with_home(mut self, home: &str, checked_out: bool) -> Values<'a> {
        self.home = home.to_owned();
        self.checked_out = checked_out;
        self
    }

    /// The same, reading `failed.*` from the outputs of job `failed`.
    pub fn with_failed(mut self, failed: Option<&str>) -> Values<'a> {
        self.failed = failed.map(str::to_string);
        self
    }

    /// The same, writing approximations (each a warning) when `approximate`.
    pub fn with_approximate(mut self, approximate: bool) -> Values<'a> {
        self.approximate = approximate;
        self
    }

    /// The same, for the matrix job of the loop `block` over `var`.
    pub fn with_matrix(mut self, block: BlockId, var: &str) -> Values<'a> {
        self.matrix = Some((block, var.to_string()));
        self
    }

    /// The same, reading the outputs of `producers` (step → job id) as
    /// `needs.JOB.outputs.NAME`.
    pub fn with_producers(mut self, producers: Vec<(StepId, String)>) -> Values<'a> {
        self.producers = producers;
        self
    }

    /// The same, with the steps whose jobs hand on what they answer.
    pub fn with_handed_on(mut self, handed_on: std::rc::Rc<super::answer::HandedOn>) -> Values<'a> {
        self.handed_on = handed_on;
        self
    }

    /// The same, reading each `(step, jobs)`: a loop's step read from
    /// outside, one job per instance in item order.
    pub fn with_lists(mut self, lists: Vec<(StepId, Vec<String>)>) -> Values<'a> {
        self.lists = lists;
        self
    }

    /// The jobs of the instances of `step`, when this one reads them as a list.
    pub(super) fn jobs_of(&self, step: StepId) -> Option<&[String]> {
        let (_, jobs) = self.lists.iter().find(|(s, _)| *s == step)?;
        Some(jobs)
    }

    /// The job id of `step`, when this instance reads it.
    pub fn job_of(&self, step: StepId) -> Option<&str> {
        let (_, job) = self.producers.iter().find(|(s, _)| *s == step)?;
        Some(job)
    }

    /// `step.outputs.NAME` as a GitHub expression (without `${{ }}`), with
    /// `fromJSON` around a typed (non-string) output when `typed`.
    pub(super) fn output(&self, e: &Expr, typed: bool) -> Option<String> {
        let ExprKind::StepOutput { step, .. } = &e.kind else {
            return None;
        };
        self.read(e, self.job_of(*step)?, typed)
    }

    /// The read `e` of a step's output (`outputs.NAME`, a check gate's
    /// `passed`, an http step's answer) from the outputs of job `job`.
    pub(super) fn read(&self, e: &Expr, job: &str, typed: bool) -> Option<String> {
        let ExprKind::StepOutput {
            step,
            field,
            output,
        } = &e.kind
        else {
            return None;
        };
        let producer = &self.wf.steps[*step];
        // A slack or email step delivered when its job succeeded (it fails
        // when the message is refused).
        if field == "delivered" && output.is_none() && delivers(producer) {
            let result = super::status::result_of(producer.optional, job);
            return Some(format!("({result} == 'success')"));
        }
        let (name, text) = match (field.as_str(), output) {
            // A check gate's `passed`: its job's output (`gate` in jobs.rs).
            ("passed", None)
                if producer.kind == wfc_language::ir::StepKind::Gate
                    && producer.fields.iter().any(|f| f.name == "check") =>
            {
                (super::jobs::passed_output(&producer.name), false)
            }
            // Handed on by the sql step's job ([`super::sql`]).
            (field @ ("rows" | "row_count"), None)
                if producer.kind == wfc_language::ir::StepKind::Sql =>
            {
                (field.to_string(), false)
            }
            ("outputs", Some(name)) => {
                let decl = producer.outputs.iter().find(|o| &o.name == name);
                let text = matches!(decl.map(|o| &o.ty), Some(Type::String) | None);
                (name.clone(), text)
            }
            (field, None) => {
                let (name, text) = super::answer::output(producer, field)?;
                (name.to_string(), text)
            }
            _ => return None,
        };
        let read = format!("needs.{job}.outputs.{name}");
        Some(if typed && !text {
            format!("fromJSON({read})")
        } else {
            read
        })
    }

    /// A run-time condition as a GitHub expression (without `${{ }}`):
    /// comparisons, `&&`, `||` and `!` over step outputs and values known
    /// at export; anything else (arithmetic over outputs, functions) is
    /// computed before the step when it decides a step ([`super::computed`]),
    /// else E0737.
    pub fn condition(&self, e: &Expr) -> Result<String, Diagnostic> {
        match self.expressible(e) {
            Err(d) if d.code == "E0737" && self.step_level.get() => self.computed_condition(e),
            other => other,
        }
    }

    fn expressible(&self, e: &Expr) -> Result<String, Diagnostic> {
        if let Some(read) = self.output(e, true) {
            return Ok(read);
        }
        if let Some(status) = super::status::condition(self, e) {
            return status;
        }
        let refuse = || {
            Diagnostic::error(
                "E0737",
                "GitHub's expression language cannot express this condition",
            )
            .primary(e.span, "not expressible as a job `if:`")
            .help("compare step outputs with values (`==`, `<`, `&&`, `!`), or decide it inside a script")
        };
        match &e.kind {
            // A list known at export: `contains(fromJSON('[…]'), x)`.
            ExprKind::Binary(BinaryOp::In, a, b) if !b.tainted => {
                let Eval::Known(list @ Value::List(_)) = self.eval(b) else {
                    return Err(refuse());
                };
                let json = list.to_json().to_string();
                // Neither may open or close an expression of its own.
                if json.contains("${{") || json.contains("}}") {
                    return Err(refuse());
                }
                Ok(format!(
                    "contains(fromJSON('{}'), {})",
                    json.replace('\'', "''"),
                    self.expressible(a)?
                ))
            }
            ExprKind::Binary(op, a, b) => {
                // GitHub's expressions spell these operators as wfc does.
                use BinaryOp::*;
                if !matches!(op, Or | And | Eq | Ne | Lt | Le | Gt | Ge) {
                    return Err(refuse());
                }
                // GitHub compares strings ignoring case ('PROD' == 'prod'):
                // a comparison of text only the run knows is not its to make.
                let text = |x: &Expr| {
                    let ty = match &x.ty {
                        wfc_language::ir::Type::Optional(t) => &**t,
                        t => t,
                    };
                    *ty == wfc_language::ir::Type::String && !matches!(self.eval(x), Eval::Known(_))
                };
                // `==` with text that has no case (`""`, `1.2`) is exact.
                let caseless = |x: &Expr| match self.eval(x) {
                    Eval::Known(Value::Str(t)) => t.chars().all(|c| !c.is_alphabetic()),
                    _ => false,
                };
                let exact = matches!(op, Eq | Ne) && (caseless(a) || caseless(b));
                if !matches!(op, Or | And) && !exact && (text(a) || text(b)) {
                    let (title, help) = CASE;
                    // (A step's `if:` is computed exactly instead.)
                    if !self.approximate || self.step_level.get() {
                        return Err(Diagnostic::error("E0737", title)
                            .primary(e.span, "text only the run knows")
                            .help(help));
                    }
                    self.warnings.borrow_mut().push(approximated(
                        "E0737",
                        e.span,
                        "a comparison of text",
                        "GitHub's `==` ignores case: `PROD` equals `prod` there, not in wfc",
                    ));
                }
                let sym = op.symbol();
                Ok(format!(
                    "({} {sym} {})",
                    self.expressible(a)?,
                    self.expressible(b)?
                ))
            }
            ExprKind::Unary(UnaryOp::Not, a) => Ok(format!("!({})", self.expressible(a)?)),
            // As the event sets it: `wfc-params` writes it as wfc does.
            ExprKind::Param(p) if self.hook_params.contains(p) => {
                let read = format!(
                    "needs.{}.outputs.{}",
                    super::trigger_params::ID,
                    self.wf.params[*p].name
                );
                match &e.ty {
                    Type::Bool => Ok(format!("({read} == 'true')")),
                    Type::Int | Type::Float => Ok(format!("fromJSON({read})")),
                    Type::String => Ok(read),
                    _ => Err(refuse()),
                }
            }
            _ if reads_now(e) => Err(now(e)),
            _ if e.tainted => Err(refuse()),
            _ => match self.eval(e) {
                Eval::Known(Value::Bool(b)) => Ok(b.to_string()),
                Eval::Known(Value::Int(n)) => Ok(n.to_string()),
                Eval::Known(Value::Float(f)) if f.is_finite() => Ok(f.to_string()),
                Eval::Known(Value::Str(t)) => Ok(format!("'{}'", t.replace('\'', "''"))),
                _ => Err(refuse()),
            },
        }
    }

    /// The GitHub text of `e`: literal text with `${{ … }}` for params and secrets.
    pub fn text(&self, e: &Expr) -> Result<String, Diagnostic> {
        if let Some((step, trim)) = crate::stdout_reads::read(e) {
            if let Some(job) = self.job_of(step) {
                let name = super::stdout::output(trim);
                return Ok(format!("${{{{ needs.{job}.outputs.{name} }}}}"));
            }
        }
        match &e.kind {
            ExprKind::Interp(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        InterpPart::Text(t) => out.push_str(&literal(t, e)?),
                        InterpPart::Expr(x) => out.push_str(&self.text(x)?),
                    }
                }
                Ok(out)
            }
            ExprKind::Param(id) => {
                let p = &self.wf.params[*id];
                let bound = self.params[*id].as_ref().map(Value::to_text);
                Ok(match bound {
                    _ if self.hook_params.contains(id) => {
                        format!("${{{{ needs.{}.outputs.{} }}}}", super::trigger_params::ID, p.name)
                    }
                    _ if p.is_tainted() => {
                        format!("${{{{ secrets.{} }}}}", secret_name(&p.name))
                    }
                    Some(bound) if self.other_triggers => {
                        // `format` keeps a `false` input from reading as "no input".
                        let bound = literal(&bound, e)?.replace('\'', "''");
                        format!(
                            "${{{{ github.event_name == 'workflow_dispatch' && format('{{0}}', inputs.{}) || '{bound}' }}}}",
                            p.name
                        )
                    }
                    _ => format!("${{{{ inputs.{} }}}}", p.name),
                })
            }
            ExprKind::StepStatus(step) => super::status::text(self, e, *step),
            // Handlers only (the checker's rule): their jobs need every main job.
            ExprKind::Run(wfc_language::ir::RunField::Status) => Ok(super::status::RUN.into()),
            // The run's own id: GitHub's run id (a `lock` over it, a log line).
            ExprKind::Run(wfc_language::ir::RunField::Id) => Ok("${{ github.run_id }}".into()),
            ExprKind::StepOutput { .. } => match self.output(e, false) {
                Some(read) => Ok(format!("${{{{ {read} }}}}")),
                None if self.step_level.get() => self.computed_text(e),
                None => Err(unsupported(
                    e,
                    "this read of a step (only `step.outputs.NAME` of a job it needs)",
                )),
            },
            ExprKind::Failed(field) if self.failed.is_some() => {
                let job = self.failed.as_deref().unwrap_or_default();
                let name = match field {
                    FailedField::Step => "step",
                    FailedField::Error => "error",
                };
                Ok(format!("${{{{ needs.{job}.outputs.{name} }}}}"))
            }
            _ if reads_now(e) => Err(now(e)),
            // A value computed from a secret would put the secret in the file.
            ExprKind::Failed(field) => Err(unsupported(
                e,
                match field {
                    FailedField::Step => "`failed.step` outside the `on failure` handler's jobs",
                    FailedField::Error => "`failed.error` outside the `on failure` handler's jobs",
                },
            )),
            // A called module's secret left to its default, `env("NAME")`:
            // the repository's secret of that name, as a workflow's own.
            ExprKind::Call(Func::Env | Func::RequireEnv, args) if e.tainted => {
                match args.first().and_then(Expr::as_str) {
                    Some(name)
                        if !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            && !name.starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        Ok(format!("${{{{ secrets.{} }}}}", name.to_ascii_uppercase()))
                    }
                    _ => Err(unsupported(e, "a secret from `env(…)` of no plain name")),
                }
            }
            _ if e.tainted && !self.step_level.get() => {
                Err(unsupported(e, "an expression over a secret"))
            }
            // (Computed only when no part of it is read from a secret.)
            _ if e.tainted => self.computed_text(e),
            _ => match self.eval(e) {
                Eval::Known(v) => literal(&v.to_text(), e),
                _ if self.step_level.get() => self.computed_text(e),
                _ => Err(unsupported(e, "a value known only while the workflow runs (an expression over outputs, `json(…)`, a list, `run.*` other than `run.id` and `run.status`)")),
            },
        }
    }

    /// `e`'s value when the export knows it (a loop item, a constant, an
    /// expression over params as bound): not a param itself (an input), a
    /// step's output, a matrix variable or a secret.
    pub fn known(&self, e: &Expr) -> Option<Value> {
        let runtime = match &e.kind {
            ExprKind::Param(_) | ExprKind::StepOutput { .. } | ExprKind::StepStatus(_) => true,
            ExprKind::LoopVar(b) => self.matrix.as_ref().is_some_and(|(m, _)| m == b),
            _ => e.tainted,
        };
        match self.eval(e) {
            Eval::Known(v) if !runtime => Some(v),
            _ => None,
        }
    }

    /// `e` over the params as bound at export and this instance's items.
    fn eval(&self, e: &Expr) -> Eval {
        let scope = Scope {
            params: &self.params,
            loops: &self.loops,
            pruned: &|_| false,
        };
        eval::eval(e, &scope)
    }

    /// The GitHub text of a value only the run knows (see [`Values::known`]).
    pub fn runtime(&self, e: &Expr) -> Result<String, Diagnostic> {
        match (&e.kind, &self.matrix) {
            (ExprKind::LoopVar(b), Some((block, var))) if b == block => {
                Ok(format!("${{{{ matrix.{var} }}}}"))
            }
            _ => self.text(e),
        }
    }

    /// A `run` script: literal text as written, every `${…}` a quoted
    /// `$WF_VALUE_N` whose value goes into `env`.
    pub fn script(&self, e: &Expr, env: &mut Vec<(String, String)>) -> Result<String, Diagnostic> {
        let parts: Vec<InterpPart> = match &e.kind {
            // Of `c ? "make a" : "make b"`, the text chosen is the command.
            ExprKind::Cond(c, a, b) => {
                return match self.known(c) {
                    Some(Value::Bool(true)) => self.script(a, env),
                    Some(Value::Bool(false)) => self.script(b, env),
                    _ => Err(unsupported(
                        c,
                        "a choice of command known only while the workflow runs",
                    )),
                };
            }
            ExprKind::Interp(parts) => parts.clone(),
            ExprKind::Str(s) => vec![InterpPart::Text(s.clone())],
            _ => vec![InterpPart::Expr(e.clone())],
        };
        let mut cmd = ShellCommand::new();
        let mut prelude: Option<String> = None;
        for part in &parts {
            match part {
                InterpPart::Text(t) => {
                    cmd.text(t);
                }
                // A kept artifact's files: the command's positional parameters.
                InterpPart::Expr(x) if self.artifact_tarballs(x).is_some() => {
                    if prelude.is_some() || cmd.context() != Context::Bare {
                        return Err(unsupported(
                            x,
                            "a kept artifact's files as words other than one bare list of the command (they are its `\"$@\"`)",
                        ));
                    }
                    prelude = self.artifact_tarballs(x).map(|t| super::files::words(&t));
                    cmd.placeholder("\"$@\"");
                }
                InterpPart::Expr(x) if matches!(x.ty, wfc_language::ir::Type::List(_)) => {
                    // Its items are words of the command: written as `wfc run`
                    // writes them when known; one value in `env` would be one word.
                    let Some(Value::List(items)) = self.known(x) else {
                        // Known only at run time: the command's `"$@"`.
                        if prelude.is_some() || cmd.context() != Context::Bare {
                            return Err(unsupported(
                                x,
                                "a list known only while the workflow runs as words other than one bare list of the command (they are its `\"$@\"`)",
                            ));
                        }
                        env.push(("WF_WORDS".into(), self.runtime(x)?));
                        prelude = Some(WORDS.to_string());
                        cmd.placeholder("\"$@\"");
                        continue;
                    };
                    let words: Vec<String> = items.iter().map(Value::to_text).collect();
                    cmd.words(&words).map_err(|_| {
                        unsupported(x, "a list where the shell cannot make words of it")
                    })?;
                }
                InterpPart::Expr(x) => {
                    let value = self.runtime(x)?;
                    // The same value read twice is one variable.
                    let same = env
                        .iter()
                        .find(|(k, v)| k.starts_with("WF_VALUE_") && *v == value);
                    let name = match same {
                        Some((k, _)) => k.clone(),
                        None => {
                            let taken = env
                                .iter()
                                .filter(|(k, _)| k.starts_with("WF_VALUE_"))
                                .count();
                            let name = format!("WF_VALUE_{}", taken + 1);
                            env.push((name.clone(), value));
                            name
                        }
                    };
                    let shown = match cmd.context() {
                        Context::Bare => format!("\"${name}\""),
                        Context::DoubleQuoted => format!("${name}"),
                        Context::SingleQuoted => format!("'\"${name}\"'"),
                        _ => return Err(unsupported(x, "a value where the shell cannot quote it")),
                    };
                    cmd.placeholder(&shown);
                }
            }
        }
        // The files' line before the command, inside every wrapper after.
        let script = match prelude {
            Some(p) => format!("{p}\n{}", cmd.finish()),
            None => cmd.finish(),
        };
        literal(&script, e)
    }

    /// The tarballs' pattern (`wfc-JOB--NAME--*.tgz`) holding the files
    /// `x` reads, when `x` is `STEP.artifacts.NAME` of a job this one needs.
    fn artifact_tarballs(&self, x: &Expr) -> Option<String> {
        let ExprKind::StepOutput {
            step,
            field,
            output: Some(name),
        } = &x.kind
        else {
            return None;
        };
        let job = self.job_of(*step).filter(|_| field == "artifacts")?;
        Some(format!("wfc-{job}--{name}--*.tgz"))
    }
}

/// `text` as a literal GitHub value: `${{` would start an expression.
/// Whether `step` is a slack or email step (its `delivered` is its job's
/// result, data of no step: computed even when wfc counts it secret).
pub(super) fn delivers(step: &wfc_language::ir::Step) -> bool {
    matches!(
        step.kind,
        wfc_language::ir::StepKind::Slack | wfc_language::ir::StepKind::Email
    )
}

/// The line before a command whose words are a list only the run knows
/// (its JSON text in `WF_WORDS`): jq quotes each item for the shell
/// (`@sh`, text as `wfc run` gives it), and they become `"$@"`. Anything
/// but a list fails the step.
const WORDS: &str = r#"wfc_words=$(printf '%s' "$WF_WORDS" | jq -r 'if type == "array" then map(if type == "string" then . else tojson end | @sh) | join(" ") else error("wfc: the words are not a list") end') || exit 1
eval "set -- $wfc_words""#;

pub(super) fn literal(text: &str, at: &Expr) -> Result<String, Diagnostic> {
    if text.contains("${{") {
        return Err(
            Diagnostic::error("E0733", "`${{` would start a GitHub Actions expression")
                .primary(at.span, "this text holds `${{`")
                .help("write it some other way (`$\\{{`) so GitHub does not evaluate it"),
        );
    }
    Ok(text.to_string())
}

/// The name of a `secret` param's repository secret: `slack_url` → `SLACK_URL`.
pub fn secret_name(param: &str) -> String {
    param.replace('-', "_").to_uppercase()
}

pub fn unsupported(e: &Expr, what: &str) -> Diagnostic {
    Diagnostic::error("E0733", format!("GitHub Actions cannot be given {what}"))
        .primary(e.span, "not exportable")
        .help("use params, secrets and loop items here, or run this workflow with `wfc run`")
}

/// Whether `e` reads `now()`, which the export never folds.
pub(super) fn reads_now(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x.kind, ExprKind::Call(f, _) if f.run_value()));
    found
}

/// E0751: `now()`, the time while a job runs, which the export cannot fold.
pub(super) fn now(e: &Expr) -> Diagnostic {
    Diagnostic::error(
        "E0751",
        "GitHub Actions cannot be given `now()`, `uuid()` or `random_int(…)`, known only while the workflow runs",
    )
    .primary(e.span, "known only while the step runs")
    .help("pass the time as a `time` param, or run `date -u` in the step's command")
}

/// A warning (with `--approximate`): `construct` written as something
/// close to it; `code` is the error it replaces.
/// E0737 for a comparison of run-time text in a job's `if:`.
const CASE: (&str, &str) = (
    "GitHub compares text ignoring case: this comparison could go the other way there",
    "decide it in a step (a gate's `check` is computed exactly, with jq), compare numbers or bools, or pass --approximate to write it with GitHub's `==`",
);

pub fn approximated(code: &'static str, at: Span, construct: &str, differs: &str) -> Diagnostic {
    Diagnostic::warning(
        code,
        format!("{construct} is approximated for GitHub Actions"),
    )
    .primary(at, construct.to_string())
    .help(differs.to_string())
}
