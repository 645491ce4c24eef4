//! `wfc new` on a terminal: a select list of templates, then each param
//! with its default (a confirm for `bool`, a select for `in [...]`, text
//! checked by type and constraint otherwise), then the file name.

use super::answers::{self, Question};
use super::templates::{self, Template, TEMPLATES};
use inquire::validator::Validation;
use inquire::{Confirm, InquireError, Select, Text};
use std::fmt;
use std::path::{Path, PathBuf};
use wfc_language::analysis;
use wfc_plan::Value;

/// What the session decided: the template, its text with the answers as
/// defaults, and where to write it.
pub struct Answered {
    pub template: &'static Template,
    pub text: String,
    pub file: PathBuf,
}

/// Why the session ended without a file.
pub enum Stop {
    /// Esc or Ctrl-C.
    Cancelled,
    /// The terminal failed, or the answers did not make a valid file.
    Failed(String),
}

impl From<InquireError> for Stop {
    fn from(e: InquireError) -> Stop {
        match e {
            InquireError::OperationCanceled | InquireError::OperationInterrupted => Stop::Cancelled,
            other => Stop::Failed(other.to_string()),
        }
    }
}

/// A template in the select list: its name, its one-liner and the files
/// that say it fits the folder, if any (first: a long line is cut at the
/// terminal's width).
struct Choice(&'static Template, String, Vec<&'static str>);

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:18} ", self.0.name)?;
        if !self.2.is_empty() {
            write!(f, "[fits: {}] ", self.2.join(", "))?;
        }
        write!(f, "{}", self.1)
    }
}

/// Runs the whole session. `file` is the FILE argument if one was given;
/// `force` allows naming an existing file.
pub fn session(file: Option<PathBuf>, force: bool) -> Result<Answered, Stop> {
    // The templates that fit the folder come first, with why.
    let choices: Vec<Choice> = templates::ordered(Path::new("."))
        .into_iter()
        .map(|(t, fit)| Choice(t, t.summary(), fit.map(|f| f.because).unwrap_or_default()))
        .collect();
    let Choice(template, ..) = Select::new("Template:", choices)
        .with_page_size(TEMPLATES.len())
        .prompt()?;
    let name = format!("{}.wf", template.name);
    let wf = analysis::analyze_lean(&name, template.text)
        .module
        .map(|m| m.into_first().ir)
        .ok_or_else(|| Stop::Failed(format!("template {} does not check", template.name)))?;

    let mut changed: Vec<(usize, Value)> = Vec::new();
    for ask in answers::questions(&wf) {
        let p = &wf.params[ask.param];
        let label = format!("{} ({}):", p.name, p.ty);
        let help = p.doc.as_deref().map(|d| d.trim().replace('\n', " "));
        let answer = match ask.question {
            Question::Confirm(default) => {
                let mut prompt = Confirm::new(&label).with_default(default);
                if let Some(h) = &help {
                    prompt = prompt.with_help_message(h);
                }
                let v = prompt.prompt()?;
                (v != default).then_some(Value::Bool(v))
            }
            Question::Choose { options, default } => {
                let shown: Vec<String> = options.iter().map(answers::as_param_text).collect();
                let mut prompt = Select::new(&label, shown.clone()).with_starting_cursor(default);
                if let Some(h) = &help {
                    prompt = prompt.with_help_message(h);
                }
                let picked = prompt.prompt()?;
                let i = shown.iter().position(|s| *s == picked).unwrap_or(default);
                (i != default).then(|| options[i].clone())
            }
            Question::Text(default) => {
                let check = |text: &str| {
                    Ok(match answers::validate(&wf, ask.param, text) {
                        Ok(_) => Validation::Valid,
                        Err(why) => Validation::Invalid(why.into()),
                    })
                };
                let mut prompt = Text::new(&label)
                    .with_default(&default)
                    .with_validator(check);
                if let Some(h) = &help {
                    prompt = prompt.with_help_message(h);
                }
                let text = prompt.prompt()?;
                let v = answers::validate(&wf, ask.param, &text).map_err(Stop::Failed)?;
                (text != default).then_some(v)
            }
        };
        if let Some(v) = answer {
            changed.push((ask.param, v));
        }
    }

    let text = answers::apply(&name, template.text, &changed).map_err(Stop::Failed)?;
    let file = match file {
        Some(f) => f,
        None => {
            let exists = move |path: &str| {
                Ok(if path.trim().is_empty() {
                    Validation::Invalid("name the file".into())
                } else if !force && Path::new(path).exists() {
                    Validation::Invalid(format!("{path} exists; name another file").into())
                } else {
                    Validation::Valid
                })
            };
            // An empty answer takes the default unvalidated: offer it only
            // when it may be written.
            let mut prompt = Text::new("File:").with_validator(exists);
            if force || !Path::new(&name).exists() {
                prompt = prompt.with_default(&name);
            }
            PathBuf::from(prompt.prompt()?)
        }
    };
    Ok(Answered {
        template,
        text,
        file,
    })
}
