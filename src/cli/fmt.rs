//! `wfc fmt [--check] FILE|DIR...`
//!
//! Exit codes (README's table): 0 nothing to do, 1 problems found (a file
//! with syntax errors; with `--check`, a file not formatted), 2 bad
//! invocation or a file that cannot be read or written.

use super::{read_input, usage_error};
use clap::Args;
use similar::TextDiff;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::render;
use wfc_language::json_form;
use wfc_language::span::SourceFile;

#[derive(Args)]
pub struct FmtArgs {
    /// Files or folders (every `.wf` below them, found as `wfc list` finds
    /// them); `-` formats stdin to stdout.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing: print a unified diff and exit 1 if a file is not formatted.
    #[arg(long)]
    check: bool,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let mut files = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            // As `wfc list` finds them (symbolic links followed, no loop).
            let found = wfc_serve::discover::workflow_files(std::slice::from_ref(p)).files;
            // A folder's JSON workflow files are not `.wf` text to format.
            files.extend(found.into_iter().filter(|f| !json_form::is_json_path(f)));
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        return usage_error("error: no .wf files found");
    }
    let color = render::use_color(std::io::stderr().is_terminal());
    let mut unformatted = 0;
    // Problems in the files (exit 1), and files that cannot be read or
    // written (exit 2).
    let mut syntax_errors = 0;
    let mut unusable = false;
    for path in &files {
        if json_form::is_json_path(path) {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let first = text.find(|c: char| !c.is_whitespace()).unwrap_or(0);
            let at = wfc_language::span::Span::new(first, (first + 1).min(text.len()));
            let source = SourceFile::new(path.display().to_string(), text);
            let d = wfc_language::diag::json_form::fmt_json(at);
            eprint!("{}", render::render(&d, &source, color));
            unusable = true;
            continue;
        }
        let (name, text) = match read_input(path) {
            Ok(x) => x,
            Err(msg) => {
                eprintln!("{msg}");
                unusable = true;
                continue;
            }
        };
        let formatted = match wfc_language::fmt::format_source(&text) {
            Ok(f) => f,
            Err(diags) => {
                let source = SourceFile::new(&name, text.clone());
                for d in &diags {
                    eprintln!("{}", render::render(d, &source, color));
                }
                eprintln!("{name}: not formatted: fix the syntax errors first");
                syntax_errors += 1;
                continue;
            }
        };
        if path.as_os_str() == "-" {
            print!("{formatted}");
            continue;
        }
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            let diff = TextDiff::from_lines(&text, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (formatted)"))
            );
        } else if let Err(e) = std::fs::write(path, &formatted) {
            eprintln!("error: cannot write {name}: {e}");
            unusable = true;
        } else {
            eprintln!("formatted {name}");
        }
    }
    if args.check && unformatted > 0 {
        eprintln!(
            "{} not formatted; run `wfc fmt` on {}",
            wfc_language::words::count(unformatted as u64, "file"),
            if unformatted == 1 { "it" } else { "them" }
        );
    }
    if unusable {
        ExitCode::from(2)
    } else if syntax_errors > 0 || (args.check && unformatted > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
