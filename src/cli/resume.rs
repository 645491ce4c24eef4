//! `wfc resume RUN`: continue a failed, cancelled or interrupted run with
//! the same params and the same plan.
//!
//! 1. The run must not be running (a crashed one is first marked
//!    interrupted) and must not have succeeded.
//! 2. The workflow file is compiled again with the run's recorded params
//!    (written to `logs/RUN/params.json` in the state directory and read as
//!    a params file); secrets are not in the store, so they come from their
//!    defaults (the environment) or `--param` again.
//! 3. The new plan is compared with the recorded one
//!    ([`wfc_store::reuse::compare`]): a change to a step that
//!    succeeded refuses the resume, naming the step and what changed.
//! 4. The run goes on under the same id, as a new session: the steps that
//!    succeeded are restored with their outputs and not run again; failed,
//!    interrupted and never-started steps run.

use super::history::{store_error, StoreArgs};
use super::plan::{self as plan_cmd, PlanInput};
use super::run::{execute, Front, Launch};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_plan::Value;
use wfc_store::reuse;

#[derive(Args)]
pub struct ResumeArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    pub run: String,
    /// Set a secret param again (secrets are never stored): `--param name=value`.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The workflow file, when it has moved since the run (default: the recorded path).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub exec: super::run::ExecArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

fn refuse(msg: &str) -> ExitCode {
    wfc_run::say::err(&format!("error: {msg}"));
    ExitCode::from(2)
}

pub fn run(args: ResumeArgs) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let rec = match reuse::recorded(&store.conn, &id) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    match rec.status.as_str() {
        "running" => {
            return refuse(&format!(
                "run {id} is still running; `wfc cancel {id}` stops it (then resume it)"
            ))
        }
        "succeeded" => return refuse(&format!("run {id} succeeded; there is nothing to resume")),
        _ => {}
    }
    // The recorded params, as a params file; secrets (`***`) are left out.
    let mut given = serde_json::Map::new();
    for (k, v) in &rec.params {
        if v.as_str() != Some(wfc_run::mask::MASK) {
            given.insert(k.clone(), v.clone());
        }
    }
    for p in &args.params {
        let name = p.split_once('=').map_or(p.as_str(), |(n, _)| n.trim());
        if given.contains_key(name) {
            return refuse(&format!(
                "`--param {name}`: a resumed run keeps its params; only secrets (not stored) can be given again"
            ));
        }
    }
    let params_path = store.log_dir(&id).join("params.json");
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(given)).unwrap_or_default();
    if let Err(e) = std::fs::create_dir_all(store.log_dir(&id))
        .and_then(|()| std::fs::write(&params_path, text))
    {
        return store_error(format!("cannot write {}: {e}", params_path.display()));
    }
    let input = PlanInput {
        file: args
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(&rec.file)),
        workflow: Some(rec.workflow.clone()),
        params: args.params.clone(),
        params_file: Some(params_path),
        jobs: u32::try_from(rec.jobs).ok(),
        store: args.store.clone(),
    };
    if !input.file.exists() && input.file.as_os_str() != "-" {
        return refuse(&format!(
            "the workflow file {} of run {id} is not there (run from the directory it ran in, or give `--file PATH`)",
            input.file.display()
        ));
    }
    let (plan, wf, source) = match plan_cmd::compile(&input) {
        Ok(x) => x,
        Err(code) => {
            wfc_run::say::err(&format!("error: run {id} cannot be resumed: its workflow no longer compiles with the run's params"));
            return code;
        }
    };
    if plan.workflow != rec.workflow {
        return refuse(&format!(
            "{} now holds workflow `{}`, not `{}` (run {id})",
            input.file.display(),
            plan.workflow,
            rec.workflow
        ));
    }
    let (succeeded, compensated) = match reuse::succeeded(&store.conn, &id)
        .and_then(|s| Ok((s, reuse::compensated(&store.conn, &id)?)))
    {
        Ok(s) => s,
        Err(e) => return store_error(e),
    };
    // An iteration of a run-time loop is checked as its template (`work[*]`).
    let planned = |n: &str| {
        plan.main.named(n).is_some()
            || template_name(n).is_some_and(|t| plan.main.named(&t).is_some())
    };
    let names: Vec<String> = succeeded
        .iter()
        .map(|(n, _)| match template_name(n) {
            Some(t) if plan.main.named(n).is_none() => t,
            _ => n.clone(),
        })
        .collect();
    let file_hash = wfc_store::file_hash(&source.text);
    let changed = file_hash != rec.file_hash;
    if let Some(recorded) = &rec.plan {
        let now: serde_json::Value =
            serde_json::from_str(&reuse::fingerprints(&plan, &wf)).expect("fingerprints are JSON");
        let diff = reuse::compare(recorded, &now, &names);
        if !diff.blocking.is_empty() {
            let mut msg = format!(
                "run {id} cannot be resumed: {} changed in a way that invalidates the recorded plan:\n",
                input.file.display()
            );
            for line in diff.blocking.iter().chain(&diff.other) {
                msg.push_str(&format!("  - {line}\n"));
            }
            msg.push_str("steps that succeeded keep their recorded outputs, so their definition must not change; restore the file, or start a new run with `wfc run`");
            return refuse(&msg);
        }
        if changed {
            if diff.is_empty() {
                wfc_run::say::err(&format!(
                    "wfc: {} changed since the run, but not its plan",
                    input.file.display()
                ));
            } else {
                wfc_run::say::err(&format!(
                    "wfc: {} changed since the run; the resume takes in:",
                    input.file.display()
                ));
                for line in &diff.other {
                    wfc_run::say::err(&format!("  - {line}"));
                }
            }
        }
    } else if changed {
        return refuse(&format!(
            "run {id} was recorded without its plan and {} changed since; start a new run",
            input.file.display()
        ));
    }
    if let Err(e) = reuse::clear_rejections(&store.conn, &id) {
        return store_error(e);
    }
    let restored: Vec<(String, Value)> = succeeded
        .into_iter()
        .filter(|(n, _)| planned(n))
        .map(|(n, j)| {
            let kind = plan
                .main
                .named(&n)
                .or_else(|| template_name(&n).and_then(|t| plan.main.named(&t)))
                .map(|i| plan.main.steps[i].kind);
            let j = status_code_of_old_runs(kind, j);
            (n, Value::from_json(&j))
        })
        .collect();
    wfc_run::say::err(&format!(
        "wfc: resuming run {id} ({}): {} of {} succeeded before and {} not run again",
        rec.status,
        restored.len(),
        wfc_language::words::count(plan.main.len() as u64, "step"),
        if restored.len() == 1 { "is" } else { "are" }
    ));
    for name in &compensated {
        wfc_run::say::err(&format!(
            "wfc: `{name}` succeeded before, but its compensation ran: it runs again"
        ));
    }
    drop(store);
    execute(
        plan,
        Front {
            wf,
            source,
            file_hash: Some(file_hash),
        },
        Launch {
            exec: args.exec,
            store: Some(args.store.dir()),
            history: args.store.dir(),
            early_history: None,
            resume: Some((id, restored)),
            started: None,
            first_started: u64::try_from(rec.started_ms)
                .ok()
                .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)),
        },
    )
}

