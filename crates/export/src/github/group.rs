//! Jobs that look hand-written: the one-job-per-step export folded into
//! fewer jobs, and the repository checked out first in each.
//!
//! A job whose only `needs` is one other job, when every other job that
//! needs that one also needs it (a chain with no fan-out: a `sequence`, a
//! sequential loop's iterations, `a → b → c`), becomes more steps of that
//! job: they share its runner and workspace, as `wfc run`'s steps share the
//! machine, and no job waits longer than before. Independent work stays in
//! parallel jobs. Only plain jobs fold (a runner, steps, outputs, a
//! timeout, the matrix of the same loop): a job with its own `if`,
//! container, environment, another matrix or
//! `continue-on-error`, one that reads the other's outputs, or one whose
//! result another job reads, keeps its own.

use serde_json::{json, Map, Value as Json};

/// `actions/checkout`, pinned by full commit SHA (v4.2.2): a tag can move.
pub const CHECKOUT: &str = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";

/// The keys of a job that can fold into another, or take another in.
const PLAIN: &[&str] = &[
    "name",
    "runs-on",
    "steps",
    "timeout-minutes",
    "outputs",
    "needs",
    "strategy",
    super::dynamic::LOOP,
];

/// Folds chains of `jobs` into one job each (see the module doc).
pub fn fold(jobs: &mut Map<String, Json>) {
    let ids: Vec<String> = jobs.keys().cloned().collect();
    // Each folded job's steps name themselves once.
    let mut named: std::collections::HashSet<String> = std::collections::HashSet::new();
    for id in ids {
        let Some((head, more)) = foldable_into(jobs, &id) else {
            continue;
        };
        for j in [&head, &id] {
            if named.insert(j.clone()) {
                own_steps(jobs.get_mut(j.as_str()).and_then(Json::as_object_mut), j);
            }
        }
        let job = jobs.remove(&id).expect("a job of the map");
        if let (Some(Json::Object(into)), Json::Object(job)) = (jobs.get_mut(&head), job) {
            append(into, job);
            if !more.is_empty() {
                let needs = into.entry("needs").or_insert_with(|| json!([]));
                if let Json::Array(needs) = needs {
                    needs.extend(more.into_iter().map(Json::String));
                }
            }
        }
        rename(jobs, &id, &head);
    }
}

