//! The parser: `.wf` text → [`ast::File`] with spans, plus the comments beside it.
//!
//! [`parse`] runs the pest grammar (`grammar/wf.pest`), builds the tree
//! ([`parser`]), attaches `##` doc comments, and turns any failure into a
//! diagnostic in plain words (`errors`) — pointing at where an unclosed
//! string or brace was opened ([`scan`]).

pub mod ast;
pub mod duration;
mod errors;
mod habits;
mod layout;
mod operators;
pub mod parser;
mod recover;
pub mod scan;
pub mod strings;

pub use parser::MAX_OPERATORS;
pub use scan::MAX_DEPTH;

use crate::diag::Diagnostic;
use crate::span::LineIndex;
use ast::{Comment, Item};
use parser::{Rule, WfParser};
use pest::iterators::Pairs;
use pest::Parser;
use std::collections::HashMap;

/// The result of parsing one file. With syntax errors, `diagnostics` holds
/// each of them and `file` is the tree of the rest of the file (the items
/// holding errors left out), or `None` when no tree could be recovered.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub file: Option<ast::File>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
    /// Names declared in the items left out by error recovery (steps, params,
    /// blocks), so later phases can tell a use of them from a real unknown name.
    pub recovered_names: Vec<String>,
    /// The items (or statements) holding syntax errors, as repaired by
    /// error recovery: the checker's reports inside them are held back.
    pub recovered_spans: Vec<crate::span::Span>,
    /// The blocks whose header did not parse, which `file` leaves out,
    /// kept in a tree of their own for the checker's reports in them.
    pub bodies: Option<Box<Bodies>>,
}

/// The file with each block whose header did not parse kept, the header
/// rewritten (grammar/README.md, Recovery): what the checker reports inside
/// those blocks, but not about them, is no guess at what the header meant.
#[derive(Clone, Debug)]
pub struct Bodies {
    pub file: ast::File,
    /// The blocks, each whole: reports outside them are `Parsed::file`'s.
    pub blocks: Vec<crate::span::Span>,
    /// As [`Parsed::recovered_names`], for this tree (the names declared in
    /// the blocks are in it).
    pub recovered_names: Vec<String>,
    /// As [`Parsed::recovered_spans`], for this tree (the headers' lines).
    pub recovered_spans: Vec<crate::span::Span>,
}

pub fn parse(text: &str) -> Parsed {
    // Bound nesting first: the parser is recursive.
    if let Some(d) = scan::scan(text).filter(|d| d.code == "E0007") {
        return failed(d);
    }
    match WfParser::parse(Rule::file, text) {
        Ok(pairs) => build(pairs, text, Vec::new()),
        Err(_) => recover::recover(text),
    }
}

/// Builds the tree of text known to parse; `errors` are the syntax errors
/// already found (when `text` is a recovered copy of the user's file).
fn build(pairs: Pairs<'_, Rule>, text: &str, errors: Vec<Diagnostic>) -> Parsed {
    let comments = comments_of(&pairs);
    let builder = parser::Builder::new();
    let mut file = builder.file(pairs);
    let mut diagnostics = errors;
    diagnostics.extend(builder.into_diagnostics());
    if let Some(f) = file.as_mut() {
        attach_docs(f, &comments, text);
    }
    Parsed {
        file,
        comments,
        diagnostics,
        recovered_names: Vec::new(),
        recovered_spans: Vec::new(),
        bodies: None,
    }
}

/// The comments among `pairs`.
fn comments_of(pairs: &Pairs<'_, Rule>) -> Vec<Comment> {
    pairs
        .clone()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| {
            let raw = p.as_str();
            let doc = raw.starts_with("##");
            let body = raw.trim_start_matches('#');
            let body = if doc { body } else { &raw[1..] };
            let sp = p.as_span();
            Comment {
                text: body.trim_end_matches('\r').to_string(),
                doc,
                span: crate::span::Span::new(sp.start(), sp.end()),
            }
        })
        .collect()
}

fn failed(d: Diagnostic) -> Parsed {
    Parsed {
        file: None,
        comments: Vec::new(),
        diagnostics: vec![d],
        recovered_names: Vec::new(),
        recovered_spans: Vec::new(),
        bodies: None,
    }
}

/// The diagnostic for text that does not parse: the structural scan's when it
/// finds an unclosed string or delimiter (it knows where it was opened), else
/// pest's furthest failure in plain words.
fn syntax_error(text: &str) -> Diagnostic {
    if let Some(d) = scan::scan(text) {
        return d;
    }
    // Re-parse with detail on to learn which tokens were expected. Only the
    // failure path pays for the bookkeeping.
    pest::set_error_detail(true);
    let err = WfParser::parse(Rule::file, text).err();
    pest::set_error_detail(false);
    match err {
        Some(e) => errors::from_pest(&e, text),
        None => crate::diag::syntax::unexpected(
            crate::span::Span::point(0),
            "a workflow",
            "something else",
            None,
        ),
    }
}

