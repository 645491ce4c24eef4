//! A loop over a list only the run knows (the plan's template, `x[*]`):
//! it cannot be unrolled, so each step of its body is a matrix job over
//! the list a job computes — a list param a trigger sets (`wfc-params`),
//! a step's list output ([`super::lists`]) — or the loop is refused
//! (E0744, with the reason).
//!
//! GitHub fails a job whose matrix is empty, where wfc runs no iteration
//! and goes on: the loop's job runs only when the list is not `[]` (the
//! list as wfc writes it), and the jobs after it take its `skipped` as
//! after a job its `if` may skip. A body of several steps must fold into
//! ONE matrix job, each item's steps in turn on one runner (a chain);
//! separate matrix jobs would run every item of one step before the next
//! step's first. So until the jobs are folded ([`super::group`]) each
//! job carries the mark [`LOOP`] — the loop, its guard and its place —
//! which only a job of the same loop may fold with, and [`finish`] then
//! checks that one job is left per loop and gives it the guard.

use super::matrix::{max_parallel, read_anywhere, Items, Matrix};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockKind, ExprKind, Type, Workflow};
use wfc_language::span::Span;
use wfc_plan::{Graph, Group, GroupKind, InstanceId, Plan};

/// The mark of a job of such a loop until the jobs are folded.
pub const LOOP: &str = "wfc-loop";

/// The matrices of the template loop `g.groups[id]`, one per step of its
/// body, or why it cannot be one matrix job.
pub fn matrices(plan: &Plan, wf: &Workflow, g: &Graph, id: usize) -> Result<Vec<Matrix>, String> {
    let group = &g.groups[id];
    let GroupKind::ForEach {
        var,
        iter,
        parallel,
        ..
    } = &group.kind
    else {
        return Err("it is not a loop".into());
    };
    let items = items(wf, g, &iter.kind)?;
    let scalar = match &iter.ty {
        Type::List(item) => matches!(**item, Type::String | Type::Int | Type::Bool),
        _ => false,
    };
    if !scalar {
        return Err("its items are not text, whole numbers or bools (a matrix value is shown as GitHub shows it)".into());
    }
    if g.groups.iter().any(|o| o.parent == Some(id)) {
        return Err(
            "its body holds another block: one matrix job runs each item's steps in turn".into(),
        );
    }
    let mut out = Vec::new();
    for &member in &group.members {
        let s = &g.steps[member];
        let name = &wf.steps[s.step].name;
        let why =
            if s.wait_any.is_some() || s.deps.iter().any(|d| g.steps[d.on()].wait_any.is_some()) {
                Some("races in a `wait any` block")
            } else if s.finally || s.rollback.is_some() {
                Some("has an `after` or a rollback")
            } else if s.until.is_some() {
                Some("repeats `until` a condition")
            } else if read_anywhere(plan, s.step) {
                Some("has outputs another step reads (a matrix job's outputs are the last item's)")
            } else {
                None
            };
        if let Some(why) = why {
            return Err(format!("its step `{name}` {why}"));
        }
        out.push(Matrix {
            var: var.clone(),
            block: group.block,
            members: vec![member],
            items: items.clone(),
            max_parallel: max_parallel(*parallel),
        });
    }
    Ok(out)
}

/// Where the items come from, as a matrix can read them.
fn items(wf: &Workflow, g: &Graph, list: &ExprKind) -> Result<Items, String> {
    match list {
        ExprKind::Param(p) if wfc_plan::trigger_params::set_by_triggers(wf).contains(p) => {
            Ok(Items::Param(wf.params[*p].name.clone()))
        }
        ExprKind::Param(_) => Err("its list is a param only the run knows".into()),
        ExprKind::StepOutput {
            step,
            field,
            output: Some(name),
        } if field == "outputs" => {
            let producers: Vec<InstanceId> = (0..g.steps.len())
                .filter(|&i| g.steps[i].step == *step)
                .collect();
            match producers.as_slice() {
                [one] => Ok(Items::Output {
                    producer: *one,
                    name: name.clone(),
                }),
                _ => Err("its list is the output of a step that runs more than once or in another part of the workflow (a handler, a rollback)".into()),
            }
        }
        _ => Err("its list is computed while the workflow runs (GitHub's matrix takes a list param a trigger sets, or a step's list output, as it is)".into()),
    }
}

/// E0744 at a loop over a list only the run knows.
pub fn refuse(wf: &Workflow, group: &Group, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0744",
        format!("GitHub Actions cannot loop over this list, known only while the workflow runs: {why}"),
    )
    .primary(at(wf, group), "known only while the workflow runs")
    .help("a GitHub job cannot start others: such a loop is one matrix job over a list param a trigger sets or a step's list output, its steps a chain of scalars; else loop over the items inside one step's script, or run the workflow with `wfc serve`")
}

