//! The parser: `.wf` text → [`ast::File`] with spans, plus the comments beside it.
//!
//! [`parse`] runs the pest grammar (`grammar/wf.pest`), builds the tree
//! ([`parser`]), attaches `##` doc comments, and turns any failure into a
//! diagnostic in plain words ([`errors`]) — pointing at where an unclosed
//! string or brace was opened ([`scan`]).

pub mod ast;
mod errors;
pub mod parser;
pub mod scan;
pub mod strings;

use crate::diag::Diagnostic;
use crate::span::LineIndex;
use ast::{Comment, Item};
use parser::{Rule, WfParser};
use pest::Parser;
use std::collections::HashMap;

/// The result of parsing one file. `file` is `None` only when the text has a
/// syntax error; `diagnostics` then says where and why.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub file: Option<ast::File>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn parse(text: &str) -> Parsed {
    // Bound nesting first: the parser is recursive.
    if let Some(d) = scan::scan(text).filter(|d| d.code == "E0007") {
        return failed(d);
    }
    let pairs = match WfParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(_) => return failed(syntax_error(text)),
    };
    let comments: Vec<Comment> = pairs
        .clone()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| {
            let raw = p.as_str();
            let doc = raw.starts_with("##");
            let body = raw.trim_start_matches('#');
            let body = if doc { body } else { &raw[1..] };
            Comment {
                text: body.trim_end_matches('\r').to_string(),
                doc,
                span: p.as_span().into(),
            }
        })
        .collect();
    let builder = parser::Builder::new();
    let mut file = builder.file(pairs);
    let diagnostics = builder.into_diagnostics();
    if let Some(f) = file.as_mut() {
        attach_docs(f, &comments, text);
    }
    Parsed {
        file,
        comments,
        diagnostics,
    }
}

fn failed(d: Diagnostic) -> Parsed {
    Parsed {
        file: None,
        comments: Vec::new(),
        diagnostics: vec![d],
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

/// Attaches `##` comments on the lines directly above a param, step or the
/// workflow as their documentation.
fn attach_docs(file: &mut ast::File, comments: &[Comment], text: &str) {
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
    file.workflow.doc = docs.above(file.workflow.span.start);
    visit_items(&mut file.workflow.items, &docs);
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
            Item::Handler(h) => visit_items(&mut h.block.items, docs),
            Item::Setting(_) | Item::Env(_) | Item::Defaults(_) => {}
        }
    }
}
