//! A call step as a GitHub job. The plan inlines `step X: call W { … }` as
//! W's steps (`X.build`, `X.push`: jobs of their own) and keeps `X` as
//! their *join*, which waits for them however they ended (`after`), then
//! fails if a required one did not succeed, else yields W's outputs as its
//! own. So the join is a job that needs the job of every required step of
//! the call (GitHub shows a result only to direct needs), runs once they
//! have ended (its `if:` from the `after` edges, [`super::needs`]), reads
//! each `needs.J.result` through `env:` and fails unless it is `success`,
//! or `skipped` for a step that may be skipped (a run-time `if`, a `wait
//! any` member): GitHub also says `skipped` of a job a failure stopped,
//! which is a failure of the call in wfc. Its outputs are the callee's,
//! values in `env:`. So `depends on X`, `after X`, `X.status` and
//! `X.outputs.NAME` read the job `X`, as under `wfc run`. Jobs of one
//! call's steps may still fold together ([`super::group`]): the join reads
//! the folded job's result, which fails when one of its steps did.

use super::ids::literal;
use super::values::Values;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{DepTarget, FieldValue, Workflow};
use wfc_plan::{Graph, PlannedStep};

/// The id of the join's checking step (in a handler, its mark instead).
pub const STEP: &str = "wfc-join";

/// The variable naming the step decided, in the checking step's `env:`:
/// tells [`super::group`] the job reads its needs' results as a whole
/// (folding them keeps their meaning).
const JOIN: &str = "WF_JOIN";

/// The jobs of the required steps of the call joined by instance `i` of
/// `g`, each with whether it may be skipped; empty for other steps. The
/// call's steps are the join's ancestors in the plan that its IR step
/// waits for (`after`), so a call in a loop checks its own iteration's.
pub fn joined(wf: &Workflow, g: &Graph, i: usize, names: &[String]) -> Vec<(String, bool)> {
    let s = &g.steps[i];
    if s.kind != wfc_language::ir::StepKind::Call {
        return Vec::new();
    }
    let body: Vec<usize> = wf.steps[s.step]
        .after
        .iter()
        .filter_map(|d| match d.target() {
            DepTarget::Step(b) => Some(b),
            DepTarget::Block(_) => None,
        })
        .collect();
    let mut seen = vec![false; g.steps.len()];
    let mut todo: Vec<usize> = s.deps.iter().map(|d| d.on()).collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    while let Some(a) = todo.pop() {
        if std::mem::replace(&mut seen[a], true) {
            continue;
        }
        let step = &g.steps[a];
        if !body.contains(&step.step) {
            continue;
        }
        todo.extend(step.deps.iter().map(|d| d.on()));
        if step.optional {
            continue;
        }
        let may_skip = step.condition.is_some() || step.wait_any.is_some();
        match out.iter_mut().find(|(j, _)| *j == names[a]) {
            // Instances sharing a (matrix) job: skipped only if each may be.
            Some(o) => o.1 &= may_skip,
            None => out.push((names[a].clone(), may_skip)),
        }
    }
    out.sort();
    out
}

/// The join's job: a step checking the results of `joined` (each job with
/// whether it may be skipped), then one giving the callee's outputs.
pub fn job(
    s: &PlannedStep,
    values: &Values,
    runs_on: &str,
    joined: &[(String, bool)],
) -> Result<Map<String, Json>, Vec<Diagnostic>> {
    let mut job = Map::new();
    job.insert("name".into(), json!(literal(&s.name)));
    job.insert("runs-on".into(), json!(runs_on));
    let mut steps = vec![check(&s.name, joined)];
    // Outputs GitHub cannot compute are computed before they are written.
    values.step_level.set(true);
    let (outputs, errors) = outputs(s, values);
    values.step_level.set(false);
    if !errors.is_empty() {
        return Err(errors);
    }
    steps.extend(super::computed::step(values));
    if let Some((step, read)) = outputs {
        steps.push(step);
        job.insert("outputs".into(), Json::Object(read));
    }
    job.insert("steps".into(), Json::Array(steps));
    Ok(job)
}

/// The step failing unless each of `joined` (a job, whether it may be
/// skipped) ended well; `name` is the step it decides for.
pub fn check(name: &str, joined: &[(String, bool)]) -> Json {
    let mut env = Map::new();
    env.insert(JOIN.into(), json!(literal(name)));
    let mut run = String::from(CHECK);
    for (n, (job, may_skip)) in joined.iter().enumerate() {
        let var = format!("WF_RESULT_{}", n + 1);
        env.insert(var.clone(), json!(format!("${{{{ needs.{job}.result }}}}")));
        let how = if *may_skip { "may-skip" } else { "must" };
        run.push_str(&format!("wfc_ok {how} \"${var}\"\n"));
    }
    json!({ "id": STEP, "shell": "sh", "env": env, "run": run.trim_end() })
}

