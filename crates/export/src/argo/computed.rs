//! Values Argo's templates cannot compute (`json(x.stdout).primary`,
//! `len(train.outputs.accuracy)`, a gate's arithmetic, a `json` body over
//! outputs): a task `T-vN` before the step's task `T` computes each with
//! `jq` ([`crate::jq`]) in a pinned image, and prints it: its
//! `outputs.result`, which `T` reads as an input parameter like any other
//! output (a gate's `when` compares it with `false`). The program is the
//! container's argument, built from the checked expression; every value it
//! reads is an env value of the container, from an input parameter whose
//! task argument is the producer's output (`{{tasks.X.outputs.parameters.Y}}`),
//! never program text.

use super::diag;
use super::runtime::{Convert, Raw, RunTime};
use crate::jq::{self, Jq, Leaf, Leaves};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, StepId, Type};

/// jq's own image (a static `jq`, no shell), pinned.
pub const JQ_IMAGE: &str = "ghcr.io/jqlang/jq:1.7.1";

/// One value computed before a step: its task.
pub struct Task {
    pub name: String,
    program: String,
    /// (variable, the task's argument for it).
    inputs: Vec<(String, String)>,
}

impl RunTime<'_> {
    /// A task computing `x` (as JSON text when `json`: a body) before this
    /// step's, if jq can: its name.
    pub(super) fn compute(&mut self, x: &Expr, json: bool) -> Option<String> {
        if !RunTime::reads(x) || self.task.is_empty() {
            return None;
        }
        let mut program = Jq::default();
        let filter = if json {
            program.json(&ArgoLeaves(self), x)
        } else {
            program.text(&ArgoLeaves(self), x)
        }
        .ok()?;
        let text = jq::single(&filter);
        // A literal holding `{{` would be expanded by Argo.
        if text.contains("{{") {
            return None;
        }
        // `failed.*` is read from the handler's `wfc-failed` task, which
        // then must exist and run first.
        x.walk(&mut |e: &Expr| self.reads_failed |= matches!(e.kind, ExprKind::Failed(_)));
        let name = format!("{}-v{}", self.task, self.computed.len() + 1);
        self.computed.push(Task {
            name: name.clone(),
            program: text,
            inputs: program.inputs,
        });
        Some(name)
    }
}

/// The leaves of an expression as the computing task reads them.
struct ArgoLeaves<'a, 'p>(&'a RunTime<'p>);

impl Leaves for ArgoLeaves<'_, '_> {
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>> {
        let rt = self.0;
        // Nothing read from a secret is computed (the task's env would
        // hold it in clear), but how a step ended: its phase, a gate's
        // `passed`, a slack or email step's `delivered`, a status code.
        let ended = match &e.kind {
            ExprKind::StepStatus(_) => true,
            ExprKind::StepOutput {
                field,
                output: None,
                ..
            } => matches!(field.as_str(), "passed" | "delivered" | "status_code"),
            _ => false,
        };
        let leaf = matches!(
            e.kind,
            ExprKind::StepOutput { .. }
                | ExprKind::Param(_)
                | ExprKind::Failed(_)
                | ExprKind::Call(
                    wfc_language::ir::Func::Env | wfc_language::ir::Func::RequireEnv,
                    _
                )
        );
        if e.tainted && leaf && !ended {
            return Some(Err(self.refuse(e, "a secret")));
        }
        if let ExprKind::StepOutput { step, .. } = &e.kind {
            if let Some(tasks) = rt.lists.iter().find(|(s, _)| s == step).map(|(_, t)| t) {
                return Some(list(rt, e, *step, tasks));
            }
        }
        let (raw, convert) = rt.raw(e)?;
        Some(match raw {
            Raw::Task(text) | Raw::Global(text) => Ok(match convert {
                None => Leaf::Input(text),
                Some(c) => Leaf::Mapped(text, filter(c)),
            }),
            Raw::Item => Err(self.refuse(e, "a loop's item")),
        })
    }

    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic {
        diag::run_time_value(e.span, &self.0.task, what)
    }
}

/// Each instance's output (or a gate's `passed`) of a loop's step read
/// from outside, from the task of each (the loop unrolled).
fn list(rt: &RunTime, e: &Expr, step: StepId, tasks: &[String]) -> Result<Leaf, Diagnostic> {
    let refuse = || diag::run_time_value(e.span, &rt.task, "this read of a loop's step");
    let each = |t: &String| match &e.kind {
        ExprKind::StepOutput {
            field,
            output: Some(name),
            ..
        } if field == "outputs" => Ok(Leaf::Input(format!(
            "{{{{tasks.{t}.outputs.parameters.{name}}}}}"
        ))),
        ExprKind::StepOutput {
            field,
            output: None,
            ..
        } if super::answer::parameter(field).is_some() => Ok(Leaf::Input(format!(
            "{{{{tasks.{t}.outputs.parameters.{}}}}}",
            super::answer::parameter(field).unwrap_or_default()
        ))),
        ExprKind::StepOutput {
            field,
            output: None,
            ..
        } if field == "passed" && rt.producers.gates.contains(&step) => Ok(Leaf::Mapped(
            format!("{{{{tasks.{t}.status}}}}"),
            filter(Convert::Passed),
        )),
        _ => Err(refuse()),
    };
    tasks
        .iter()
        .map(each)
        .collect::<Result<Vec<_>, _>>()
        .map(Leaf::Inputs)
}

