//! The fixed shell text wfc adds around a step's script: the retry loop
//! (GitHub has no retries of a job or a step) and the step that hands the
//! script's `$WF_OUTPUTS` to GitHub. Only numbers wfc computes and names it
//! checked go into this text; values stay in `env:`.

use serde_json::{json, Value as Json};
use wfc_language::ir::{Backoff, Retry};

/// Where the script writes its outputs: `$RUNNER_TEMP` exists on every
/// runner and inside job containers.
pub const OUTPUTS_FILE: &str = "$RUNNER_TEMP/wfc-outputs";

/// The waits before each retry, in whole seconds (rounded up), as wfc's
/// runner computes them without jitter: `D·2^(k-1)` or `D·k`, capped by `max`.
pub fn delays(retry: &Retry) -> Vec<u64> {
    (1..=retry.count)
        .map(|k| {
            let Some(d) = retry.backoff_ms else { return 0 };
            let ms = match retry.strategy {
                Backoff::Exponential => d.saturating_mul(1u64 << (k - 1).min(40)),
                Backoff::Linear => d.saturating_mul(u64::from(k)),
            };
            retry.max_ms.map_or(ms, |m| ms.min(m)).div_ceil(1000)
        })
        .collect()
}

/// `script` run up to `retry.count + 1` times: each attempt in a subshell
/// under `set -e` (as GitHub runs a `sh` step), the waits of the policy
/// between attempts, no new attempt past `within`. The last attempt's exit
/// status is the step's.
/// `when`: a shell test of `$wfc_status`; a failed attempt it rejects is
/// not retried.
pub fn with_retries(script: &str, retry: &Retry, outputs: bool, when: Option<&str>) -> String {
    let waits: Vec<String> = delays(retry).iter().map(u64::to_string).collect();
    let mut out = format!(
        "# wfc: retry {} (GitHub has no retries): each attempt in a subshell.\nwfc_attempt() (\nset -e\n{}\n)\nset +e\n",
        retry.count,
        script.trim_end()
    );
    if let Some(w) = retry.within_ms {
        out.push_str(&format!(
            "wfc_deadline=$(( $(date +%s) + {} ))\n",
            w.div_ceil(1000)
        ));
    }
    out.push_str(&format!("for wfc_wait in {} last; do\n", waits.join(" ")));
    if outputs {
        out.push_str("  : > \"$WF_OUTPUTS\"\n");
    }
    out.push_str(
        "  wfc_attempt\n  wfc_status=$?\n  [ \"$wfc_status\" -eq 0 ] && exit 0\n  [ \"$wfc_wait\" = last ] && exit \"$wfc_status\"\n",
    );
    if let Some(test) = when {
        out.push_str(&format!(
            "  if ! {test}; then echo \"wfc: not retried: its when is false (exit $wfc_status)\" >&2; exit \"$wfc_status\"; fi\n"
        ));
    }
    if retry.within_ms.is_some() {
        out.push_str(
            "  [ $(( $(date +%s) + wfc_wait )) -le \"$wfc_deadline\" ] || exit \"$wfc_status\"\n",
        );
    }
    out.push_str(
        "  echo \"wfc: attempt failed (exit $wfc_status); retrying in ${wfc_wait}s\" >&2\n  sleep \"$wfc_wait\"\ndone\n",
    );
    out
}

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
