//! `failed.step` and `failed.error` in an `on failure` handler, on GitHub.
//!
//! GitHub gives a job the result of each job it needs, never another
//! job's error. So when the handler reads them, each main job records its
//! own, as `wfc run` makes it:
//!
//! - its command (each, in a job of several steps) runs in a function
//!   whose stderr is printed and kept in `$RUNNER_TEMP/wfc-stderr`, its
//!   exit status in `$RUNNER_TEMP/wfc-status` and its step's name in
//!   `$RUNNER_TEMP/wfc-name` (`sh` and `bash` commands: a `python` or
//!   `node` one's error stays in the log, and its record says so);
//! - a last step `wfc-error`, run on `failure()`, writes the job outputs
//!   `wfc-error` (`exit code N: LAST LINE OF STDERR`, the line trimmed and
//!   cut to 200 bytes, as `wfc run` says it in characters), `wfc-failed-at` (the
//!   time, whole seconds) and `wfc-name` (the step's instance name; of a
//!   matrix job, with the job's item), each in the `name<<DELIM` form with
//!   a random delimiter.
//!
//! A job `wfc-failed` needs every main job and runs on `failure()`: it
//! reads `toJSON(needs)` from `env` and picks with `jq` (on the runner:
//! ubuntu's have it) the failed job
//! that recorded the earliest time (a tie: plan order), giving its name
//! and error as its outputs `step` and `error`. The failure handler's jobs
//! need it and read `${{ needs.wfc-failed.outputs.step }}` in `env`, as
//! any output. A job that failed before or after its command (a checkout,
//! an upload) records no exit status: its error says so.

use serde_json::{json, Map, Value as Json};
use wfc_language::ir::{ExprKind, FieldValue, HandlerKind, Workflow};
use wfc_plan::Plan;

/// The id of the per-job step that records the error.
pub const STEP: &str = "wfc-error";

/// The id of the picking job's step (what `wfc import` knows it by).
pub const PICK: &str = "wfc-failed-pick";

/// Whether the `on failure` handler reads `failed.step` or `failed.error`.
pub fn read(plan: &Plan, wf: &Workflow) -> bool {
    let Some(h) = plan
        .handlers
        .iter()
        .find(|h| h.kind == HandlerKind::Failure)
    else {
        return false;
    };
    let mut found = false;
    for s in &h.graph.steps {
        for f in &wf.steps[s.step].fields {
            let mut look = |e: &wfc_language::ir::Expr| {
                e.walk(&mut |x| found |= matches!(x.kind, ExprKind::Failed(_)));
            };
            match &f.value {
                FieldValue::Expr(e) => look(e),
                FieldValue::Map(m) => m.iter().for_each(|(_, e)| look(e)),
                FieldValue::Mount { source, target } => {
                    look(source);
                    look(target);
                }
                _ => {}
            }
        }
    }
    found
}

/// What `jobs` leaves for [`finish`], after the jobs are folded.
pub struct Failed {
    /// The picking job's id.
    pub id: String,
    /// The main jobs (before folding) and their step instance names, in
    /// plan order.
    pub main: Vec<(String, String)>,
    pub runs_on: String,
}

/// `script` (a `sh`/`bash` command) with its stderr printed and kept, and
/// its exit status and step's name (`$WF_STEP_NAME`) kept.
pub fn capture(script: &str) -> String {
    format!("wfc_cmd() (\nset -e\n{}\n)\n{CAPTURE}", script.trim_end())
}

/// The lines after the command's function (`wfc import` strips them).
pub const CAPTURE: &str = r#"set +e
printf '%s' "$WF_STEP_NAME" > "$RUNNER_TEMP/wfc-name"
echo running > "$RUNNER_TEMP/wfc-status"
{ { wfc_cmd 2>&1 1>&3 3>&-; echo "$?" > "$RUNNER_TEMP/wfc-status"; } | tee "$RUNNER_TEMP/wfc-stderr" >&2; } 3>&1
exit "$(cat "$RUNNER_TEMP/wfc-status")"
"#;