/// Attaches `##` comments on the lines directly above a param, step or a
/// workflow as their documentation.
pub(crate) fn attach_docs(file: &mut ast::File, comments: &[Comment], text: &str) {
    let docs = DocLines {
        lines: LineIndex::new(text),
        docs: HashMap::new(),
    };
    let docs = DocLines {
        docs: comments
            .iter()
            .filter(|c| c.doc)
            .map(|c| (docs.lines.line_of(c.span.start as usize), c))
            .collect(),
        ..docs
    };
    for wf in &mut file.workflows {
        wf.doc = docs.above(wf.span.start);
        visit_items(&mut wf.items, &docs);
    }
}

struct DocLines<'a> {
    lines: LineIndex,
    /// `##` comments by 0-based line.
    docs: HashMap<usize, &'a Comment>,
}

impl DocLines<'_> {
    /// The `##` lines directly above the line holding `start`, joined.
    fn above(&self, start: u32) -> Option<String> {
        let mut line = self.lines.line_of(start as usize);
        let mut found = Vec::new();
        while line > 0 {
            line -= 1;
            match self.docs.get(&line) {
                Some(c) => found.push(c.text.trim().to_string()),
                None => break,
            }
        }
        found.reverse();
        (!found.is_empty()).then(|| found.join("\n"))
    }
}

fn visit_items(items: &mut [Item], docs: &DocLines<'_>) {
    for item in items {
        match item {
            Item::Param(p) => p.doc = docs.above(p.span.start),
            Item::Let(l) => l.doc = docs.above(l.span.start),
            Item::Step(s) => {
                s.doc = docs.above(s.span.start);
                for f in &mut s.fields {
                    if let ast::FieldValue::Rollback(b) = &mut f.value {
                        visit_items(&mut b.items, docs);
                    }
                }
            }
            Item::If(i) => {
                for b in &mut i.branches {
                    visit_items(&mut b.block.items, docs);
                }
                if let Some(b) = &mut i.else_block {
                    visit_items(&mut b.items, docs);
                }
            }
            Item::ForEach(f) => visit_items(&mut f.block.items, docs),
            Item::Parallel(p) => visit_items(&mut p.block.items, docs),
            Item::Sequence(q) => visit_items(&mut q.block.items, docs),
            Item::Handler(h) => visit_items(&mut h.block.items, docs),
            Item::Setting(_)
            | Item::Env(_)
            | Item::Defaults(_)
            | Item::Outputs(_)
            | Item::Trigger(_)
            | Item::Lock(_)
            | Item::Alert(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ast::{FieldValue, Item};

    /// Every `depends on` list of the file's top-level steps: names with
    /// what their spans cover.
    fn lists(text: &str) -> Vec<Vec<(String, String)>> {
        let parsed = super::parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let file = parsed.file.expect("a tree");
        let mut out = Vec::new();
        for item in &file.first().items {
            let Item::Step(step) = item else { continue };
            for field in &step.fields {
                if let FieldValue::DependsOn(names) = &field.value {
                    out.push(
                        names
                            .iter()
                            .map(|n| {
                                let at = n.span.start as usize..n.span.end as usize;
                                (n.name.to_owned(), text[at].to_owned())
                            })
                            .collect(),
                    );
                }
            }
        }
        out
    }

    #[test]
    fn plain_and_commented_dependency_lists_give_the_same_names_and_spans() {
        let step = |deps: &str| {
            format!("workflow w {{\n  step a: shell {{ run \"x\" }}\n  step b: shell {{ run \"x\" }}\n  step c: shell {{ run \"x\" }}\n  step d: shell {{\n    run \"x\"\n    depends on {deps}\n  }}\n}}\n")
        };
        let want = |names: &[&str]| {
            vec![names
                .iter()
                .map(|n| (n.to_string(), n.to_string()))
                .collect::<Vec<_>>()]
        };
        // One token (blanks and commas only), over lines, with odd spacing.
        assert_eq!(lists(&step("a,b , \n      c")), want(&["a", "b", "c"]));
        assert_eq!(lists(&step("a-1x")).len(), 1);
        // A comment inside or after the list: the general form, comments kept.
        let commented = step("a, # first\n      b,\n      c # last");
        assert_eq!(lists(&commented), want(&["a", "b", "c"]));
        let comments: Vec<&str> = super::parse(&commented)
            .comments
            .iter()
            .map(|c| &commented[c.span.start as usize..c.span.end as usize])
            .collect();
        assert_eq!(comments, ["# first", "# last"]);
    }
}
