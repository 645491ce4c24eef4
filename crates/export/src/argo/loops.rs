//! `for each` loops as one Argo task with `withItems`, when that says the
//! same as the plan's unrolled iterations; otherwise the plan's one task
//! per iteration stays.
//!
//! A loop qualifies when it runs in `parallel` (Argo starts every item of a
//! `withItems` at once; a sequential loop's chaining stays unrolled), its
//! body is one shell or docker step with no `outputs` (a reader per
//! iteration needs its own task), no rollback, no run-time condition and
//! the same settings in every iteration, and its list holds plan-time
//! scalars that are not secret. The loop variable reaches the container
//! only as the input parameter `wf-item` (`{{item}}`) and from there an env
//! var, never as command text. `parallel N` wraps the task in a `steps`
//! template with `parallelism: N`: Argo limits parallelism per template, not
//! per task.

use super::text;
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, Expr, ExprKind, FieldValue, StepField, StepKind, Workflow};
use wfc_plan::eval::{fold, Scope};
use wfc_plan::{Graph, GroupKind, InstanceId, Plan, PlannedStep, Value};

/// A loop written as one `withItems` task.
pub struct Loop {
    /// The iterations' instances, in item order (the first builds the task).
    pub members: Vec<InstanceId>,
    pub block: BlockId,
    /// The items as Argo's `{{item}}` text (what `wfc run` substitutes).
    pub items: Vec<String>,
    /// `parallel N`: at most N items at once.
    pub limit: Option<u32>,
}

/// The loops of `graph` that become `withItems` tasks.
pub fn find(plan: &Plan, wf: &Workflow, graph: &Graph) -> Vec<Loop> {
    let mut out = Vec::new();
    for group in &graph.groups {
        let GroupKind::ForEach {
            iter,
            iterations: Some(its),
            parallel: Some(limit),
            ..
        } = &group.kind
        else {
            continue;
        };
        if iter.tainted || its.iter().any(|it| it.len() != 1) {
            continue;
        }
        let members: Vec<InstanceId> = its.iter().map(|it| it[0]).collect();
        let steps: Vec<&PlannedStep> = members.iter().map(|&i| &graph.steps[i]).collect();
        let first = steps[0];
        let same = |s: &&PlannedStep| {
            s.step == first.step
                && format!("{:?}{:?}", s.retry, s.timeout_ms)
                    == format!("{:?}{:?}", first.retry, first.timeout_ms)
        };
        let items: Option<Vec<String>> = steps
            .iter()
            .map(|s| match s.items.as_slice() {
                [(b, _, v)] if *b == group.block && scalar(v) => Some(v.to_text()),
                _ => None,
            })
            .collect();
        let Some(items) = items else { continue };
        let plain = steps.iter().all(|s| {
            matches!(s.kind, StepKind::Shell | StepKind::Docker)
                && s.outputs.is_empty()
                && wfc_language::ir::artifacts::decls(&s.fields).is_empty()
                && s.rollback.is_none()
                && s.condition.is_none()
                && s.until.is_none()
                && s.wait_any.is_none()
                && !s.finally
        });
        // Nothing else in the graph reads the step per iteration.
        let read = graph
            .steps
            .iter()
            .any(|s| s.reads.iter().any(|r| r.step == first.step));
        if !plain || read || !steps.iter().all(same) {
            continue;
        }
        let fields = body_fields(plan, wf, first);
        if !item_only_in_run_and_env(&fields) {
            continue;
        }
        out.push(Loop {
            members,
            block: group.block,
            items,
            limit: *limit,
        });
    }
    out
}

fn scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
    )
}

/// The step's fields folded as the plan folds them, except that the loop
/// variable stays a variable (it becomes `{{item}}`).
pub fn body_fields(plan: &Plan, wf: &Workflow, s: &PlannedStep) -> Vec<StepField> {
    let values = plan.param_values(wf.params.len());
    let never = |_| false;
    let scope = Scope {
        params: &values,
        loops: &[],
        pruned: &never,
    };
    let f = |e: &Expr| fold(e, &scope);
    wf.steps[s.step]
        .fields
        .iter()
        .map(|field| StepField {
            name: field.name.clone(),
            span: field.span,
            value: match &field.value {
                FieldValue::Expr(e) => FieldValue::Expr(f(e)),
                FieldValue::Map(m) => {
                    FieldValue::Map(m.iter().map(|(k, e)| (k.clone(), f(e))).collect())
                }
                FieldValue::Mount { source, target } => FieldValue::Mount {
                    source: Box::new(f(source)),
                    target: Box::new(f(target)),
                },
                FieldValue::Keyword(k) => FieldValue::Keyword(k.clone()),
                FieldValue::Inputs(i) => {
                    FieldValue::Inputs(i.iter().map(|i| i.map_exprs(f)).collect())
                }
            },
        })
        .collect()
}

/// Whether `e` reads a loop variable.
pub fn reads_item(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x: &Expr| found |= matches!(x.kind, ExprKind::LoopVar(_)));
    found
}

/// The item may reach the step only where [`super::runtime::RunTime`]
/// hands values over as env vars: `run` and `env`.
fn item_only_in_run_and_env(fields: &[StepField]) -> bool {
    fields.iter().all(|f| match &f.value {
        FieldValue::Expr(e) if f.name != "run" => !reads_item(e),
        FieldValue::Mount { source, target } => !reads_item(source) && !reads_item(target),
        _ => true,
    })
}

/// The loop's `withItems`, each item refused when it holds `{{` (E0727).
pub fn with_items(lp: &Loop, s: &PlannedStep) -> Result<Json, Diagnostic> {
    let items: Result<Vec<String>, Diagnostic> = lp
        .items
        .iter()
        .map(|i| text::no_braces(&s.name, s.span, i.clone()))
        .collect();
    Ok(json!(items?))
}
