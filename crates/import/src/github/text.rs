//! Strings holding `${{ … }}`: commands (`run:`) and values (`env:`).
//! An input, a matrix value or a secret becomes a `.wf` value; a `github.*`
//! value the runner's environment variable; anything else stays as text,
//! warned.

use super::{expr, Ctx, Env};
use crate::literal::Text;
use marked_yaml::Node;
use std::collections::BTreeMap;

/// The matrix values of the job being converted: key → loop variable.
#[derive(Default)]
pub(crate) struct Scope {
    pub matrix: BTreeMap<String, String>,
}

/// A command, and the `env` entries it reads values through.
pub(crate) struct Script {
    pub text: Text,
    pub env: Env,
}

/// `github.*` values the runner also sets as `GITHUB_*` variables.
const GITHUB_VARS: &[&str] = &[
    "ref",
    "ref_name",
    "ref_type",
    "sha",
    "repository",
    "repository_owner",
    "actor",
    "triggering_actor",
    "event_name",
    "workspace",
    "run_id",
    "run_number",
    "run_attempt",
    "head_ref",
    "base_ref",
    "server_url",
    "api_url",
    "job",
    "workflow",
    "action",
];

/// Files the runner names for a step to write to.
const RUNNER_FILES: &[&str] = &[
    "GITHUB_OUTPUT",
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_STEP_SUMMARY",
];

enum Found {
    /// A `.wf` expression; the variable a command reads it through.
    Value(String, String),
    /// A secret param; the variable a command reads it through.
    Secret(String, String),
    /// A variable of the process: `GITHUB_REF`, or one of `env:`.
    Var(String, bool),
    /// A value wfc's export computes with jq before the step (its
    /// `WF_EXPR_N` shows which): no `.wf` text to give it back.
    Computed,
}

fn resolve(ctx: &mut Ctx, scope: &Scope, path: &[String]) -> Option<Found> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["inputs", x] | ["github", "event", "inputs", x] => ctx
            .inputs
            .get(*x)
            .map(|param| Found::Value(param.clone(), env_name("INPUT", x))),
        ["matrix", x] => scope
            .matrix
            .get(*x)
            .map(|var| Found::Value(var.clone(), env_name("MATRIX", x))),
        ["secrets", x] => Some(Found::Secret(ctx.secret(x), env_name("", x))),
        ["github", "token"] => Some(Found::Secret(
            ctx.secret("GITHUB_TOKEN"),
            "GITHUB_TOKEN".into(),
        )),
        ["env", x] => Some(Found::Var(x.to_string(), false)),
        // A webhook's param, as the export's `wfc-params` job decides it.
        ["needs", job, "outputs", x] if ctx.params_job.as_deref() == Some(*job) => ctx
            .inputs
            .get(*x)
            .map(|param| Found::Value(param.clone(), env_name("INPUT", x))),
        ["needs", job, "outputs", f @ ("step" | "error")]
            if ctx.failed_finders.iter().any(|j| j == job) =>
        {
            Some(Found::Value(format!("failed.{f}"), env_name("FAILED", f)))
        }
        // wfc's export hands a step's outputs on as its job's.
        ["needs", job, "outputs", x] if ctx.job_output(job, x).is_some() => ctx
            .job_output(job, x)
            .map(|v| Found::Value(v, env_name("NEEDS", x))),
        ["steps", id, "outputs", _] if ctx.wfc && id.ends_with("wfc-values") => {
            Some(Found::Computed)
        }
        ["github", x] if GITHUB_VARS.contains(x) => Some(Found::Var(
            format!("GITHUB_{}", x.to_ascii_uppercase()),
            true,
        )),
        _ => None,
    }
}

/// wfc's export of a param when runs also start otherwise (a schedule,
/// a push): `github.event_name == 'workflow_dispatch' && format('{0}',
/// inputs.X) || 'BOUND'`, the input or the value bound at export: the
/// param again.
fn dispatched(ctx: &Ctx, inner: &str) -> Option<Found> {
    let rest = inner
        .strip_prefix("github.event_name == 'workflow_dispatch' && format('{0}', inputs.")
        .filter(|_| ctx.wfc)?;
    let (x, rest) = rest.split_once(") || '")?;
    // (The bound value, quoted: `''` is a quote.)
    let bound = rest.strip_suffix('\'')?;
    if bound.replace("''", "").contains('\'') {
        return None;
    }
    ctx.inputs
        .get(x)
        .map(|param| Found::Value(param.clone(), env_name("INPUT", x)))
}

/// The warning for a value wfc's export computed with jq.
fn computed(inner: &str) -> String {
    format!("`${{{{ {inner} }}}}` is a value wfc's export computes with jq before the step (`WF_EXPR_N` of the step `wfc-values` says which); it is written as `\"\"`: write its expression back")
}

