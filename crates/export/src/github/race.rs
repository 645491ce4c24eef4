//! `parallel … wait any` on GitHub: the members' jobs, written as usual,
//! become one job whose step runs them together ([`crate::race`]): the
//! first to succeed wins and the others are stopped, as `wfc run` cancels
//! them; when every member fails, the job fails with the last one's name
//! and error. Dependants need the one job.
//!
//! A member races when its job is its script alone (a step with its env,
//! shell and folder): no computed values or answers around it, no outputs
//! or result another job reads, no matrix, the same runner and `if` as the
//! others. Else the block is refused (E0735, with why), or with
//! `--approximate` written as separate jobs that all must end.

use super::ids::{literal, Ids};
use super::values::approximated;
use crate::race::{self, Member};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::Wait;
use wfc_plan::{Graph, GroupKind};

/// The env key of the race's step, holding the block's name: what
/// [`super::failed`] and `wfc import` know the step by.
pub const MARK: &str = race::BLOCK_VAR;

/// The job keys a member may have.
const PLAIN: &[&str] = &["name", "needs", "runs-on", "steps", "timeout-minutes", "if"];

/// The keys of a member's one step.
const STEP: &[&str] = &["id", "name", "env", "run", "shell", "working-directory"];

/// The `if:` term of a dependant of a block's members (`jobs`): one of
/// them succeeded. What the race's job result replaces.
pub fn any_term<'a>(jobs: impl Iterator<Item = &'a str>) -> String {
    let any: Vec<String> = jobs
        .map(|j| format!("needs.{j}.result == 'success'"))
        .collect();
    format!("({})", any.join(" || "))
}

/// Folds each `wait any` block of `g` (whose jobs are `names`) into one
/// job, after every job is written; `failed`: the main jobs the failure
/// finder reads.
pub fn fold(
    g: &Graph,
    names: &[String],
    (jobs, ids): (&mut Map<String, Json>, &mut Ids),
    failed: Option<&mut Vec<(String, String)>>,
    approximate: bool,
    errors: &mut Vec<Diagnostic>,
) {
    let mut failed = failed;
    for (gi, group) in g.groups.iter().enumerate() {
        if !matches!(group.kind, GroupKind::Parallel { wait: Wait::Any }) {
            continue;
        }
        let members: Vec<usize> = (0..g.steps.len())
            .filter(|&i| g.steps[i].wait_any == Some(gi))
            .collect();
        // A member refused already said why.
        if members.iter().any(|&m| !jobs.contains_key(&names[m])) {
            continue;
        }
        let member_jobs: Vec<&str> = members.iter().map(|&m| names[m].as_str()).collect();
        match raced(g, &members, names, jobs) {
            Ok(mut job) => {
                let id = ids.fresh(&group.name);
                job.insert("name".into(), json!(literal(&group.name)));
                let term = any_term(member_jobs.iter().copied());
                let won = format!("needs.{id}.result == 'success'");
                for j in &member_jobs {
                    jobs.remove(*j);
                }
                let only = json!(format!("${{{{ !cancelled() && {won} }}}}"));
                for other in jobs.values_mut() {
                    replace(other, &term, &won);
                    if let Some(Json::Array(needs)) = other.get_mut("needs") {
                        for n in needs.iter_mut() {
                            if member_jobs.iter().any(|j| n == j) {
                                *n = json!(id);
                            }
                        }
                        let mut seen = std::collections::HashSet::new();
                        needs.retain(|n| seen.insert(n.to_string()));
                    }
                    // Needing the race alone: GitHub's own rule (every need
                    // succeeded) is wfc's.
                    if other.get("if") == Some(&only) && other["needs"] == json!([id]) {
                        other.as_object_mut().map(|o| o.remove("if"));
                    }
                }
                if let Some(f) = failed.as_deref_mut() {
                    for entry in f.iter_mut() {
                        if member_jobs.contains(&entry.0.as_str()) {
                            *entry = (id.clone(), group.name.clone());
                        }
                    }
                    let mut seen = std::collections::HashSet::new();
                    f.retain(|e| seen.insert(e.0.clone()));
                }
                jobs.insert(id, Json::Object(job));
            }
            Err((why, _)) if approximate => errors.extend(members.iter().map(|&m| {
                approximated(
                    "E0735",
                    g.steps[m].span,
                    "`wait any`",
                    &format!("{why}: dependants wait until every member has ended, then go on if any succeeded; the others are not cancelled, and a member that fails still fails the run"),
                )
            })),
            Err((why, at)) => errors.push(
                Diagnostic::error(
                    "E0735",
                    format!("GitHub Actions cannot race the members of `{}`", group.name),
                )
                .primary(
                    g.steps[at].span,
                    format!("member `{}` of a `wait any` (first success cancels the rest)", g.steps[at].name),
                )
                .help(format!("{why}; use `wait all`, or run with `wfc run`")),
            ),
        }
    }
}

