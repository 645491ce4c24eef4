//! What the editor asks of a text as it is typed: its diagnostics (those of
//! `wfc check`), completion and hover at a place (the language server's
//! [`Doc`], not a copy of it), the text formatted, and the plan of each of
//! its workflows with their default params (what `wfc plan` prints).
//!
//! The text is analysed as the served file it is edited as, its imports
//! read from the served files and `std/…` only ([`Catalog::posted_sources`]),
//! as a write through the files API checks it. Places cross the wire as
//! UTF-16 offsets (a JavaScript string's, CodeMirror's) and 1-based lines
//! and columns in characters; here they are byte offsets.

use crate::catalog::Catalog;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use wfc_language::ide::{CompletionItem, CompletionKind, Doc, Severity};
use wfc_language::program::FileKey;
use wfc_plan::ParamInput;

/// The most completions an answer lists (the best first).
const MAX_ITEMS: usize = 200;

/// One diagnostic as the editor shows it.
#[derive(Serialize, Debug, PartialEq)]
pub struct Mark {
    pub code: String,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub message: String,
    /// UTF-16 offsets of its range.
    pub from: usize,
    pub to: usize,
    /// 1-based, in characters.
    pub line: usize,
    pub column: usize,
}

/// `text` analysed as the served file `name` (its catalog name).
pub fn doc(catalog: &Catalog, name: &str, text: &str) -> Doc {
    let sources = catalog.posted_sources();
    Doc::analyze_program(FileKey::Path(PathBuf::from(name)), text, &sources)
}

/// Every diagnostic of the text, then one per imported file with errors
/// (at the start of the text: the import's own place is the file's).
pub fn diagnostics(doc: &Doc) -> Vec<Mark> {
    let text = doc.text();
    let mut marks: Vec<Mark> = doc
        .diagnostics()
        .into_iter()
        .map(|d| mark(text, d.span, d.severity, d.code, d.message))
        .collect();
    for (file, diags) in doc.imported_diagnostics() {
        for d in diags.into_iter().filter(|d| d.severity == Severity::Error) {
            let message = format!("in {}: {}", file.display(), d.message);
            marks.push(mark(text, 0..0, d.severity, d.code, message));
        }
    }
    marks
}

fn mark(
    text: &str,
    span: std::ops::Range<usize>,
    severity: Severity,
    code: String,
    message: String,
) -> Mark {
    let (line, column) = place_of(text, span.start);
    Mark {
        code,
        severity: match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        message,
        from: utf16_of(text, span.start),
        to: utf16_of(text, span.end.max(span.start)),
        line,
        column,
    }
}

/// Completions at UTF-16 offset `at`, best first, as CodeMirror takes them.
pub fn completion(doc: &Doc, at: usize) -> Value {
    let text = doc.text();
    let offset = byte_of(text, at);
    let mut items = doc.completion(offset);
    items.sort_by(|a, b| a.sort_text().cmp(b.sort_text()));
    // Where the word being typed starts: the items' replaced range.
    let from = (items.iter())
        .find_map(|i| i.replace.as_ref().map(|r| r.start))
        .unwrap_or(offset);
    let total = items.len();
    let shown: Vec<Value> = (items.into_iter())
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(rank, i)| item(i, rank))
        .collect();
    json!({"from": utf16_of(text, from), "to": at, "total": total, "items": shown})
}

fn item(i: CompletionItem, rank: usize) -> Value {
    let kind = match i.kind {
        CompletionKind::Keyword | CompletionKind::Value => "keyword",
        CompletionKind::StepKind | CompletionKind::Type => "type",
        CompletionKind::Field | CompletionKind::Output => "property",
        CompletionKind::Param | CompletionKind::LoopVar => "variable",
        CompletionKind::Step | CompletionKind::Block => "class",
        CompletionKind::Function => "function",
        CompletionKind::Snippet => "text",
    };
    json!({
        "label": i.label,
        "type": kind,
        "detail": i.detail,
        "info": i.documentation,
        "apply": i.insert_text.unwrap_or(i.label),
        "snippet": i.snippet,
        // The server's order, kept by CodeMirror's ranking.
        "boost": -(rank.min(99) as i64),
    })
}

