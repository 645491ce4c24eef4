//! A step's declared list output that a loop goes over (`for each f in
//! list.outputs.items`): the loop is a matrix job whose items GitHub reads
//! from the producer's job ([`super::matrix`]), `fromJSON(…)` of its
//! output. The script writes the output as text, which `wfc run` reads as
//! it reads a `--param` (a JSON list or comma-separated items) and fails
//! the step when it does not parse; GitHub's `fromJSON` takes JSON only,
//! and the matrix's guard compares the text with `[]`. So a last step of
//! the producer's job (`wfc-lists`) reads each such output with jq as wfc
//! does (`wfc_typed`, [`crate::jq`]), fails the job where wfc fails the
//! step, and hands the list on as wfc writes it, as the job's output
//! `wfc-list-NAME`.

use crate::jq::{self, json_str};
use serde_json::{json, Map, Value as Json};
use wfc_language::ir::Step;

/// The step's id.
const ID: &str = "wfc-lists";

/// The job output holding output `name`'s list.
pub fn output(name: &str) -> String {
    format!("wfc-list-{name}")
}

/// Adds the `wfc-lists` step to `job` (the job of `step`) for its
/// declared outputs `names`, and their lists to the job's outputs.
pub fn hand_on(job: &mut Map<String, Json>, step: &Step, names: &[&str]) {
    let mut env = Map::new();
    let mut pairs = Vec::new();
    let mut handed = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let Some(decl) = step.outputs.iter().find(|o| o.name == *name) else {
            continue;
        };
        let Some(kind) = jq::typed_kind(&decl.ty) else {
            continue;
        };
        // The output as the job hands it on (`steps.outputs.outputs.NAME`).
        let Some(read) = job
            .get("outputs")
            .and_then(|o| o.get(*name))
            .and_then(Json::as_str)
        else {
            continue;
        };
        let var = format!("WF_LIST_{}", k + 1);
        env.insert(var.clone(), json!(read));
        let what = json_str(&format!("declared output `{name}` ({})", decl.ty));
        pairs.push(format!(
            "[{}, ($ENV.{var} | wfc_typed({what}; {kind}))]",
            json_str(name)
        ));
        handed.push(*name);
    }
    if pairs.is_empty() {
        return;
    }
    let program = format!(
        "[{}] | .[] | \"\\(.[0])<<\\($d)\\n\\(.[1])\\n\\($d)\\n\"",
        pairs.join(", ")
    );
    env.insert("WF_JQ".into(), json!(jq::single(&program)));
    if let Some(Json::Array(steps)) = job.get_mut("steps") {
        steps.push(json!({ "id": ID, "env": env, "run": RUN, "shell": "bash" }));
    }
    if let Some(Json::Object(outs)) = job.get_mut("outputs") {
        for name in handed {
            outs.insert(
                output(name),
                json!(format!("${{{{ steps.{ID}.outputs.{name} }}}}")),
            );
        }
    }
}

/// The step's script: one jq run, its `name<<DELIM` blocks appended.
const RUN: &str = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
jq -nj --arg d "$wfc_delim" "$WF_JQ" > "$RUNNER_TEMP/wfc-lists"
cat "$RUNNER_TEMP/wfc-lists" >> "$GITHUB_OUTPUT"
"#;
