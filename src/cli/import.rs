//! `wfc import FILE`: a GitHub Actions workflow or a Taskfile as `.wf`
//! source (see `crates/import` and docs/import.md). Warnings (`W09xx`) go to
//! stderr with their place; the `.wf` text to stdout or `-o`.

use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wfc_import::{Format, ImportError};
use wfc_language::diag::{render, Diagnostic};
use wfc_language::span::{SourceFile, Span};

#[derive(Args)]
pub struct ImportArgs {
    /// The workflow to convert: a GitHub Actions workflow, a Taskfile, or a
    /// workflow in the JSON form (`*.json`).
    pub file: PathBuf,
    /// Write the `.wf` text here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT.wf")]
    pub output: Option<PathBuf>,
    /// The input's format; by default told from its path (`.github/workflows/`, `Taskfile.yml`) or its keys.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub from: Option<From>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum From {
    Github,
    Taskfile,
    /// The JSON form of a workflow (docs/json-form.md).
    Json,
}

pub fn run(args: ImportArgs) -> ExitCode {
    let (name, text) = match super::read_input(&args.file) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let source = SourceFile::new(name.clone(), text.clone());
    let color = render::use_color(std::io::stderr().is_terminal());
    let json = matches!(args.from, Some(From::Json))
        || (args.from.is_none() && wfc_language::json_form::is_json_path(&args.file));
    if json {
        // The JSON form is the language itself: its `.wf` text, formatted.
        return match wfc_language::json_form::to_wf_source(&text) {
            Ok(wf) => write(super::out_file(args.output.as_ref()), &wf),
            Err(diags) => {
                eprint!("{}", render::render_all(&diags, &source, color));
                ExitCode::from(2)
            }
        };
    }
    let format = match args.from {
        Some(From::Github) => Format::Github,
        Some(From::Taskfile) => Format::Taskfile,
        Some(From::Json) => unreachable!("read above"),
        None => match wfc_import::detect(&args.file, &text) {
            Some(f) => f,
            None => {
                let d = Diagnostic::error(
                    "E0901",
                    "cannot tell the format: not under `.github/workflows/`, not a `Taskfile.yml`, and its keys are neither `on` + `jobs` nor `version` + `tasks`",
                )
                .primary(Span::new(0, 0), "")
                .help("pass `--from github` or `--from taskfile`");
                eprint!("{}", render::render_all(&[d], &source, color));
                return ExitCode::from(2);
            }
        },
    };
    let base = folder_from_root(&args.file, args.output.as_deref());
    match wfc_import::import_into(&name, &text, format, base.as_deref()) {
        Ok(imported) => {
            if !imported.warnings.is_empty() {
                eprint!("{}", render::render_all(&imported.warnings, &source, color));
                let n = imported.warnings.len();
                eprintln!(
                    "{name}: {n} construct{} without a `.wf` equivalent (warned above)",
                    if n == 1 { "" } else { "s" }
                );
            }
            write(super::out_file(args.output.as_ref()), &imported.wf)
        }
        Err(ImportError::Input(d)) => {
            eprint!("{}", render::render_all(&[*d], &source, color));
            ExitCode::from(2)
        }
        Err(e @ ImportError::Defect(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn write(out: Option<&PathBuf>, text: &str) -> ExitCode {
    match out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        },
    }
}

/// The folder the `.wf` text goes to (`out`'s, or the current one), from
/// the root of the repository `input` is in (the folder with `.git`, or the
/// one holding `.github/`): GitHub reads a `working-directory` from that
/// root, `.wf` a `workdir` from the file's folder. `None` when the output
/// is outside it, or no root is found.
fn folder_from_root(input: &Path, out: Option<&Path>) -> Option<String> {
    let input = std::path::absolute(input).ok()?;
    let mut root = None;
    for dir in input.ancestors().skip(1) {
        if dir.join(".git").exists() || dir.file_name().is_some_and(|n| n == ".github") {
            root = Some(if dir.file_name().is_some_and(|n| n == ".github") {
                dir.parent()?.to_path_buf()
            } else {
                dir.to_path_buf()
            });
            break;
        }
    }
    let folder = match out {
        Some(o) => std::path::absolute(o).ok()?.parent()?.to_path_buf(),
        None => std::env::current_dir().ok()?,
    };
    let rel = folder.strip_prefix(root?).ok()?;
    Some(rel.to_string_lossy().into_owned())
}
