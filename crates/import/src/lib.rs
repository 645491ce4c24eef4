//! `wfc import`: a GitHub Actions workflow or a Taskfile (v3) as `.wf`
//! source text.
//!
//! Each format is a module of its own (`github`, `taskfile`) that reads
//! the YAML (with its places, `yaml`) into a small model of the workflow
//! (`model`), warning at each construct that has no `.wf` equivalent.
//! `model` writes the model out with every value as a `.wf` literal
//! (`literal`); `finish` formats it with the language's own formatter and
//! checks it with the language's own checker, so what `wfc import` prints
//! passes `wfc check` and `wfc fmt --check`.

mod edges;
mod finish;
mod github;
mod literal;
mod model;
mod names;
mod taskfile;
#[cfg(test)]
mod tests;
mod yaml;

use std::path::Path;
use wfc_language::diag::Diagnostic;
use wfc_language::span::Span;

/// The formats `wfc import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Github,
    Taskfile,
}

/// A converted workflow: the `.wf` text, formatted, and a warning (a
/// `W09xx` diagnostic, its span in the input) for each construct that has
/// no `.wf` equivalent.
#[derive(Debug)]
pub struct Imported {
    pub wf: String,
    pub warnings: Vec<Diagnostic>,
}

/// Why nothing was converted.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input is not what the format needs (`E0900`–`E0902`), at its place.
    #[error("{}", .0.message)]
    Input(Box<Diagnostic>),
    /// A defect of the importer: what it wrote does not check. Never the
    /// input's fault, so it carries the checker's messages, not a code.
    #[error("the converted workflow does not check (a defect of `wfc import`): {0}")]
    Defect(String),
}

impl ImportError {
    fn input(code: &'static str, span: Span, message: impl Into<String>, label: &str) -> Self {
        ImportError::Input(Box::new(
            Diagnostic::error(code, message).primary(span, label),
        ))
    }
}

/// The format of `path` with text `text`: its place (`.github/workflows/`,
/// `Taskfile.yml`), else its top-level keys (`jobs` and `on`; `version` and
/// `tasks`); `None` when neither tells.
pub fn detect(path: &Path, text: &str) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let yaml_ext = name.ends_with(".yml") || name.ends_with(".yaml");
    let parent = path
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"));
    if yaml_ext && parent.is_some_and(|p| p.ends_with(".github/workflows")) {
        return Some(Format::Github);
    }
    if matches!(
        name.as_str(),
        "taskfile.yml" | "taskfile.yaml" | "taskfile.dist.yml" | "taskfile.dist.yaml"
    ) {
        return Some(Format::Taskfile);
    }
    let keys = yaml::top_level_keys(text);
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("jobs") && (has("on") || has("true")) {
        Some(Format::Github)
    } else if has("version") && has("tasks") {
        Some(Format::Taskfile)
    } else {
        None
    }
}

/// Converts `text` (the file `name`, whose stem names the workflow when the
/// input gives none) from `format` into `.wf` source.
///
/// Values from the input's expressions are interpolated (`${version}`) where
/// the checker accepts it; where it does not (a value inside a
/// here-document, say), they reach the command through `env` instead.
pub fn import(name: &str, text: &str, format: Format) -> Result<Imported, ImportError> {
    import_into(name, text, format, None)
}

/// [`import`] for a `.wf` file whose folder is `base` from the repository's
/// root (`proj/ci`; `None`: the root): a GitHub `working-directory`,
/// relative to the root, becomes relative to that folder, as `.wf` reads a
/// `workdir`.
pub fn import_into(
    name: &str,
    text: &str,
    format: Format,
    base: Option<&str>,
) -> Result<Imported, ImportError> {
    let root = yaml::parse(text)?;
    let path = Path::new(name);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let convert = |env_route: bool| {
        let mut warn = Warnings::new(text);
        let mut workflow = match format {
            Format::Github => github::convert(&root, &mut warn, &stem, env_route, base)?,
            Format::Taskfile => {
                let folder = path
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_else(|| stem.clone());
                taskfile::convert(&root, &mut warn, &folder, env_route)?
            }
        };
        let wf = finish::finish(&stem, &mut workflow)?;
        Ok(Imported {
            wf,
            warnings: warn.list,
        })
    };
    match convert(false) {
        Err(ImportError::Defect(_)) => convert(true),
        done => done,
    }
}

/// The warnings of one conversion, each at its place in the input.
pub(crate) struct Warnings<'a> {
    pub text: &'a str,
    pub list: Vec<Diagnostic>,
}

impl<'a> Warnings<'a> {
    fn new(text: &'a str) -> Self {
        Warnings {
            text,
            list: Vec::new(),
        }
    }

    /// A warning `code` at `span`.
    pub fn at(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.list
            .push(Diagnostic::warning(code, message).primary(span, ""));
    }

    /// A warning at a key of the input.
    pub fn key(&mut self, code: &'static str, key: &yaml::Scalar, message: impl Into<String>) {
        let span = yaml::key_span(self.text, key);
        self.at(code, span, message);
    }

    /// A warning at a node of the input.
    pub fn node(
        &mut self,
        code: &'static str,
        node: &marked_yaml::Node,
        message: impl Into<String>,
    ) {
        let span = yaml::node_span(self.text, node);
        self.at(code, span, message);
    }
}