/// The check of each result: `wfc_ok must|may-skip RESULT`.
const CHECK: &str = r#"wfc_ok() {
  case "$2" in
    success) return 0 ;;
    skipped) [ "$1" = may-skip ] && return 0 ;;
  esac
  echo "wfc: \`$WF_JOIN\` failed: a job it waits for ended $2" >&2
  exit 1
}
"#;

/// The step writing the callee's declared outputs (values in `env:`, each
/// in `$GITHUB_OUTPUT`'s multi-line form with a random delimiter, so no
/// value ends its entry early), and the job's outputs reading it.
#[allow(clippy::type_complexity)]
fn outputs(
    s: &PlannedStep,
    values: &Values,
) -> (Option<(Json, Map<String, Json>)>, Vec<Diagnostic>) {
    let given = s.fields.iter().find_map(|f| match &f.value {
        FieldValue::Map(m) if f.name == "outputs" => Some(m.as_slice()),
        _ => None,
    });
    let mut env = Map::new();
    let mut read = Map::new();
    let mut run =
        String::from("wfc_delim=\"wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\"\n");
    let mut errors = Vec::new();
    // Only what the call step declares reaches a reader.
    let declared = given
        .unwrap_or_default()
        .iter()
        .filter(|(name, _)| s.outputs.iter().any(|o| &o.name == name));
    for (n, (name, e)) in declared.enumerate() {
        let var = format!("WF_OUTPUT_{}", n + 1);
        match values.text(e) {
            Ok(v) => drop(env.insert(var.clone(), json!(v))),
            Err(d) => errors.push(d),
        }
        // `name` is an identifier the checker accepted: no quoting needed.
        run.push_str(&format!(
            "printf '%s<<%s\\n%s\\n%s\\n' {name} \"$wfc_delim\" \"${var}\" \"$wfc_delim\" >> \"$GITHUB_OUTPUT\"\n"
        ));
        read.insert(
            name.clone(),
            json!(format!("${{{{ steps.outputs.outputs.{name} }}}}")),
        );
    }
    if read.is_empty() {
        return (None, errors);
    }
    let step = json!({ "id": "outputs", "shell": "sh", "env": env, "run": run.trim_end() });
    (Some((step, read)), errors)
}

/// Drops a join's checks that read the same result twice, and their
/// variables: jobs folded together ([`super::group`]) are one result.
pub fn tidy(jobs: &mut Map<String, Json>) {
    for job in jobs.values_mut().filter(|j| is_join(j)) {
        let Some(Json::Array(steps)) = job.get_mut("steps") else {
            continue;
        };
        for step in steps.iter_mut().filter(|s| s["env"].get(JOIN).is_some()) {
            let (Some(Json::Object(env)), Some(run)) = (step.get("env"), step["run"].as_str())
            else {
                continue;
            };
            let mut env = env.clone();
            let mut lines: Vec<String> = run.lines().map(str::to_string).collect();
            let mut kept: Vec<(String, String)> = Vec::new();
            for (var, read) in env.clone() {
                let Some(line) = lines
                    .iter()
                    .position(|l| l.ends_with(&format!("\"${var}\"")))
                else {
                    continue;
                };
                // The same read, checked the same way.
                let how = lines[line]
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let read = read.to_string();
                if kept.contains(&(read.clone(), how.clone())) {
                    env.remove(&var);
                    lines.remove(line);
                } else {
                    kept.push((read, how));
                }
            }
            step["env"] = Json::Object(env);
            step["run"] = json!(lines.join("\n"));
        }
    }
}

/// Whether `job` is a join (its results read are a call's, see [`JOIN`]).
pub fn is_join(job: &Json) -> bool {
    job.get("steps")
        .and_then(Json::as_array)
        .is_some_and(|steps| steps.iter().any(|s| s["env"].get(JOIN).is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two steps of a call folded into one job: one check of its result.
    #[test]
    fn a_folded_job_is_checked_once() {
        let joined = [
            ("build-make".to_string(), false),
            ("build-test".to_string(), false),
            ("build-bench".to_string(), true),
        ];
        let mut step = check("build", &joined);
        let folded = step["env"]["WF_RESULT_1"].clone();
        step["env"]["WF_RESULT_2"] = folded;
        let mut jobs = Map::new();
        jobs.insert("build".into(), json!({ "steps": [step] }));
        tidy(&mut jobs);
        let step = &jobs["build"]["steps"][0];
        let env = step["env"].as_object().unwrap();
        assert_eq!(env.len(), 3, "{env:?}");
        let run = step["run"].as_str().unwrap();
        assert_eq!(run.matches("wfc_ok must").count(), 1, "{run}");
        assert_eq!(run.matches("wfc_ok may-skip").count(), 1, "{run}");
    }
}
