//! The JSON form of the language (docs/json-form.md): a workflow file
//! written as a JSON document that mirrors the syntax tree, with names,
//! types and expressions as strings in `.wf` syntax.
//!
//! A JSON file is read by writing its `.wf` text (`lower.rs`) and parsing
//! that with the language's own parser, so the checker, plan and run are
//! the same code for both forms; every span of the tree is then moved
//! into the JSON document (`spans.rs`), so diagnostics point at the JSON
//! values. [`to_json`] writes the form of a `.wf` file.

mod fields;
mod items;
mod lower;
mod map;
mod spans;
pub mod tree;
mod write;

pub use write::to_json;

use crate::analysis::Analysis;
use crate::diag::Diagnostic;
use crate::span::SourceFile;
use crate::syntax::{self, Parsed};
use std::path::Path;

/// Whether `path` names a workflow file in the JSON form (`*.json`).
pub fn is_json_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The `.wf` text of a JSON form document, and where its bytes came from.
fn lower_text(text: &str) -> Result<(String, map::SourceMap), Vec<Diagnostic>> {
    let root = tree::parse(text).map_err(|d| vec![d])?;
    let mut l = lower::Lower::new();
    items::document(&mut l, &root);
    match l.diags.is_empty() {
        true => Ok((l.out, l.map)),
        false => {
            crate::diag::sort(&mut l.diags);
            Err(l.diags)
        }
    }
}

/// The document `text` (the JSON form) as canonical `.wf` text: what
/// `wfc fmt` prints for the same workflows. Errors point into `text`.
pub fn to_wf_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (wf, map) = lower_text(text)?;
    crate::fmt::format_source(&wf).map_err(|mut ds| {
        ds.iter_mut().for_each(|d| spans::diagnostic(&map, d));
        ds
    })
}

/// [`crate::analysis::parse_only`] for a JSON form document: the tree of
/// its workflows with spans into `text`, or its problems.
pub fn parse_only(name: impl Into<String>, text: impl Into<String>) -> Analysis {
    let source = SourceFile::new(name, text);
    let parsed = match lower_text(&source.text) {
        Ok((wf, map)) => {
            let mut parsed = syntax::parse(&wf);
            if let Some(f) = &mut parsed.file {
                spans::file(&map, f);
            }
            parsed
                .diagnostics
                .iter_mut()
                .for_each(|d| spans::diagnostic(&map, d));
            parsed.recovered_spans = parsed
                .recovered_spans
                .iter()
                .map(|s| map.span(*s))
                .collect();
            // Comments are the `.wf` text's: the JSON has none.
            parsed.comments.clear();
            // Its spans are the `.wf` text's too; a JSON document has no
            // block headers to misspell.
            parsed.bodies = None;
            parsed
        }
        Err(diagnostics) => Parsed {
            file: None,
            comments: Vec::new(),
            diagnostics,
            recovered_names: Vec::new(),
            recovered_spans: Vec::new(),
            bodies: None,
        },
    };
    Analysis {
        source,
        parsed,
        module: None,
        import_diagnostics: Vec::new(),
        body_diagnostics: Vec::new(),
    }
}

/// `text` as a `.wf` string literal.
fn quote(text: &str) -> String {
    let mut q = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' | '$' => {
                q.push('\\');
                q.push(c);
            }
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => q.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}