/// Argo's words as wfc's value, in jq.
fn filter(c: Convert) -> &'static str {
    match c {
        Convert::Status => {
            r#"({"Succeeded": "succeeded", "Failed": "failed", "Error": "failed", "Skipped": "skipped", "Omitted": "not_run"}[.] // "unknown")"#
        }
        Convert::Passed => r#"(. == "Skipped" or . == "Succeeded")"#,
        Convert::RunStatus => r#"(if . == "Succeeded" then "succeeded" else "failed" end)"#,
        Convert::Delivered => r#"(. == "Succeeded")"#,
    }
}

/// A run-time condition (`negate`: a gate's check, whose task runs when it
/// is false) as Argo's `when`: translated, or else computed by a task.
pub fn when(
    wf: &wfc_language::ir::Workflow,
    rt: &mut RunTime,
    step: &str,
    cond: &Expr,
    negate: bool,
) -> Result<String, Diagnostic> {
    match super::when::translate(wf, rt.producers, step, cond) {
        Ok(w) if negate => Ok(format!("!({w})")),
        Ok(w) => Ok(w),
        Err(e) => match rt.compute(cond, false) {
            // The value's text is `true` or `false`, nothing else.
            Some(task) => Ok(format!(
                "{{{{tasks.{task}.outputs.result}}}} == {}",
                !negate
            )),
            None => Err(e),
        },
    }
}

/// A task `name` reading the declared list output `read`
/// (`{{tasks.P.outputs.parameters.NAME}}`) of type `ty` as `wfc run` reads
/// it, printing it as wfc writes it (a `withParam` list,
/// [`super::loops`]), or failing as `wfc run` fails the producer (and for
/// an item holding `{{`, which Argo would expand: E0727's rule at run time).
pub fn list_task(name: String, read: String, output: &str, ty: &Type) -> Option<Task> {
    let kind = jq::typed_kind(ty)?;
    let what = jq::json_str(&format!("declared output `{output}` ({ty})"));
    Some(Task {
        name,
        // An item holding `{{` would be expanded by Argo as `{{item}}`
        // (and the program may not hold one: `\u007b` is `{`).
        program: jq::single(&format!(
            "$ENV.WF_IN_1 | wfc_typed({what}; {kind}) | if contains(\"\\u007b\\u007b\") then error({}) else . end",
            jq::json_str(&format!("declared output `{output}`: an item holds two opening braces, which Argo would expand"))
        )),
        inputs: vec![("WF_IN_1".into(), read)],
    })
}

/// The task computing `t`, needing the tasks it reads, and its template.
pub fn task(t: Task) -> (Json, Json) {
    let mut arguments = Vec::new();
    let mut params = Vec::new();
    let mut env = Vec::new();
    let mut depends: Vec<String> = Vec::new();
    for (i, (var, read)) in t.inputs.iter().enumerate() {
        let input = format!("wf-in-{}", i + 1);
        if let Some(task) = read
            .strip_prefix("{{tasks.")
            .and_then(|r| r.split('.').next())
        {
            if !depends.iter().any(|d| d == task) {
                depends.push(task.to_string());
            }
        }
        arguments.push(json!({ "name": input, "value": read }));
        params.push(json!({ "name": input }));
        env.push(json!({ "name": var, "value": format!("{{{{inputs.parameters.{input}}}}}") }));
    }
    let mut task = json!({ "name": t.name, "template": t.name });
    if !arguments.is_empty() {
        task["arguments"] = json!({ "parameters": arguments });
    }
    if !depends.is_empty() {
        // However a read step ended: the value says (a status), or the
        // step it is for does not run.
        let ended: Vec<String> = depends.iter().map(|d| super::ended(d)).collect();
        task["depends"] = json!(ended.join(" && "));
    }
    let mut template = json!({
        "name": t.name,
        "container": {
            "image": JQ_IMAGE,
            "command": ["/jq", "-nj", t.program],
            "env": env,
        },
    });
    if !params.is_empty() {
        template["inputs"] = json!({ "parameters": params });
    }
    (task, template)
}
