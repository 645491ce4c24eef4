//! Moves every span of a tree parsed from the `.wf` text written for a
//! JSON document into the document, so the checker's reports, a plan's
//! lines and a run's errors point at the JSON values they are about.

use super::map::SourceMap;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

pub fn diagnostic(m: &SourceMap, d: &mut Diagnostic) {
    for l in &mut d.labels {
        l.span = m.span(l.span);
    }
    // A fix's replacement is `.wf` text: it does not apply to JSON.
    d.fixes.clear();
}

pub fn file(m: &SourceMap, f: &mut File) {
    f.span = m.span(f.span);
    for im in &mut f.imports {
        im.path_span = m.span(im.path_span);
        im.span = m.span(im.span);
        if let Some(a) = &mut im.alias {
            ident(m, a);
        }
    }
    for w in &mut f.workflows {
        ident(m, &mut w.name);
        items(m, &mut w.items);
        w.span = m.span(w.span);
    }
}

fn ident(m: &SourceMap, i: &mut Ident) {
    i.span = m.span(i.span);
}

fn idents(m: &SourceMap, list: &mut IdentList) {
    let groups: Vec<AnyGroup> = list
        .any_groups()
        .iter()
        .map(|g| AnyGroup {
            span: m.span(g.span),
            ..*g
        })
        .collect();
    let moved: IdentList = list
        .iter()
        .map(|r| Ident {
            name: r.name.into(),
            span: m.span(r.span),
        })
        .collect();
    *list = moved.with_any(groups);
}

fn items(m: &SourceMap, items: &mut [Item]) {
    for it in items {
        item(m, it);
    }
}

fn item(m: &SourceMap, it: &mut Item) {
    match it {
        Item::Setting(f) => field(m, f),
        Item::Param(p) => param(m, p),
        Item::Env(b) => map_block(m, b),
        Item::Defaults(d) => {
            fields(m, &mut d.fields);
            d.span = m.span(d.span);
        }
        Item::Step(s) => {
            ident(m, &mut s.name);
            ident(m, &mut s.kind);
            if let Some(c) = &mut s.call {
                c.parts.iter_mut().for_each(|p| ident(m, p));
                if let Some(e) = &mut c.file {
                    expr(m, e);
                }
                c.span = m.span(c.span);
            }
            fields(m, &mut s.fields);
            s.body_span = m.span(s.body_span);
            s.span = m.span(s.span);
        }
        Item::If(i) => {
            for b in &mut i.branches {
                expr(m, &mut b.cond);
                block(m, &mut b.block);
                b.span = m.span(b.span);
            }
            if let Some(b) = &mut i.else_block {
                block(m, b);
            }
            i.span = m.span(i.span);
        }
        Item::ForEach(f) => {
            ident(m, &mut f.var);
            expr(m, &mut f.iter);
            if let Some(Some(n)) = &mut f.parallel {
                expr(m, n);
            }
            block(m, &mut f.block);
            f.span = m.span(f.span);
        }
        Item::Parallel(p) => {
            p.name
                .iter_mut()
                .chain(p.wait.iter_mut())
                .for_each(|i| ident(m, i));
            block(m, &mut p.block);
            p.span = m.span(p.span);
        }
        Item::Sequence(s) => {
            s.name.iter_mut().for_each(|i| ident(m, i));
            block(m, &mut s.block);
            s.span = m.span(s.span);
        }
        Item::Handler(h) => {
            block(m, &mut h.block);
            h.span = m.span(h.span);
        }
        Item::Let(l) => {
            ident(m, &mut l.name);
            expr(m, &mut l.value);
            l.span = m.span(l.span);
        }
        Item::Outputs(o) => {
            for out in &mut o.outputs {
                ident(m, &mut out.name);
                ty(m, &mut out.ty);
                expr(m, &mut out.value);
                out.span = m.span(out.span);
            }
            o.span = m.span(o.span);
        }
        Item::Trigger(t) => {
            t.kw_span = m.span(t.kw_span);
            expr(m, &mut t.target);
            fields(m, &mut t.fields);
            t.body_span = t.body_span.map(|s| m.span(s));
            t.span = m.span(t.span);
        }
        Item::Lock(l) => {
            expr(m, &mut l.key);
            l.busy.iter_mut().for_each(|i| ident(m, i));
            l.body_span = l.body_span.map(|s| m.span(s));
            l.span = m.span(l.span);
        }
        Item::Alert(a) => alert(m, a),
    }
}

fn alert(m: &SourceMap, a: &mut crate::syntax::ast::Alert) {
    use crate::syntax::ast::AlertEntry;
    ident(m, &mut a.name);
    for e in &mut a.entries {
        match e {
            AlertEntry::When(w) => {
                ident(m, &mut w.metric);
                w.window.iter_mut().for_each(|x| expr(m, x));
                w.window_span = w.window_span.map(|s| m.span(s));
                if let Some((_, s)) = &mut w.op {
                    *s = m.span(*s);
                }
                w.value.iter_mut().for_each(|x| expr(m, x));
                w.span = m.span(w.span);
            }
            AlertEntry::Notify(n) => {
                ident(m, &mut n.kind);
                fields(m, &mut n.fields);
                n.body_span = n.body_span.map(|s| m.span(s));
                n.span = m.span(n.span);
            }
            AlertEntry::Field(f) => field(m, f),
        }
    }
    a.body_span = m.span(a.body_span);
    a.span = m.span(a.span);
}

