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
//!
//! A loop over a step's declared list output (the plan's template, `x[*]`)
//! cannot be unrolled: in `parallel` (unbounded) with such a body it is one
//! `withParam` task over the list a jq task reads from the producer's
//! output as `wfc run` reads it ([`super::computed::list_task`]: a JSON
//! list or comma-separated items of the declared type, or that task fails
//! as `wfc run` fails the producer), written as wfc writes it. Argo skips a
//! task whose list is empty, and `depends` takes a skip as done, as wfc
//! goes on after a loop that ran no iteration. Any other loop over a list
//! only the run knows is refused (E0721, with the reason).

use super::text;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, Expr, ExprKind, FieldValue, StepField, StepKind, Workflow};
use wfc_plan::eval::{fold, Scope};
use wfc_plan::{Graph, GroupKind, InstanceId, Plan, PlannedStep, Value};

/// A loop's items.
pub enum Items {
    /// Argo's `{{item}}` texts (what `wfc run` substitutes), known at export.
    Listed(Vec<String>),
    /// A step's declared list output: its one instance here, the output.
    Output { producer: InstanceId, name: String },
}

/// A loop written as one `withItems` task.
pub struct Loop {
    /// The iterations' instances, in item order (the first builds the task).
    pub members: Vec<InstanceId>,
    pub block: BlockId,
    pub items: Items,
    /// `parallel N`: at most N items at once.
    pub limit: Option<u32>,
}

