//! `wfc new [TEMPLATE] [FILE]`: write a built-in template to a file, to
//! start a workflow from. `--list` shows the templates. On a terminal with
//! no template named it asks (see [`ask`]); off one it never prompts.

pub(in crate::cli) mod answers;
mod ask;
mod fits;
mod templates;

use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use templates::{Template, TEMPLATES};

#[derive(Args)]
pub struct NewArgs {
    /// The template (`--list` shows them). Without one, on a terminal, wfc asks.
    #[arg(add = ArgValueCompleter::new(complete::names::templates))]
    template: Option<String>,
    /// The file to write (default: TEMPLATE.wf in the current directory).
    file: Option<PathBuf>,
    /// List the templates, one line each, and write nothing.
    #[arg(long, conflicts_with_all = ["template", "file", "force", "yes"])]
    list: bool,
    /// Overwrite FILE if it exists.
    #[arg(short, long)]
    force: bool,
    /// Never ask: write the template's defaults as they are.
    #[arg(short, long)]
    yes: bool,
}

pub fn run(args: NewArgs) -> ExitCode {
    if args.list {
        print!("{}", templates::list(Path::new(".")));
        return ExitCode::SUCCESS;
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (template, text, file) = match &args.template {
        Some(name) => match Template::named(name) {
            Some(t) => {
                let file = args
                    .file
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(format!("{name}.wf")));
                (t, t.text.to_string(), file)
            }
            None => return super::usage_error(&unknown(name)),
        },
        None if args.yes || !interactive => {
            return super::usage_error(&format!(
                "error: name a template: `wfc new TEMPLATE [FILE]` (`wfc new --list` shows them; `blank` is an empty one); wfc asks only when stdin and stdout are a terminal\n\nThe templates:\n{}{}",
                templates::list(Path::new(".")).trim_end(),
                suggestion(Path::new("."))
            ));
        }
        None => match ask::session(args.file.clone(), args.force) {
            Ok(a) => (a.template, a.text, a.file),
            Err(ask::Stop::Cancelled) => {
                eprintln!("cancelled; nothing written");
                return ExitCode::from(130);
            }
            Err(ask::Stop::Failed(why)) => {
                eprintln!("error: {why}; nothing written");
                return ExitCode::from(1);
            }
        },
    };
    // `-` is stdout, as for every command that writes a file.
    if file == Path::new("-") {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write the template to stdout: {e}");
                ExitCode::from(2)
            }
        };
    }
    match write(&file, &text, args.force) {
        Ok(()) => {
            let shown = file.display();
            eprintln!("wrote {shown} from the template {}", template.name);
            eprintln!("next: wfc check {shown} && wfc plan {shown} && wfc run {shown}");
            ExitCode::SUCCESS
        }
        Err(Refused::Exists) => {
            eprintln!(
                "error: {} exists; nothing written\nhelp: pass --force to overwrite it, or name another file: `wfc new {} OTHER.wf`",
                file.display(),
                template.name
            );
            ExitCode::from(1)
        }
        Err(Refused::Io(e)) => {
            eprintln!("error: cannot write {}: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

/// The built-in template `wfc run NAME` means when there is no file NAME
/// here: a bare name (no folder, no extension) that names a template.
/// Returns the template's name and text. A run records it as `<template
/// NAME>`, which `wfc resume` gives back.
pub(in crate::cli) fn builtin(path: &Path) -> Option<(&'static str, &'static str)> {
    let name = path.to_str()?;
    let name = match name.strip_prefix("<template ") {
        Some(rest) => rest.strip_suffix('>')?,
        None if name.contains(['/', '\\', '.']) || path.exists() => return None,
        None => name,
    };
    Template::named(name).map(|t| (t.name, t.text))
}

/// For a bare name that is no file here: the template it may mean
/// (`wfc run deploy-ap`), as a hint to add to "cannot read".
pub(in crate::cli) fn near_template(path: &Path) -> Option<String> {
    let name = path.to_str()?;
    if name.contains(['/', '\\', '.']) || path.exists() {
        return None;
    }
    let near = wfc_language::diag::did_you_mean(name, TEMPLATES.iter().map(|t| t.name))?;
    Some(format!(
        "help: did you mean the built-in template `{near}`? (`wfc new --list` shows them)"
    ))
}

/// Every template's name and one-line summary (for completions).
pub(in crate::cli) fn template_names() -> Vec<(&'static str, String)> {
    TEMPLATES.iter().map(|t| (t.name, t.summary())).collect()
}

/// The error for a template name that does not exist: a near name, and
/// every name.
fn unknown(name: &str) -> String {
    let names = TEMPLATES.iter().map(|t| t.name);
    let hint = match wfc_language::diag::did_you_mean(name, names) {
        Some(near) => format!("; did you mean `{near}`?"),
        // `wfc new ci.wf`: a file where the template goes.
        None if name.ends_with(".wf") => {
            format!("; the template comes first: `wfc new TEMPLATE {name}`")
        }
        None => String::new(),
    };
    format!(
        "error: no template named `{name}`{hint}\n\nThe templates:\n{}",
        templates::list(Path::new(".")).trim_end()
    )
}

/// What fits the folder, said after the list: the best template, and
/// `wfc import` when the folder has GitHub Actions workflows.
fn suggestion(dir: &Path) -> String {
    let mut out = String::new();
    if let Some(best) = fits::of(dir).first() {
        out.push_str(&format!(
            "\n\nFor this folder: `wfc new {}` (it has {})",
            best.template,
            fits::why(best)
        ));
    }
    if fits::has_actions(dir) {
        out.push_str("\nTo start from a GitHub Actions workflow: `wfc import .github/workflows/FILE.yml -o FILE.wf`");
    }
    out
}

enum Refused {
    Exists,
    Io(std::io::Error),
}

/// Writes `text` to `file`; without `force`, only if there is no such file
/// (checked by the create itself, so nothing is ever overwritten by a race).
fn write(file: &Path, text: &str, force: bool) -> Result<(), Refused> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut f = options.open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Refused::Exists,
        _ => Refused::Io(e),
    })?;
    f.write_all(text.as_bytes()).map_err(Refused::Io)
}
