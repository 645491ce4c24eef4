//! An `if` over a secret. A job's `if:` cannot read `secrets`, so a job
//! `wfc-if-JOB` decides the condition in a step, the secrets (and params)
//! in its `env`, never in the script, and gives `go` (`true` / `false`) as
//! its output; the step's job needs it and has `if: needs.wfc-if-JOB.outputs.go
//! == 'true'`, so it is skipped as `wfc run` skips it. The outcome is as
//! visible as under `wfc run` (the job ran or was skipped); the secret never
//! is. The condition is shell tests: `==`, `!=` (as text), `&&`, `||`, `!`
//! over secrets, params and values known at export; anything else (a step's
//! output, arithmetic, a function) is refused (E0740).

use super::values::Values;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, UnaryOp};

/// The id of the guard job's step (what `wfc import` knows it by).
pub const STEP: &str = "wfc-if-decide";

/// Whether `cond` reads a secret.
pub fn reads_secret(values: &Values, cond: &Expr) -> bool {
    let mut found = false;
    cond.walk(&mut |x| {
        found |= matches!(x.kind, ExprKind::Param(p) if values.wf.params[p].is_tainted())
    });
    found
}

/// The guard job deciding `cond` on `runs_on`.
pub fn guard(values: &Values, cond: &Expr, runs_on: &str) -> Result<Json, Diagnostic> {
    let mut env = Map::new();
    let test = test(values, cond, &mut env)?;
    let run = format!(
        "if {test}; then\n  echo go=true\nelse\n  echo go=false\nfi >> \"$GITHUB_OUTPUT\"\n"
    );
    Ok(json!({
        "runs-on": runs_on,
        "outputs": { "go": format!("${{{{ steps.{STEP}.outputs.go }}}}") },
        "steps": [{ "id": STEP, "env": env, "run": run, "shell": "sh" }],
    }))
}

fn refuse(e: &Expr, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E0740",
        format!("GitHub Actions cannot decide this `if` over a secret: {what}"),
    )
    .primary(e.span, "decided in a step, as shell tests")
    .help("compare secrets and params with `==` / `!=` (`&&`, `||`, `!`), or decide it inside the step's command with the secret in `env`")
}

/// `e` as a shell test; each value it compares goes into `env` (`WF_IF_N`).
fn test(values: &Values, e: &Expr, env: &mut Map<String, Json>) -> Result<String, Diagnostic> {
    match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
            let a = operand(values, a, env)?;
            let b = operand(values, b, env)?;
            let sym = if *op == BinaryOp::Eq { "=" } else { "!=" };
            Ok(format!("[ \"${a}\" {sym} \"${b}\" ]"))
        }
        ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
            let sym = if *op == BinaryOp::And { "&&" } else { "||" };
            Ok(format!(
                "{{ {} {sym} {}; }}",
                test(values, a, env)?,
                test(values, b, env)?
            ))
        }
        ExprKind::Unary(UnaryOp::Not, a) => Ok(format!("! {{ {}; }}", test(values, a, env)?)),
        ExprKind::Bool(_) | ExprKind::Param(_) => {
            let v = operand(values, e, env)?;
            Ok(format!("[ \"${v}\" = true ]"))
        }
        _ => Err(refuse(
            e,
            "only `==`, `!=`, `&&`, `||` and `!` are shell tests here",
        )),
    }
}

/// A value compared: a variable of the step's `env` holding its text.
fn operand(values: &Values, e: &Expr, env: &mut Map<String, Json>) -> Result<String, Diagnostic> {
    let reads_run = {
        let mut found = false;
        e.walk(&mut |x| {
            found |= matches!(
                x.kind,
                ExprKind::StepOutput { .. } | ExprKind::StepStatus(_) | ExprKind::Failed(_)
            )
        });
        found
    };
    if reads_run {
        return Err(refuse(e, "it reads a step's output or status as well"));
    }
    let text = values.text(e)?;
    let name = format!("WF_IF_{}", env.len() + 1);
    env.insert(name.clone(), Json::String(text));
    Ok(name)
}