/// The loops of `graph` that become `withItems` (or `withParam`) tasks; a
/// loop over a list only the run knows that cannot is refused into `errors`.
pub fn find(plan: &Plan, wf: &Workflow, graph: &Graph, errors: &mut Vec<Diagnostic>) -> Vec<Loop> {
    let mut out = Vec::new();
    for (id, group) in graph.groups.iter().enumerate() {
        if let GroupKind::ForEach {
            iterations: None,
            parallel,
            ..
        } = &group.kind
        {
            match template(plan, wf, graph, id, *parallel) {
                Ok(lp) => out.push(lp),
                Err(why) => errors.push(super::diag::cannot_express(
                    group.span,
                    "a `for each` over a list known only at run time",
                    &why,
                )),
            }
            continue;
        }
        let GroupKind::ForEach {
            iter,
            iterations: Some(its),
            parallel: Some(limit),
            ..
        } = &group.kind
        else {
            continue;
        };
        if iter.tainted
            || its.iter().any(|it| it.len() != 1)
            || crate::batches::batched(&group.kind)
        {
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
        let plain = steps.iter().all(|s| plain(s));
        if !plain || read(graph, first) || !steps.iter().all(same) {
            continue;
        }
        let fields = body_fields(plan, wf, first);
        if !item_only_in_run_and_env(&fields) {
            continue;
        }
        out.push(Loop {
            members,
            block: group.block,
            items: Items::Listed(items),
            limit: *limit,
        });
    }
    out
}

/// A body step one task can run per item.
fn plain(s: &PlannedStep) -> bool {
    matches!(s.kind, StepKind::Shell | StepKind::Docker)
        && s.outputs.is_empty()
        && wfc_language::ir::artifacts::decls(&s.fields).is_empty()
        && s.rollback.is_none()
        && s.condition.is_none()
        && s.until.is_none()
        && s.wait_any.is_none()
        && !s.finally
}

/// Whether something in the graph reads the step (per iteration).
fn read(graph: &Graph, s: &PlannedStep) -> bool {
    graph
        .steps
        .iter()
        .any(|x| x.reads.iter().any(|r| r.step == s.step))
}

/// A loop over a list only the run knows (`graph`'s group `id`) as one
/// `withParam` task, or why not.
fn template(
    plan: &Plan,
    wf: &Workflow,
    graph: &Graph,
    id: usize,
    parallel: Option<Option<u32>>,
) -> Result<Loop, String> {
    let group = &graph.groups[id];
    let GroupKind::ForEach { iter, .. } = &group.kind else {
        return Err("it is not a loop".into());
    };
    let ExprKind::StepOutput {
        step,
        field,
        output: Some(name),
    } = &iter.kind
    else {
        return Err("Argo's `withParam` takes a step's list output as it is: loop over one, or over params or literals (unrolled at export)".into());
    };
    let producers: Vec<InstanceId> = (0..graph.steps.len())
        .filter(|&i| graph.steps[i].step == *step)
        .collect();
    let ([producer], "outputs") = (producers.as_slice(), field.as_str()) else {
        return Err("its list is the output of a step that runs more than once or in another part of the workflow".into());
    };
    let scalar = matches!(&iter.ty, wfc_language::ir::Type::List(t)
        if matches!(**t, wfc_language::ir::Type::String | wfc_language::ir::Type::Int | wfc_language::ir::Type::Bool));
    if !scalar {
        return Err("its items are not text, whole numbers or bools".into());
    }
    let Some(limit) = parallel else {
        return Err("Argo runs a `withParam` task's items side by side: a loop without `parallel` (one item after another, stopping at the first that fails) has no equivalent".into());
    };
    let member = match group.members.as_slice() {
        [one] if !graph.groups.iter().any(|g| g.parent == Some(id)) => &graph.steps[*one],
        _ => return Err("its body is more than one step".into()),
    };
    if !plain(member) || read(graph, member) {
        return Err("its step is not one shell or docker step without outputs, artifacts, a rollback, a run-time `if` or `until`, read by no other".into());
    }
    if !item_only_in_run_and_env(&body_fields(plan, wf, member)) {
        return Err("the item reaches more than the step's `run` and `env`".into());
    }
    Ok(Loop {
        members: group.members.clone(),
        block: group.block,
        items: Items::Output {
            producer: *producer,
            name: name.clone(),
        },
        limit,
    })
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

/// The loop's `withItems`, each item refused when it holds `{{` (E0727);
/// None for a list only the run knows.
pub fn with_items(lp: &Loop, s: &PlannedStep) -> Result<Option<Json>, Diagnostic> {
    let Items::Listed(items) = &lp.items else {
        return Ok(None);
    };
    let items: Result<Vec<String>, Diagnostic> = items
        .iter()
        .map(|i| text::no_braces(&s.name, s.span, i.clone()))
        .collect();
    Ok(Some(json!(items?)))
}

/// `task` (a loop's, `withItems` or `withParam`) as the one step of a
/// template `wrapper` with `parallelism: n`, and the dag task calling it.
/// A steps template sees no dag task: what the task's arguments and list
/// read (`{{tasks.build.outputs.parameters.version}}`) becomes the
/// wrapper's input parameters, handed over by the calling task; only
/// `{{item}}` stays the step's own.
pub fn wrap(mut task: Map<String, Json>, wrapper: &str, n: u32) -> (Json, Map<String, Json>) {
    let mut inputs = Vec::new();
    let mut arguments = Vec::new();
    let mut forward = |name: String, value: &mut Json| {
        let read = std::mem::replace(value, json!(format!("{{{{inputs.parameters.{name}}}}}")));
        inputs.push(json!({ "name": name }));
        arguments.push(json!({ "name": name, "value": read }));
    };
    if let Some(Json::Array(params)) = task
        .get_mut("arguments")
        .and_then(|a| a.get_mut("parameters"))
    {
        for p in params.iter_mut() {
            if p["value"] == "{{item}}" {
                continue;
            }
            let name = p["name"].as_str().unwrap_or_default().to_string();
            forward(name, &mut p["value"]);
        }
    }
    if let Some(list) = task.get_mut("withParam") {
        forward("wf-list".into(), list);
    }
    let mut template = json!({
        "name": wrapper,
        "parallelism": n,
        "steps": [[Json::Object(std::mem::take(&mut task))]],
    });
    let mut outer = Map::new();
    outer.insert("name".into(), template["steps"][0][0]["name"].clone());
    outer.insert("template".into(), json!(wrapper));
    if !inputs.is_empty() {
        template["inputs"] = json!({ "parameters": inputs });
        outer.insert("arguments".into(), json!({ "parameters": arguments }));
    }
    (template, outer)
}
