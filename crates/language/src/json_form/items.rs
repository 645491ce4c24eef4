//! The JSON form's document, workflows, items and blocks → `.wf` text.

use super::lower::{Lower, Syntax, ITEM_KINDS};
use super::tree::{Key, Node, Value};
use crate::diag::json_form as dj;
use crate::span::Span;

/// The whole document.
pub fn document(l: &mut Lower, n: &Node) {
    let Some(o) = l.obj(n, "the document", &["$schema", "imports", "workflows"]) else {
        return;
    };
    if let Some(imports) = o.get("imports").and_then(|i| l.array(i, "`imports`")) {
        for im in imports {
            import(l, im);
        }
    }
    let Some(ws) = l
        .need(&o, "workflows")
        .and_then(|w| l.array(w, "`workflows`"))
    else {
        return;
    };
    if ws.is_empty() {
        l.diags
            .push(dj::missing_key(n.span, "workflows[0]", "the document"));
    }
    for w in ws {
        workflow(l, w);
    }
    l.put("\n", n.span);
}

fn import(l: &mut Lower, n: &Node) {
    let Some(o) = l.obj(n, "an import", &["path", "as"]) else {
        return;
    };
    let Some(path) = l.need(&o, "path") else {
        return;
    };
    l.put("import ", n.span);
    if let Some(t) = l.string(path, "an import's `path`") {
        l.put(&super::quote(&t.text), path.span);
    }
    if let Some(alias) = o.get("as") {
        l.put(" as ", alias.span);
        l.value(alias, "an import's `as`", Syntax::Name);
    }
    l.line(n.span);
}

fn workflow(l: &mut Lower, n: &Node) {
    let Some(o) = l.obj(n, "a workflow", &["name", "doc", "items"]) else {
        return;
    };
    l.line(n.span);
    l.doc(o.get("doc"), "a workflow's `doc`");
    l.put("workflow ", n.span);
    if let Some(name) = l.need(&o, "name") {
        l.value(name, "a workflow's `name`", Syntax::Name);
    }
    let items = o.get("items");
    l.braces(n.span, |l| {
        if let Some(items) = items {
            block_items(l, items, "a workflow's `items`", false);
        }
    });
    l.line(n.span);
}

/// The items of a block; `leading` when a `depends_on` item may come first.
fn block_items(l: &mut Lower, n: &Node, place: &str, leading: bool) {
    let Some(items) = l.array(n, place) else {
        return;
    };
    let mut prev = None;
    for (i, it) in items.iter().enumerate() {
        item(l, it, leading && i == 0, &mut prev);
    }
}

/// Items of these kinds in a row are not set apart by a blank line.
const GROUPED: &[&str] = &["settings", "param", "secret", "let", "env"];

/// Params and secrets go together.
fn group(kind: &str) -> &str {
    if kind == "secret" {
        "param"
    } else {
        kind
    }
}

/// A block: `{ … }` of items.
pub fn block(l: &mut Lower, n: &Node, place: &str) {
    l.braces(n.span, |l| block_items(l, n, place, true));
}

