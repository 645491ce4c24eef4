//! A step's stdout read by another step (`${x.stdout}`, `trim(x.stdout)`):
//! the producer's script runs in a subshell whose stdout is printed and
//! kept in `/tmp/wf-outputs/wfc-stdout` (and, trimmed, `wfc-stdout-trimmed`),
//! its output parameters; a reader gets
//! `{{tasks.T.outputs.parameters.wfc-stdout}}` as an input parameter and
//! from there an env var ([`super::runtime`]). Argo drops one final line
//! break of a parameter's file, so each file gets one more: the value is
//! the stdout exactly.

use serde_json::{json, Value as Json};

/// The output parameter holding `x.stdout` (`trim`: `trim(x.stdout)`).
pub fn output(trim: bool) -> &'static str {
    if trim {
        "wfc-stdout-trimmed"
    } else {
        "wfc-stdout"
    }
}

/// `script` with its stdout printed and kept; its exit status is the
/// script's.
pub fn keep(script: &str) -> String {
    format!(
        r#"wfc_run() (
{}
)
mkdir -p /tmp/wf-outputs || exit 1
{{ wfc_run; echo "$?" > /tmp/wf-outputs/.wfc-rc; }} | tee /tmp/wf-outputs/.wfc-stdout
wfc_rc=$(cat /tmp/wf-outputs/.wfc-rc)
{{ cat /tmp/wf-outputs/.wfc-stdout; echo; }} > /tmp/wf-outputs/wfc-stdout
wfc_s=$(cat /tmp/wf-outputs/.wfc-stdout)
wfc_s="${{wfc_s#"${{wfc_s%%[![:space:]]*}}"}}"
printf '%s\n' "${{wfc_s%"${{wfc_s##*[![:space:]]}}"}}" > /tmp/wf-outputs/wfc-stdout-trimmed
exit "$wfc_rc""#,
        script.trim_end()
    )
}

/// The producer's output parameters.
pub fn parameters() -> Vec<Json> {
    [false, true]
        .iter()
        .map(|&trim| {
            let name = output(trim);
            json!({ "name": name, "valueFrom": { "path": format!("/tmp/wf-outputs/{name}") } })
        })
        .collect()
}
