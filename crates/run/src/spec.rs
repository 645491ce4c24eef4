//! From a planned step to what runs: its fields evaluated (step outputs and
//! secrets substituted) into an executor [`StepSpec`], or a [`GateSpec`] the
//! scheduler decides itself.
//!
//! `run` commands of `shell` and `docker` steps are rendered with
//! [`Evaluator::command`], which escapes every `${…}` for its shell quoting
//! context; every other string field gets plain interpolation.

use super::exec::script::{ScriptLang, ScriptSource, SecretEnv};
use super::exec::{
    Body, DockerSpec, EmailSpec, HttpSpec, Mount, PullPolicy, ScriptSpec, ShellSpec, SlackSpec,
    SqlQuery, SqlSpec, StepSpec, WebhookSpec,
};
use super::gate_message::CheckFailure;
use super::values::Evaluator;
use std::path::{Path, PathBuf};
use wfc_language::ir::{Expr, FieldValue, OnFail, StepKind};
use wfc_plan::{PlannedStep, Value};

/// A gate, decided by the scheduler.
#[derive(Clone, Debug, PartialEq)]
pub enum GateSpec {
    /// `check EXPR` evaluated to `passed`, and what a false check does;
    /// a false one's `message` or operands' values.
    Check {
        passed: bool,
        on_fail: OnFail,
        failure: Option<Box<CheckFailure>>,
    },
    /// `approval "who"`: wait for someone to approve, with the gate's
    /// `inputs` spec ([`wfc_plan::gate_inputs`]).
    Approval {
        who: String,
        inputs: serde_json::Value,
    },
}

/// A step ready to run.
#[derive(Clone, Debug, PartialEq)]
pub enum Prepared {
    Exec(StepSpec),
    Gate(GateSpec),
    /// An inlined call's join: the step of the call that did not succeed
    /// (`None`: all did), and the callee's outputs as the call step's (a map).
    Join {
        failed: Option<String>,
        outputs: Value,
    },
}

/// A call step, once the plan inlined it, runs nothing: it fails when one
/// of its callee's steps did (its `failed` field names it), else it yields
/// the callee's outputs.
fn join(f: &Fields, ev: &mut Evaluator) -> Result<Prepared, String> {
    let Some(failed) = f.expr("failed") else {
        // Not inlined: nothing would run the callee.
        return Err("a call step is not run itself (the plan inlines it)".into());
    };
    let failed = ev.text(failed)?;
    if !failed.is_empty() {
        return Ok(Prepared::Join {
            failed: Some(failed),
            outputs: Value::Map(Vec::new()),
        });
    }
    let mut outputs = Vec::new();
    if let Some(FieldValue::Map(m)) = f.value("outputs") {
        for (name, e) in m {
            outputs.push((name.clone(), ev.eval(e)?));
        }
    }
    // Read as `X.outputs.NAME`, as a step's declared outputs are.
    Ok(Prepared::Join {
        failed: None,
        outputs: Value::Map(vec![("outputs".into(), Value::Map(outputs))]),
    })
}

