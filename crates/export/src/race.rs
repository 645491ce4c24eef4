//! `parallel … wait any` as one shell script (a GitHub step, an Argo pod):
//! each member's script started in the background in a process group of
//! its own, the first to succeed wins and the others are stopped with
//! their children, as `wfc run` cancels them. When every member fails,
//! the script fails with the last one's exit code, as `wfc run` reports
//! the last failure.
//!
//! Nothing of a value is code: each member's environment reaches it
//! through the driver's under a prefixed name ([`env_name`]), each name
//! through [`name_var`], scripts go in quoted here-documents. The driver
//! is POSIX sh: `setsid` gives each member its process group (util-linux,
//! busybox); without it (macOS), bash's job control does (`set -m`).

use std::fmt::Write;

/// A member of the block.
pub struct Member<'a> {
    /// How its script file is run: an interpreter and its flags, chosen by
    /// the exporter (`bash -e`, `sh -e`, `python3`).
    pub command: &'static str,
    /// Its script, as a step of its own would run it.
    pub script: &'a str,
    /// The names of its environment variables; the driver's environment
    /// holds each as [`env_name`].
    pub env: Vec<String>,
    /// The folder it runs in, if not the driver's.
    pub dir: Option<&'a str>,
}

/// The driver's name of member `i`'s variable `name`.
pub fn env_name(i: usize, name: &str) -> String {
    format!("WF_M{}_{name}", i + 1)
}

/// The driver's variable holding member `i`'s step name (for its log lines
/// and the failure's place).
pub fn name_var(i: usize) -> String {
    format!("WF_RACE_{}", i + 1)
}

/// The driver's variable holding the block's name.
pub const BLOCK_VAR: &str = "WF_RACE";

/// Files the driver leaves in `$RUNNER_TEMP` (else `/tmp`) when every
/// member failed: the last one's name, exit code and standard error, and
/// the block's name, for the step reporting the failure.
pub const LAST_FAILED: [&str; 4] = ["wfc-name", "wfc-status", "wfc-stderr", "wfc-block"];

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A here-document delimiter that is no line of `text`.
pub(crate) fn delimiter(text: &str, base: &str) -> String {
    let mut d = base.to_string();
    let mut n = 0;
    while text.lines().any(|l| l.trim() == d) {
        n += 1;
        d = format!("{base}_{n}");
    }
    d
}

/// `text` in single quotes for sh.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The driver script of `members`, or why one cannot be run by it (an
/// environment variable whose name is no shell name).
pub fn driver(members: &[Member]) -> Result<String, String> {
    if let Some(bad) = members.iter().flat_map(|m| &m.env).find(|n| !is_name(n)) {
        return Err(format!(
            "the environment variable `{bad}` has no shell name"
        ));
    }
    let mut s = String::from(HEAD);
    for (i, m) in members.iter().enumerate() {
        let n = i + 1;
        let script = delimiter(m.script, "WFC_SCRIPT");
        let start = delimiter("", "WFC_START");
        let _ = writeln!(s, "# wfc: member {n}: `${}`", name_var(i));
        let _ = writeln!(s, "mkdir \"$wfc_race/{n}\"");
        let _ = writeln!(s, "cat > \"$wfc_race/{n}.script\" <<'{script}'");
        s.push_str(m.script);
        if !m.script.ends_with('\n') {
            s.push('\n');
        }
        let _ = writeln!(s, "{script}");
        let _ = writeln!(s, "cat > \"$wfc_race/{n}.start\" <<'{start}'");
        s.push_str(LINES);
        for e in &m.env {
            let _ = writeln!(s, "export {e}=\"${}\"", env_name(i, e));
        }
        let _ = writeln!(s, "export RUNNER_TEMP=\"$wfc_race/{n}\"");
        if let Some(dir) = m.dir {
            let _ = writeln!(s, "cd {} || exit 1", quoted(dir));
        }
        // Its stderr also kept, for the failure's last line.
        let _ = writeln!(
            s,
            "{{ {{ {} \"$wfc_race/{n}.script\" 2>&1 1>&3 3>&-; echo \"$?\" > \"$wfc_race/{n}.status\"; }} | tee \"$wfc_race/{n}.stderr\"; }} 3>&1 | wfc_lines \"${}\"",
            m.command,
            name_var(i)
        );
        let _ = writeln!(
            s,
            "echo \"{n} $(cat \"$wfc_race/{n}.status\")\" > \"$wfc_race/ended\""
        );
        let _ = writeln!(s, "{start}");
        let _ = writeln!(s, "wfc_start {n}");
    }
    let _ = writeln!(s, "wfc_wait {}", members.len());
    Ok(s)
}

