//! A call step as Argo runs it. The plan inlines `step X: call W { … }` as
//! W's steps (`X.build`, `X.push`, … : tasks `x-build`, `x-push`) and keeps
//! `X` as their *join*: a step that waits for every step of the call
//! (`after`), then fails if a required one did not succeed, else yields the
//! callee's outputs as its own. On Argo the join is a tiny container task
//! (`--image`, else the gate's image) that gets each required step's
//! `{{tasks.T.status}}` and the callee's outputs as arguments (data, never
//! part of its script): it fails unless every status is `Succeeded` or
//! `Skipped` (a run-time `if` not taken), and writes each output to the file
//! its output parameter is read from. So `depends on X`, `after X`,
//! `X.status` and `X.outputs.NAME` read the task `x`, as under `wfc run`.

use super::runtime::RunTime;
use super::step::GATE_IMAGE;
use super::{text, Options};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Workflow};
use wfc_plan::PlannedStep;

/// The join's script, run as `sh -c JOIN wfc-join CALL N STATUS… NAME VALUE…`.
pub const SCRIPT: &str = r#"call=$1 n=$2
shift 2
while [ "$n" -gt 0 ]; do
  case $1 in
    Succeeded|Skipped) ;;
    *) echo "wfc: \`$call\` failed: a required step of it ended $1" >&2; exit 1 ;;
  esac
  shift
  n=$((n - 1))
done
mkdir -p /tmp/wf-outputs || exit 1
while [ "$#" -ge 2 ]; do
  printf '%s' "$2" > "/tmp/wf-outputs/$1" || exit 1
  shift 2
done"#;

/// The join's container: `rt.joined` holds the tasks of the call's
/// required steps (filled by the dag, which knows the task names).
pub fn container(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let call = text::no_braces(&s.name, s.span, s.name.clone()).map_err(|e| vec![e])?;
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        SCRIPT.to_owned(),
        "wfc-join".to_owned(),
        call,
        rt.joined.len().to_string(),
    ];
    for task in rt.joined.clone() {
        argv.push(rt.input(format!("{{{{tasks.{task}.status}}}}")));
    }
    let outputs = s.fields.iter().find_map(|f| match &f.value {
        FieldValue::Map(m) if f.name == "outputs" => Some(m.as_slice()),
        _ => None,
    });
    for (name, e) in outputs.unwrap_or_default() {
        // Only what the call step declares reaches a reader.
        if !s.outputs.iter().any(|o| &o.name == name) {
            continue;
        }
        let value = if RunTime::reads(e) {
            rt.value(wf, &s.name, e)
        } else {
            text::plain(wf, &s.name, e)
        };
        match value {
            Ok(v) => argv.extend([name.clone(), v]),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let image = options.image.clone().unwrap_or_else(|| GATE_IMAGE.into());
    Ok(("container", json!({ "image": image, "command": argv })))
}

/// The task that keeps a dag's outcome what `wfc run` says. Argo marks a
/// dag succeeded when a task that ran *because* another failed (`after x`:
/// `x.Failed`, an `any(…)` member) succeeded (argoproj/argo-workflows#12530),
/// where in wfc "a successful `after` step never hides the failure that
/// stopped the run". So a dag with such edges ends with `wfc-outcome`: the
/// join's check over those required tasks, run once they have ended (and
/// the `waits` terms hold: the compensations, [`super::rollback`]).
pub fn outcome(name: &str, tasks: &[String], waits: &[String], options: &Options) -> (Json, Json) {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        SCRIPT.to_owned(),
        "wfc-join".to_owned(),
        "the workflow".to_owned(),
        tasks.len().to_string(),
    ];
    let mut arguments = Vec::new();
    let mut inputs = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        let input = format!("wf-value-{}", i + 1);
        argv.push(format!("{{{{inputs.parameters.{input}}}}}"));
        arguments.push(json!({ "name": input, "value": format!("{{{{tasks.{task}.status}}}}") }));
        inputs.push(json!({ "name": input }));
    }
    let mut depends: Vec<String> = tasks.iter().map(|t| super::ended(t)).collect();
    depends.extend(waits.iter().cloned());
    let task = json!({
        "name": name,
        "template": name,
        "depends": depends.join(" && "),
        "arguments": { "parameters": arguments },
    });
    let image = options.image.clone().unwrap_or_else(|| GATE_IMAGE.into());
    let template = json!({
        "name": name,
        "inputs": { "parameters": inputs },
        "container": { "image": image, "command": argv },
    });
    (task, template)
}
