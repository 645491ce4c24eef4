//! A step's `stdout` read by another step (`${x.stdout}`,
//! `trim(x.stdout)`): the producing job keeps its script's stdout in a
//! file (then prints it), and a step after it hands it on as the job
//! outputs `wfc-stdout` and `wfc-stdout-trimmed`, in the `name<<DELIM`
//! form with a random delimiter, so no output can end early or add
//! another. Readers get `${{ needs.JOB.outputs.wfc-stdout }}` in `env:`.
//! GitHub drops the last newline of such a value.

use serde_json::{json, Value as Json};

/// The job output of `x.stdout` (`trim`: of `trim(x.stdout)`).
pub fn output(trim: bool) -> &'static str {
    if trim {
        "wfc-stdout-trimmed"
    } else {
        "wfc-stdout"
    }
}

/// `script` with its stdout kept in `$RUNNER_TEMP/wfc-stdout` and printed.
pub fn keep(script: &str) -> String {
    format!(
        "wfc_run() (\nset -e\n{}\n)\nset +e\nwfc_run > \"$RUNNER_TEMP/wfc-stdout\"\nwfc_status=$?\ncat \"$RUNNER_TEMP/wfc-stdout\"\nexit \"$wfc_status\"\n",
        script.trim_end()
    )
}

/// The step that hands the kept stdout on, and the job's outputs.
pub fn hand_on() -> (Json, Vec<(String, String)>) {
    let run = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
wfc_out=$(cat "$RUNNER_TEMP/wfc-stdout")
wfc_s="${wfc_out#"${wfc_out%%[![:space:]]*}"}"
wfc_trim="${wfc_s%"${wfc_s##*[![:space:]]}"}"
printf 'wfc-stdout<<%s\n%s\n%s\n' "$wfc_delim" "$wfc_out" "$wfc_delim" >> "$GITHUB_OUTPUT"
printf 'wfc-stdout-trimmed<<%s\n%s\n%s\n' "$wfc_delim" "$wfc_trim" "$wfc_delim" >> "$GITHUB_OUTPUT"
"#;
    let step = json!({ "id": "stdout", "run": run, "shell": "sh" });
    let outs = [false, true]
        .iter()
        .map(|&t| {
            let name = output(t).to_string();
            let read = format!("${{{{ steps.stdout.outputs.{name} }}}}");
            (name, read)
        })
        .collect();
    (step, outs)
}
