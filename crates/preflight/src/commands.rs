//! `W0965`, `W0966`: the commands a `shell` step's `run` starts
//! (its simple commands' first words, after assignments and reserved words;
//! [`wfc_language::shell_syntax::heads`]) and the interpreters of `shell`,
//! `python` and `node` steps are found on `PATH`, as the shell would
//! look them up. Shell builtins, functions the command defines, quoted
//! names and names built from `${…}` are not looked up.

use crate::{literal, place_in, Report};
use std::cell::OnceCell;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use wfc_language::diag::{did_you_mean, Diagnostic};
use wfc_language::ir::{ExprKind, FieldValue, InterpPart, Step, StepKind};
use wfc_language::shell_syntax::{heads, Segment};
use wfc_language::span::SourceFile;

/// The shells whose command language `heads` reads (POSIX sh and its kin).
pub const POSIX_SHELLS: &[&str] = &["sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", "busybox"];

/// Keywords and builtins of sh and bash: no file on `PATH` needed (the
/// list the shell executor decides direct spawns by).
use wfc_run::exec::SHELL_WORDS as BUILTINS;

/// The folders of a `PATH`, and (once asked) every command in them.
pub struct SearchPath {
    dirs: Vec<PathBuf>,
    names: OnceCell<Vec<String>>,
}

impl SearchPath {
    /// `path`, else the process's `PATH`.
    pub fn new(path: Option<OsString>) -> SearchPath {
        let path = path
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        SearchPath {
            dirs: std::env::split_paths(&path).collect(),
            names: OnceCell::new(),
        }
    }

    /// Where `name` is: itself when it has a `/`, else the first
    /// executable file of that name in a folder of the `PATH`.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        if name.contains('/') {
            return Some(PathBuf::from(name)).filter(|p| executable(p));
        }
        self.dirs
            .iter()
            .map(|d| d.join(name))
            .find(|p| executable(p))
    }

    /// The command of the `PATH` nearest `name` ("did you mean").
    fn nearest(&self, name: &str) -> Option<String> {
        let names = self.names.get_or_init(|| {
            let mut all: Vec<String> = self
                .dirs
                .iter()
                .filter_map(|d| std::fs::read_dir(d).ok())
                .flatten()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            all.sort();
            all.dedup();
            all
        });
        did_you_mean(name, names.iter().map(String::as_str)).map(str::to_owned)
    }
}

fn executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A `shell` step's shell, as written (default `sh`).
pub fn shell_of(step: &Step) -> Option<&str> {
    match literal(step, "shell") {
        Some((s, _)) => Some(s),
        None if step.field("shell").is_none() => Some("sh"),
        None => None,
    }
}

/// Whether `shell` is one whose commands `heads` (and ShellCheck) read.
pub fn posix(shell: &str) -> bool {
    let name = shell.rsplit('/').next().unwrap_or(shell);
    POSIX_SHELLS.contains(&name)
}

pub(crate) fn check(source: &SourceFile, step: &Step, path: &SearchPath, report: &mut Report) {
    let (field, default) = match step.kind {
        StepKind::Shell => ("shell", "sh"),
        StepKind::Python => ("interpreter", "python3"),
        StepKind::Node => ("interpreter", "node"),
        _ => return,
    };
    let (interpreter, span) = match (literal(step, field), step.field(field)) {
        (Some((name, span)), _) => (name, span),
        (None, None) => (default, step.kind_span),
        (None, Some(_)) => return,
    };
    let found = path.find(interpreter).is_some();
    report.saw(format!("`{interpreter}` (step `{}`)", step.name), found);
    if !found {
        let mut d = Diagnostic::warning(
            "W0966",
            format!(
                "`{interpreter}`, which step `{}` runs in, is not on PATH",
                step.name
            ),
        )
        .primary(span, format!("no `{interpreter}` on PATH"));
        d =
            match path.nearest(interpreter) {
                Some(near) if span != step.kind_span => d
                    .help(format!("did you mean `{near}`?"))
                    .fix(span, format!("\"{near}\""), format!("use `{near}`")),
                _ => d.help(format!(
                    "install `{interpreter}`, or set `{field}` to one that is installed"
                )),
            };
        report.push(d);
    }
    if step.kind == StepKind::Shell && posix(interpreter) {
        commands(source, step, path, report);
    }
}

/// W0965 for each command `run` starts by name that is not on `PATH`.
fn commands(source: &SourceFile, step: &Step, path: &SearchPath, report: &mut Report) {
    let Some(FieldValue::Expr(e)) = step.field("run").map(|f| &f.value) else {
        return;
    };
    // A `${…}` is a value: a command it builds is not looked up.
    let (segments, literal_text) = match &e.kind {
        ExprKind::Str(t) => (vec![Segment::Text(t)], Some(t.as_str())),
        ExprKind::Interp(parts) => (
            parts
                .iter()
                .map(|p| match p {
                    InterpPart::Text(t) => Segment::Text(t),
                    InterpPart::Expr(_) => Segment::Value(""),
                })
                .collect(),
            None,
        ),
        _ => return,
    };
    let span = e.span;
    for head in heads::command_heads(&segments) {
        let name = head.name.as_str();
        if BUILTINS.contains(&name) {
            continue;
        }
        let found = path.find(name).is_some();
        report.saw(format!("command `{name}` (step `{}`)", step.name), found);
        if found {
            continue;
        }
        let at = match literal_text {
            Some(run) => place_in(source, span, run, head.at.offset, name.len()),
            None => span,
        };
        let mut d = Diagnostic::warning(
            "W0965",
            format!("step `{}` runs `{name}`, which is not on PATH", step.name),
        )
        .primary(at, "not found on PATH");
        d = match path.nearest(name).filter(|_| at != span) {
            Some(near) => d.help(format!("did you mean `{near}`?")).fix(
                at,
                near.clone(),
                format!("use `{near}`"),
            ),
            None => d.help(format!(
                "install `{name}`, add its folder to PATH, or write its full path"
            )),
        };
        report.push(d);
    }
}
