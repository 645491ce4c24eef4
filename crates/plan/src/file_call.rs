//! `call file(EXPR)` at run time: when the step starts, the file it names
//! has been read and checked (by the run); here its params are bound to the
//! values the call passed, it is inlined into the workflow the plan came
//! from as a static `call` would have been, and the result is compiled
//! again. [`splice`] then moves the file's instances into the running
//! graph, and the call step becomes their join.
//!
//! Compiling the whole workflow again (rather than the file alone) keeps
//! one id space: the file's steps, blocks and params get ids past the
//! caller's through [`crate::inline`], so the run's name table and params
//! still describe every expression it evaluates.

use crate::compile::compile;
use crate::inline;
use crate::params::{self, BoundParam};
use crate::value::Value;
use crate::{DefaultEstimator, Graph, GroupKind, InstanceId, Plan, RefTarget, RunTime};
use rustc_hash::FxHashMap;
use std::sync::Arc;
use wfc_language::ir::{CallArg, Param, StepId, Type, Workflow, FILE_FIELD, FILE_PARAMS};
use wfc_language::span::Span;

/// The workflow a plan keeps for its file calls: `Some` only when one of
/// its steps is a `call file(EXPR)`.
pub fn keep(wf: &Workflow) -> Option<Arc<Workflow>> {
    wf.steps
        .iter()
        .any(|s| s.call.as_ref().is_some_and(|c| c.file))
        .then(|| Arc::new(wf.clone()))
}

/// Whether `step` is a `call file(EXPR)` not spliced yet (once spliced,
/// it holds its join's fields instead).
pub fn is_file_call(step: &crate::PlannedStep) -> bool {
    step.kind == wfc_language::ir::StepKind::Call
        && step.fields.iter().any(|f| f.name == FILE_FIELD)
}

/// Whether `name` is an instance of a file `graph` calls at run time
/// (`up.build` of `step up: call file(…)`): a run's record holds such
/// steps, its plan does not.
pub fn in_a_file_call(graph: &Graph, name: &str) -> bool {
    name.match_indices('.').any(|(i, _)| {
        graph
            .named(&name[..i])
            .is_some_and(|v| is_file_call(&graph.steps[v]))
    })
}

/// A value the call passes: the param's name, its value, and whether it
/// comes from a secret.
pub struct Arg {
    pub name: String,
    pub value: Value,
    pub secret: bool,
}

/// The workflow `source` with the file call at step `at` inlined (`child`
/// is the file's workflow, checked; `dir` its folder relative to the
/// caller's, for its relative paths), and its plan under the run's
/// `params`. Errors are one line each, with their codes.
pub fn grow(
    source: &Workflow,
    at: StepId,
    mut child: Workflow,
    dir: Option<String>,
    args: Vec<Arg>,
    params: &[BoundParam],
) -> Result<(Plan, Workflow), Vec<String>> {
    let span = source.steps[at].span;
    // A file that calls a file (maybe itself) nests one call deeper each
    // time: bounded as static calls are (`ship.make.compile` is 2 deep).
    let depth = source.steps[at].name.matches('.').count() + 1;
    if depth > inline::bounds::MAX_DEPTH {
        return Err(vec![format!(
            "E0236: file calls nest {depth} deep here, more than {}: a file that calls \
             itself never ends",
            inline::bounds::MAX_DEPTH
        )]);
    }
    let file = child.file.clone();
    let what = file.as_deref().unwrap_or("the file").to_string();
    let args = bind(&child, args, span, &what)?;
    gives(&source.steps[at].outputs, &child, &what)?;
    child.file = file.or_else(|| Some(Arc::from(what.as_str())));
    let mut wf = source.clone();
    let step = &mut wf.steps[at];
    step.fields
        .retain(|f| f.name != FILE_FIELD && f.name != FILE_PARAMS);
    step.implied.clear();
    let call = step.call.as_mut().expect("a file call is a call step");
    call.file = false;
    call.dir = dir;
    call.callee = Some(Arc::new(child));
    call.args = args;
    let text = |ds: Vec<wfc_language::diag::Diagnostic>| -> Vec<String> {
        ds.iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    };
    let inlined = inline::inline(wf).map_err(text)?;
    let mut values = vec![None; inlined.wf.params.len()];
    for p in params {
        values[p.id] = Some(p.value.clone());
    }
    let bad = inline::check_args(&inlined, &values);
    if !bad.is_empty() {
        return Err(text(bad));
    }
    let plan = compile(
        &inlined.wf,
        params.to_vec(),
        None,
        RunTime::default(),
        &DefaultEstimator,
    )
    .map_err(text)?;
    Ok((plan, inlined.wf))
}

