//! The fixed shell text wfc adds around a step's script: the step that
//! hands the script's `$WF_OUTPUTS` to GitHub (the retry loop is
//! [`crate::shell_loops`], a request's script [`crate::curl`]). Only numbers wfc computes and names it
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
