//! `wfc run` on a terminal asks for the required params that were not
//! given, as `gh workflow run` does: each by its type (a yes/no, a choice
//! of its `in [...]` values, a secret without echo, else text), checked as
//! `--param` checks it, before anything runs. Without a terminal (a script,
//! CI) nothing is asked and a missing param stays an error (E0402).

use inquire::validator::Validation;
use inquire::{Confirm, InquireError, Password, Select, Text};
use std::io::IsTerminal;
use std::process::ExitCode;
use wfc_language::ir::{Constraint, Type, Workflow};
use wfc_plan::{ParamInput, Value};

/// Whether wfc may ask: stdin and stderr are a terminal (the prompts go to
/// stderr, so stdout may be piped).
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks for each required param of `wf` that `params` does not give, and
/// adds the answers to `params` (as `--param` text). `Err`: the person
/// cancelled (exit 130) or the terminal failed.
pub fn ask_missing(wf: &Workflow, params: &mut ParamInput) -> Result<(), ExitCode> {
    let in_file: Vec<String> = params
        .file
        .as_ref()
        .and_then(|(_, text)| serde_json::from_str::<serde_json::Map<_, _>>(text).ok())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let given =
        |name: &str| params.cli.iter().any(|(n, _)| n == name) || in_file.iter().any(|n| n == name);
    let missing: Vec<usize> = (0..wf.params.len())
        .filter(|&i| wf.params[i].default.is_none() && !given(&wf.params[i].name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "{} required param{} not given (pass --param NAME=VALUE to skip the questions):",
        missing.len(),
        if missing.len() == 1 { " is" } else { "s are" }
    );
    for id in missing {
        let text = ask_one(wf, id).map_err(|e| match e {
            InquireError::OperationCanceled | InquireError::OperationInterrupted => {
                eprintln!("cancelled; nothing ran");
                ExitCode::from(130)
            }
            other => {
                eprintln!("error: cannot ask for the params: {other}");
                ExitCode::from(2)
            }
        })?;
        params.cli.push((wf.params[id].name.clone(), text));
    }
    Ok(())
}

/// Asks for param `id`; its value as `--param` text.
fn ask_one(wf: &Workflow, id: usize) -> Result<String, InquireError> {
    let p = &wf.params[id];
    let label = format!("{} ({}):", p.name, p.ty);
    let help = p.doc.as_deref().map(|d| d.trim().replace('\n', " "));
    // The prompt keeps its validator: it gets a copy of the workflow.
    let owned = std::sync::Arc::new(wf.clone());
    let check = move |text: &str| -> Result<Validation, inquire::CustomUserError> {
        Ok(match validate(&owned, id, text) {
            Ok(()) => Validation::Valid,
            Err(why) => Validation::Invalid(why.into()),
        })
    };
    if p.secret {
        let mut prompt = Password::new(&label)
            .without_confirmation()
            .with_validator(check);
        if let Some(h) = &help {
            prompt = prompt.with_help_message(h);
        }
        return prompt.prompt();
    }
    match (&p.ty, &p.constraint) {
        (Type::Bool, _) => {
            let mut prompt = Confirm::new(&label);
            if let Some(h) = &help {
                prompt = prompt.with_help_message(h);
            }
            prompt.prompt().map(|b| b.to_string())
        }
        (_, Some(Constraint::OneOf(xs))) => {
            let options: Vec<String> = xs
                .iter()
                .filter_map(Value::of_literal)
                .map(|v| super::new::answers::as_param_text(&v))
                .collect();
            let mut prompt = Select::new(&label, options);
            if let Some(h) = &help {
                prompt = prompt.with_help_message(h);
            }
            prompt.prompt()
        }
        _ => {
            let mut prompt = Text::new(&label).with_validator(check);
            if let Some(h) = &help {
                prompt = prompt.with_help_message(h);
            }
            prompt.prompt()
        }
    }
}

/// Reads `text` as param `id`'s value, as `--param` would; the other
/// params are not asked about here (a missing one is no problem of this).
fn validate(wf: &Workflow, id: usize, text: &str) -> Result<(), String> {
    let p = &wf.params[id];
    let input = ParamInput {
        cli: vec![(p.name.clone(), text.to_string())],
        ..ParamInput::default()
    };
    let Err(diags) = wfc_plan::bind(wf, &input) else {
        return Ok(());
    };
    let problems: Vec<String> = diags
        .iter()
        .filter(|d| d.code != "E0402")
        .map(|d| {
            let message = d.message.replace(" (given with --param)", "");
            match &d.help {
                Some(help) if d.code == "E0404" => format!("{message}: {help}"),
                _ => message,
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