/// The template an instance of a run-time loop was copied from: its last
/// `[item]` suffix made `[*]` (`work[a]` → `work[*]`).
fn template_name(name: &str) -> Option<String> {
    let open = name.strip_suffix(']')?.rfind('[')?;
    Some(format!("{}[*]", &name[..open]))
}

/// The outputs of an `http` or `webhook` step recorded before its response
/// code was named `status_code` hold it as `status`; it is restored under
/// the new name, so the steps that read it after the resume find it.
fn status_code_of_old_runs(
    kind: Option<wfc_language::ir::StepKind>,
    mut outputs: serde_json::Value,
) -> serde_json::Value {
    use wfc_language::ir::StepKind;
    if let (Some(StepKind::Http | StepKind::Webhook), Some(o)) = (kind, outputs.as_object_mut()) {
        if !o.contains_key("status_code") {
            if let Some(code) = o.remove("status") {
                o.insert("status_code".into(), code);
            }
        }
    }
    outputs
}

#[cfg(test)]
mod tests {
    use super::status_code_of_old_runs;
    use serde_json::json;
    use wfc_language::ir::StepKind;

    #[test]
    fn an_old_http_status_is_restored_as_status_code() {
        let old = json!({ "status": 200, "body": "ok" });
        let new = json!({ "status_code": 200, "body": "ok" });
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Http), old.clone()),
            new
        );
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Webhook), new.clone()),
            new
        );
        // Only http and webhook steps ever had a `status` output.
        let shell = json!({ "status": "x", "stdout": "" });
        assert_eq!(
            status_code_of_old_runs(Some(StepKind::Shell), shell.clone()),
            shell
        );
    }
}
