//! The outline (document symbols), folding ranges and semantic tokens.
//!
//! The outline follows the IR: each workflow of the file, its params, then
//! its steps and blocks nested as written. Folding and highlighting follow the tolerant
//! lexer, so they keep working while the text does not parse; names are
//! coloured by what the checker resolved them to when it can.

use super::lexer::{FrameKind, Tok};
use super::{span, Doc, Fold, Symbol, SymbolKind, Token, TokenKind};
use crate::ir::{self, BlockKind, Node, Workflow};
use std::collections::HashMap;

pub fn symbols(doc: &Doc) -> Vec<Symbol> {
    if doc.irs().next().is_none() {
        return lexical_symbols(doc);
    }
    doc.irs().map(|w| workflow_symbol(doc, w)).collect()
}

/// One workflow with its params, outputs, lets, steps and blocks.
fn workflow_symbol(doc: &Doc, w: &Workflow) -> Symbol {
    let mut children: Vec<Symbol> = w
        .params
        .iter()
        .map(|p| Symbol {
            name: p.name.clone(),
            detail: Some(format!("{}{}", if p.secret { "secret " } else { "" }, p.ty)),
            kind: SymbolKind::Param,
            span: span(p.span),
            selection: span(p.name_span),
            children: Vec::new(),
        })
        .collect();
    children.extend(nodes(doc, w, &w.root));
    children.extend(let_symbols(w, None));
    children.extend(w.outputs.iter().map(|o| Symbol {
        name: o.name.clone(),
        detail: Some(format!("output: {}", o.ty)),
        kind: SymbolKind::Output,
        span: span(o.span),
        selection: span(o.name_span),
        children: Vec::new(),
    }));
    for &h in &w.handlers {
        children.push(block_symbol(doc, w, h));
    }
    children.extend(super::triggers::symbols(w));
    children.extend(super::alerts::symbols(w));
    children.sort_by_key(|s| s.span.start);
    Symbol {
        name: w.name.clone(),
        detail: w.description.clone(),
        kind: SymbolKind::Workflow,
        span: span(w.span),
        selection: span(w.name_span),
        children,
    }
}

fn nodes(doc: &Doc, w: &Workflow, nodes: &[Node]) -> Vec<Symbol> {
    nodes
        .iter()
        .map(|n| match *n {
            Node::Step(s) => step_symbol(doc, w, s),
            Node::Block(b) => block_symbol(doc, w, b),
        })
        .collect()
}

fn step_symbol(doc: &Doc, w: &Workflow, id: ir::StepId) -> Symbol {
    let s = &w.steps[id];
    let children = s
        .rollback_block
        .map_or_else(Vec::new, |b| vec![block_symbol(doc, w, b)]);
    Symbol {
        name: s.name.clone(),
        detail: Some(match &s.call {
            Some(c) => format!("call {}", c.target),
            None => doc.slice(s.kind_span).to_string(),
        }),
        kind: SymbolKind::Step,
        span: span(s.span),
        selection: span(s.name_span),
        children,
    }
}

fn block_symbol(doc: &Doc, w: &Workflow, id: ir::BlockId) -> Symbol {
    let b = &w.blocks[id];
    let start = b.span.start as usize;
    let header = |len: usize| start..(start + len).min(b.span.end as usize);
    let (name, kind, selection) = match &b.kind {
        BlockKind::Parallel {
            name, name_span, ..
        } => (
            name.clone().unwrap_or_else(|| "parallel".into()),
            SymbolKind::Block,
            name_span.map_or_else(|| header(8), span),
        ),
        BlockKind::Sequence { name, name_span } => (
            name.clone().unwrap_or_else(|| "sequence".into()),
            SymbolKind::Block,
            name_span.map_or_else(|| header(8), span),
        ),
        BlockKind::ForEach {
            var,
            iter,
            var_span,
            ..
        } => (
            format!("for each {var} in {}", doc.slice(iter.span)),
            SymbolKind::Block,
            span(*var_span),
        ),
        BlockKind::IfBranch { cond: Some(c), .. } => (
            format!("if {}", doc.slice(c.span)),
            SymbolKind::Block,
            header(2),
        ),
        BlockKind::IfBranch { cond: None, .. } => ("else".into(), SymbolKind::Block, header(4)),
        BlockKind::Handler(k) => (
            k.keyword().to_string(),
            SymbolKind::Handler,
            header(k.keyword().len()),
        ),
        BlockKind::Rollback { .. } => {
            ("on failure rollback".into(), SymbolKind::Handler, header(1))
        }
    };
    Symbol {
        name,
        detail: None,
        kind,
        span: span(b.span),
        selection,
        children: {
            let mut children = let_symbols(w, Some(id));
            children.extend(nodes(doc, w, &b.members));
            children
        },
    }
}