/// The loop's list, where its refusals point.
fn at(wf: &Workflow, group: &Group) -> Span {
    match &wf.blocks[group.block].kind {
        BlockKind::ForEach { iter, .. } => iter.span,
        _ => group.span,
    }
}

/// Whether instance `i` is in a loop over a list only the run knows that
/// is no matrix: refused ([`super::matrix::find`]), it gets no job (whose
/// values would be refused again).
pub fn refused(g: &Graph, matrices: &[Matrix], i: InstanceId) -> bool {
    let in_template = g.groups.iter().any(|group| {
        matches!(
            group.kind,
            GroupKind::ForEach {
                iterations: None,
                ..
            }
        ) && group.members.contains(&i)
    });
    in_template && super::matrix::of(matrices, i).is_none()
}

/// The mark of the job of `m` (a matrix of computed items), `guard` the
/// condition it runs on, `g` its graph.
pub fn mark(wf: &Workflow, g: &Graph, m: &Matrix, guard: String) -> Json {
    let group = g.groups.iter().find(|x| x.block == m.block);
    let span = group.map(|x| at(wf, x)).unwrap_or_default();
    json!({ "block": m.block, "guard": guard, "at": [span.start, span.end] })
}

/// After the jobs are folded: each loop's one job gets its guard, or the
/// loop is refused where its steps stayed several jobs.
pub fn finish(jobs: &mut Map<String, Json>, errors: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(Json, usize)> = Vec::new();
    for job in jobs.values_mut().filter_map(Json::as_object_mut) {
        let Some(mark) = job.remove(LOOP) else {
            continue;
        };
        let guard = mark["guard"].as_str().unwrap_or_default().to_string();
        let cond = match job.get("if").and_then(Json::as_str) {
            Some(c) => {
                let inner = c
                    .strip_prefix("${{ ")
                    .and_then(|c| c.strip_suffix(" }}"))
                    .unwrap_or(c);
                // (`a || b && g` would be `a || (b && g)`.)
                match inner.contains("||") {
                    true => format!("${{{{ ({inner}) && {guard} }}}}"),
                    false => format!("${{{{ {inner} && {guard} }}}}"),
                }
            }
            None => format!("${{{{ {guard} }}}}"),
        };
        job.insert("if".into(), Json::String(cond));
        match seen.iter_mut().find(|(m, _)| m["block"] == mark["block"]) {
            Some((_, n)) => *n += 1,
            None => seen.push((mark, 1)),
        }
    }
    for (mark, n) in seen.into_iter().filter(|(_, n)| *n > 1) {
        let at = |k: usize| mark["at"][k].as_u64().unwrap_or_default() as usize;
        errors.push(
            Diagnostic::error(
                "E0744",
                format!("GitHub Actions cannot loop over this list, known only while the workflow runs: its {n} steps do not run as one job (each item's steps in turn)"),
            )
            .primary(Span::new(at(0), at(1)), "known only while the workflow runs")
            .help("one matrix job runs a chain: make each step of the body depend on the one before, and what comes after the loop depend on its last step; or write the body as one step"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(cond: Option<&str>, block: usize) -> Json {
        let mut j = json!({ "runs-on": "x" });
        if let Some(c) = cond {
            j["if"] = json!(c);
        }
        j[LOOP] = json!({ "block": block, "guard": "g != '[]'", "at": [3, 8] });
        j
    }

    #[test]
    fn the_guard_joins_the_condition_and_one_job_is_left_per_loop() {
        let mut jobs = Map::new();
        jobs.insert("a".into(), job(None, 1));
        jobs.insert("b".into(), job(Some("${{ x == 'y' && z }}"), 2));
        jobs.insert("c".into(), job(Some("${{ p || q }}"), 3));
        let mut errors = Vec::new();
        finish(&mut jobs, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(jobs["a"]["if"], "${{ g != '[]' }}");
        assert_eq!(jobs["b"]["if"], "${{ x == 'y' && z && g != '[]' }}");
        // Without the parentheses: `p || (q && g)`.
        assert_eq!(jobs["c"]["if"], "${{ (p || q) && g != '[]' }}");
        assert!(jobs.values().all(|j| j.get(LOOP).is_none()));

        let mut jobs = Map::new();
        jobs.insert("a".into(), job(None, 1));
        jobs.insert("b".into(), job(None, 1));
        finish(&mut jobs, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "E0744");
        assert_eq!(errors[0].primary_span(), Some(Span::new(3, 8)));
    }
}