/// Writes item `n`; `prev` is the kind of the item before it, if any (a
/// blank line sets most items apart, as people write them).
fn item(l: &mut Lower, n: &Node, first: bool, prev: &mut Option<String>) {
    let Value::Object(entries) = &n.value else {
        l.diags.push(dj::wrong_type(
            n.span,
            "an item",
            "an object",
            n.value.what(),
        ));
        return;
    };
    // `parallel` is also a key of `for_each`.
    let looped = entries.iter().any(|(k, _)| k.name == "for_each");
    let kinds: Vec<&Key> = entries
        .iter()
        .map(|(k, _)| k)
        .filter(|k| ITEM_KINDS.contains(&k.name.as_str()) && !(looped && k.name == "parallel"))
        .collect();
    let [kind] = kinds[..] else {
        let names: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
        let at = kinds.get(1).map_or(
            Span::new(n.span.start as usize, n.span.start as usize + 1),
            |k| k.span,
        );
        l.diags.push(dj::item_kind(at, &names, ITEM_KINDS));
        return;
    };
    let kind = kind.name.as_str();
    let place = format!("a `{kind}` item");
    let v = |key: &str| entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v);
    let head = v(kind).expect("found above");
    let allowed: &[&str] = match kind {
        "param" | "secret" => &[kind, "type", "in", "default", "doc"],
        "step" => &["step", "kind", "call", "doc", "fields"],
        "if" => &["if", "then", "else_if", "else"],
        "for_each" => &[
            "for_each",
            "in",
            "parallel",
            "batch",
            "fail_fast",
            "max_failures",
            "do",
        ],
        "parallel" => &["parallel", "wait", "fail_fast", "do"],
        "sequence" => &["sequence", "do"],
        "let" => &["let", "value", "doc"],
        "trigger" => &["trigger", "target", "fields"],
        "lock" => &["lock", "on_busy"],
        "alert" => &["alert", "when", "notify", "fields"],
        _ => &[kind],
    };
    let Some(o) = l.obj(n, &place, allowed) else {
        return;
    };
    let apart = prev.as_deref().is_some_and(|p| {
        p != "depends_on" && !(group(p) == group(kind) && GROUPED.contains(&kind))
    });
    if apart {
        l.put("\n", n.span);
    }
    *prev = Some(kind.to_string());
    if kind != "settings" {
        l.line(n.span);
    }
    match kind {
        "settings" => super::fields::fields(l, head, "`settings`"),
        "param" | "secret" => param(l, &o, kind, head),
        "env" => {
            l.put("env", head.span);
            super::fields::map(l, head, "`env`");
        }
        "defaults" => {
            l.put("defaults", head.span);
            l.braces(head.span, |l| super::fields::fields(l, head, "`defaults`"));
        }
        "step" => step(l, &o, head),
        "if" => if_item(l, &o, head),
        "for_each" => {
            l.put("for each ", head.span);
            l.value(head, "`for_each`", Syntax::Name);
            l.put(" in ", n.span);
            if let Some(x) = l.need(&o, "in") {
                l.value(x, "a `for_each`'s `in`", Syntax::Expr);
            }
            match o.get("parallel").map(|p| (p, &p.value)) {
                None | Some((_, Value::Bool(false))) => {}
                Some((p, Value::Bool(true))) => l.put(" parallel", p.span),
                Some((p, _)) => {
                    l.put(" parallel ", p.span);
                    l.value(p, "a `for_each`'s `parallel`", Syntax::Expr);
                }
            }
            if let Some(b) = o.get("batch") {
                l.put(" batch ", b.span);
                l.value(b, "a `for_each`'s `batch`", Syntax::Expr);
            }
            fail_fast(l, &o);
            if let Some(m) = o.get("max_failures") {
                l.put(" max failures ", m.span);
                l.value(m, "a `for_each`'s `max_failures`", Syntax::MaxFailures);
            }
            do_block(l, &o);
        }
        "parallel" | "sequence" => {
            l.put(kind, head.span);
            if !matches!(head.value, Value::Bool(true)) {
                l.put(" ", head.span);
                l.value(head, &place, Syntax::Name);
            }
            if let Some(w) = o.get("wait") {
                l.put(" wait ", w.span);
                l.value(w, "`wait`", Syntax::Name);
            }
            fail_fast(l, &o);
            do_block(l, &o);
        }
        "on_failure" | "on_success" | "finally" => {
            l.put(&kind.replace('_', " "), head.span);
            block(l, head, &place);
        }
        "let" => {
            l.doc(o.get("doc"), "a `let`'s `doc`");
            l.put("let ", head.span);
            l.value(head, "`let`", Syntax::Name);
            l.put(" = ", n.span);
            if let Some(x) = l.need(&o, "value") {
                l.value(x, "a `let`'s `value`", Syntax::Expr);
            }
        }
        "outputs" => super::fields::workflow_outputs(l, head),
        "trigger" => {
            l.put("on ", head.span);
            l.value(head, "`trigger`", Syntax::Name);
            l.put(" ", n.span);
            if let Some(x) = l.need(&o, "target") {
                l.value(x, "a trigger's `target`", Syntax::Expr);
            }
            if let Some(f) = o.get("fields") {
                l.braces(f.span, |l| {
                    super::fields::fields(l, f, "a trigger's `fields`")
                });
            }
        }
        "lock" => {
            l.put("lock ", head.span);
            l.value(head, "`lock`", Syntax::Expr);
            if let Some(b) = o.get("on_busy") {
                l.braces(b.span, |l| {
                    l.line(b.span);
                    l.put("on busy ", b.span);
                    l.value(b, "`on_busy`", Syntax::Name);
                });
            }
        }
        "alert" => alert(l, &o, head),
        "depends_on" => {
            if !first {
                l.diags.push(dj::depends_not_first(n.span));
            }
            l.put("depends on ", head.span);
            super::fields::names(l, head, "`depends_on`", true);
        }
        _ => unreachable!("every kind of ITEM_KINDS is written"),
    }
}

