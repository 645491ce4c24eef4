//! `email` steps as curl's SMTP client on the runner (ubuntu runners have
//! curl): the fixed script of [`crate::mail`], every value in `env:` (a
//! secret as `${{ secrets.NAME }}`), never in the script. A `to` from a
//! `list` input is its JSON text, which `jq` (on ubuntu runners) reads.

use super::values::{literal, unsupported, Values};
use crate::mail::To;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{ExprKind, FieldValue, Step, Type};
use wfc_plan::Value;

/// The step's script and its `env:`, or why not.
pub fn send(
    values: &Values,
    step: &Step,
    env: &mut Vec<(String, String)>,
) -> Result<String, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let expr = |name: &str| match step
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| &f.value)
    {
        Some(FieldValue::Expr(e)) => Some(e),
        _ => None,
    };
    for (var, name) in [
        ("WF_SMTP", "smtp"),
        ("WF_FROM", "from"),
        ("WF_SUBJECT", "subject"),
        ("WF_BODY", "body"),
        ("WF_SMTP_USER", "username"),
        ("WF_SMTP_PASSWORD", "password"),
    ] {
        if let Some(e) = expr(name) {
            match values.text(e) {
                Ok(v) => env.push((var.into(), v)),
                Err(d) => errors.push(d),
            }
        }
    }
    // The recipients: one text, or a list the export knows item by item.
    let mut to = Vec::new();
    let mut list = None;
    if let Some(e) = expr("to") {
        match (&e.kind, &e.ty) {
            (ExprKind::List(items), _) => {
                for item in items {
                    match values.text(item) {
                        Ok(v) => to.push(v),
                        Err(d) => errors.push(d),
                    }
                }
            }
            (_, Type::List(_)) => match values.known(e) {
                Some(Value::List(items)) => {
                    for item in items {
                        match literal(&item.to_text(), e) {
                            Ok(v) => to.push(v),
                            Err(d) => errors.push(d),
                        }
                    }
                }
                // A `list` input: its JSON text, read by `jq` on the runner.
                _ if matches!(e.kind, ExprKind::Param(_)) => match values.text(e) {
                    Ok(v) => list = Some(v),
                    Err(d) => errors.push(d),
                },
                _ => errors.push(unsupported(
                    e,
                    "a list of recipients only the run knows (an expression over a `list` input): list them in the step, or pass the input itself",
                )),
            },
            _ => match values.text(e) {
                Ok(v) => to.push(v),
                Err(d) => errors.push(d),
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(v) = list {
        env.push(("WF_TO_LIST".into(), v));
        return Ok(crate::mail::script(To::Json, "$RUNNER_TEMP"));
    }
    for (n, v) in to.iter().enumerate() {
        env.push((format!("WF_TO_{}", n + 1), v.clone()));
    }
    Ok(crate::mail::script(To::Fixed(to.len()), "$RUNNER_TEMP"))
}
