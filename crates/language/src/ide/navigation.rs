//! Go to definition, find references and rename, over the checker's IR.
//!
//! The checker records every use of a param, step, block, loop variable and
//! output ([`crate::ir::Workflow::references`]); declarations are the name
//! spans of the IR's params, steps, blocks and loop variables. Rename edits
//! exactly those spans (every use, nothing else) and refuses a new name that
//! is not an identifier, is a keyword, or would collide with another name.

use super::{span, ByteRange, Doc, TextEdit};
use crate::ir::{BlockKind, Symbol, Workflow};

/// The symbol named at `offset` (a use or a declaration) and the name's span.
pub fn symbol_at(w: &Workflow, offset: usize) -> Option<(Symbol, ByteRange)> {
    let hit = |s: crate::span::Span| s.contains(offset) && !s.is_empty();
    if let Some(r) = w
        .references
        .iter()
        .filter(|r| hit(r.span))
        .min_by_key(|r| r.span.len())
    {
        return Some((r.target.clone(), span(r.span)));
    }
    for (i, p) in w.params.iter().enumerate() {
        if hit(p.name_span) {
            return Some((Symbol::Param(i), span(p.name_span)));
        }
    }
    for (i, l) in w.lets.iter().enumerate() {
        if hit(l.name_span) {
            return Some((Symbol::Let(i), span(l.name_span)));
        }
    }
    for (i, s) in w.steps.iter().enumerate() {
        if hit(s.name_span) {
            return Some((Symbol::Step(i), span(s.name_span)));
        }
        let declared = s.outputs.iter().map(|o| (&o.name, o.name_span));
        let inputs = s.inputs().iter().map(|x| (&x.name, x.name_span));
        if let Some((name, at)) = declared.chain(inputs).find(|(_, at)| hit(*at)) {
            let sym = Symbol::Output {
                step: i,
                name: name.clone(),
                declared: true,
            };
            return Some((sym, span(at)));
        }
    }
    for (i, b) in w.blocks.iter().enumerate() {
        match &b.kind {
            BlockKind::Parallel {
                name_span: Some(ns),
                ..
            }
            | BlockKind::Sequence {
                name_span: Some(ns),
                ..
            } if hit(*ns) => return Some((Symbol::Block(i), span(*ns))),
            BlockKind::ForEach { var_span, .. } if hit(*var_span) => {
                return Some((Symbol::LoopVar(i), span(*var_span)))
            }
            _ => {}
        }
    }
    None
}

/// Where `sym` is declared.
pub fn declaration(w: &Workflow, sym: &Symbol) -> Option<ByteRange> {
    Some(match sym {
        Symbol::Param(p) => span(w.params.get(*p)?.name_span),
        Symbol::Let(l) => span(w.lets.get(*l)?.name_span),
        Symbol::Step(s) => span(w.steps.get(*s)?.name_span),
        Symbol::Block(b) => match &w.blocks.get(*b)?.kind {
            BlockKind::Parallel { name_span, .. } | BlockKind::Sequence { name_span, .. } => {
                span((*name_span)?)
            }
            _ => span(w.blocks[*b].span),
        },
        Symbol::LoopVar(b) => match &w.blocks.get(*b)?.kind {
            BlockKind::ForEach { var_span, .. } => span(*var_span),
            _ => return None,
        },
        Symbol::CompVar(i) => span(w.comp_vars.get(*i)?.span),
        Symbol::Output {
            step,
            name,
            declared,
        } => {
            let s = w.steps.get(*step)?;
            if *declared {
                let output = s
                    .outputs
                    .iter()
                    .find(|o| o.name == *name)
                    .map(|o| o.name_span);
                let input = || {
                    s.inputs()
                        .iter()
                        .find(|x| x.name == *name)
                        .map(|x| x.name_span)
                };
                span(output.or_else(input)?)
            } else {
                // A kind's output is defined by the kind.
                span(s.kind_span)
            }
        }
    })
}

pub fn definition(doc: &Doc, offset: usize) -> Option<ByteRange> {
    let w = doc.ir_at(offset)?;
    let (sym, _) = symbol_at(w, offset)?;
    declaration(w, &sym)
}

