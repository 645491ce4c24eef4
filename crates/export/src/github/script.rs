//! The fixed shell text wfc adds around a step's script: the step that
//! hands the script's `$WF_OUTPUTS` to GitHub, and the check of an http
//! status (the retry loop is [`crate::shell_loops`]). Only numbers wfc computes and names it
//! checked go into this text; values stay in `env:`.

use serde_json::{json, Value as Json};

/// Where the script writes its outputs: `$RUNNER_TEMP` exists on every
/// runner and inside job containers.
pub const OUTPUTS_FILE: &str = "$RUNNER_TEMP/wfc-outputs";

/// The first lines of a script with declared outputs: a fresh `$WF_OUTPUTS`.
pub fn outputs_prelude() -> String {
    format!("export WF_OUTPUTS=\"{OUTPUTS_FILE}\"\n: > \"$WF_OUTPUTS\"\n")
}

/// The step after the script: copies each declared output from the
/// `$WF_OUTPUTS` file (`name=value` lines and `name<<DELIM` blocks, as wfc
/// reads it) to `$GITHUB_OUTPUT`, always in the multi-line form with a
/// random delimiter, so no value can end its own entry early or add another.
pub fn outputs_step(declared: &[String]) -> Json {
    let run = format!(
        r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
wfc_in=""
wfc_keep=""
while IFS= read -r line || [ -n "$line" ]; do
  if [ -n "$wfc_in" ]; then
    if [ "$line" = "$wfc_in" ]; then
      wfc_in=""
      [ -n "$wfc_keep" ] && printf '%s\n' "$wfc_delim" >> "$GITHUB_OUTPUT"
    elif [ -n "$wfc_keep" ]; then
      printf '%s\n' "$line" >> "$GITHUB_OUTPUT"
    fi
    continue
  fi
  head="${{line%%=*}}"
  case "$head" in
    *'<<'*) name="${{line%%<<*}}"; wfc_in="${{line#*<<}}"; value="" ;;
    "$line") continue ;;
    *) name="$head"; value="${{line#*=}}" ;;
  esac
  case " $WF_DECLARED " in *" $name "*) wfc_keep=1 ;; *) wfc_keep="" ;; esac
  [ -n "$wfc_keep" ] || continue
  printf '%s<<%s\n' "$name" "$wfc_delim" >> "$GITHUB_OUTPUT"
  if [ -z "$wfc_in" ]; then
    printf '%s\n%s\n' "$value" "$wfc_delim" >> "$GITHUB_OUTPUT"
  fi
done < "{OUTPUTS_FILE}""#
    );
    json!({
        "id": "outputs",
        "shell": "sh",
        "env": { "WF_DECLARED": declared.join(" ") },
        "run": run,
    })
}

/// The status check after a request: the body to the log, then the status
/// against `codes` (empty: any 2xx, as `wfc run`). The codes are numbers
/// wfc checked, never the workflow's text.
pub fn http_status(codes: &[u16]) -> String {
    let (accept, wanted) = if codes.is_empty() {
        ("2??".to_string(), "a 2xx status".to_string())
    } else {
        let list: Vec<String> = codes.iter().map(u16::to_string).collect();
        (list.join("|"), format!("HTTP {}", list.join(" or ")))
    };
    format!(
        "cat \"$RUNNER_TEMP/wfc-body\"\necho\ncase \"$wfc_code\" in\n  {accept}) ;;\n  *) echo \"wfc: expected {wanted}, got $wfc_code\" >&2; exit 1 ;;\nesac\n"
    )
}