/// The hover at UTF-16 offset `at` (markdown and its range), or null.
pub fn hover(doc: &Doc, at: usize) -> Value {
    let text = doc.text();
    match doc.hover(byte_of(text, at)) {
        Some(h) => json!({
            "markdown": h.markdown,
            "from": utf16_of(text, h.span.start),
            "to": utf16_of(text, h.span.end),
        }),
        None => Value::Null,
    }
}

/// The plan of each workflow of the text with its default params, as
/// `wfc plan` prints it (no colour); a workflow that cannot be planned
/// so (a required param, an error) says why instead.
pub fn plans(catalog: &Catalog, name: &str, text: &str, state_dir: &std::path::Path) -> Value {
    let checked = crate::catalog::check_with(name, text.to_owned(), &catalog.posted_sources());
    if !checked.errors.is_empty() {
        return json!({"plans": [], "note": "the text has errors: fix them to see its plan"});
    }
    let now = chrono::Utc::now();
    let plans: Vec<Value> = (checked.checked.iter())
        .map(|w| match wfc_launch::compile(w, &ParamInput::default()) {
            Ok(mut c) => {
                wfc_launch::estimates::from_dir(&mut c.plan, state_dir);
                c.plan.set_fire_times(now);
                let shown = wfc_plan::render::text::render(&c.plan, &c.ir, false);
                json!({"workflow": w.name(), "text": shown})
            }
            Err(wfc_launch::LaunchError::Invalid { what, diagnostics }) => {
                let why: Vec<String> = (diagnostics.iter())
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect();
                json!({"workflow": w.name(), "text": format!("no plan with the default params ({what}):\n{}", why.join("\n"))})
            }
            Err(e) => json!({"workflow": w.name(), "text": format!("no plan: {e}")}),
        })
        .collect();
    json!({"plans": plans})
}

/// The UTF-16 offset of byte `offset` of `text` (clamped to a character).
pub fn utf16_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].encode_utf16().count()
}

/// The byte offset of UTF-16 offset `at` of `text` (clamped to its end).
pub fn byte_of(text: &str, at: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= at {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The 1-based line and column (in characters) of byte `offset`.
fn place_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..byte_of(text, utf16_of(text, offset))];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_cross_between_bytes_and_utf16() {
        let text = "é😀x\ny";
        assert_eq!(utf16_of(text, 0), 0);
        assert_eq!(utf16_of(text, 2), 1, "after é (2 bytes, 1 unit)");
        assert_eq!(utf16_of(text, 6), 3, "after 😀 (4 bytes, 2 units)");
        assert_eq!(utf16_of(text, 4), 1, "inside 😀: clamped back");
        for b in [0, 2, 6, 7, 8, 9] {
            assert_eq!(byte_of(text, utf16_of(text, b)), b);
        }
        assert_eq!(byte_of(text, 99), text.len());
        assert_eq!(place_of(text, 8), (2, 1));
        assert_eq!(place_of(text, 6), (1, 3));
    }

    #[test]
    fn an_unknown_step_is_marked_where_it_is_named() {
        let text = "workflow w {\n  step a: shell { run \"echo\" }\n  step b: shell {\n    run \"echo\"\n    depends on nope\n  }\n}\n";
        let doc = Doc::analyze("w.wf", text);
        let marks = diagnostics(&doc);
        let m = marks
            .iter()
            .find(|m| m.severity == "error")
            .expect("an error");
        assert!(m.code.starts_with('E'), "{m:?}");
        assert_eq!(m.line, 5, "{m:?}");
        assert_eq!(&text[m.from..m.to], "nope");
        let hover = hover(&doc, text.find("shell").unwrap() + 1);
        assert!(hover["markdown"].as_str().is_some(), "{hover}");
        // `dep` typed on a line of its own: completed from the word's start.
        let typed = text.replace("    depends on nope\n", "    dep\n");
        let doc = Doc::analyze("w.wf", &typed);
        let at = typed.find("dep\n").unwrap();
        let items = completion(&doc, at + 3);
        assert_eq!(items["from"], at, "{items}");
        let labels: Vec<&str> = (items["items"].as_array().unwrap().iter())
            .filter_map(|i| i["label"].as_str())
            .collect();
        assert!(
            labels.iter().any(|l| l.starts_with("depends")),
            "{labels:?}"
        );
    }
}