/// The driver's set-up: its folder, the pipe members report their end
/// into, and how a member starts (`wfc_start N`) and how the race ends
/// (`wfc_wait COUNT`).
const HEAD: &str = r#"# wfc: `parallel … wait any`: every member in the background, in a process
# group of its own; the first to succeed wins and the others are stopped.
set +e
wfc_race="${RUNNER_TEMP:-/tmp}/wfc-race.$$"
rm -rf "$wfc_race" && mkdir -p "$wfc_race" && mkfifo "$wfc_race/ended" || exit 1
export wfc_race
# Until it ends: a race stopped from outside (a timeout) did not finish.
printf '%s' "$WF_RACE" > "${RUNNER_TEMP:-/tmp}/wfc-name"
echo running > "${RUNNER_TEMP:-/tmp}/wfc-status"
exec 9<>"$wfc_race/ended"
if command -v setsid >/dev/null 2>&1; then wfc_own=setsid; else wfc_own=; set -m; fi
wfc_pids=
wfc_start() {
  $wfc_own sh "$wfc_race/$1.start" &
  wfc_pids="$wfc_pids $1:$!"
}
wfc_ended=
wfc_stop() {
  for wfc_p in $wfc_pids; do
    case " $wfc_ended " in *" ${wfc_p%%:*} "*) continue ;; esac
    # Its group, or the process itself if `setsid` has not run yet.
    { kill -TERM -"${wfc_p#*:}" || kill -TERM "${wfc_p#*:}"; } 2>/dev/null &&
      eval "wfc_who=\$WF_RACE_${wfc_p%%:*}" && echo "wfc: \`$wfc_who\` cancelled"
  done
  for wfc_p in $wfc_pids; do wait "${wfc_p#*:}" 2>/dev/null; done
}
wfc_wait() {
  wfc_left=$1
  while [ "$wfc_left" -gt 0 ] && read -r wfc_i wfc_status <&9; do
    wfc_left=$((wfc_left - 1)) wfc_ended="$wfc_ended $wfc_i"
    eval "wfc_who=\$WF_RACE_$wfc_i"
    if [ "$wfc_status" = 0 ]; then
      echo "wfc: \`$wfc_who\` succeeded first"
      wfc_stop
      rm -rf "$wfc_race"
      exit 0
    fi
    echo "wfc: \`$wfc_who\` failed (exit $wfc_status)"
    wfc_last=$wfc_i wfc_code=$wfc_status
  done
  wfc_out="${RUNNER_TEMP:-/tmp}"
  eval "printf '%s' \"\$WF_RACE_$wfc_last\"" > "$wfc_out/wfc-name"
  echo "$wfc_code" > "$wfc_out/wfc-status"
  printf '%s' "$WF_RACE" > "$wfc_out/wfc-block"
  cp "$wfc_race/$wfc_last.stderr" "$wfc_out/wfc-stderr"
  echo "wfc: every member of \`$WF_RACE\` failed" >&2
  rm -rf "$wfc_race"
  exit "$wfc_code"
}
# Stopped from outside (a cancel, a timeout): the members with it.
trap 'wfc_stop; rm -rf "$wfc_race"; exit 143' TERM INT HUP
"#;

/// Each member's log lines, prefixed with its name.
const LINES: &str = r#"wfc_lines() {
  while IFS= read -r wfc_line || [ -n "$wfc_line" ]; do
    printf '[%s] %s\n' "$1" "$wfc_line"
  done
}
"#;

#[cfg(test)]
mod tests;