/// The job `id` folds into, if it can, and the needs it brings along.
/// Besides that one job, it may need jobs that one already waits for
/// (to read their outputs, which GitHub shows only to direct needs).
fn foldable_into(jobs: &Map<String, Json>, id: &str) -> Option<(String, Vec<String>)> {
    let job = jobs.get(id)?.as_object()?;
    let needs: Vec<&str> = job
        .get("needs")?
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let plain = |j: &Map<String, Json>| j.keys().all(|k| PLAIN.contains(&k.as_str()));
    let text = Json::Object(job.clone()).to_string();
    let head = needs.iter().copied().find(|h| {
        let before = ancestors(jobs, h);
        needs.iter().all(|n| n == h || before.contains(*n))
    })?;
    let into = jobs.get(head)?.as_object()?;
    // Matrix jobs fold only into the matrix of the same loop: each item's
    // steps in turn.
    let same = |key: &str| job.get(key) == into.get(key);
    if !plain(job)
        || !plain(into)
        || !same("runs-on")
        || !same("strategy")
        || !same(super::dynamic::LOOP)
    {
        return None;
    }
    // It reads the outputs (or result) of the job it would join.
    if text.contains(&format!("needs.{head}.")) {
        return None;
    }
    // A job whose result is read (`.status`, a compensation's step) keeps
    // its one step: a folded job's result would be its steps' together.
    // A call's join reads its steps' results as one: folded, they still
    // fail when one of them does.
    let result_read = |j: &str| {
        let read = format!("needs.{j}.result");
        jobs.values()
            .any(|x| !super::join::is_join(x) && x.to_string().contains(&read))
    };
    if result_read(id) || result_read(head) {
        return None;
    }
    let names = |j: &Map<String, Json>| -> Vec<String> {
        j.get("outputs")
            .and_then(Json::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    if names(job).iter().any(|n| names(into).contains(n)) {
        return None;
    }
    // Every other job waiting for `head` also waits for `id`.
    let fan_out = jobs
        .iter()
        .any(|(k, j)| k != id && needed(j, head) && !needed(j, id));
    let more = needs.iter().filter(|n| **n != head).map(|n| n.to_string());
    (!fan_out).then(|| (head.to_string(), more.collect()))
}

fn needed(job: &Json, what: &str) -> bool {
    job.get("needs")
        .and_then(Json::as_array)
        .is_some_and(|n| n.iter().any(|x| x == what))
}

/// Every job `id` waits for, directly or not.
pub(super) fn ancestors(jobs: &Map<String, Json>, id: &str) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![id.to_string()];
    while let Some(j) = todo.pop() {
        let needs = jobs
            .get(&j)
            .and_then(|x| x.get("needs"))
            .and_then(Json::as_array);
        for n in needs.into_iter().flatten().filter_map(Json::as_str) {
            if seen.insert(n.to_string()) {
                todo.push(n.to_string());
            }
        }
    }
    seen
}

/// Gives the steps of job `id` ids and a name of their own (`run` → `ID`,
/// `outputs` → `ID-outputs`), the job's timeout to its run step, and its
/// outputs to read the renamed steps.
fn own_steps(job: Option<&mut Map<String, Json>>, id: &str) {
    let Some(job) = job else { return };
    // A matrix job's steps run per item already: `warm`, not `warm (${{ matrix.x }})`.
    let name = job.get("name").and_then(Json::as_str).map(|n| {
        let step = n.split(" (${{ matrix.").next().unwrap_or(n);
        Json::String(step.to_string())
    });
    let timeout = job.remove("timeout-minutes");
    let fresh = |old: &str| {
        if old == "run" {
            id.to_string()
        } else {
            format!("{id}-{old}")
        }
    };
    let mut renamed = Vec::new();
    if let Some(Json::Array(steps)) = job.get_mut("steps") {
        for step in steps.iter_mut().filter_map(Json::as_object_mut) {
            let Some(old) = step.get("id").and_then(Json::as_str).map(str::to_string) else {
                continue;
            };
            step.insert("id".into(), Json::String(fresh(&old)));
            renamed.push((format!("steps.{old}."), format!("steps.{}.", fresh(&old))));
            if old == "run" {
                if let Some(n) = &name {
                    step.insert("name".into(), n.clone());
                }
                if let Some(t) = &timeout {
                    step.insert("timeout-minutes".into(), t.clone());
                }
            }
        }
    }
    // The steps that read another's outputs (`wfc-values`) follow it.
    if let Some(steps) = job.get_mut("steps") {
        for (from, to) in &renamed {
            replace_strings(steps, from, to);
        }
    }
    if let Some(Json::Object(outs)) = job.get_mut("outputs") {
        for v in outs.values_mut() {
            if let Json::String(s) = v {
                if let Some((from, to)) = renamed.iter().find(|(from, _)| s.contains(from.as_str()))
                {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
    }
}

/// `job`'s steps and outputs appended to `into`'s.
fn append(into: &mut Map<String, Json>, job: Map<String, Json>) {
    if let Some(Json::Array(more)) = job.get("steps") {
        if let Some(Json::Array(steps)) = into.get_mut("steps") {
            steps.extend(more.iter().cloned());
        }
    }
    if let Some(Json::Object(more)) = job.get("outputs") {
        let outs = into.entry("outputs").or_insert_with(|| json!({}));
        if let Json::Object(outs) = outs {
            outs.extend(more.clone());
        }
    }
}

/// Every job that needed (or read) `from` now needs (reads) `to`.
fn rename(jobs: &mut Map<String, Json>, from: &str, to: &str) {
    let read = (format!("needs.{from}."), format!("needs.{to}."));
    for job in jobs.values_mut() {
        replace_strings(job, &read.0, &read.1);
        if let Some(Json::Array(needs)) = job.get_mut("needs") {
            for n in needs.iter_mut() {
                if n == from {
                    *n = Json::String(to.into());
                }
            }
            let mut seen = std::collections::HashSet::new();
            needs.retain(|n| seen.insert(n.to_string()));
        }
    }
}

/// Only in expressions: text from the `.wf` never holds `${{` (E0733).
fn replace_strings(v: &mut Json, from: &str, to: &str) {
    match v {
        Json::String(s) if s.contains("${{") && s.contains(from) => *s = s.replace(from, to),
        Json::Array(items) => items.iter_mut().for_each(|i| replace_strings(i, from, to)),
        Json::Object(m) => m.values_mut().for_each(|i| replace_strings(i, from, to)),
        _ => {}
    }
}

/// The checkout step first in every job (but a job deciding an `if` over
/// a secret, which reads no file).
pub fn checkout(jobs: &mut Map<String, Json>) {
    // A join reads results only.
    let guard =
        |job: &Json| job.to_string().contains(super::secret_if::STEP) || super::join::is_join(job);
    for job in jobs.values_mut().filter(|j| !guard(j)) {
        if let Some(Json::Array(steps)) = job.get_mut("steps") {
            steps.insert(0, json!({ "uses": CHECKOUT }));
        }
    }
}
