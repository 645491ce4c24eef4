//! The formatter: one canonical layout, every comment kept.
//!
//! `wfc fmt` prints a parsed tree back in one layout: 2-space indentation, one
//! item (and one step field) per line, blank lines between items kept but
//! collapsed to one, canonical spacing inside expressions. Literals (strings,
//! numbers, durations) are copied from the source by span, so `"""` blocks and
//! escapes survive byte for byte. Comments are not in the tree; the printer
//! puts them back by position (see `printer`): above the node they precede,
//! at the end of their line, or at the end of their block. Formatting is
//! idempotent, and the result parses to the same tree (spans aside).
//!
//! A file with syntax errors is left alone: [`format_source`] returns the
//! parser's diagnostics instead.
//!
//! Modules: `module` (the file's workflows, a workflow's `outputs`),
//! `printer` (lines, indentation, comments), `items` (the workflow,
//! blocks, control flow, params), `fields` (steps, fields, maps, outputs),
//! `expr` (expressions and types), `lists` (list and map literals
//! holding comments, over several lines).

mod alerts;
mod expr;
mod fields;
mod items;
mod lists;
mod module;
mod printer;
mod triggers;

use crate::diag::Diagnostic;
use crate::syntax::ast;

/// Formats a whole file's text; `Err(diagnostics)` when it does not parse (a
/// file with syntax errors is left alone).
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(text);
    match parsed.file {
        Some(file) if !parsed.diagnostics.iter().any(Diagnostic::is_error) => {
            Ok(format_file(&file, &parsed.comments, text))
        }
        _ => Err(parsed.diagnostics),
    }
}

/// Formats a parsed tree with its comments and original text (string, number
/// and duration literals are printed verbatim from `source` by span).
pub fn format_file(file: &ast::File, comments: &[ast::Comment], source: &str) -> String {
    let mut p = printer::Printer::new(source, comments);
    module::file(&mut p, file);
    p.finish()
}
