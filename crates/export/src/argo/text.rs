//! Field values as the text an Argo template holds: literal once the plan
//! has folded params and loop items, else a diagnostic saying why not.

use super::diag;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, InterpPart, RunField, Workflow};
use wfc_language::span::Span;
use wfc_plan::render::expr;

/// Why an expression cannot become literal text in the YAML.
enum Blocker {
    Secret,
    RunTime(&'static str),
    /// A value only the run knows that has no Argo value at all: what, why.
    NoArgoValue(&'static str, &'static str),
    /// `now()`: Argo has no clock for a value in a template (E0750).
    Now,
}

/// The first thing in `e` that is not known at plan time, or a secret.
fn blocker(wf: &Workflow, e: &Expr) -> Option<Blocker> {
    if e.tainted {
        return Some(Blocker::Secret);
    }
    let all = |xs: &mut dyn Iterator<Item = &Expr>| {
        for x in xs {
            if let Some(b) = blocker(wf, x) {
                return Some(b);
            }
        }
        None
    };
    match &e.kind {
        ExprKind::Param(p) if wf.params[*p].is_tainted() => Some(Blocker::Secret),
        ExprKind::Param(_) | ExprKind::LoopVar(_) => Some(Blocker::RunTime("an unfolded value")),
        ExprKind::StepOutput { .. } => Some(Blocker::RunTime("a step's output")),
        ExprKind::StepStatus(_) => Some(Blocker::RunTime("a step's status")),
        ExprKind::Failed(_) => Some(Blocker::NoArgoValue(
            "an expression over `failed.step` / `failed.error`",
            "the exit dag's `wfc-failed` task gives them as they are, to a command, an `env` value or a message; an expression over them (`trim(failed.error)`) has no place to be computed: read it whole",
        )),
        ExprKind::Run(f) => Some(run_field(*f)),
        ExprKind::TriggerInput(_) => Some(Blocker::RunTime("a trigger's input")),
        ExprKind::List(xs) => all(&mut xs.iter()),
        ExprKind::Map(m) => all(&mut m.iter().map(|(_, v)| v)),
        ExprKind::Interp(parts) => all(&mut parts.iter().filter_map(|p| match p {
            InterpPart::Expr(x) => Some(x),
            InterpPart::Text(_) => None,
        })),
        ExprKind::Call(f, _) if f.run_value() => Some(Blocker::Now),
        ExprKind::Call(_, args) => all(&mut args.iter()),
        ExprKind::Unary(_, x) | ExprKind::Field(x, _) => blocker(wf, x),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => all(&mut [&**a, &**b].into_iter()),
        ExprKind::Cond(c, a, b) => all(&mut [&**c, &**a, &**b].into_iter()),
        ExprKind::Comprehension(c) => all(&mut c.parts()),
        _ => None,
    }
}

/// What Argo gives for `run.FIELD` where a command reads it
/// ([`super::runtime`]), or why it has nothing.
fn run_field(f: RunField) -> Blocker {
    match f {
        RunField::Trigger => Blocker::NoArgoValue(
            "`run.trigger`",
            "Argo does not tell a workflow what submitted it (a person, a CronWorkflow, an event)",
        ),
        RunField::Scheduled => Blocker::NoArgoValue(
            "`run.scheduled`",
            "Argo gives `{{workflow.scheduledTime}}` to a CronWorkflow's runs only, and has no backfill that sets it",
        ),
        RunField::Duration => Blocker::NoArgoValue(
            "`run.duration`",
            "Argo's `{{workflow.duration}}` is seconds as a number, not wfc's duration",
        ),
        RunField::Failures => Blocker::NoArgoValue(
            "`run.failures`",
            "Argo's `{{workflow.failures}}` lists failed nodes with Argo's messages, not wfc's `{ step, error }` records",
        ),
        RunField::Dir => Blocker::NoArgoValue(
            "`run.dir`",
            "each Argo step runs in a pod of its own: there is no run folder the steps share",
        ),
        _ => Blocker::RunTime("a field of `run`, which Argo gives only to a command or an `env` value"),
    }
}

fn check(wf: &Workflow, step: &str, e: &Expr) -> Result<(), Diagnostic> {
    match blocker(wf, e) {
        None => Ok(()),
        Some(Blocker::Secret) => Err(diag::secret_outside_env(e.span, step)),
        Some(Blocker::RunTime(what)) => Err(diag::run_time_value(e.span, step, what)),
        Some(Blocker::NoArgoValue(what, why)) => {
            Err(diag::run_time_value(e.span, step, what).help(why.to_owned()))
        }
        Some(Blocker::Now) => Err(diag::now(e.span, step)),
    }
}

/// A plain value (image, URL, header, message): the text it stands for.
pub fn plain(wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
    check(wf, step, e)?;
    no_braces(step, e.span, expr::show_text(wf, e))
}

/// The items of a list a `run` command interpolates, as text, when the
/// export knows them (a literal, folded by the plan); else E0722: its
/// items would be words of the command, and Argo hands a run-time value
/// on as one.
pub fn words(wf: &Workflow, step: &str, e: &Expr) -> Result<Vec<String>, Diagnostic> {
    check(wf, step, e)?;
    let ExprKind::List(items) = &e.kind else {
        return Err(diag::run_time_value(
            e.span,
            step,
            "a list whose items are words of the command",
        ));
    };
    items
        .iter()
        .map(|x| no_braces(step, x.span, expr::show_text(wf, x)))
        .collect()
}

/// A `run` command, each interpolated value quoted for its shell context
/// exactly as `wfc run` quotes it (values never become code).
pub fn command(wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
    check(wf, step, e)?;
    no_braces(step, e.span, expr::command_text(wf, e))
}

/// `text` as it is, unless it holds `{{`: Argo substitutes `{{…}}`
/// anywhere in a template (`{{=…}}` evaluates an expression) and has no
/// escape for it (argoproj/argo-workflows#8253), so a value holding it
/// would be expanded, not written (E0727). Quoting for the shell does not
/// help: Argo substitutes before the shell sees the text.
pub fn no_braces(step: &str, at: Span, text: String) -> Result<String, Diagnostic> {
    if text.contains("{{") {
        return Err(diag::braces(at, step));
    }
    Ok(text)
}

/// The secret param an `env` value is, whole (`TOKEN = token`), if it is one.
pub fn whole_secret(wf: &Workflow, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Param(p) if wf.params[*p].is_tainted() => Some(wf.params[*p].name.clone()),
        // A called module's secret left to its default `env("NAME")`: the
        // key a workflow's own `secret name = env("NAME")` would have.
        ExprKind::Call(wfc_language::ir::Func::Env | wfc_language::ir::Func::RequireEnv, args)
            if e.tainted =>
        {
            let name = args.first().and_then(Expr::as_str)?;
            let plain =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            plain.then(|| name.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// A step's `workdir` as the container's `workingDir`: an absolute folder
/// (of the image); `None` for `.`, the workflow's folder, which is where a
/// step without `workdir` runs (in a pod, the image's folder). Another
/// relative one is relative to the workflow's folder in `wfc run`, which a
/// pod does not have (and a container's working directory must be
/// absolute): E0721.
pub fn workdir(wf: &Workflow, step: &str, e: &Expr) -> Result<Option<String>, Diagnostic> {
    let dir = plain(wf, step, e)?;
    if dir.starts_with('/') {
        return Ok(Some(dir));
    }
    if matches!(dir.as_str(), "." | "./" | "") {
        return Ok(None);
    }
    Err(diag::cannot_express(
        e.span,
        "a relative `workdir`",
        "a container's working directory is absolute, and a pod has no workflow folder (where `wfc run` resolves a `shell`, `python` or `node` step's): give a folder of the image, `/work/out`",
    ))
}
