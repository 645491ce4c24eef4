//! Diagnostics of `wfc export argo` (`E0720`–`E0728`): what a plan holds
//! that an Argo `Workflow` cannot say. Each names the step or construct and
//! points at its place in the source.

use wfc_language::diag::Diagnostic;
use wfc_language::span::Span;

/// E0720: a shell step without an image (Argo runs every step in a container).
pub fn no_image(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0720",
        format!("shell step `{step}` has no image: pass --image"),
    )
    .primary(span, "runs in a container on Argo")
    .help("pass `--image IMAGE` (for example `--image alpine:3.20`), or make it a `docker` step with its own `image`")
}

/// E0721: a construct Argo has no equivalent for.
pub fn cannot_express(span: Span, construct: &str, why: &str) -> Diagnostic {
    Diagnostic::error("E0721", format!("Argo cannot express {construct}"))
        .primary(span, construct.to_owned())
        .help(why.to_owned())
}

/// E0722: a value only the run knows (a step's output or status, `failed.*`, `run.*`).
pub fn run_time_value(span: Span, step: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E0722",
        format!("step `{step}` uses {what}, known only while wfc runs"),
    )
    .primary(span, "read at run time")
    .help("the export folds params at plan time; a step's outputs, stdout and status, a gate's `passed` and `run.id`, `run.workflow`, `run.started`, `run.status` reach a command or an `env` value through Argo's own values, from a task of the same dag; this one has no such place")
}

/// E0750: `now()`, which the export cannot fold (it is the time a step
/// evaluates it) and Argo cannot compute in a template.
pub fn now(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0750",
        format!("step `{step}` uses `now()`, `uuid()` or `random_int(…)`, which Argo cannot compute in a template"),
    )
    .primary(span, "known only while the step runs")
    .help(
        "pass the time as a `time` param (`--param at=…`), or run `date -u` in the step's command",
    )
}

/// E0723: a secret where Kubernetes cannot give it (not as it is in a
/// command, an `env` value or an http header).
pub fn secret_outside_env(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0723",
        format!("step `{step}` uses a secret where Argo cannot give it"),
    )
    .primary(span, "a secret here")
    .help("a secret reaches a step only as it is, through Kubernetes: in a command (`${token}`), a whole `env` value or a whole http header value it becomes a `secretKeyRef`, never a value in the YAML; a value computed from it, or one in a URL, an image or a body, has no such place")
}

/// E0725: a value Argo would splice into a `when` as text, where it could
/// change the expression (a string output, a literal with a quote).
pub fn unsafe_in_when(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E0725",
        format!("a run-time condition on {what} cannot be an Argo `when`"),
    )
    .primary(span, "spliced into the expression as text")
    .help("Argo substitutes `{{…}}` into `when` before parsing it: compare `int`, `float` or `bool` outputs (the step checks their values), or decide inside the step's command")
}

/// E0726 (a warning, with `--approximate`): a construct written as
/// something close to it, saying what differs.
pub fn approximated(span: Span, construct: &str, differs: &str) -> Diagnostic {
    Diagnostic::warning("E0726", format!("{construct} is approximated for Argo"))
        .primary(span, construct.to_owned())
        .help(differs.to_owned())
}

/// E0727: text holding `{{`, which Argo would expand (it has no escape);
/// [`name_field`] names the field it is in.
pub fn braces(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0727",
        format!("a value of step `{step}` holds `{{{{`, which Argo would expand"),
    )
    .primary(span, "holds `{{`")
    .help("Argo substitutes `{{…}}` anywhere in a template and has no escape for it: build the text at run time instead (in a script, `'{''{'`)")
}

/// Names the field an E0727 of step `step` is in: the field of `fields`
/// whose span holds the diagnostic's place.
pub fn name_field(d: &mut Diagnostic, step: &str, fields: &[wfc_language::ir::StepField]) {
    let Some(at) = d.primary_span().filter(|_| d.code == "E0727") else {
        return;
    };
    if let Some(f) = fields
        .iter()
        .find(|f| f.span.start <= at.start && at.end <= f.span.end)
    {
        d.message = format!(
            "`{}` of step `{step}` holds `{{{{`, which Argo would expand",
            f.name
        );
    }
}

/// E0728: an `if`, a `for each` list or a `parallel` count decided by a
/// secret, which the export would fold with this machine's value.
pub(crate) fn decided_by_secret(d: &crate::secret_decided::Decision) -> Diagnostic {
    crate::secret_decided::refusal(
        "E0728",
        d,
        "Argo can read a secret in a `when` only as a parameter, which the workflow's status shows in clear",
    )
}
