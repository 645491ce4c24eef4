//! `wfc schedule install --cron`: a block of lines per workflow in the
//! user's crontab, read with `crontab -l` and written back whole with
//! `crontab -` (or in a file given with `--crontab-file`). The block lies
//! between marker lines naming `wfc-NAME`, is replaced whole by the next
//! install and taken out by `wfc schedule remove`; no other line is
//! touched.
//!
//! Each schedule is a line that runs every minute: Debian's cron reads
//! every line in the system's zone and ignores `CRON_TZ=`, so the line
//! first asks `wfc schedule due` whether the minute holds a slot in the
//! schedule's zone ([`super::due`]), then runs the job under `flock -n`
//! (a slot passes while the previous run goes on, as `overlap skip`).

use super::job::Job;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use wfc_language::ir::Schedule;

const BEGIN: &str = "# BEGIN wfc schedule ";
const END: &str = "# END wfc schedule ";
const SCHEDULE: &str = "# on schedule ";

/// Debian's cron keeps at most this many bytes of a line's command
/// (`MAX_COMMAND`) and cuts the rest silently.
const MAX_COMMAND: usize = 999;

/// Where the crontab is.
pub enum Crontab {
    /// The user's, through the `crontab` command.
    User,
    /// A file in crontab form.
    File(PathBuf),
}

impl Crontab {
    pub fn new(file: Option<PathBuf>) -> Crontab {
        file.map_or(Crontab::User, Crontab::File)
    }

    /// Where, for messages: `the crontab of USER` or the file.
    pub fn describe(&self) -> String {
        match self {
            Crontab::User => {
                let uid = nix::unistd::getuid();
                let name = nix::unistd::User::from_uid(uid)
                    .ok()
                    .flatten()
                    .map_or_else(|| format!("uid {uid}"), |u| u.name);
                format!("the crontab of {name}")
            }
            Crontab::File(f) => f.display().to_string(),
        }
    }

    /// Its text (empty when there is none yet); `None` when there is no
    /// `crontab` command, so no crontab to read.
    pub fn read(&self) -> Result<Option<String>, String> {
        let out = match self {
            Crontab::File(f) => {
                return match std::fs::read_to_string(f) {
                    Ok(t) => Ok(Some(t)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(String::new())),
                    Err(e) => Err(format!("error: cannot read {}: {e}", f.display())),
                };
            }
            Crontab::User => Command::new("crontab").arg("-l").output(),
        };
        let out = match out {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("error: cannot run `crontab -l`: {e}")),
        };
        let said = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            String::from_utf8(out.stdout)
                .map(Some)
                .map_err(|_| "error: `crontab -l` printed text that is not UTF-8".to_owned())
        } else if said.contains("no crontab for") {
            Ok(Some(String::new()))
        } else {
            Err(format!("error: `crontab -l` failed: {}", said.trim()))
        }
    }

    /// Replaces it with `text`.
    pub fn write(&self, text: &str) -> Result<(), String> {
        if let Crontab::File(f) = self {
            return std::fs::write(f, text)
                .map_err(|e| format!("error: cannot write {}: {e}", f.display()));
        }
        let mut child = Command::new("crontab")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("error: cannot run `crontab -`: {e}"))?;
        let fed = child.stdin.take().map(|mut i| i.write_all(text.as_bytes()));
        let out = child
            .wait_with_output()
            .map_err(|e| format!("error: `crontab -`: {e}"))?;
        if let Some(Err(e)) = fed {
            return Err(format!("error: cannot feed `crontab -`: {e}"));
        }
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            return Err(format!("error: `crontab -` failed: {}", said.trim()));
        }
        Ok(())
    }
}

/// The block for `job`'s schedules: marker lines around, for each
/// schedule, a comment naming it and its line.
pub fn block(job: &Job, schedules: &[Schedule]) -> Result<String, String> {
    let name = job.name();
    let mut out = format!(
        "{BEGIN}{name}: `{}` of {} (`wfc schedule remove {}` removes this block)\n",
        job.workflow, job.file, job.workflow
    );
    let lock = format!("{}/{name}.cron.lock", job.state);
    for s in schedules {
        let zone = s.timezone.name();
        let pattern = s.cron.split_whitespace().collect::<Vec<_>>().join(" ");
        let guard = [
            &job.exe, "schedule", "due", "--cron", &pattern, "--zone", zone,
        ];
        // The lock lives in the state folder, which the first run may not have made yet.
        let mut words: Vec<String> = guard.iter().map(|w| word(w)).collect();
        words.extend(["&&".into(), "cd".into(), word(&job.workdir)]);
        words.extend(["&&".into(), "mkdir".into(), "-p".into(), word(&job.state)]);
        words.extend(["&&".into(), "flock".into(), "-n".into(), word(&lock)]);
        words.extend(job.argv().iter().map(|w| word(w)));
        let command = words.join(" ");
        if command.len() > MAX_COMMAND {
            return Err(format!(
                "error: the crontab line for `{}` would be {} bytes long: cron cuts a command past {MAX_COMMAND}; install from a shorter path, or use --systemd",
                job.workflow,
                command.len()
            ));
        }
        let _ = writeln!(out, "{SCHEDULE}\"{pattern}\" in {zone}");
        let _ = writeln!(out, "* * * * * {command}");
    }
    let _ = writeln!(out, "{END}{name}");
    Ok(out)
}

