//! `W0967`: ShellCheck's warnings about a `shell` step's literal `run`
//! text, each at its place in the string. ShellCheck is asked for
//! `--severity=warning` (not its style and info notes), in the dialect of
//! the step's `shell`; when it is not installed, a note says so once.
//! A `run` with `${…}` is not checked: its values are quoted by wfc, not
//! written in the text ShellCheck would read.

use crate::commands::{shell_of, SearchPath};
use crate::{literal, place_in, Report};
use serde::Deserialize;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Step, StepKind};
use wfc_language::span::SourceFile;

#[derive(Deserialize)]
struct Output {
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Comment {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    level: String,
    code: u32,
    message: String,
}

/// ShellCheck's `-s` for a shell, if it reads that shell's language.
fn dialect(shell: &str) -> Option<&'static str> {
    match shell.rsplit('/').next().unwrap_or(shell) {
        "sh" | "ash" | "busybox" => Some("sh"),
        "dash" => Some("dash"),
        "bash" => Some("bash"),
        "ksh" | "mksh" => Some("ksh"),
        _ => None,
    }
}

/// `env`: the names the workflows' `env` sets (ShellCheck's SC2154 would
/// take them for unset variables).
pub(crate) fn check(
    source: &SourceFile,
    steps: &[&Step],
    env: &[&str],
    path: &SearchPath,
    report: &mut Report,
) {
    let runs: Vec<(&Step, &str, &'static str)> = steps
        .iter()
        .filter(|s| s.kind == StepKind::Shell)
        .filter_map(|s| {
            let (run, _) = literal(s, "run")?;
            Some((*s, run, dialect(shell_of(s)?)?))
        })
        .collect();
    if runs.is_empty() {
        return;
    }
    let Some(shellcheck) = path.find("shellcheck") else {
        report.notes.push(
            "shellcheck is not installed: `run` commands were not checked with it".to_owned(),
        );
        return;
    };
    for (step, run, dialect) in runs {
        let comments = match run_shellcheck(&shellcheck, dialect, run) {
            Ok(c) => c,
            Err(e) => {
                report
                    .notes
                    .push(format!("shellcheck failed on step `{}`: {e}", step.name));
                continue;
            }
        };
        report.saw(
            format!("ShellCheck of step `{}`", step.name),
            comments.is_empty(),
        );
        let Some((_, span)) = literal(step, "run") else {
            continue;
        };
        for c in comments.into_iter().filter(|c| !set_by_env(c, step, env)) {
            let start = offset(run, c.line, c.column);
            let end = offset(run, c.end_line, c.end_column).max(start);
            let at = place_in(source, span, run, start, end - start);
            report.push(
                Diagnostic::warning(
                    "W0967",
                    format!(
                        "SC{}: {} ({}, step `{}`)",
                        c.code, c.message, c.level, step.name
                    ),
                )
                .primary(at, format!("SC{}", c.code))
                .help(format!(
                    "see https://www.shellcheck.net/wiki/SC{0}; if it is meant, write \
                     `# shellcheck disable=SC{0}` on a line before it in `run`",
                    c.code
                )),
            );
        }
    }
}

/// SC2154 ("referenced but not assigned") about a variable an `env` sets.
fn set_by_env(c: &Comment, step: &Step, env: &[&str]) -> bool {
    let Some(var) = c
        .message
        .split_whitespace()
        .next()
        .filter(|_| c.code == 2154)
    else {
        return false;
    };
    let in_step = match step.field("env").map(|f| &f.value) {
        Some(FieldValue::Map(m)) => m.iter().any(|(k, _)| k == var),
        _ => false,
    };
    in_step || env.contains(&var)
}

fn run_shellcheck(exe: &Path, dialect: &str, text: &str) -> Result<Vec<Comment>, String> {
    let mut child = Command::new(exe)
        .args(["-s", dialect, "-f", "json1", "--severity=warning", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // A write error shows as ShellCheck's own failure below.
    let _ = child.stdin.take().map(|mut i| i.write_all(text.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    // 0: nothing found; 1: findings; anything else is ShellCheck failing.
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    serde_json::from_slice::<Output>(&out.stdout)
        .map(|o| o.comments)
        .map_err(|e| format!("unexpected output: {e}"))
}

/// The byte offset in `text` of a 1-based line and character column.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets_of_lines_and_columns() {
        let text = "echo a\n  é $x\n";
        assert_eq!(super::offset(text, 1, 1), 0);
        assert_eq!(super::offset(text, 2, 3), 9);
        assert_eq!(super::offset(text, 2, 5), 12);
    }
}