/// The lets of a block (None: of the workflow), as variables.
fn let_symbols(w: &Workflow, block: Option<ir::BlockId>) -> Vec<Symbol> {
    w.lets
        .iter()
        .filter(|l| l.block == block)
        .map(|l| Symbol {
            name: l.name.clone(),
            detail: Some(format!("let: {}", l.value.ty)),
            kind: SymbolKind::Param,
            span: span(l.span),
            selection: span(l.name_span),
            children: Vec::new(),
        })
        .collect()
}

/// Steps found by the lexer, when the text does not parse.
fn lexical_symbols(doc: &Doc) -> Vec<Symbol> {
    doc.names()
        .steps
        .iter()
        .map(|s| {
            let sel = s.at..s.at + s.name.len();
            Symbol {
                name: s.name.clone(),
                detail: Some(s.kind.clone()),
                kind: SymbolKind::Step,
                span: sel.clone(),
                selection: sel,
                children: Vec::new(),
            }
        })
        .collect()
}

pub fn folding_ranges(doc: &Doc) -> Vec<Fold> {
    let lexed = doc.lexed();
    let text = doc.text();
    let mut folds: Vec<Fold> = lexed
        .frames
        .iter()
        .filter(|f| f.closed && f.kind != FrameKind::Interp)
        .filter(|f| text[f.span.clone()].contains('\n'))
        .map(|f| Fold {
            span: f.span.clone(),
            comment: false,
        })
        .collect();
    // Runs of two or more whole-line comments.
    let mut run: Option<(usize, usize, usize)> = None; // start, end, count
    let flush = |run: &mut Option<(usize, usize, usize)>, folds: &mut Vec<Fold>| {
        if let Some((s, e, n)) = run.take() {
            if n >= 2 {
                folds.push(Fold {
                    span: s..e,
                    comment: true,
                });
            }
        }
    };
    for t in &lexed.tokens {
        let whole_line = t.kind == Tok::Comment && {
            let line_start = text[..t.span.start].rfind('\n').map_or(0, |i| i + 1);
            text[line_start..t.span.start].trim().is_empty()
        };
        if whole_line {
            match &mut run {
                Some((_, e, n))
                    if !text[*e..t.span.start].trim().contains('\n')
                        && text[*e..t.span.start].matches('\n').count() == 1 =>
                {
                    *e = t.span.end;
                    *n += 1;
                }
                _ => {
                    flush(&mut run, &mut folds);
                    run = Some((t.span.start, t.span.end, 1));
                }
            }
        } else if t.kind != Tok::Comment {
            flush(&mut run, &mut folds);
        }
    }
    flush(&mut run, &mut folds);
    folds.sort_by_key(|f| f.span.start);
    folds
}

const KEYWORDS: &[&str] = &[
    "workflow",
    "param",
    "secret",
    "step",
    "if",
    "else",
    "for",
    "each",
    "in",
    "is",
    "parallel",
    "batch",
    "failures",
    "wait",
    "depends",
    "on",
    "env",
    "defaults",
    "finally",
    "failure",
    "success",
    "rollback",
    "fail",
    "true",
    "false",
    "at",
    "backoff",
    "max",
    "outputs",
    "until",
    "every",
    "within",
    "sequence",
    "after",
    "let",
    "import",
    "as",
    "schedule",
    "webhook",
    "change",
    "lock",
    "busy",
    "when",
    "alert",
    "notify",
    "cooldown",
    "last",
    "consecutive_failures",
    "slower_than",
    "waiting_longer_than",
];
const TYPES: &[&str] = &[
    "string", "int", "float", "bool", "duration", "json", "list", "map", "time",
];