/// A word for `sh` on a crontab line: single-quoted, and each `%` (which
/// ends a crontab command) outside the quotes as `\%`, which cron turns
/// into `%`. Inside the quotes a `\` before a `%` would keep cron's `\`.
fn word(w: &str) -> String {
    let parts: Vec<String> = w
        .split('%')
        .map(wfc_language::shell_syntax::quote)
        .collect();
    parts.join("\\%")
}

/// `crontab` with the block of `name` replaced by `block` (added at the
/// end when it has none; taken out when `block` is empty), and whether it
/// had one. Every other line is kept as it is.
pub fn splice(crontab: &str, name: &str, block: &str) -> Result<(String, bool), String> {
    let mut out = String::with_capacity(crontab.len() + block.len());
    let mut lines = crontab.split_inclusive('\n');
    let mut found = false;
    while let Some(line) = lines.next() {
        if marked(line, BEGIN) != Some(name) {
            out.push_str(line);
            continue;
        }
        if !lines.any(|l| marked(l, END) == Some(name)) {
            return Err(format!(
                "error: the crontab has `{BEGIN}{name}` but no `{END}{name}` after it: mend it with `crontab -e`"
            ));
        }
        if !found {
            out.push_str(block);
        }
        found = true;
    }
    if !found && !block.is_empty() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(block);
    }
    Ok((out, found))
}

/// The `wfc-NAME` a marker line names.
fn marked<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(marker)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Our schedules in `crontab`: each `(wfc-NAME, "PATTERN" in ZONE)`.
pub fn entries(crontab: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<&str> = None;
    for line in crontab.lines() {
        if let Some(name) = marked(line, BEGIN) {
            current = Some(name);
        } else if marked(line, END).is_some() {
            current = None;
        } else if let (Some(name), Some(s)) = (current, line.strip_prefix(SCHEDULE)) {
            out.push((name.to_owned(), s.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const THEIRS: &str = "MAILTO=me\n# mine\n0 1 * * * backup.sh\n";

    fn ours(name: &str) -> String {
        format!("{BEGIN}{name}: x\n{SCHEDULE}\"0 9 * * *\" in UTC\n* * * * * true\n{END}{name}\n")
    }

    #[test]
    fn a_block_is_added_replaced_and_removed_alone() {
        let (added, had) = splice(THEIRS, "wfc-a", &ours("wfc-a")).unwrap();
        assert!(!had);
        assert_eq!(added, format!("{THEIRS}{}", ours("wfc-a")));
        let both = format!("{added}{}# after\n", ours("wfc-ab"));
        let again = ours("wfc-a").replace("true", "false");
        let (replaced, had) = splice(&both, "wfc-a", &again).unwrap();
        assert!(had);
        assert_eq!(
            replaced,
            format!("{THEIRS}{again}{}# after\n", ours("wfc-ab"))
        );
        let (removed, had) = splice(&replaced, "wfc-a", "").unwrap();
        assert!(had);
        assert_eq!(removed, format!("{THEIRS}{}# after\n", ours("wfc-ab")));
        assert_eq!(
            entries(&removed),
            [("wfc-ab".to_owned(), "\"0 9 * * *\" in UTC".to_owned())]
        );
    }

    #[test]
    fn an_empty_crontab_or_one_without_a_last_newline_takes_a_block() {
        assert_eq!(
            splice("", "wfc-a", &ours("wfc-a")).unwrap().0,
            ours("wfc-a")
        );
        let (text, _) = splice("0 1 * * * x", "wfc-a", &ours("wfc-a")).unwrap();
        assert_eq!(text, format!("0 1 * * * x\n{}", ours("wfc-a")));
        assert_eq!(
            splice(THEIRS, "wfc-a", "").unwrap(),
            (THEIRS.to_owned(), false)
        );
    }

    #[test]
    fn a_block_without_its_end_is_not_guessed_at() {
        let cut = format!("{BEGIN}wfc-a: x\n* * * * * true\n{THEIRS}");
        assert!(splice(&cut, "wfc-a", "")
            .unwrap_err()
            .contains("crontab -e"));
    }

    #[test]
    fn a_percent_leaves_the_quotes() {
        assert_eq!(word("/srv/50%"), "'/srv/50'\\%''");
        // cron would keep the `\` of `\\%`, and end the command at the `%`.
        assert_eq!(word("/a\\%b"), "'/a\\'\\%'b'");
        assert_eq!(word("it's"), "'it'\\''s'");
    }
}