/// The spans of every use of `sym`, in text order.
fn uses(w: &Workflow, sym: &Symbol) -> Vec<ByteRange> {
    let mut out: Vec<ByteRange> = w
        .references
        .iter()
        .filter(|r| r.target == *sym)
        .map(|r| span(r.span))
        .collect();
    out.sort_by_key(|s| (s.start, s.end));
    out.dedup();
    out
}

pub fn references(doc: &Doc, offset: usize, include_declaration: bool) -> Vec<ByteRange> {
    let Some(w) = doc.ir_at(offset) else {
        return Vec::new();
    };
    let Some((sym, _)) = symbol_at(w, offset) else {
        return Vec::new();
    };
    let mut out = uses(w, &sym);
    if include_declaration {
        if let Some(d) = declaration(w, &sym) {
            if !out.contains(&d) {
                out.insert(0, d);
            }
        }
    }
    out
}

fn renameable(doc: &Doc, offset: usize) -> Result<(&Workflow, Symbol, ByteRange), String> {
    let w = doc
        .ir_at(offset)
        .ok_or("the file has a syntax error: fix it before renaming")?;
    let (sym, at) = symbol_at(w, offset).ok_or("there is no name to rename here")?;
    match sym {
        Symbol::Param(_)
        | Symbol::Step(_)
        | Symbol::Block(_)
        | Symbol::LoopVar(_)
        | Symbol::CompVar(_)
        | Symbol::Let(_) => Ok((w, sym, at)),
        // A call's outputs are the callee's: declared (and renamed) in its file.
        Symbol::Output { step, .. } if w.steps[step].call.is_some() => {
            Err("a called workflow's outputs are renamed where it declares them".into())
        }
        Symbol::Output { declared: true, .. } => Ok((w, sym, at)),
        Symbol::Output { .. } => Err("a step kind's outputs cannot be renamed".into()),
    }
}

pub fn prepare_rename(doc: &Doc, offset: usize) -> Result<ByteRange, String> {
    renameable(doc, offset).map(|(_, _, at)| at)
}

/// Words that cannot name anything.
const RESERVED: &[&str] = &[
    "workflow", "param", "secret", "step", "if", "else", "for", "each", "in", "parallel", "wait",
    "depends", "on", "defaults", "finally", "true", "false", "failed", "sequence", "after", "let",
    "run",
];

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
        && !s.ends_with('-')
        && !s.contains("--")
}

pub fn rename(doc: &Doc, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, String> {
    let (w, sym, at) = renameable(doc, offset)?;
    let old = &doc.text()[at.clone()];
    if new_name == old {
        return Ok(Vec::new());
    }
    if !is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid name (letters, digits, `_` and `-` inside)"
        ));
    }
    if RESERVED.contains(&new_name) {
        return Err(format!("`{new_name}` is a keyword"));
    }
    let taken = match &sym {
        Symbol::Output { step, .. } => {
            let s = &w.steps[*step];
            s.outputs.iter().any(|o| o.name == new_name)
                || s.inputs().iter().any(|x| x.name == new_name)
        }
        _ => {
            w.params.iter().any(|p| p.name == new_name)
                || w.lets.iter().any(|l| l.name == new_name)
                || w.steps.iter().any(|s| s.name == new_name)
                || w.blocks.iter().any(|b| match &b.kind {
                    BlockKind::Parallel { name, .. } | BlockKind::Sequence { name, .. } => {
                        name.as_deref() == Some(new_name)
                    }
                    BlockKind::ForEach { var, .. } => var == new_name,
                    _ => false,
                })
        }
    };
    if taken {
        return Err(format!(
            "`{new_name}` is already the name of something else"
        ));
    }
    let mut spans = uses(w, &sym);
    if let Some(d) = declaration(w, &sym) {
        spans.push(d);
    }
    spans.sort_by_key(|s| (s.start, s.end));
    spans.dedup();
    Ok(spans
        .into_iter()
        .filter(|s| doc.text().get(s.clone()) == Some(old))
        .map(|span| TextEdit {
            span,
            new_text: new_name.to_string(),
        })
        .collect())
}
