//! Run-time conditions (an `if` on step outputs, a `check` gate) as an Argo
//! `when`: a govaluate expression over `{{tasks.T.outputs.parameters.N}}`.
//!
//! Argo substitutes `{{…}}` into the text *before* govaluate parses it, so
//! an output's value becomes part of the expression. Only outputs declared
//! `int`, `float` or `bool` may appear: the producer's wrapper
//! ([`super::outputs`]) fails the step unless the value is a plain number
//! (or `true`/`false`), so no value can change the expression's structure.
//! A string output (anything could be in it) and string literals holding a
//! quote or a backslash are refused (E0725).

use super::diag;
use std::collections::HashMap;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, StepId, Type, UnaryOp, Workflow};
use wfc_plan::render::expr::show;

/// The task (and the output's type) each step's outputs are read from.
pub struct Producers {
    /// StepId → the task name of its only instance in this dag.
    pub tasks: HashMap<StepId, String>,
    /// The gates of this dag (a reader's `passed` is their task's phase).
    pub gates: std::collections::HashSet<StepId>,
    /// Its slack and email steps (a reader's `delivered` is their task's
    /// phase: the step fails when the message is refused).
    pub delivers: std::collections::HashSet<StepId>,
    /// In a handler: the main graph's steps it reads → their task, whose
    /// outputs are global (the `global` module).
    pub globals: HashMap<StepId, String>,
    /// The global parameters read through `globals`, shared by every copy.
    pub global_reads: super::global::Reads,
}

impl Producers {
    /// Output parameter `name` of `step`'s task, read as an argument: this
    /// dag's, else (in a handler) the main dag's ([`super::global`]).
    pub(super) fn parameter(
        &self,
        step: StepId,
        name: &str,
    ) -> Option<(super::runtime::Raw, Option<super::runtime::Convert>)> {
        let Some(task) = self.tasks.get(&step) else {
            return self.global(step, name);
        };
        let read = format!("{{{{tasks.{task}.outputs.parameters.{name}}}}}");
        Some((super::runtime::Raw::Task(read), None))
    }
}

/// `e` as a govaluate expression, or why it cannot be one.
pub fn translate(
    wf: &Workflow,
    producers: &Producers,
    step: &str,
    e: &Expr,
) -> Result<String, Diagnostic> {
    let refuse = |what: &str| diag::run_time_value(e.span, step, what);
    Ok(match &e.kind {
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => wfc_plan::value::format_float(*f),
        ExprKind::Str(s) => {
            if s.contains(['\'', '\\', '{', '}']) {
                return Err(diag::unsafe_in_when(
                    e.span,
                    "a string holding a quote, a backslash or a brace",
                ));
            }
            format!("'{s}'")
        }
        // Ints a producer writes as digits only: a sql step's count (`sql.rs`),
        // an http step's status code (`answer.rs`).
        ExprKind::StepOutput {
            step: producer,
            field,
            output: None,
        } if matches!(field.as_str(), "row_count" | "status_code") => {
            match producers.tasks.get(producer) {
                Some(task) => {
                    let name = super::answer::parameter(field).unwrap_or("row_count");
                    format!("{{{{tasks.{task}.outputs.parameters.{name}}}}}")
                }
                None => {
                    return Err(refuse(
                        "an output of a step that is not exactly one task of the same dag",
                    ))
                }
            }
        }
        ExprKind::StepOutput {
            step: producer,
            field,
            output: Some(name),
        } if field == "outputs" => {
            let Some(task) = producers.tasks.get(producer) else {
                return Err(refuse(
                    "an output of a step that is not exactly one task of the same dag",
                ));
            };
            let decl = wf.steps[*producer].outputs.iter().find(|o| &o.name == name);
            match decl.map(|d| &d.ty) {
                Some(Type::Int | Type::Float | Type::Bool) => {
                    format!("{{{{tasks.{task}.outputs.parameters.{name}}}}}")
                }
                _ => {
                    return Err(diag::unsafe_in_when(
                        e.span,
                        "a string (or list, map, json) output, which Argo would splice into the expression",
                    ))
                }
            }
        }
        ExprKind::Unary(op, x) => {
            let x = translate(wf, producers, step, x)?;
            match op {
                UnaryOp::Not => format!("!({x})"),
                UnaryOp::Neg => format!("-({x})"),
            }
        }
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b)
            if is_status(a) || is_status(b) =>
        {
            let (status, word) = if is_status(a) { (a, b) } else { (b, a) };
            let test = status_test(producers, step, status, word)?;
            if *op == BinaryOp::Eq {
                test
            } else {
                format!("!{test}")
            }
        }
        ExprKind::Binary(op, a, b) => {
            let symbol = match op {
                BinaryOp::In => return Err(refuse("`in` in a run-time condition")),
                other => other.symbol(),
            };
            let a = translate(wf, producers, step, a)?;
            let b = translate(wf, producers, step, b)?;
            format!("({a} {symbol} {b})")
        }
        _ => {
            let shown = show(wf, e);
            return Err(diag::run_time_value(
                e.span,
                step,
                &format!("`{shown}` in a run-time condition (Argo's `when` has no equivalent)"),
            ));
        }
    })
}

fn is_status(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::StepStatus(_))
}

/// The Argo phases of the task a wfc status is: `succeeded` → `Succeeded`,
/// `failed` → `Failed` or `Error`, `skipped` → `Skipped` (its `when` was
/// false), `not_run` → `Omitted` (its `depends` was false: a dependency
/// failed or did not run). `cancelled` has no phase of its own on Argo (a
/// stopped pod is `Failed`), so a test of it is refused.
fn phases(word: &str) -> Option<&'static [&'static str]> {
    Some(match word {
        "succeeded" => &["Succeeded"],
        "failed" => &["Failed", "Error"],
        "skipped" => &["Skipped"],
        "not_run" => &["Omitted"],
        _ => return None,
    })
}

/// `x.status == "failed"` as `('{{tasks.x.status}}' == 'Failed' || …)`:
/// a phase is one of Argo's own words, so quoting it is safe.
fn status_test(
    producers: &Producers,
    step: &str,
    status: &Expr,
    word: &Expr,
) -> Result<String, Diagnostic> {
    let ExprKind::StepStatus(x) = &status.kind else {
        unreachable!("is_status")
    };
    let Some(task) = producers.tasks.get(x) else {
        return Err(diag::run_time_value(
            status.span,
            step,
            "the status of a step that is not exactly one task of the same dag",
        ));
    };
    let phases = match &word.kind {
        ExprKind::Str(w) => phases(w),
        _ => None,
    };
    let Some(phases) = phases else {
        return Err(diag::run_time_value(
            word.span,
            step,
            "a status compared with something other than \"succeeded\", \"failed\", \"skipped\" or \"not_run\"",
        ));
    };
    let tests: Vec<String> = phases
        .iter()
        .map(|p| format!("'{{{{tasks.{task}.status}}}}' == '{p}'"))
        .collect();
    Ok(format!("({})", tests.join(" || ")))
}