/// Evaluates `step`'s fields. `workflow_env` is the workflow's `env { }`,
/// already evaluated; `workflow_dir`, the directory a relative `file` (of
/// a script or a query) is read from; `base_dir`, what the run's other
/// relative paths are relative to (a step's working folder, `workdir`,
/// a mount's source, `sqlite:PATH`): see [`crate::paths`].
pub fn prepare(
    step: &PlannedStep,
    ev: &mut Evaluator,
    workflow_env: &[(String, String)],
    workflow_dir: Option<&Path>,
    base_dir: Option<&Path>,
) -> Result<Prepared, String> {
    let f = Fields { step };
    let spec = match step.kind {
        StepKind::Shell => {
            let mut s = ShellSpec::new(ev.command(f.req("run")?)?);
            if let Some(sh) = f.expr("shell") {
                s.shell = ev.text(sh)?;
            }
            if let Some(strict) = f.expr("strict") {
                s.strict = match ev.eval(strict)? {
                    Value::Bool(b) => b,
                    _ => return Err("`strict` has no value".into()),
                };
            }
            if let Some(detach) = f.expr("detach") {
                s.detach = match ev.eval(detach)? {
                    Value::Bool(b) => b,
                    _ => return Err("`detach` has no value".into()),
                };
            }
            let workdir = f.expr("workdir").map(|w| ev.text(w)).transpose()?;
            s.workdir = crate::paths::workdir(base_dir, workdir);
            s.workflow_env = workflow_env.to_vec();
            s.env = f.map(ev, "env")?;
            s.outputs_file = !step.outputs.is_empty();
            s.placement = step.placement.as_deref().cloned();
            StepSpec::Shell(s)
        }
        StepKind::Docker => {
            let image = ev.text(f.req("image")?)?;
            let run = f.expr("run").map(|r| ev.command(r)).transpose()?;
            let mut s = DockerSpec::new(image, "");
            s.run = run;
            s.entrypoint = match f.expr("entrypoint") {
                Some(e) => Some(super::values::texts(ev.eval(e)?)?),
                None => None,
            };
            s.workflow_env = workflow_env.to_vec();
            s.env = f.map(ev, "env")?;
            for field in step.fields.iter().filter(|x| x.name == "mount") {
                if let FieldValue::Mount { source, target } = &field.value {
                    s.mounts.push(Mount {
                        source: crate::paths::beside(base_dir, ev.text(source)?),
                        target: ev.text(target)?,
                        read_only: false,
                    });
                }
            }
            s.workdir = f.expr("workdir").map(|w| ev.text(w)).transpose()?;
            s.pull = match f.keyword("pull") {
                Some("always") => PullPolicy::Always,
                Some("never") => PullPolicy::Never,
                _ => PullPolicy::Missing,
            };
            s.network = f.expr("network").map(|n| ev.text(n)).transpose()?;
            s.placement = step.placement.clone();
            StepSpec::Docker(s)
        }
        StepKind::Python | StepKind::Node => {
            let lang = ScriptLang::of(step.kind).expect("a script kind");
            let mut s = script(step, &f, ev, lang, workflow_env, workflow_dir)?;
            s.workdir =
                crate::paths::workdir(base_dir, s.workdir.take().map(|w| w.display().to_string()));
            StepSpec::Script(Box::new(s))
        }
        StepKind::Sql => {
            let mut s = sql(step, &f, ev, workflow_dir)?;
            s.base_dir = base_dir.map(Path::to_path_buf);
            StepSpec::Sql(s)
        }
        StepKind::Http => {
            let (method, url) = ["get", "post", "put", "patch", "delete", "head"]
                .iter()
                .find_map(|m| f.expr(m).map(|e| (m.to_uppercase(), e)))
                .ok_or("an http step needs one of get/post/put/patch/delete/head")?;
            let mut s = HttpSpec::new(method, ev.text(url)?);
            s.headers = f.map(ev, "headers")?;
            s.body = body(&f, ev)?;
            s.expect = match f.expr("expect") {
                Some(e) => match ev.eval(e)? {
                    Value::Int(i) => vec![status(i)?],
                    Value::List(xs) => xs
                        .iter()
                        .map(|x| match x {
                            Value::Int(i) => status(*i),
                            other => Err(format!(
                                "expect: `{}` is not a status code",
                                other.literal()
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                    other => {
                        return Err(format!(
                            "expect: `{}` is not a status code",
                            other.literal()
                        ))
                    }
                },
                None => Vec::new(),
            };
            StepSpec::Http(s)
        }
        StepKind::Slack => StepSpec::Slack(SlackSpec {
            webhook: ev.text(f.req("webhook")?)?,
            message: ev.text(f.req("message")?)?,
            channel: f.expr("channel").map(|c| ev.text(c)).transpose()?,
        }),
        StepKind::Webhook => {
            let mut s = WebhookSpec::new(ev.text(f.req("url")?)?);
            if let Some(m) = f.expr("method") {
                s.method = ev.text(m)?;
            }
            s.headers = f.map(ev, "headers")?;
            s.body = body(&f, ev)?;
            StepSpec::Webhook(s)
        }
        StepKind::Email => {
            let to = super::values::texts(ev.eval(f.req("to")?)?)?;
            let mut s = EmailSpec::new(
                ev.text(f.req("smtp")?)?,
                "",
                ev.text(f.req("subject")?)?,
                ev.text(f.req("body")?)?,
            );
            s.to = to;
            s.from = f.expr("from").map(|x| ev.text(x)).transpose()?;
            s.username = f.expr("username").map(|x| ev.text(x)).transpose()?;
            s.password = f.expr("password").map(|x| ev.text(x)).transpose()?;
            StepSpec::Email(s)
        }
        StepKind::Gate => {
            if let Some(check) = f.expr("check") {
                let passed = match ev.eval(check)? {
                    Value::Bool(b) => b,
                    other => {
                        return Err(format!(
                            "the gate's check gave `{}`, not true or false",
                            other.literal()
                        ))
                    }
                };
                let failure = match passed {
                    true => None,
                    false => Some(Box::new(CheckFailure::gather(
                        check,
                        f.expr("message"),
                        ev,
                    )?)),
                };
                return Ok(Prepared::Gate(GateSpec::Check {
                    passed,
                    on_fail: step.on_fail.unwrap_or(OnFail::Abort),
                    failure,
                }));
            }
            let who = match f.expr("approval") {
                Some(a) => ev.text(a)?,
                None => String::new(),
            };
            let inputs = wfc_plan::gate_inputs::spec_of(&step.fields);
            return Ok(Prepared::Gate(GateSpec::Approval { who, inputs }));
        }
        StepKind::Sleep => match ev.eval(f.req("duration")?)? {
            Value::Duration(ms) => StepSpec::Sleep(std::time::Duration::from_millis(ms)),
            other => return Err(format!("duration: `{}` is not a duration", other.literal())),
        },
        StepKind::Invalid => return Err("the step's kind is invalid".into()),
        StepKind::Call => return join(&f, ev),
    };
    Ok(Prepared::Exec(spec))
}

/// A `sql` step: params stay typed values, bound by the executor.
fn sql(
    step: &PlannedStep,
    f: &Fields,
    ev: &mut Evaluator,
    workflow_dir: Option<&Path>,
) -> Result<SqlSpec, String> {
    let query = match (f.expr("query"), f.expr("file")) {
        (Some(q), _) => SqlQuery::Text(ev.text(q)?),
        (None, Some(file)) => SqlQuery::File(beside(workflow_dir, ev.text(file)?)),
        (None, None) => return Err("the step has neither `query` nor `file`".into()),
    };
    let params = match f.value("params") {
        Some(FieldValue::Map(entries)) => entries
            .iter()
            .map(|(k, e)| Ok((k.clone(), ev.eval(e)?)))
            .collect::<Result<_, String>>()?,
        _ => Vec::new(),
    };
    let transaction = match f.expr("transaction").map(|t| ev.eval(t)).transpose()? {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(other) => return Err(format!("transaction: `{}` is not a bool", other.literal())),
    };
    Ok(SqlSpec {
        database: ev.text(f.req("database")?)?,
        query,
        params,
        transaction,
        columns: step.outputs.iter().map(|o| o.name.clone()).collect(),
        base_dir: None,
    })
}

/// A `python` or `node` step: its script rendered with each value a
/// literal of the language ([`Evaluator::script`]).
fn script(
    step: &PlannedStep,
    f: &Fields,
    ev: &mut Evaluator,
    lang: ScriptLang,
    workflow_env: &[(String, String)],
    workflow_dir: Option<&Path>,
) -> Result<ScriptSpec, String> {
    let (source, secret_env) = match (f.expr("script"), f.expr("file")) {
        (Some(e), _) => {
            let rendered = ev.script(lang, e)?;
            (ScriptSource::Inline(rendered.source), rendered.env)
        }
        (None, Some(file)) => (
            ScriptSource::File(beside(workflow_dir, ev.text(file)?)),
            Vec::new(),
        ),
        (None, None) => return Err("the step has neither `script` nor `file`".into()),
    };
    let mut s = ScriptSpec::new(lang, source);
    s.secret_env = SecretEnv(secret_env);
    if let Some(i) = f.expr("interpreter") {
        s.interpreter = ev.text(i)?;
    }
    let list = |ev: &mut Evaluator, name| match f.expr(name) {
        Some(e) => super::values::texts(ev.eval(e)?),
        None => Ok(Vec::new()),
    };
    s.args = list(ev, "args")?;
    s.packages = list(
        ev,
        match lang {
            ScriptLang::Python => "requirements",
            ScriptLang::Node => "packages",
        },
    )?;
    s.workdir = f
        .expr("workdir")
        .map(|w| ev.text(w).map(PathBuf::from))
        .transpose()?;
    s.workflow_env = workflow_env.to_vec();
    s.env = f.map(ev, "env")?;
    s.outputs_file = !step.outputs.is_empty();
    s.placement = step.placement.as_deref().cloned();
    Ok(s)
}

fn status(i: i64) -> Result<u16, String> {
    u16::try_from(i)
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| format!("expect: {i} is not an HTTP status code (100..599)"))
}

fn body(f: &Fields, ev: &mut Evaluator) -> Result<Option<Body>, String> {
    if let Some(j) = f.expr("json") {
        return Ok(Some(Body::Json(ev.eval(j)?.to_json())));
    }
    f.expr("body")
        .map(|b| ev.text(b).map(Body::Text))
        .transpose()
}

/// A step's `up to date when shell|sql` check, evaluated into what runs
/// to ask it (`None`: the step has none). A shell check runs on this
/// machine with `sh -c`, the workflow's and the step's `env`, in the
/// step's folder (a `docker` step's `workdir` is the container's: not
/// used); an SQL check is the step's own spec with the check's query.
pub fn up_to_date_check(
    step: &PlannedStep,
    ev: &mut Evaluator,
    prepared: &StepSpec,
    workflow_env: &[(String, String)],
    base_dir: Option<&Path>,
) -> Option<Result<StepSpec, String>> {
    use wfc_language::check::kinds::{UP_TO_DATE_SHELL, UP_TO_DATE_SQL};
    let f = Fields { step };
    if let (Some(q), StepSpec::Sql(sql)) = (f.expr(UP_TO_DATE_SQL), prepared) {
        return Some(ev.text(q).map(|q| {
            StepSpec::Sql(SqlSpec {
                query: SqlQuery::Text(q),
                transaction: None,
                columns: Vec::new(),
                ..sql.clone()
            })
        }));
    }
    let cmd = f.expr(UP_TO_DATE_SHELL)?;
    let mut shell = || -> Result<StepSpec, String> {
        let mut s = ShellSpec::new(ev.command(cmd)?);
        let workdir = match step.kind {
            StepKind::Docker => None,
            _ => f.expr("workdir").map(|w| ev.text(w)).transpose()?,
        };
        s.workdir = crate::paths::workdir(base_dir, workdir);
        s.workflow_env = workflow_env.to_vec();
        s.env = f.map(ev, "env")?;
        Ok(StepSpec::Shell(s))
    };
    Some(shell())
}

struct Fields<'a> {
    step: &'a PlannedStep,
}

impl<'a> Fields<'a> {
    fn value(&self, name: &str) -> Option<&'a FieldValue> {
        self.step
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.value)
    }

    fn expr(&self, name: &str) -> Option<&'a Expr> {
        match self.value(name) {
            Some(FieldValue::Expr(e)) => Some(e),
            _ => None,
        }
    }

    fn req(&self, name: &str) -> Result<&'a Expr, String> {
        self.expr(name)
            .ok_or_else(|| format!("the step has no `{name}` field"))
    }

    fn keyword(&self, name: &str) -> Option<&'a str> {
        match self.value(name) {
            Some(FieldValue::Keyword(k)) => Some(k),
            _ => None,
        }
    }

    fn map(&self, ev: &mut Evaluator, name: &str) -> Result<Vec<(String, String)>, String> {
        match self.value(name) {
            Some(FieldValue::Map(entries)) => entries
                .iter()
                .map(|(k, e)| Ok((k.clone(), ev.text(e)?)))
                .collect(),
            _ => Ok(Vec::new()),
        }
    }
}

/// A `file` as the step reads it: a relative one in `workflow_dir` (the
/// workflow file's directory), else as written.
fn beside(workflow_dir: Option<&Path>, file: String) -> PathBuf {
    crate::paths::beside(workflow_dir, file)
}