fn block(m: &SourceMap, b: &mut Block) {
    if let Some(d) = &mut b.depends_on {
        idents(m, &mut d.names);
        d.span = m.span(d.span);
    }
    items(m, &mut b.items);
    b.span = m.span(b.span);
}

fn ty(m: &SourceMap, t: &mut TypeExpr) {
    ident(m, &mut t.name);
    t.args.iter_mut().for_each(|a| ty(m, a));
    t.span = m.span(t.span);
}

fn map_block(m: &SourceMap, b: &mut MapBlock) {
    entries(m, &mut b.entries);
    b.span = m.span(b.span);
}

fn entries(m: &SourceMap, entries: &mut [MapEntry]) {
    for e in entries {
        e.key.span = m.span(e.key.span);
        expr(m, &mut e.value);
        e.span = m.span(e.span);
    }
}

fn param(m: &SourceMap, p: &mut crate::syntax::ast::Param) {
    ident(m, &mut p.name);
    ty(m, &mut p.ty);
    if let Some(c) = &mut p.constraint {
        c.span = m.span(c.span);
        match &mut c.kind {
            ConstraintKind::OneOf(e) => expr(m, e),
            ConstraintKind::Range { lo, hi } => {
                expr(m, lo);
                expr(m, hi);
            }
        }
    }
    if let Some(d) = &mut p.default {
        expr(m, d);
    }
    p.span = m.span(p.span);
}

fn fields(m: &SourceMap, fields: &mut [Field]) {
    for f in fields {
        field(m, f);
    }
}

fn field(m: &SourceMap, f: &mut Field) {
    ident(m, &mut f.name);
    match &mut f.value {
        FieldValue::Flag => {}
        FieldValue::Expr(e) => expr(m, e),
        FieldValue::Map(b) => map_block(m, b),
        FieldValue::DependsOn(l) | FieldValue::After(l) => idents(m, l),
        FieldValue::Retry(r) => {
            for e in [&mut r.count]
                .into_iter()
                .chain(r.backoff.as_mut())
                .chain(r.max.as_mut())
                .chain(r.within.as_mut())
                .chain(r.when.as_mut())
            {
                expr(m, e);
            }
            r.strategy.iter_mut().for_each(|i| ident(m, i));
            r.span = m.span(r.span);
        }
        FieldValue::Outputs(decls) => {
            for d in decls {
                ident(m, &mut d.name);
                ty(m, &mut d.ty);
                d.span = m.span(d.span);
            }
        }
        FieldValue::Inputs(decls) => decls.iter_mut().for_each(|p| param(m, p)),
        FieldValue::Rollback(b) => block(m, b),
        FieldValue::OnFail(i) => ident(m, i),
        FieldValue::Mount { source, target } => {
            expr(m, source);
            expr(m, target);
        }
        FieldValue::Until(u) => {
            expr(m, &mut u.cond);
            expr(m, &mut u.every);
            expr(m, &mut u.within);
            u.span = m.span(u.span);
        }
        FieldValue::Executor { name, fields: sub } => {
            ident(m, name);
            if let Some(sub) = sub {
                fields(m, sub);
            }
        }
        FieldValue::Resources(sub) => fields(m, sub),
    }
    f.span = m.span(f.span);
}

fn expr(m: &SourceMap, e: &mut Expr) {
    match &mut e.kind {
        ExprKind::Str(s) => string(m, s),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_)
        | ExprKind::Size(_) => {}
        ExprKind::List(xs) => xs.iter_mut().for_each(|x| expr(m, x)),
        ExprKind::Map(es) => entries(m, es),
        ExprKind::Name(i) => ident(m, i),
        ExprKind::Field(b, i) => {
            expr(m, b);
            ident(m, i);
        }
        ExprKind::Index(a, b) => {
            expr(m, a);
            expr(m, b);
        }
        ExprKind::Call(i, args) => {
            ident(m, i);
            args.iter_mut().for_each(|x| expr(m, x));
        }
        ExprKind::Unary(_, x) | ExprKind::Paren(x) => expr(m, x),
        ExprKind::Binary(_, a, b) => {
            expr(m, a);
            expr(m, b);
        }
        ExprKind::Cond(a, b, c) => {
            expr(m, a);
            expr(m, b);
            expr(m, c);
        }
        ExprKind::Comprehension(c) => {
            expr(m, &mut c.elem);
            ident(m, &mut c.var);
            expr(m, &mut c.source);
            if let Some(f) = &mut c.filter {
                expr(m, f);
            }
        }
    }
    e.span = m.span(e.span);
}

/// A string's parts, and where each byte of a text part is: `moved` is
/// written again (an escape in the JSON moves the bytes after it too).
fn string(m: &SourceMap, s: &mut StrLit) {
    let mut moved = Vec::new();
    for part in &s.parts {
        let StrPart::Text(text, wf) = part else {
            continue;
        };
        let start = m.span(*wf).start;
        let mut last: Option<(usize, usize)> = None;
        for (i, _) in text.char_indices() {
            let at = s.source_span(*wf, i, i).start as usize;
            let doc = m.span(Span::new(at, at)).start as usize;
            if last.is_none_or(|(d, li)| doc != d + (i - li)) {
                moved.push((start, i as u32, doc as u32));
            }
            last = Some((doc, i));
        }
    }
    for part in &mut s.parts {
        match part {
            StrPart::Text(_, span) | StrPart::Shell(_, span) => *span = m.span(*span),
            StrPart::Interp(x) => expr(m, x),
        }
    }
    s.moved = moved.into_boxed_slice();
}