/// `from` replaced by `to` in every expression of `v` (text from the
/// `.wf` never holds `${{`, E0733).
fn replace(v: &mut Json, from: &str, to: &str) {
    match v {
        Json::String(s) if s.contains("${{") && s.contains(from) => *s = s.replace(from, to),
        Json::Array(items) => items.iter_mut().for_each(|i| replace(i, from, to)),
        Json::Object(m) => m.values_mut().for_each(|i| replace(i, from, to)),
        _ => {}
    }
}

/// The race's job of `members`, or why they cannot race.
fn raced(
    g: &Graph,
    members: &[usize],
    names: &[String],
    jobs: &Map<String, Json>,
) -> Result<Map<String, Json>, (String, usize)> {
    let own: Vec<&str> = members.iter().map(|&m| names[m].as_str()).collect();
    if own.iter().enumerate().any(|(i, j)| own[..i].contains(j)) {
        return Err((
            "a member in a loop is one job for every item".into(),
            members[0],
        ));
    }
    let term = any_term(own.iter().copied());
    for (id, other) in jobs.iter().filter(|(k, _)| !own.contains(&k.as_str())) {
        let text = other.to_string().replace(&term, "");
        if let Some(at) = own
            .iter()
            .position(|j| text.contains(&format!("needs.{j}.")))
        {
            let why = format!(
                "job `{id}` reads the result or outputs of this member, which a race does not keep"
            );
            return Err((why, members[at]));
        }
    }
    let mut first: Option<&Map<String, Json>> = None;
    let mut needs: Vec<Json> = Vec::new();
    let mut timeout: Option<u64> = None;
    // A handler's or compensation's mark (`wfc-on-failure`), else `run`.
    let mut id = None;
    let mut env = Map::new();
    let mut scripts: Vec<(&'static str, String, Vec<String>, Option<String>)> = Vec::new();
    for (i, &m) in members.iter().enumerate() {
        let s = &g.steps[m];
        let job = jobs[&names[m]].as_object().expect("a job");
        if let Some(k) = job.keys().find(|k| !PLAIN.contains(&k.as_str())) {
            let why = match k.as_str() {
                "continue-on-error" => "the member is optional".to_string(),
                "outputs" => "the member hands on outputs".to_string(),
                k => format!("the member's job needs `{k}`"),
            };
            return Err((why, m));
        }
        if let Some(f) = first {
            for k in ["runs-on", "if"] {
                if job.get(k) != f.get(k) {
                    return Err((format!("the members differ in `{k}`"), m));
                }
            }
        }
        first.get_or_insert(job);
        for n in job
            .get("needs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if !needs.contains(n) {
                needs.push(n.clone());
            }
        }
        if let Some(t) = job.get("timeout-minutes").and_then(Json::as_u64) {
            timeout = Some(timeout.map_or(t, |was| was.max(t)));
        }
        let steps = job.get("steps").and_then(Json::as_array).map(Vec::as_slice);
        let [step] = steps.unwrap_or_default() else {
            let why =
                "the member needs steps around its script (computed values, answers or files)";
            return Err((why.into(), m));
        };
        let step = step.as_object().expect("a step");
        id = id.or_else(|| step.get("id").cloned());
        if let Some(k) = step.keys().find(|k| !STEP.contains(&k.as_str())) {
            return Err((format!("the member's step needs `{k}`"), m));
        }
        let command = match step.get("shell").and_then(Json::as_str) {
            None => "bash -e",
            Some("bash") => "bash --noprofile --norc -eo pipefail",
            Some("sh") => "sh -e",
            Some("bash --noprofile --norc {0}") => "bash --noprofile --norc",
            Some("sh {0}") => "sh",
            Some("python") => "python",
            Some(other) => return Err((format!("the member runs in `{other}`"), m)),
        };
        let mut vars = Vec::new();
        for (k, v) in step
            .get("env")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            env.insert(race::env_name(i, k), v.clone());
            vars.push(k.clone());
        }
        env.insert(race::name_var(i), json!(literal(&s.name)));
        let run = step.get("run").and_then(Json::as_str).unwrap_or_default();
        let dir = step.get("working-directory").and_then(Json::as_str);
        scripts.push((command, run.to_string(), vars, dir.map(str::to_string)));
    }
    let list: Vec<Member> = scripts
        .iter()
        .map(|(command, script, env, dir)| Member {
            command,
            script,
            env: env.clone(),
            dir: dir.as_deref(),
        })
        .collect();
    let driver = race::driver(&list).map_err(|why| (why, members[0]))?;
    let first = first.expect("a block has members");
    let mut job = Map::new();
    if !needs.is_empty() {
        job.insert("needs".into(), Json::Array(needs));
    }
    for k in ["runs-on", "if"] {
        if let Some(v) = first.get(k) {
            job.insert(k.into(), v.clone());
        }
    }
    let block = &g.groups[g.steps[members[0]].wait_any.expect("a member")].name;
    env.insert(MARK.into(), json!(literal(block)));
    job.insert(
        "steps".into(),
        json!([{ "id": id.unwrap_or(json!("run")), "env": env, "run": driver, "shell": "bash" }]),
    );
    if let Some(t) = timeout {
        job.insert("timeout-minutes".into(), json!(t));
    }
    Ok(job)
}