pub fn semantic_tokens(doc: &Doc) -> Vec<Token> {
    let lexed = doc.lexed();
    let text = doc.text();
    let mut resolved: HashMap<usize, (TokenKind, bool)> = HashMap::new();
    for w in doc.irs() {
        for r in &w.references {
            resolved.insert(r.span.start as usize, (symbol_kind(&r.target), false));
        }
        for p in &w.params {
            resolved.insert(p.name_span.start as usize, (TokenKind::Param, true));
        }
        for l in &w.lets {
            resolved.insert(l.name_span.start as usize, (TokenKind::LoopVar, true));
        }
        for o in &w.outputs {
            resolved.insert(o.name_span.start as usize, (TokenKind::Output, true));
        }
        for s in &w.steps {
            resolved.insert(s.name_span.start as usize, (TokenKind::Step, true));
            for o in &s.outputs {
                resolved.insert(o.name_span.start as usize, (TokenKind::Output, true));
            }
            // After the outputs: a call's outputs are the callee's, spanned at its target.
            if let Some(c) = &s.call {
                call_tokens(c, &mut resolved);
            }
        }
        for b in &w.blocks {
            match &b.kind {
                BlockKind::Parallel {
                    name_span: Some(n), ..
                }
                | BlockKind::Sequence {
                    name_span: Some(n), ..
                } => {
                    resolved.insert(n.start as usize, (TokenKind::Block, true));
                }
                BlockKind::ForEach { var_span, .. } => {
                    resolved.insert(var_span.start as usize, (TokenKind::LoopVar, true));
                }
                _ => {}
            }
        }
    }
    let mut lexical: HashMap<&str, TokenKind> = HashMap::new();
    if doc.irs().next().is_none() {
        let names = doc.names();
        lexical.extend(names.blocks.iter().map(|b| (b.as_str(), TokenKind::Block)));
        lexical.extend(
            names
                .steps
                .iter()
                .map(|s| (s.name.as_str(), TokenKind::Step)),
        );
        lexical.extend(
            names
                .params
                .iter()
                .map(|p| (p.name.as_str(), TokenKind::Param)),
        );
    }
    let toks = &lexed.tokens;
    let word = |i: usize| {
        toks.get(i)
            .map_or("", |t: &super::lexer::Token| &text[t.span.clone()])
    };
    let mut out = Vec::with_capacity(toks.len());
    for (i, t) in toks.iter().enumerate() {
        let kind = match t.kind {
            Tok::Comment => Some((TokenKind::Comment, false)),
            Tok::Str => Some((TokenKind::String, false)),
            Tok::Number => Some((TokenKind::Number, false)),
            Tok::InterpOpen | Tok::InterpClose | Tok::Punct => None,
            Tok::Ident => {
                let w = word(i);
                let frame = &lexed.frames[t.frame].kind;
                let prev = if i > 0 { word(i - 1) } else { "" };
                if let Some(k) = resolved.get(&t.span.start) {
                    Some(*k)
                } else if w != "up" && super::hover::up_to_date_phrase(lexed, text, i).is_some() {
                    // `up to date when shell|sql`: one field, then its language.
                    match w {
                        "shell" | "sql" => Some((TokenKind::Keyword, false)),
                        _ => Some((TokenKind::Field, false)),
                    }
                } else if i >= 3 && prev == ":" && word(i - 3) == "step" {
                    Some((TokenKind::StepKind, false))
                } else if word(i + 1) == "(" {
                    Some((TokenKind::Function, false))
                } else if TYPES.contains(&w) && matches!(prev, ":" | "<" | ",") {
                    Some((TokenKind::Type, false))
                } else if t.starts_statement
                    && matches!(
                        frame,
                        FrameKind::Step { .. } | FrameKind::Defaults | FrameKind::Notify { .. }
                    )
                    && !matches!(w, "depends" | "on" | "after")
                {
                    Some((TokenKind::Field, false))
                } else if KEYWORDS.contains(&w)
                    || (t.starts_statement && *frame == FrameKind::Workflow)
                {
                    // Keywords, and settings (`description`, `timeout`, …).
                    Some((TokenKind::Keyword, false))
                } else {
                    lexical.get(w).map(|k| (*k, false))
                }
            }
        };
        if let Some((kind, declaration)) = kind {
            out.push(Token {
                span: t.span.clone(),
                kind,
                declaration,
            });
        }
    }
    out
}

/// A call's target (`rel` a module, `ship` a workflow) and its param names.
fn call_tokens(c: &ir::Call, resolved: &mut HashMap<usize, (TokenKind, bool)>) {
    let start = c.target_span.start as usize;
    if c.file {
        // `file(EXPR)`: a keyword; the path is an expression like any other.
        resolved.insert(start, (TokenKind::Keyword, false));
        return;
    }
    match c.target.split_once('.') {
        Some((module, _)) => {
            resolved.insert(start, (TokenKind::Block, false));
            resolved.insert(start + module.len() + 1, (TokenKind::Function, false));
        }
        None if c.module.is_some() => {
            resolved.insert(start, (TokenKind::Block, false));
        }
        None => {
            resolved.insert(start, (TokenKind::Function, false));
        }
    }
    for a in &c.args {
        resolved.insert(a.name_span.start as usize, (TokenKind::Param, false));
    }
}

fn symbol_kind(sym: &ir::Symbol) -> TokenKind {
    match sym {
        ir::Symbol::Param(_) => TokenKind::Param,
        ir::Symbol::Step(_) => TokenKind::Step,
        ir::Symbol::Block(_) => TokenKind::Block,
        ir::Symbol::LoopVar(_) | ir::Symbol::CompVar(_) | ir::Symbol::Let(_) => TokenKind::LoopVar,
        ir::Symbol::Output { .. } => TokenKind::Output,
    }
}