/// `PREFIX_NAME` as an environment variable's name.
fn env_name(prefix: &str, name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if !prefix.is_empty() {
        out = format!("{prefix}_{out}");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The `${{ … }}` spans of `s`: (start, end, inner text).
fn spans(s: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("${{") {
        let start = from + i;
        let Some(j) = s[start..].find("}}") else {
            break;
        };
        let end = start + j + 2;
        out.push((start, end, s[start + 3..end - 2].trim()));
        from = end;
    }
    out
}

/// `s` without its `${{ … }}`: text for a name.
pub(crate) fn without_expressions(s: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (start, end, _) in spans(s) {
        out.push_str(&s[last..start]);
        last = end;
    }
    out.push_str(&s[last..]);
    out
}

/// A `run:` command: values through interpolation (or `env`), secrets and
/// `github.*` through environment variables.
pub(crate) fn script(ctx: &mut Ctx, scope: &Scope, s: &str, node: &Node) -> Script {
    let mut text = Text::default();
    let mut env: Env = Vec::new();
    let mut last = 0;
    for (start, end, inner) in spans(s) {
        text.push_text(&s[last..start]);
        last = end;
        let found = match expr::parse(inner) {
            Ok(expr::Ex::Path(p)) => resolve(ctx, scope, &p),
            _ => dispatched(ctx, inner),
        };
        let mut through_env = |env: &mut Env, var: String, value: String| {
            if !env.iter().any(|(k, _)| *k == var) {
                let mut t = Text::default();
                t.push_expr(value);
                env.push((var.clone(), t));
            }
            text.push_text(&format!("${{{var}}}"));
        };
        match found {
            Some(Found::Value(v, var)) if ctx.env_route => through_env(&mut env, var, v),
            Some(Found::Value(v, _)) => text.push_expr(v),
            Some(Found::Secret(p, var)) => through_env(&mut env, var, p),
            Some(Found::Computed) => {
                ctx.warn.node("W0903", node, computed(inner));
                text.push_expr("\"\"".into());
            }
            Some(Found::Var(var, github)) => {
                if github {
                    ctx.warn.node("W0907", node, format!("`${{{{ {inner} }}}}` is read from `${var}`, which GitHub's runner sets: set it where the workflow runs"));
                }
                text.push_text(&format!("${{{var}}}"));
            }
            None => {
                ctx.warn.node("W0903", node, format!("`${{{{ {inner} }}}}` has no `.wf` equivalent here; it is left in the command as text"));
                text.push_text(&s[start..end]);
            }
        }
    }
    text.push_text(&s[last..]);
    for file in RUNNER_FILES {
        if s.contains(file) {
            ctx.warn.node("W0907", node, format!("the command writes to `${file}`, a file only GitHub's runner names: what it passes on is lost here (a `.wf` step declares `outputs` and writes `$WF_OUTPUTS`)"));
        }
    }
    Script { text, env }
}

/// A value (of `env:`): inputs, matrix values and secrets interpolated,
/// `github.*` read with `env("GITHUB_…")`.
pub(crate) fn value(ctx: &mut Ctx, scope: &Scope, s: &str, node: &Node) -> Text {
    let mut text = Text::default();
    let mut last = 0;
    for (start, end, inner) in spans(s) {
        text.push_text(&s[last..start]);
        last = end;
        let found = match expr::parse(inner) {
            Ok(expr::Ex::Path(p)) => resolve(ctx, scope, &p),
            _ => dispatched(ctx, inner),
        };
        match found {
            Some(Found::Value(v, _) | Found::Secret(v, _)) => text.push_expr(v),
            Some(Found::Computed) => {
                ctx.warn.node("W0903", node, computed(inner));
                text.push_expr("\"\"".into());
            }
            Some(Found::Var(var, true)) => {
                ctx.warn.node("W0907", node, format!("`${{{{ {inner} }}}}` is read from `${var}`, which GitHub's runner sets: set it where the workflow runs"));
                text.push_expr(format!("env(\"{var}\")"));
            }
            _ => {
                ctx.warn.node("W0903", node, format!("`${{{{ {inner} }}}}` has no `.wf` equivalent here; it is left in the value as text"));
                text.push_text(&s[start..end]);
            }
        }
    }
    text.push_text(&s[last..]);
    text
}

/// Whether `k` is an environment variable's name.
pub(crate) fn is_env_name(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An `env:` mapping.
pub(crate) fn env_map(ctx: &mut Ctx, node: &Node, scope: Option<&Scope>) -> Env {
    let empty = Scope::default();
    let scope = scope.unwrap_or(&empty);
    let mut out = Vec::new();
    let Some(map) = node.as_mapping() else {
        ctx.warn
            .node("W0903", node, "an `env` that is not a mapping is left out");
        return out;
    };
    for (k, v) in map.iter() {
        if !is_env_name(k.as_str()) {
            ctx.warn.key(
                "W0900",
                k,
                format!(
                    "`{}` is not an environment variable's name; it is left out",
                    k.as_str()
                ),
            );
            continue;
        }
        match v.as_scalar() {
            Some(s) => {
                let t = value(ctx, scope, s.as_str(), v);
                out.push((k.as_str().to_string(), t));
            }
            None => ctx.warn.node(
                "W0900",
                v,
                "an `env` value that is not a scalar is left out",
            ),
        }
    }
    out
}
