//! `strategy.matrix`: a `for each` over a list of scalars whose body is one
//! step becomes one job with a matrix instead of one job per iteration, when
//! the item reaches only the script (as `${{ matrix.VAR }}` in `env:`) and
//! nothing else tells the iterations apart. Otherwise the loop stays
//! unrolled: outputs read by a later step (a matrix job's outputs are the
//! last iteration's to finish), several steps or nested groups in the body,
//! non-scalar items, or iterations whose jobs differ beyond the item.
//!
//! A loop over a list only the run knows (the plan's template, `x[*]`)
//! cannot be unrolled: it is a matrix whose items a job computes, or it
//! is refused (E0744). GitHub takes `matrix.VAR: ${{ fromJSON(…) }}` but
//! fails a job whose matrix is empty, where wfc runs no iteration and
//! goes on: the job runs only when the list is not `[]` (the list as wfc
//! writes it: by `wfc-params` for a param a trigger sets, by the
//! producer's job for a step's output, [`super::lists`]), and the jobs
//! after it take its `skipped`.

use super::jobs::job;
use super::values::Values;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, StepId, Workflow};
use wfc_plan::{Graph, GroupKind, InstanceId, Plan, PlannedStep, RefTarget, Value};

/// One loop written as a matrix job.
pub struct Matrix {
    /// The loop variable: the matrix's one dimension.
    pub var: String,
    pub block: BlockId,
    /// The loop step's instances, in item order.
    pub members: Vec<InstanceId>,
    pub(super) items: Items,
    /// `max-parallel`: 1 for a loop without `parallel`, none for `parallel`
    /// without a bound.
    pub(super) max_parallel: Option<u32>,
}

/// A matrix's items.
#[derive(Clone)]
pub(super) enum Items {
    /// Known at export, in order.
    Listed(Vec<Json>),
    /// A list param a trigger sets, as the job `wfc-params` writes it.
    Param(String),
    /// A step's declared list output, as its job hands it on checked
    /// ([`super::lists`]): the step's one instance and the output.
    Output { producer: InstanceId, name: String },
}

impl Matrix {
    /// The instance whose job stands for the whole loop.
    pub fn first(&self) -> InstanceId {
        self.members.iter().copied().min().unwrap_or_default()
    }

    /// `strategy:`. `fail-fast: true`: in wfc a failed iteration stops
    /// the iterations not yet started (GitHub also cancels running ones).
    /// (`names`: the graph's job ids, by instance.)
    pub fn strategy(&self, names: &[String]) -> Json {
        let mut strategy = Map::new();
        strategy.insert("fail-fast".into(), Json::Bool(true));
        let items = match (&self.items, self.read(names)) {
            (Items::Listed(values), _) => json!(values),
            (_, read) => json!(format!("${{{{ fromJSON({}) }}}}", read.unwrap_or_default())),
        };
        strategy.insert("matrix".into(), json!({ self.var.clone(): items }));
        if let Some(n) = self.max_parallel {
            strategy.insert("max-parallel".into(), json!(n));
        }
        Json::Object(strategy)
    }

    /// The condition its job runs on, if its items are computed: a list
    /// that is not empty (GitHub fails a job whose matrix is).
    pub fn guard(&self, names: &[String]) -> Option<String> {
        self.read(names).map(|read| format!("{read} != '[]'"))
    }

    /// Computed items as GitHub reads them: a job's output holding the
    /// list's JSON as wfc writes it.
    fn read(&self, names: &[String]) -> Option<String> {
        match &self.items {
            Items::Listed(_) => None,
            Items::Param(p) => Some(format!("needs.{}.outputs.{p}", super::trigger_params::ID)),
            Items::Output { producer, name } => Some(format!(
                "needs.{}.outputs.{}",
                names[*producer],
                super::lists::output(name)
            )),
        }
    }

    /// Whether its job may be skipped for want of items, which the jobs
    /// after it take as wfc takes a loop that runs no iteration.
    pub fn may_skip(&self) -> bool {
        !matches!(self.items, Items::Listed(_))
    }

    /// The step instance and the declared output its items are, if so.
    pub fn output_list(&self) -> Option<(InstanceId, &str)> {
        match &self.items {
            Items::Output { producer, name } => Some((*producer, name)),
            _ => None,
        }
    }

