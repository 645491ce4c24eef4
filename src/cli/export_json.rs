//! `wfc export json FILE`: the JSON form of a workflow file
//! (docs/json-form.md), which `wfc check | plan | run` read as they read
//! the `.wf` file. A `.json` file is written again in its canonical form.

use super::read_input;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wfc_language::diag::render;
use wfc_language::json_form;
use wfc_language::span::SourceFile;

#[derive(Args)]
pub struct JsonArgs {
    /// The `.wf` (or `.json`) file; `-` reads `.wf` text from standard input.
    pub file: PathBuf,
    /// Write the JSON to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: JsonArgs) -> ExitCode {
    let (name, text) = match read_input(&args.file) {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let json = match json_form::is_json_path(&args.file) {
        true => json_form::to_wf_source(&text).and_then(|wf| json_form::to_json(&wf)),
        false => json_form::to_json(&text),
    };
    let json = match json {
        Ok(json) => json,
        Err(diags) => {
            let color = render::use_color(std::io::stderr().is_terminal());
            let source = SourceFile::new(&name, text);
            eprint!("{}", render::render_all(&diags, &source, color));
            eprintln!("{name}: not exported: fix the syntax errors first");
            return ExitCode::from(3);
        }
    };
    match super::out_file(args.output.as_ref()) {
        None => print!("{json}"),
        Some(out) => {
            if let Err(e) = std::fs::write(out, json) {
                eprintln!("error: cannot write {}: {e}", out.display());
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