/// `alert NAME { when …  notify KIND { … }  FIELDS }`.
fn alert(l: &mut Lower, o: &super::lower::Obj<'_>, head: &Node) {
    l.put("alert ", head.span);
    l.value(head, "`alert`", Syntax::Name);
    l.braces(o.span, |l| {
        if let Some(w) = o.get("when") {
            l.line(w.span);
            l.put("when ", w.span);
            l.value(w, "an alert's `when`", Syntax::AlertCondition);
        }
        let channels = o
            .get("notify")
            .and_then(|n| l.array(n, "an alert's `notify`"));
        for c in channels.unwrap_or_default() {
            let Some(c) = l.obj(c, "a `notify` channel", &["kind", "fields"]) else {
                continue;
            };
            l.line(c.span);
            l.put("notify ", c.span);
            if let Some(k) = l.need(&c, "kind") {
                l.value(k, "a channel's `kind`", Syntax::Name);
            }
            let fields = c.get("fields");
            l.braces(c.span, |l| {
                if let Some(f) = fields {
                    super::fields::fields(l, f, "a channel's `fields`");
                }
            });
        }
        if let Some(f) = o.get("fields") {
            super::fields::fields(l, f, "an alert's `fields`");
        }
    });
}

/// `"fail_fast": true`: ` fail fast` after a loop's or block's head.
fn fail_fast(l: &mut Lower, o: &super::lower::Obj<'_>) {
    if let Some(f) = o.get("fail_fast") {
        match f.value {
            Value::Bool(true) => l.put(" fail fast", f.span),
            Value::Bool(false) => {}
            _ => l.diags.push(crate::diag::json_form::wrong_type(
                f.span,
                "`fail_fast`",
                "a boolean",
                f.value.what(),
            )),
        }
    }
}

fn do_block(l: &mut Lower, o: &super::lower::Obj<'_>) {
    if let Some(b) = l.need(o, "do") {
        let place = format!("{}'s `do`", o.place);
        block(l, b, &place);
    }
}

fn param(l: &mut Lower, o: &super::lower::Obj<'_>, kind: &str, head: &Node) {
    l.doc(o.get("doc"), "a param's `doc`");
    l.put(kind, head.span);
    l.put(" ", head.span);
    l.value(head, &o.place, Syntax::Name);
    l.put(": ", o.span);
    if let Some(t) = l.need(o, "type") {
        l.value(t, "a param's `type`", Syntax::Type);
    }
    if let Some(c) = o.get("in") {
        l.put(" in ", c.span);
        l.value(c, "a param's `in`", Syntax::Constraint);
    }
    if let Some(d) = o.get("default") {
        l.put(" = ", d.span);
        l.value(d, "a param's `default`", Syntax::Expr);
    }
}

fn step(l: &mut Lower, o: &super::lower::Obj<'_>, head: &Node) {
    l.doc(o.get("doc"), "a step's `doc`");
    l.put("step ", head.span);
    l.value(head, "`step`", Syntax::Name);
    l.put(": ", o.span);
    match (o.get("call"), o.get("kind")) {
        (Some(c), None) => {
            l.put("call ", c.span);
            l.value(c, "a step's `call`", Syntax::CallTarget);
        }
        (None, Some(k)) => l.value(k, "a step's `kind`", Syntax::Name),
        (Some(c), Some(_)) => l.diags.push(crate::diag::json_form::item_kind(
            c.span,
            &["kind", "call"],
            &["kind", "call"],
        )),
        (None, None) => l.diags.push(dj::missing_key(o.span, "kind", &o.place)),
    }
    let fields = o.get("fields");
    l.braces(o.span, |l| {
        if let Some(f) = fields {
            super::fields::fields(l, f, "a step's `fields`");
        }
    });
}

fn if_item(l: &mut Lower, o: &super::lower::Obj<'_>, head: &Node) {
    l.put("if ", head.span);
    l.value(head, "`if`", Syntax::Expr);
    if let Some(t) = l.need(o, "then") {
        block(l, t, "an `if`'s `then`");
    }
    if let Some(list) = o.get("else_if").and_then(|e| l.array(e, "`else_if`")) {
        for e in list {
            let Some(b) = l.obj(e, "an `else_if` branch", &["if", "then"]) else {
                continue;
            };
            l.put(" else if ", e.span);
            if let Some(c) = l.need(&b, "if") {
                l.value(c, "an `else_if`'s `if`", Syntax::Expr);
            }
            if let Some(t) = l.need(&b, "then") {
                block(l, t, "an `else_if`'s `then`");
            }
        }
    }
    if let Some(e) = o.get("else") {
        l.put(" else", e.span);
        block(l, e, "an `if`'s `else`");
    }
}
