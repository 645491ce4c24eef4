//! Diagnostics for the editor, and code actions that fix them.
//!
//! Diagnostics are those of `wfc check` ([`crate::analysis::Analysis::diagnostics`]),
//! with the `help:` line appended to the message and secondary labels as
//! related locations. Code actions: every fix a diagnostic carries ("did you
//! mean" replacements), and "add the missing required fields" for E0103.

use super::{span, ByteRange, CodeAction, Diagnostic, Doc, TextEdit};
use crate::check::kinds::{self, FieldInfo};
use crate::diag;
use crate::syntax::ast;

pub fn diagnostics(doc: &Doc) -> Vec<Diagnostic> {
    doc.analysis.diagnostics().iter().map(convert).collect()
}

/// The diagnostics of every file the document imports (transitively), each
/// in its own file's offsets.
pub fn imported_diagnostics(doc: &Doc) -> Vec<(crate::program::FileKey, Vec<Diagnostic>)> {
    let Some(imported) = &doc.imported else {
        return Vec::new();
    };
    imported
        .units()
        .iter()
        .map(|u| {
            let diags = u.analysis.diagnostics().iter().map(convert).collect();
            (u.key.clone(), diags)
        })
        .collect()
}

fn convert(d: &diag::Diagnostic) -> Diagnostic {
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    Diagnostic {
        span: d.primary_span().map_or(0..0, span),
        severity: d.severity,
        code: d.code.to_string(),
        message,
        related: d
            .labels
            .iter()
            .filter(|l| !l.primary)
            .map(|l| (span(l.span), l.message.clone()))
            .collect(),
    }
}

fn overlaps(a: &ByteRange, b: &ByteRange) -> bool {
    a.start <= b.end && b.start <= a.end
}

pub fn code_actions(doc: &Doc, range: ByteRange) -> Vec<CodeAction> {
    let all = doc.analysis.diagnostics();
    let mut out = Vec::new();
    for (i, d) in all.iter().enumerate() {
        let Some(at) = d.primary_span().map(span) else {
            continue;
        };
        if !overlaps(&at, &range) {
            continue;
        }
        for f in &d.fixes {
            out.push(CodeAction {
                title: f.title.clone(),
                edits: vec![TextEdit {
                    span: span(f.span),
                    new_text: f.replacement.clone(),
                }],
                diagnostic: Some(i),
                preferred: d.fixes.len() == 1,
            });
        }
        if d.code == "E0103" {
            if let Some(a) = add_missing_fields(doc, &at) {
                out.push(CodeAction {
                    diagnostic: Some(i),
                    ..a
                });
            }
        }
    }
    out
}

/// The step (in the tree) whose name is at `name`.
fn step_named_at<'a>(items: &'a [ast::Item], name: &ByteRange) -> Option<&'a ast::Step> {
    for item in items {
        let found = match item {
            ast::Item::Step(s) if span(s.name.span) == *name => return Some(s),
            ast::Item::Step(s) => s.fields.iter().find_map(|f| match &f.value {
                ast::FieldValue::Rollback(b) => step_named_at(&b.items, name),
                _ => None,
            }),
            ast::Item::If(i) => i
                .branches
                .iter()
                .map(|b| &b.block)
                .chain(&i.else_block)
                .find_map(|b| step_named_at(&b.items, name)),
            ast::Item::ForEach(f) => step_named_at(&f.block.items, name),
            ast::Item::Parallel(p) => step_named_at(&p.block.items, name),
            ast::Item::Handler(h) => step_named_at(&h.block.items, name),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// "Add the missing fields": inserts `FIELD EXAMPLE` lines before the step's `}`.
fn add_missing_fields(doc: &Doc, name: &ByteRange) -> Option<CodeAction> {
    let file = doc.ast()?;
    let step = file
        .workflows
        .iter()
        .find_map(|w| step_named_at(&w.items, name))?;
    let kind = kinds::KINDS.iter().find(|k| k.name == step.kind.name)?;
    let has = |n: &str| step.fields.iter().any(|f| f.name.name == n);
    let mut missing: Vec<&FieldInfo> = kind
        .fields
        .iter()
        .filter(|f| f.required && !has(f.name))
        .collect();
    if !kind.one_of.is_empty() && !kind.one_of.iter().any(|n| has(n)) {
        missing.insert(0, kind.field(kind.one_of[0])?);
    }
    if missing.is_empty() {
        return None;
    }
    let text = doc.text();
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent_of = |at: usize| -> String {
        let ls = line_start(at);
        text[ls..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    };
    let step_indent = indent_of(step.span.start as usize);
    let inner = match step.fields.first() {
        Some(f) if text[step.body_span.start as usize..f.span.start as usize].contains('\n') => {
            indent_of(f.span.start as usize)
        }
        _ => format!("{step_indent}  "),
    };
    let lines: Vec<String> = missing
        .iter()
        .map(|f| format!("{inner}{} {}", f.name, f.ty.example()))
        .collect();
    let close = step.body_span.end as usize - 1; // the `}`
    let close_alone = text[line_start(close)..close].trim().is_empty();
    let (at, new_text) = if close_alone && text[step.body_span.range()].contains('\n') {
        (line_start(close), format!("{}\n", lines.join("\n")))
    } else {
        // `{ … }` on one line: open it up.
        let before = text[..close].trim_end_matches([' ', '\t']).len();
        (before, format!("\n{}\n{step_indent}", lines.join("\n")))
    };
    let end = if close_alone { at } else { close };
    let names: Vec<&str> = missing.iter().map(|f| f.name).collect();
    Some(CodeAction {
        title: format!(
            "add the missing field{}: {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
        edits: vec![TextEdit {
            span: at..end,
            new_text,
        }],
        diagnostic: None,
        preferred: true,
    })
}
