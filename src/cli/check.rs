//! `wfc check [PATH...]`: files, and folders searched for `.wf` files as
//! `wfc list` searches them (hidden folders, `target/` and `node_modules/`
//! skipped); no path is the current folder.

use super::{read_input, Format};
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::{json, render, Diagnostic, Severity};
use wfc_preflight::Level;

#[derive(Args)]
pub struct CheckArgs {
    /// Workflow files and folders to check (`-` reads standard input;
    /// default: every `.wf` file under the current folder).
    pub(super) files: Vec<PathBuf>,
    /// The folder the files will run with (`wfc run --workdir DIR`):
    /// relative paths that resolve elsewhere than in it are warned of (W0300).
    #[arg(long, value_name = "DIR")]
    pub(super) workdir: Option<PathBuf>,
    /// `text` (miette reports on stderr) or `json` (an array on stdout).
    #[arg(long, value_enum, default_value_t)]
    pub(super) format: Format,
    /// Treat these as errors: `warnings`.
    #[arg(long, value_enum)]
    pub(super) deny: Vec<Deny>,
    /// How much to check: `standard` the file alone (`basic` is the same);
    /// `strict` also commands and interpreters on PATH, ShellCheck, URLs and
    /// durations; `paranoid` also Docker, databases, SMTP and DNS
    /// (docs/preflight.md).
    #[arg(long, value_enum, default_value_t = LevelArg::Standard)]
    pub(super) level: LevelArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Deny {
    Warnings,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LevelArg {
    Basic,
    Standard,
    Strict,
    Paranoid,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Basic => Level::Basic,
            LevelArg::Standard => Level::Standard,
            LevelArg::Strict => Level::Strict,
            LevelArg::Paranoid => Level::Paranoid,
        }
    }
}

pub fn run(args: CheckArgs) -> ExitCode {
    check(args, false)
}

/// Checks the files at `args.level`; `doctor`: with what was looked at.
pub(super) fn check(args: CheckArgs, doctor: bool) -> ExitCode {
    let level = Level::from(args.level);
    let preflight = wfc_preflight::Options {
        path: None,
        base: args.workdir.clone(),
    };
    let mut notes: Vec<String> = Vec::new();
    let deny_warnings = args.deny.contains(&Deny::Warnings);
    let color = render::use_color(std::io::stderr().is_terminal());
    let mut failed = false;
    let mut unreadable = false;
    let mut json_out = Vec::new();
    let Some(files) = files(&args.files) else {
        return ExitCode::from(2);
    };
    let moved = super::check_paths::Moved::new(args.workdir.as_deref());
    for path in &files {
        let (name, text) = match read_input(path) {
            Ok(x) => x,
            Err(msg) => {
                eprintln!("{msg}");
                unreadable = true;
                continue;
            }
        };
        let program = super::program::load(&name, text);
        let imported = super::program::imported_errors(&program, color);
        let analysis = &program.root().analysis;
        let mut diags = analysis.diagnostics();
        diags.extend(moved.check(path, analysis));
        let found = wfc_preflight::check(analysis, level, &preflight);
        if !found.diagnostics.is_empty() {
            diags.extend(found.diagnostics);
            wfc_language::diag::sort(&mut diags);
        }
        for n in found.notes {
            if !notes.contains(&n) {
                if !super::quiet() {
                    eprintln!("note: {n}");
                }
                notes.push(n);
            }
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        failed |= errors > 0 || (deny_warnings && warnings > 0);
        match args.format {
            Format::Json => {
                for u in &program.units[1..] {
                    let a = &u.analysis;
                    let errors = a.diagnostics().into_iter().filter(Diagnostic::is_error);
                    json_out.extend(errors.map(|d| json::to_json(&d, &a.source)));
                }
                json_out.extend(diags.iter().map(|d| json::to_json(d, &analysis.source)));
            }
            Format::Text => {
                eprint!("{imported}");
                // `-q`: the errors alone (and warnings that `--deny` makes errors).
                let quiet = super::quiet();
                for d in diags
                    .iter()
                    .filter(|d| !quiet || deny_warnings || d.is_error())
                {
                    eprint!(
                        "{}",
                        render::render(&promote(d, deny_warnings), &analysis.source, color)
                    );
                    eprintln!();
                }
                if doctor {
                    eprint!("{}", super::doctor::checked(&found.checked));
                }
                if !quiet || errors > 0 || (deny_warnings && warnings > 0) {
                    eprintln!("{}", summary(&analysis.source.name, errors, warnings));
                }
            }
        }
    }
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json_out).unwrap_or_else(|_| "[]".into())
        );
    }
    if unreadable {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The files `paths` name: a folder's `.wf` files, found as `wfc list`
/// finds them; no paths: the current folder's. `None` (said why) when a
/// folder holds none.
fn files(paths: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let roots = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for root in roots {
        if !root.is_dir() {
            // A file, `-`, or a path that is not there (said when read).
            files.push(root);
            continue;
        }
        let found = wfc_serve::discover::workflow_files(std::slice::from_ref(&root)).files;
        if found.is_empty() {
            eprintln!(
                "error: no .wf files under {} (hidden folders, target/ and node_modules/ are not searched)",
                root.display()
            );
            return None;
        }
        files.extend(found);
    }
    Some(files)
}

/// With `--deny warnings`, warnings are shown as errors.
fn promote(d: &Diagnostic, deny: bool) -> Diagnostic {
    let mut d = d.clone();
    if deny {
        d.severity = Severity::Error;
    }
    d
}

fn summary(name: &str, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| wfc_language::words::count(n as u64, word);
    match (errors, warnings) {
        (0, 0) => format!("{name}: ok"),
        (0, w) => format!("{name}: {}", plural(w, "warning")),
        (e, 0) => format!("{name}: {}", plural(e, "error")),
        (e, w) => format!("{name}: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
