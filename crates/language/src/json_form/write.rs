//! A `.wf` file → its JSON form: the tree of its canonical text, each
//! name, type and expression as its `.wf` text. `##` docs are kept; other
//! comments are not (JSON has none).

use super::fields::RENAMED;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

/// A JSON value whose objects keep their keys in order (serde_json's map
/// sorts them unless a feature that would change every JSON wfc writes
/// is on).
enum J {
    Bool(bool),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// The JSON form of the `.wf` file `text` (pretty-printed, with a final
/// newline), or the file's syntax errors.
pub fn to_json(text: &str) -> Result<String, Vec<Diagnostic>> {
    let canonical = crate::fmt::format_source(text)?;
    let parsed = crate::syntax::parse(&canonical);
    let file = parsed.file.ok_or(parsed.diagnostics)?;
    let w = Writer { src: &canonical };
    let mut out = String::new();
    print(&w.file(&file), 0, &mut out);
    out.push('\n');
    Ok(out)
}

struct Writer<'a> {
    src: &'a str,
}

fn s(text: impl Into<String>) -> J {
    J::Str(text.into())
}

impl Writer<'_> {
    fn text(&self, span: Span) -> J {
        s(&self.src[span.range()])
    }

    /// The `##` lines right above the line `span` starts on, as the
    /// parser joins them for the items whose tree keeps a `doc`.
    fn doc_above(&self, span: Span) -> Option<String> {
        let line_start = self.src[..span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let mut found: Vec<&str> = self.src[..line_start]
            .lines()
            .rev()
            .map_while(|l| l.trim().strip_prefix("##"))
            .map(str::trim)
            .collect();
        found.reverse();
        (!found.is_empty()).then(|| found.join("\n"))
    }

    fn file(&self, f: &File) -> J {
        let mut o = Vec::new();
        if !f.imports.is_empty() {
            let imports = f.imports.iter().map(|im| {
                let mut i = vec![("path".into(), s(im.path.clone().unwrap_or_default()))];
                if let Some(a) = &im.alias {
                    i.push(("as".into(), s(a.name.as_str())));
                }
                J::Obj(i)
            });
            o.push(("imports".into(), J::Arr(imports.collect())));
        }
        let workflows = f.workflows.iter().map(|w| {
            let mut o = vec![("name".into(), s(w.name.name.as_str()))];
            doc(&mut o, &w.doc);
            o.push(("items".into(), J::Arr(self.items(&w.items))));
            J::Obj(o)
        });
        o.push(("workflows".into(), J::Arr(workflows.collect())));
        J::Obj(o)
    }

    fn items(&self, items: &[Item]) -> Vec<J> {
        let mut out: Vec<J> = Vec::new();
        let mut settings: Vec<&Field> = Vec::new();
        for it in items {
            if let Item::Setting(f) = it {
                if settings.iter().any(|g| g.name.name == f.name.name) {
                    out.push(one("settings", self.fields(&settings)));
                    settings.clear();
                }
                settings.push(f);
                continue;
            }
            if !settings.is_empty() {
                out.push(one("settings", self.fields(&settings)));
                settings.clear();
            }
            out.push(self.item(it));
        }
        if !settings.is_empty() {
            out.push(one("settings", self.fields(&settings)));
        }
        out
    }

    fn block(&self, b: &Block) -> J {
        let mut out = Vec::new();
        if let Some(d) = &b.depends_on {
            out.push(one("depends_on", names(&d.names)));
        }
        out.extend(self.items(&b.items));
        J::Arr(out)
    }

    fn item(&self, it: &Item) -> J {
        match it {
            Item::Setting(_) => unreachable!("grouped by `items`"),
            Item::Param(p) => {
                let kind = if p.secret { "secret" } else { "param" };
                let mut o = vec![
                    (kind.into(), s(p.name.name.as_str())),
                    ("type".into(), self.text(p.ty.span)),
                ];
                if let Some(c) = &p.constraint {
                    let t = &self.src[c.span.range()];
                    o.push(("in".into(), s(t.trim_start_matches("in").trim())));
                }
                if let Some(d) = &p.default {
                    o.push(("default".into(), self.text(d.span)));
                }
                doc(&mut o, &p.doc);
                J::Obj(o)
            }
            Item::Env(b) => one("env", self.map(&b.entries)),
            Item::Defaults(d) => one(
                "defaults",
                self.fields(&d.fields.iter().collect::<Vec<_>>()),
            ),
            Item::Step(st) => {
                let mut o = vec![("step".into(), s(st.name.name.as_str()))];
                match &st.call {
                    // `file(EXPR)` as written (the canonical text's).
                    Some(c) if c.file.is_some() => o.push(("call".into(), self.text(c.span))),
                    Some(c) => o.push(("call".into(), s(c.text()))),
                    None => o.push(("kind".into(), s(st.kind.name.as_str()))),
                }
                doc(&mut o, &st.doc);
                let fields: Vec<&Field> = st.fields.iter().collect();
                o.push(("fields".into(), self.fields(&fields)));
                J::Obj(o)
            }
            Item::If(i) => {
                let mut o = Vec::new();
                for (n, b) in i.branches.iter().enumerate() {
                    let branch = vec![
                        ("if".into(), self.text(b.cond.span)),
                        ("then".into(), self.block(&b.block)),
                    ];
                    match n {
                        0 => o.extend(branch),
                        1 => o.push(("else_if".into(), J::Arr(vec![J::Obj(branch)]))),
                        _ => {
                            if let Some((_, J::Arr(list))) = o.last_mut() {
                                list.push(J::Obj(branch));
                            }
                        }
                    }
                }
                if let Some(b) = &i.else_block {
                    o.push(("else".into(), self.block(b)));
                }
                J::Obj(o)
            }
            Item::ForEach(f) => {
                let mut o = vec![
                    ("for_each".into(), s(f.var.name.as_str())),
                    ("in".into(), self.text(f.iter.span)),
                ];
                let key = if f.batch.is_some() {
                    "batch"
                } else {
                    "parallel"
                };
                match &f.parallel {
                    Some(Some(n)) => o.push((key.into(), self.text(n.span))),
                    Some(None) => o.push(("parallel".into(), J::Bool(true))),
                    None => {}
                }
                if f.fail_fast.is_some() {
                    o.push(("fail_fast".into(), J::Bool(true)));
                }
                if let Some(m) = &f.max_failures {
                    let pct = if m.percent { "%" } else { "" };
                    let text = format!("{}{pct}", &self.src[m.count.span.range()]);
                    o.push(("max_failures".into(), J::Str(text)));
                }
                o.push(("do".into(), self.block(&f.block)));
                J::Obj(o)
            }
            Item::Parallel(p) => {
                let mut o = vec![("parallel".into(), named(&p.name))];
                if let Some(w) = &p.wait {
                    o.push(("wait".into(), s(w.name.as_str())));
                }
                if p.fail_fast.is_some() {
                    o.push(("fail_fast".into(), J::Bool(true)));
                }
                o.push(("do".into(), self.block(&p.block)));
                J::Obj(o)
            }
            Item::Sequence(q) => J::Obj(vec![
                ("sequence".into(), named(&q.name)),
                ("do".into(), self.block(&q.block)),
            ]),
            Item::Handler(h) => {
                let kind = h.kind.keyword().replace(' ', "_");
                one(&kind, self.block(&h.block))
            }
            Item::Let(l) => {
                let mut o = vec![
                    ("let".into(), s(l.name.name.as_str())),
                    ("value".into(), self.text(l.value.span)),
                ];
                doc(&mut o, &l.doc);
                J::Obj(o)
            }
            Item::Outputs(outs) => {
                let o = outs.outputs.iter().map(|w| {
                    let mut v = vec![
                        ("type".into(), self.text(w.ty.span)),
                        ("value".into(), self.text(w.value.span)),
                    ];
                    doc(&mut v, &self.doc_above(w.span));
                    (w.name.name.to_string(), J::Obj(v))
                });
                one("outputs", J::Obj(o.collect()))
            }
            Item::Trigger(t) => {
                let mut o = vec![
                    ("trigger".into(), s(t.kind.word())),
                    ("target".into(), self.text(t.target.span)),
                ];
                if t.body_span.is_some() {
                    let fields: Vec<&Field> = t.fields.iter().collect();
                    o.push(("fields".into(), self.fields(&fields)));
                }
                J::Obj(o)
            }
            Item::Lock(l) => {
                let mut o = vec![("lock".into(), self.text(l.key.span))];
                if let Some(b) = &l.busy {
                    o.push(("on_busy".into(), s(b.name.as_str())));
                }
                J::Obj(o)
            }
            Item::Alert(a) => {
                let mut o = vec![("alert".into(), s(a.name.name.as_str()))];
                if let Some(w) = a.conditions().next() {
                    o.push(("when".into(), self.text(w.condition_span())));
                }
                let notify: Vec<J> = a
                    .channels()
                    .map(|n| {
                        let mut c = vec![("kind".into(), s(n.kind.name.as_str()))];
                        let fields: Vec<&Field> = n.fields.iter().collect();
                        if !fields.is_empty() {
                            c.push(("fields".into(), self.fields(&fields)));
                        }
                        J::Obj(c)
                    })
                    .collect();
                if !notify.is_empty() {
                    o.push(("notify".into(), J::Arr(notify)));
                }
                let fields: Vec<&Field> = a.fields().collect();
                if !fields.is_empty() {
                    o.push(("fields".into(), self.fields(&fields)));
                }
                J::Obj(o)
            }
        }
    }

    /// Fields as an object; a field written more than once is an array.
    fn fields(&self, fields: &[&Field]) -> J {
        let mut o: Vec<(String, J)> = Vec::new();
        for f in fields {
            let key = RENAMED
                .iter()
                .find(|(_, w)| *w == f.name.name)
                .map_or(f.name.name.to_string(), |(j, _)| j.to_string());
            let value = self.field(&f.value);
            // Only these take arrays of their own: any other array is a
            // field written more than once.
            let repeatable =
                !matches!(key.as_str(), "depends_on" | "after" | "on_failure_rollback");
            match o.iter_mut().find(|(k, _)| *k == key) {
                Some((_, J::Arr(list))) if repeatable => list.push(value),
                Some((_, first)) if repeatable => {
                    let was = std::mem::replace(first, J::Arr(Vec::new()));
                    *first = J::Arr(vec![was, value]);
                }
                _ => o.push((key, value)),
            }
        }
        J::Obj(o)
    }

    fn field(&self, v: &FieldValue) -> J {
        match v {
            FieldValue::Flag => J::Bool(true),
            FieldValue::Expr(e) => self.text(e.span),
            FieldValue::Map(b) => self.map(&b.entries),
            FieldValue::DependsOn(l) | FieldValue::After(l) => names(l),
            FieldValue::Retry(r) => {
                let mut o = vec![("count".into(), self.text(r.count.span))];
                let parts = [
                    ("backoff", r.backoff.as_ref().map(|e| e.span)),
                    ("strategy", r.strategy.as_ref().map(|i| i.span)),
                    ("max", r.max.as_ref().map(|e| e.span)),
                    ("within", r.within.as_ref().map(|e| e.span)),
                    ("when", r.when.as_ref().map(|e| e.span)),
                ];
                for (k, span) in parts {
                    if let Some(span) = span {
                        o.push((k.into(), self.text(span)));
                    }
                }
                J::Obj(o)
            }
            FieldValue::Outputs(decls) => J::Obj(
                decls
                    .iter()
                    .map(|d| (d.name.name.to_string(), self.text(d.ty.span)))
                    .collect(),
            ),
            FieldValue::Inputs(decls) => J::Obj(
                decls
                    .iter()
                    .map(|p| {
                        let mut o = vec![("type".into(), self.text(p.ty.span))];
                        if let Some(c) = &p.constraint {
                            let t = &self.src[c.span.range()];
                            o.push(("in".into(), s(t.trim_start_matches("in").trim())));
                        }
                        if let Some(d) = &p.default {
                            o.push(("default".into(), self.text(d.span)));
                        }
                        (p.name.name.to_string(), J::Obj(o))
                    })
                    .collect(),
            ),
            FieldValue::Rollback(b) => self.block(b),
            FieldValue::OnFail(i) => s(i.name.as_str()),
            FieldValue::Mount { source, target } => J::Obj(vec![
                ("source".into(), self.text(source.span)),
                ("at".into(), self.text(target.span)),
            ]),
            FieldValue::Until(u) => J::Obj(vec![
                ("condition".into(), self.text(u.cond.span)),
                ("every".into(), self.text(u.every.span)),
                ("within".into(), self.text(u.within.span)),
            ]),
            FieldValue::Executor { name, fields: None } => s(name.name.as_str()),
            FieldValue::Executor {
                name,
                fields: Some(sub),
            } => J::Obj(vec![
                ("name".into(), s(name.name.as_str())),
                (
                    "fields".into(),
                    self.fields(&sub.iter().collect::<Vec<_>>()),
                ),
            ]),
            FieldValue::Resources(sub) => self.fields(&sub.iter().collect::<Vec<_>>()),
        }
    }

    fn map(&self, entries: &[MapEntry]) -> J {
        J::Obj(
            entries
                .iter()
                .map(|e| {
                    let value = match e.optional {
                        false => self.text(e.value.span),
                        true => J::Obj(vec![
                            ("value".into(), self.text(e.value.span)),
                            ("optional".into(), J::Bool(true)),
                        ]),
                    };
                    (e.key.name.clone(), value)
                })
                .collect(),
        )
    }
}

