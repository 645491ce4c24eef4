//! An `if` over a secret, on Argo. A `when` could read a secret only as a
//! parameter, which the workflow's status shows, so a task `wfc-if-STEP`
//! decides the condition in a container, each secret a `secretKeyRef` in
//! its `env` (never a value in the YAML), and gives `go` (`true` /
//! `false`) as an output parameter; the step's task depends on it and has
//! `when: '{{tasks.wfc-if-STEP.outputs.parameters.go}} == true'`, so it is
//! `Skipped` as `wfc run` skips it. The outcome is as visible as under
//! `wfc run`; the secret never is. The condition is shell tests: `==`,
//! `!=` (as text), `&&`, `||`, `!` over secrets and values known at
//! export; anything else (a step's output, a function) is refused (E0728).

use super::{diag, text, Options};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, UnaryOp, Workflow};

/// Whether `cond` reads a secret.
pub fn reads_secret(wf: &Workflow, cond: &Expr) -> bool {
    let mut found = false;
    cond.walk(&mut |x| found |= matches!(x.kind, ExprKind::Param(p) if wf.params[p].is_tainted()));
    found
}

/// The guard task `name` deciding `cond` of step `step`, and its template.
pub fn guard(
    wf: &Workflow,
    step: &str,
    cond: &Expr,
    name: &str,
    options: &Options,
) -> Result<(Json, Json), Diagnostic> {
    let mut env = Vec::new();
    let test = test(wf, step, cond, options, &mut env)?;
    let script = format!(
        "mkdir -p /tmp/wf-outputs || exit 1\nif {test}; then\n  printf true\nelse\n  printf false\nfi > /tmp/wf-outputs/go"
    );
    let image = options
        .image
        .clone()
        .unwrap_or_else(|| super::step::GATE_IMAGE.into());
    let task = json!({ "name": name, "template": name });
    let template = json!({
        "name": name,
        "container": { "image": image, "command": ["sh", "-c", script], "env": env },
        "outputs": { "parameters": [{ "name": "go", "valueFrom": { "path": "/tmp/wf-outputs/go" } }] },
    });
    Ok((task, template))
}

/// The `when` term of the step's task.
pub fn when(name: &str) -> String {
    format!("{{{{tasks.{name}.outputs.parameters.go}}}} == true")
}

fn refuse(e: &Expr, what: &str) -> Diagnostic {
    let mut d = diag::cannot_express(
        e.span,
        "this `if` over a secret",
        &format!("it is decided in a container as shell tests: {what}; or decide it inside the step's command with the secret in `env`"),
    );
    d.code = "E0728";
    d
}

fn test(
    wf: &Workflow,
    step: &str,
    e: &Expr,
    options: &Options,
    env: &mut Vec<Json>,
) -> Result<String, Diagnostic> {
    match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
            let a = operand(wf, step, a, options, env)?;
            let b = operand(wf, step, b, options, env)?;
            let sym = if *op == BinaryOp::Eq { "=" } else { "!=" };
            Ok(format!("[ \"${a}\" {sym} \"${b}\" ]"))
        }
        ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
            let sym = if *op == BinaryOp::And { "&&" } else { "||" };
            Ok(format!(
                "{{ {} {sym} {}; }}",
                test(wf, step, a, options, env)?,
                test(wf, step, b, options, env)?
            ))
        }
        ExprKind::Unary(UnaryOp::Not, a) => {
            Ok(format!("! {{ {}; }}", test(wf, step, a, options, env)?))
        }
        ExprKind::Bool(_) | ExprKind::Param(_) => {
            let v = operand(wf, step, e, options, env)?;
            Ok(format!("[ \"${v}\" = true ]"))
        }
        _ => Err(refuse(e, "only `==`, `!=`, `&&`, `||` and `!` are")),
    }
}

/// A value compared: an env variable of the container (a secret's a
/// `secretKeyRef`).
fn operand(
    wf: &Workflow,
    step: &str,
    e: &Expr,
    options: &Options,
    env: &mut Vec<Json>,
) -> Result<String, Diagnostic> {
    let name = format!("WF_IF_{}", env.len() + 1);
    let entry = match text::whole_secret(wf, e) {
        Some(key) => {
            json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": key } } })
        }
        None if e.tainted => return Err(refuse(e, "a value computed from a secret is not")),
        None => json!({ "name": name, "value": text::plain(wf, step, e)? }),
    };
    env.push(entry);
    Ok(name)
}
