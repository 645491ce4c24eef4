//! `lock KEY` as Argo's workflow-level `synchronization.mutexes`: Argo
//! starts a workflow holding a mutex name only when no other workflow of
//! its namespace holds it, and queues it meanwhile, as `on busy queue`
//! waits. The key's params are folded; `run.id`, `run.workflow` and
//! `run.started` are Argo's own `{{workflow.name}}` (so a key over
//! `run.id` is one mutex per workflow run), the workflow's name and
//! `{{workflow.creationTimestamp}}`. `on busy skip` and `on busy cancel`
//! have no Argo equivalent: a mutex only waits.

use super::{diag, text};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, InterpPart, LockBusy, RunField};
use wfc_plan::Plan;

/// The workflow's `synchronization`, or why Argo cannot hold its lock.
pub fn synchronization(
    plan: &Plan,
    wf: &wfc_language::ir::Workflow,
) -> Result<Option<Json>, Diagnostic> {
    let Some(lock) = &plan.lock else {
        return Ok(None);
    };
    if plan.lock_busy != LockBusy::Queue {
        return Err(diag::cannot_express(
            lock.span,
            &format!("`lock` with `on busy {}`", plan.lock_busy.name()),
            "Argo's mutex only queues a workflow until the holder ends: it neither refuses a start nor cancels the holder (drop `on busy` to queue)",
        ));
    }
    let mut name = String::new();
    let parts: Vec<&Expr> = match &lock.kind {
        ExprKind::Interp(parts) => {
            for p in parts {
                match p {
                    InterpPart::Text(t) => {
                        name.push_str(&text::no_braces("lock", lock.span, t.clone())?)
                    }
                    InterpPart::Expr(x) => name.push_str(&part(plan, wf, x)?),
                }
            }
            Vec::new()
        }
        _ => vec![lock],
    };
    for x in parts {
        name.push_str(&part(plan, wf, x)?);
    }
    Ok(Some(json!({ "mutexes": [{ "name": name }] })))
}

fn part(plan: &Plan, wf: &wfc_language::ir::Workflow, x: &Expr) -> Result<String, Diagnostic> {
    Ok(match &x.kind {
        ExprKind::Run(RunField::Id) => "{{workflow.name}}".into(),
        ExprKind::Run(RunField::Workflow) => plan.workflow.clone(),
        ExprKind::Run(RunField::Started) => "{{workflow.creationTimestamp}}".into(),
        _ => text::plain(wf, "lock", x)?,
    })
}
