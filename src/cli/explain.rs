//! `wfc explain CODE`: the code's page of docs/diagnostics.md, built into
//! the binary, so the explanation matches the wfc that reported the code.
//! `wfc explain RUN STEP`: why a step of a recorded run ran, was up to
//! date, was skipped or did not run (`wfc_launch::incremental::explain`).

use clap::Args;
use std::process::ExitCode;
use wfc_language::diag::{did_you_mean, Diagnostic};

/// docs/diagnostics.md as this wfc was built with it.
const PAGES: &str = include_str!("../../docs/diagnostics.md");

#[derive(Args)]
pub struct ExplainArgs {
    /// A diagnostic code, as wfc prints it: `E0140`, `W0100` (any case);
    /// or a run (its id, a unique prefix, or `last`) followed by a step.
    code: String,
    /// With a run: the step to explain.
    step: Option<String>,
    /// With a run: `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: super::Format,
    #[command(flatten)]
    store: super::history::StoreArgs,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    if let Some(step) = &args.step {
        return step_of_run(&args, step);
    }
    let code = args.code.trim().to_ascii_uppercase();
    match page(&code) {
        Some(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        None => {
            super::print_diagnostic(&unknown(&args.code, &code));
            ExitCode::from(2)
        }
    }
}

/// `wfc explain RUN STEP`.
fn step_of_run(args: &ExplainArgs, step: &str) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.code) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let e = match wfc_launch::incremental::explain(&store, &id, step) {
        Ok(Ok(e)) => e,
        Ok(Err(why)) => {
            super::say::err(&format!("error: {why}"));
            return ExitCode::from(2);
        }
        Err(e) => return super::history::store_error(e),
    };
    if args.format == super::Format::Json {
        println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let head = match e.verdict.as_str() {
        "up_to_date" => format!(
            "up to date with run {}: it did not run",
            e.up_to_date_with.as_deref().unwrap_or_default()
        ),
        "ran" => "it ran".to_owned(),
        "failed" => format!("it ran and ended {}", e.status),
        "skipped" => "it was skipped".to_owned(),
        "did_not_run" => format!("it did not run ({})", e.status),
        _ => format!("it is {}", e.status),
    };
    println!("Step `{}` of run {}: {head}", e.step, e.run);
    if let Some(p) = &e.compared_with {
        println!("  compared with run {p}, the last in which it succeeded before:");
    }
    for r in &e.reasons {
        println!("  - {}", super::say::escaped(r));
    }
    ExitCode::SUCCESS
}

/// Every code with a page, in the order of the document.
fn codes() -> impl Iterator<Item = &'static str> {
    PAGES
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
}

/// The page of `code`: its `## CODE` section, up to the next heading of
/// its level or above (a `# comment` inside an example is no heading).
fn page(code: &str) -> Option<String> {
    let mut lines = PAGES.lines();
    lines
        .by_ref()
        .find(|l| l.strip_prefix("## ").map(str::trim) == Some(code))?;
    let mut in_code = false;
    let body: Vec<&str> = lines
        .take_while(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
            }
            in_code || !(l.starts_with("## ") || l.starts_with("# "))
        })
        .collect();
    Some(format!("{code}\n\n{}", body.join("\n").trim()))
}

/// E0804: no page for `given`.
fn unknown(given: &str, code: &str) -> Diagnostic {
    let all: Vec<&str> = codes().collect();
    let help = match did_you_mean(code, all.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? `wfc explain {s}`"),
        None => "codes look like `E0140` or `W0100`: the first line of each diagnostic wfc prints"
            .to_owned(),
    };
    Diagnostic::error("E0804", format!("no diagnostic code `{given}`")).help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_runs_to_the_next_heading() {
        let p = page("E0140").unwrap();
        assert!(p.starts_with("E0140\n\n"), "{p}");
        assert!(!p.contains("\n## "), "{p}");
        assert!(page("E999").is_none());
    }

    /// Every page ends with its fix, whatever its example's comments say.
    #[test]
    fn every_page_is_printed_whole() {
        for code in codes() {
            let p = page(code).unwrap();
            let fix = p.lines().any(|l| {
                l.starts_with("**Fix:**")
                    || l.contains("no longer reported")
                    || l.starts_with("**No longer reported")
            });
            assert!(fix, "{code}: {p}");
        }
    }
}
