//! A failed command's error as `wfc run` says it — `exit code N` (`(command
//! not found)` for 127), then the last non-blank line of its stderr,
//! trimmed and cut to 200 bytes — as sh lines both exports' failure
//! records run.

/// The lines setting `$wfc_error` from `$wfc_status` and the stderr file
/// `stderr` (a quoted sh word), each indented by `indent`.
pub(crate) fn lines(stderr: &str, indent: &str) -> String {
    let text = format!(
        r#"wfc_error="exit code $wfc_status"
[ "$wfc_status" = 127 ] && wfc_error="$wfc_error (command not found)"
wfc_last=$(grep -v '^[[:space:]]*$' {stderr} 2>/dev/null | tail -n 1 | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
if [ "${{#wfc_last}}" -gt 200 ]; then
  wfc_last="$(printf '%s' "$wfc_last" | cut -c1-200)…"
fi
[ -n "$wfc_last" ] && wfc_error="$wfc_error: $wfc_last"
"#
    );
    text.lines().map(|l| format!("{indent}{l}\n")).collect()
}