/// The step recording the job's error, run on `failure()`.
fn record() -> String {
    let error = crate::exit_error::lines("\"$RUNNER_TEMP/wfc-stderr\"", "    ");
    format!("{RECORD_HEAD}{error}{RECORD_TAIL}")
}

const RECORD_HEAD: &str = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
wfc_status=$(cat "$RUNNER_TEMP/wfc-status" 2>/dev/null || true)
wfc_name=$(cat "$RUNNER_TEMP/wfc-name" 2>/dev/null || printf '%s' "$WF_NAME")
case $wfc_status in
  '') if [ -n "$WF_SHELL" ]; then
        wfc_error="its command failed: GitHub keeps the error of a \`$WF_SHELL\` command only in the job's log"
      else
        wfc_error="the job failed before its command ran: see its log"
      fi ;;
  0) wfc_error="the job failed after its command (a step GitHub ran after it): see its log" ;;
  running) wfc_error="its command did not finish: GitHub stopped it (its timeout, or the runner)" ;;
  *)
"#;

const RECORD_TAIL: &str = r#"    ;;
esac
{
  printf 'error<<%s\n%s\n%s\n' "$wfc_delim" "$wfc_error" "$wfc_delim"
  printf 'name<<%s\n%s\n%s\n' "$wfc_delim" "$wfc_name" "$wfc_delim"
  printf 'at=%s\n' "$(date +%s)"
} >> "$GITHUB_OUTPUT"
"#;

/// [`record`] in a job holding a race: a failure of every member is said
/// as `wfc run` says it.
fn raced_record() -> String {
    let block = r#"wfc_block=$(cat "$RUNNER_TEMP/wfc-block" 2>/dev/null || true)
[ -n "$wfc_block" ] && wfc_error="every member of \`$wfc_block\` failed; the last: $wfc_error"
"#;
    record().replacen(
        "{\n  printf 'error",
        &format!("{block}{{\n  printf 'error"),
        1,
    )
}

/// The name of step instance `name` in `job`: of a matrix job, with the
/// job's item (`ship[${{ matrix.region }}]`), as `wfc run` names it.
fn instance(job: &Map<String, Json>, name: &str) -> String {
    let keys: Vec<&String> = job
        .get("strategy")
        .and_then(|s| s.get("matrix"))
        .and_then(Json::as_object)
        .map(|m| m.keys().filter(|k| *k != "include").collect())
        .unwrap_or_default();
    match keys.as_slice() {
        // The step's name: the loop's variable, not the first item.
        [key] => {
            let step = name.split('[').next().unwrap_or(name);
            format!("{step}[${{{{ matrix.{key} }}}}]")
        }
        _ => super::ids::literal(name),
    }
}