fn one(key: &str, value: J) -> J {
    J::Obj(vec![(key.to_string(), value)])
}

fn named(name: &Option<Ident>) -> J {
    name.as_ref().map_or(J::Bool(true), |n| s(n.name.as_str()))
}

fn doc(o: &mut Vec<(String, J)>, doc: &Option<String>) {
    if let Some(d) = doc {
        o.push(("doc".into(), s(d.clone())));
    }
}

fn names(list: &IdentList) -> J {
    let all: Vec<&str> = list.iter().map(|n| n.name).collect();
    let mut out = Vec::new();
    let mut i = 0;
    for g in list.any_groups() {
        let (first, end) = (g.first as usize, (g.first + g.len) as usize);
        out.extend(all[i..first].iter().map(|n| s(*n)));
        let group = all[first..end].iter().map(|n| s(*n)).collect();
        out.push(one("any", J::Arr(group)));
        i = end;
    }
    out.extend(all[i..].iter().map(|n| s(*n)));
    J::Arr(out)
}

/// Pretty-prints `j` at `depth`, two spaces per level, like `serde_json`'s
/// pretty printer (an empty array or object on one line).
fn print(j: &J, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match j {
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Str(t) => out.push_str(&serde_json::to_string(t).expect("a string encodes")),
        J::Arr(items) if items.is_empty() => out.push_str("[]"),
        J::Obj(entries) if entries.is_empty() => out.push_str("{}"),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i > 0 { ",\n" } else { "\n" });
                out.push_str(&pad(depth + 1));
                print(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push(']');
        }
        J::Obj(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(if i > 0 { ",\n" } else { "\n" });
                out.push_str(&pad(depth + 1));
                out.push_str(&serde_json::to_string(k).expect("a string encodes"));
                out.push_str(": ");
                print(v, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push('}');
        }
    }
}