/// The call's values as arguments of `child`'s params: E0212 for a name it
/// does not declare, E0213 for a required one left out, E0214 for a value
/// of another type, E0216 for a secret into a plain param.
fn bind(
    child: &Workflow,
    args: Vec<Arg>,
    span: Span,
    file: &str,
) -> Result<Vec<CallArg>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let names: Vec<&str> = child.params.iter().map(|p| p.name.as_str()).collect();
    for a in args {
        let Some(id) = child.param_named(&a.name) else {
            errors.push(format!(
                "E0212: {file} has no param `{}` (its params: {})",
                a.name,
                listed(&names)
            ));
            continue;
        };
        let param = &child.params[id];
        if a.secret && !param.secret {
            errors.push(format!(
                "E0216: a secret value is passed into `{}`, which {file} does not declare `secret`",
                a.name
            ));
            continue;
        }
        match typed(param, &a.value) {
            Ok(v) => {
                let mut value = v
                    .to_expr(&param.ty, span)
                    .expect("a typed value other than null has a literal");
                value.tainted = a.secret;
                out.push(CallArg {
                    param: id,
                    name: a.name,
                    name_span: span,
                    value,
                });
            }
            Err(why) => errors.push(format!("E0214: param `{}` of {file}: {why}", a.name)),
        }
    }
    let missing: Vec<&str> = child
        .params
        .iter()
        .filter(|p| p.default.is_none() && !matches!(p.ty, Type::Optional(_)))
        .filter(|p| !out.iter().any(|a| a.name == p.name))
        .filter(|p| !errors.iter().any(|e| e.contains(&format!("`{}`", p.name))))
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        errors.push(format!(
            "E0213: the call does not pass {} of {file}, which has no default",
            listed(&missing)
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// E0218 unless `child`'s workflow gives every output the call declares,
/// of its type (`json` takes any).
fn gives(
    declared: &[wfc_language::ir::OutputDecl],
    child: &Workflow,
    file: &str,
) -> Result<(), Vec<String>> {
    let errors: Vec<String> = declared
        .iter()
        .filter_map(|d| match child.outputs.iter().find(|o| o.name == d.name) {
            None => Some(format!(
                "E0218: the call declares output `{}`, which {file} does not give (its outputs: {})",
                d.name,
                listed(&child.outputs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>())
            )),
            Some(o) if o.ty != d.ty && d.ty != Type::Json => Some(format!(
                "E0218: output `{}` of {file} is `{}`, the call declares `{}`",
                d.name, o.ty, d.ty
            )),
            Some(_) => None,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `value` as a value of `param`'s type (an `int` widens to a `float`, a
/// text parses as a duration…), within its `in` constraint.
fn typed(param: &Param, value: &Value) -> Result<Value, String> {
    if matches!(value, Value::Null) {
        return match param.ty {
            Type::Optional(_) => Err("a `T?` param takes no value: leave it out".into()),
            _ => Err(format!("no value, where `{}` is needed", param.ty)),
        };
    }
    let v = match value {
        // A time has no JSON form of its own: it stays what it is.
        Value::Time(_) if matches!(param.ty, Type::Time) => value.clone(),
        _ => params::from_json(&value.to_json(), &param.ty)?,
    };
    params::check_constraint(param, &v, &[])
        .map_err(|allowed| format!("{} is not one of {allowed}", v.literal()))?;
    Ok(v)
}

fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// What [`splice`] added to the running graph.
#[derive(Debug, Default, PartialEq)]
pub struct Spliced {
    /// The file's instances, in the order they were appended.
    pub added: Vec<InstanceId>,
}

/// Moves the instances of the file call at `at` from `new` (the plan
/// [`grow`] compiled) into `running`: the file's instances (of steps from
/// `first_step` on) are appended, every id they hold mapped; the blocks
/// and loops of the file (blocks from `first_block` on) are appended as
/// groups; the blocks around the call count the new instances as members;
/// and `at` takes the place of the new plan's join (its fields, edges and
/// reads), so it waits for what it called.
pub fn splice(
    running: &mut Graph,
    at: InstanceId,
    new: &Graph,
    first_step: StepId,
    first_block: usize,
) -> Spliced {
    let Some(join) = new.named(&running.steps[at].name) else {
        return Spliced::default();
    };
    let by_name: FxHashMap<&str, InstanceId> = running
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let base = running.steps.len();
    let child: Vec<InstanceId> = (0..new.steps.len())
        .filter(|&i| new.steps[i].step >= first_step)
        .collect();
    let mut inst: Vec<Option<InstanceId>> = new
        .steps
        .iter()
        .map(|s| by_name.get(s.name.as_str()).copied())
        .collect();
    for (k, &c) in child.iter().enumerate() {
        inst[c] = Some(base + k);
    }
    inst[join] = Some(at);
    // Groups: the file's own are appended; the caller's are the running
    // graph's first group of the same block (copies of loops come later).
    let gbase = running.groups.len();
    let own: Vec<usize> = (0..new.groups.len())
        .filter(|&g| new.groups[g].block >= first_block)
        .collect();
    let group: Vec<Option<usize>> = (0..new.groups.len())
        .map(|g| match own.iter().position(|&o| o == g) {
            Some(k) => Some(gbase + k),
            None => running
                .groups
                .iter()
                .position(|r| r.block == new.groups[g].block),
        })
        .collect();
    let map = |i: InstanceId| inst[i];
    for &c in &child {
        let mut s = new.steps[c].clone();
        remap(&mut s, &map, &group);
        running.steps.push(s);
    }
    for &g in &own {
        let mut copy = new.groups[g].clone();
        copy.parent = copy.parent.and_then(|p| group[p]);
        copy.members = copy.members.iter().filter_map(|&m| map(m)).collect();
        if let GroupKind::ForEach {
            iterations: Some(its),
            ..
        } = &mut copy.kind
        {
            for it in its.iter_mut() {
                *it = it.iter().filter_map(|&m| map(m)).collect();
            }
        }
        running.groups.push(copy);
    }
    for (g, r) in group.iter().enumerate().take(new.groups.len()) {
        let Some(r) = *r else { continue };
        if r >= gbase {
            continue;
        }
        let added = new.groups[g]
            .members
            .iter()
            .filter(|&&m| new.steps[m].step >= first_step)
            .filter_map(|&m| map(m));
        let added: Vec<InstanceId> = added.collect();
        running.groups[r].members.extend(added);
    }
    let mut joined = new.steps[join].clone();
    remap(&mut joined, &map, &group);
    joined.name = running.steps[at].name.clone();
    running.steps[at] = joined;
    Spliced {
        added: (base..base + child.len()).collect(),
    }
}

/// Maps the instance and group ids `s` holds from the new plan's into the
/// running graph's.
fn remap(
    s: &mut crate::PlannedStep,
    map: &impl Fn(InstanceId) -> Option<InstanceId>,
    group: &[Option<usize>],
) {
    s.deps = s
        .deps
        .iter()
        .filter_map(|d| map(d.on()).map(|on| crate::Dep::new(on, d.why)))
        .collect();
    s.group = s.group.and_then(|g| group[g]);
    s.wait_any = s.wait_any.and_then(|g| group[g]);
    retarget(&mut s.reads, false, map);
    for a in s.any.iter_mut() {
        for m in &mut a.members {
            *m = m.iter().filter_map(|&x| map(x)).collect();
        }
    }
    if let Some(rb) = s.rollback.as_deref_mut() {
        for r in &mut rb.steps {
            retarget(&mut r.reads, true, map);
        }
    }
}

fn retarget(
    reads: &mut [crate::OutputRef],
    main: bool,
    map: &impl Fn(InstanceId) -> Option<InstanceId>,
) {
    for r in reads.iter_mut().filter(|r| r.main == main) {
        match &mut r.target {
            RefTarget::One(x) => {
                if let Some(m) = map(*x) {
                    *x = m;
                }
            }
            RefTarget::List(xs) => *xs = xs.iter().filter_map(|&x| map(x)).collect(),
            RefTarget::Absent => {}
        }
    }
}