/// After folding: each job holding main steps records its error, and the
/// picking job is added.
pub fn finish(jobs: &mut Map<String, Json>, failed: &Failed) {
    let main_ids: Vec<&str> = failed.main.iter().map(|(j, _)| j.as_str()).collect();
    // (job now, fallback name) in plan order.
    let mut holders: Vec<(String, String)> = Vec::new();
    for (id, job) in jobs.iter_mut() {
        let Some(job) = job.as_object_mut() else {
            continue;
        };
        let mut first: Option<(usize, String)> = None;
        let mut uncaptured = String::new();
        let mut raced = false;
        let named: Vec<(usize, String)> = failed
            .main
            .iter()
            .enumerate()
            .map(|(i, (_, n))| (i, instance(job, n)))
            .collect();
        let Some(Json::Array(steps)) = job.get_mut("steps") else {
            continue;
        };
        for st in steps.iter_mut() {
            let sid = st.get("id").and_then(Json::as_str).unwrap_or("");
            // A command step: `run`, or (folded) the id of the job it was.
            let of = match sid {
                "run" => main_ids.iter().position(|j| j == id),
                _ => main_ids.iter().position(|j| *j == sid),
            };
            let Some(i) = of else { continue };
            let name = named[i].1.clone();
            if first.is_none() {
                first = Some((i, name.clone()));
            }
            // A race keeps its last failed member's record itself.
            if st
                .get("env")
                .and_then(|e| e.get(super::race::MARK))
                .is_some()
            {
                raced = true;
                continue;
            }
            let shell = st.get("shell").and_then(Json::as_str).unwrap_or("bash");
            if !crate::strict_shell::github_is_posix(shell) {
                uncaptured = shell.replace(" {0}", "");
                continue;
            }
            if let Some(run) = st.get("run").and_then(Json::as_str) {
                st["run"] = json!(capture(run));
            }
            let env = st
                .as_object_mut()
                .expect("a step")
                .entry("env")
                .or_insert_with(|| json!({}));
            env["WF_STEP_NAME"] = json!(name);
        }
        let Some((i, name)) = first else { continue };
        steps.push(json!({
            "id": STEP,
            "if": "${{ failure() }}",
            "env": { "WF_NAME": name, "WF_SHELL": uncaptured },
            "run": if raced { raced_record() } else { record() },
            "shell": "sh",
        }));
        let outputs = job
            .entry("outputs")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(o) = outputs {
            for (out, from) in [
                ("wfc-error", "error"),
                ("wfc-failed-at", "at"),
                ("wfc-name", "name"),
            ] {
                o.insert(
                    out.into(),
                    json!(format!("${{{{ steps.{STEP}.outputs.{from} }}}}")),
                );
            }
        }
        // The picking job has no matrix: a matrix job's fallback is its step.
        let fallback = match name.contains("${{ matrix.") {
            true => name.split('[').next().unwrap_or(&name).to_string(),
            false => name,
        };
        holders.push((format!("{i:08}{id}"), fallback));
    }
    holders.sort();
    let holders: Vec<(String, String)> = holders
        .into_iter()
        .map(|(k, n)| (k[8..].to_string(), n))
        .collect();
    jobs.insert(failed.id.clone(), job(&holders, &failed.runs_on));
}

/// Picks the failed job (see the module's doc) from `$WF_NEEDS` with
/// `$WF_JOBS` (`[[job, instance name], …]` in plan order).
const PICK_SCRIPT: &str = r#"wfc_picked=$(jq -cn '
  (env.WF_NEEDS | fromjson) as $needs
  | [ env.WF_JOBS | fromjson | to_entries[]
      | .key as $i | .value[0] as $job | .value[1] as $name
      | $needs[$job] | select(. != null and .result == "failure")
      | (.outputs // {}) as $o
      | { i: $i,
          at: (($o["wfc-failed-at"] // "") | tonumber? // 1e18),
          step: (if ($o["wfc-name"] // "") == "" then $name else $o["wfc-name"] end),
          error: (if ($o["wfc-error"] // "") == "" then "GitHub recorded no error of this job: see its log" else $o["wfc-error"] end) } ]
  | sort_by(.at, .i) | first // { step: "", error: "" }') || exit 1
wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
{
  printf 'step<<%s\n%s\n%s\n' "$wfc_delim" "$(printf '%s' "$wfc_picked" | jq -r .step)" "$wfc_delim"
  printf 'error<<%s\n%s\n%s\n' "$wfc_delim" "$(printf '%s' "$wfc_picked" | jq -r .error)" "$wfc_delim"
} >> "$GITHUB_OUTPUT"
"#;

/// The picking job: needs `holders` (job ids, with a fallback instance
/// name, in plan order), runs on `failure()` on `runs_on`.
fn job(holders: &[(String, String)], runs_on: &str) -> Json {
    let needs: Vec<&str> = holders.iter().map(|(j, _)| j.as_str()).collect();
    let listed: Vec<Json> = holders.iter().map(|(j, n)| json!([j, n])).collect();
    json!({
        "if": "${{ failure() }}",
        "needs": needs,
        "runs-on": runs_on,
        "outputs": {
            "step": format!("${{{{ steps.{PICK}.outputs.step }}}}"),
            "error": format!("${{{{ steps.{PICK}.outputs.error }}}}"),
        },
        "steps": [{
            "id": PICK,
            "env": {
                "WF_NEEDS": "${{ toJSON(needs) }}",
                "WF_JOBS": Json::Array(listed).to_string(),
            },
            "run": PICK_SCRIPT,
            "shell": "sh",
        }],
    })
}