    /// The job's `name`: `ship (${{ matrix.region }})`.
    pub fn name(&self, step: &str) -> String {
        format!("{step} (${{{{ matrix.{} }}}})", self.var)
    }
}

/// The matrix of instance `i`, if it is in one.
pub fn of(matrices: &[Matrix], i: InstanceId) -> Option<&Matrix> {
    matrices.iter().find(|m| m.members.contains(&i))
}

/// The loops of `g` that can be matrix jobs; a loop over a list only the
/// run knows that cannot be one is refused into `errors`.
pub fn find(
    plan: &Plan,
    wf: &Workflow,
    g: &Graph,
    approximate: bool,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Matrix> {
    let mut found = Vec::new();
    let mut computed = Vec::new();
    for (id, group) in g.groups.iter().enumerate() {
        let GroupKind::ForEach {
            var,
            iterations,
            parallel,
            ..
        } = &group.kind
        else {
            continue;
        };
        let Some(iterations) = iterations else {
            match super::dynamic::matrices(plan, wf, g, id) {
                Ok(mut ms) => computed.append(&mut ms),
                Err(why) => errors.push(super::dynamic::refuse(wf, group, &why)),
            }
            continue;
        };
        // The same steps in every iteration, no group inside: one matrix
        // per step of the body (`group.rs` folds a chain of them into one
        // job, each item's steps in turn on one runner).
        let width = iterations.first().map_or(0, Vec::len);
        if width == 0
            || crate::batches::batched(&group.kind)
            || iterations.iter().any(|it| it.len() != width)
            || g.groups.iter().any(|other| other.parent == Some(id))
        {
            continue;
        }
        for k in 0..width {
            let members: Vec<InstanceId> = iterations.iter().map(|it| it[k]).collect();
            if let Some(m) = one(
                plan,
                wf,
                g,
                (group.block, var, *parallel),
                members,
                approximate,
            ) {
                found.push(m);
            }
        }
    }
    let mut found = exact(g, found);
    found.append(&mut computed);
    found
}

/// `max-parallel`: 1 for a loop without `parallel`, none for `parallel`
/// without a bound.
pub(super) fn max_parallel(parallel: Option<Option<u32>>) -> Option<u32> {
    match parallel {
        None => Some(1),
        Some(bound) => bound,
    }
}

/// The matrices whose one job orders no more than the plan does: all
/// members wait for the same work outside the matrices, and whatever else
/// waits for one member waits for all. (In a sequential loop whose other
/// steps stay one job per item, one step's matrix would wait for the last
/// item's other steps before its first item.) Dropping one can break
/// another: until none is dropped.
fn exact(g: &Graph, mut found: Vec<Matrix>) -> Vec<Matrix> {
    let ancestors: Vec<std::collections::HashSet<InstanceId>> =
        (0..g.steps.len()).map(|i| before(g, i)).collect();
    loop {
        let inside: std::collections::HashSet<InstanceId> = found
            .iter()
            .flat_map(|m| m.members.iter().copied())
            .collect();
        let outside = |i: InstanceId| -> std::collections::BTreeSet<InstanceId> {
            ancestors[i]
                .iter()
                .copied()
                .filter(|a| !inside.contains(a))
                .collect()
        };
        let count = found.len();
        found.retain(|m| {
            let first = outside(m.members[0]);
            let same_before = m.members.iter().all(|&i| outside(i) == first);
            // (Matrices of one loop fold into one job, item by item.)
            let whole_after = (0..g.steps.len()).all(|d| {
                let n = m
                    .members
                    .iter()
                    .filter(|i| ancestors[d].contains(i))
                    .count();
                n == 0 || n == m.members.len() || inside.contains(&d)
            });
            same_before && whole_after
        });
        if found.len() == count {
            return found;
        }
    }
}

/// Every instance `i` waits for, directly or not.
fn before(g: &Graph, i: InstanceId) -> std::collections::HashSet<InstanceId> {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![i];
    while let Some(j) = todo.pop() {
        for d in &g.steps[j].deps {
            if seen.insert(d.on()) {
                todo.push(d.on());
            }
        }
    }
    seen
}

/// The matrix of one step of a loop's body (`members`: its instances, in
/// item order), if it can be one.
fn one(
    plan: &Plan,
    wf: &Workflow,
    g: &Graph,
    (block, var, parallel): (BlockId, &String, Option<Option<u32>>),
    members: Vec<InstanceId>,
    approximate: bool,
) -> Option<Matrix> {
    let steps: Vec<&PlannedStep> = members.iter().map(|&i| &g.steps[i]).collect();
    let values = Items::Listed(items(&steps, block)?);
    let step = steps[0].step;
    if steps.iter().any(|s| {
        s.step != step
            || s.wait_any.is_some()
            || s.finally
            || s.rollback.is_some()
            || s.until.is_some()
            || s.deps.iter().any(|d| g.steps[d.on()].wait_any.is_some())
    }) || read_anywhere(plan, step)
    {
        return None;
    }
    let matrix = Matrix {
        var: var.clone(),
        block,
        members,
        items: values,
        max_parallel: max_parallel(parallel),
    };
    alike(plan, wf, g, &matrix, approximate).then_some(matrix)
}

/// The items as matrix values: each instance bound to this loop only (not
/// inside another loop), each item a scalar.
fn items(steps: &[&PlannedStep], block: BlockId) -> Option<Vec<Json>> {
    steps
        .iter()
        .map(|s| match s.items.as_slice() {
            [(b, _, v)] if *b == block => match v {
                // `${{` would be evaluated by GitHub: the unrolled jobs refuse it.
                Value::Str(t) if !t.contains("${{") => Some(Json::String(t.clone())),
                Value::Int(n) => Some(json!(n)),
                Value::Float(f) if f.is_finite() => Some(json!(f)),
                Value::Bool(flag) => Some(Json::Bool(*flag)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Whether any step of the plan (main graph, handlers, rollbacks) reads
/// the outputs of `step`.
pub(super) fn read_anywhere(plan: &Plan, step: StepId) -> bool {
    fn reads(g: &Graph, step: StepId) -> bool {
        g.steps.iter().any(|s| {
            s.reads.iter().any(|r| r.step == step)
                || s.rollback.as_deref().is_some_and(|rb| reads(rb, step))
        })
    }
    reads(&plan.main, step) || plan.handlers.iter().any(|h| reads(&h.graph, step))
}

/// Whether every iteration's job, with the item as `${{ matrix.VAR }}`, is
/// the same job (condition and fields), and one job can wait for what all
/// the iterations wait for. Errors leave the loop unrolled (the unrolled
/// jobs report them).
fn alike(plan: &Plan, wf: &Workflow, g: &Graph, m: &Matrix, approximate: bool) -> bool {
    if needs_itself(g, &m.members) {
        return false;
    }
    let mut first: Option<(Option<String>, Map<String, Json>)> = None;
    for &i in &m.members {
        let s = &g.steps[i];
        // Producers are outside the loop: the same for every iteration.
        let producers = s
            .reads
            .iter()
            .filter_map(|r| match r.target {
                RefTarget::One(at) => Some((r.step, format!("i{at}-{}", r.main))),
                _ => None,
            })
            .collect();
        let values = Values::new(plan, wf, Some(s))
            .with_producers(producers)
            .with_approximate(approximate)
            .with_matrix(m.block, &m.var);
        let condition = match s.condition.as_deref().map(|c| values.condition(c)) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(_)) => return false,
        };
        let Ok(mut job) = job(wf, s, &values, "") else {
            return false;
        };
        job.remove("name");
        let this = (condition, job);
        match &first {
            None => first = Some(this),
            Some(f) if *f != this => return false,
            Some(_) => {}
        }
    }
    true
}

/// Whether something an iteration waits for waits, itself, for an
/// iteration: the one job needs every iteration's dependencies (their
/// union: transitive reduction drops the outer ones from the later
/// iterations of a chained loop), which must not lead back to it.
fn needs_itself(g: &Graph, members: &[InstanceId]) -> bool {
    let mut seen = vec![false; g.steps.len()];
    let mut todo: Vec<InstanceId> = members
        .iter()
        .flat_map(|&i| g.steps[i].deps.iter().map(|d| d.on()))
        .filter(|d| !members.contains(d))
        .collect();
    while let Some(i) = todo.pop() {
        if members.contains(&i) {
            return true;
        }
        if !std::mem::replace(&mut seen[i], true) {
            todo.extend(g.steps[i].deps.iter().map(|d| d.on()));
        }
    }
    false
}
