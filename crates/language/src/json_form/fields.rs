//! The JSON form's fields (of steps, `defaults`, settings, triggers) and
//! maps → `.wf` text.

use super::lower::{Lower, Syntax};
use super::tree::{Key, Node, Value};
use crate::diag::json_form as dj;

/// JSON keys for the fields whose `.wf` name has several words.
pub const RENAMED: &[(&str, &str)] = &[
    ("depends_on", "depends on"),
    ("on_fail", "on fail"),
    ("catch_up", "catch up"),
    ("on_failure_rollback", "on failure rollback"),
    ("up_to_date_when_shell", "up to date when shell"),
    ("up_to_date_when_sql", "up to date when sql"),
];

/// The fields of the object `n`, one per line.
pub fn fields(l: &mut Lower, n: &Node, place: &str) {
    let Value::Object(entries) = &n.value else {
        l.diags
            .push(dj::wrong_type(n.span, place, "an object", n.value.what()));
        return;
    };
    for (k, v) in entries {
        match (&v.value, k.name.as_str()) {
            (Value::Array(items), name)
                if !matches!(name, "depends_on" | "after" | "on_failure_rollback") =>
            {
                // A field written more than once (`mount`).
                for item in items {
                    field(l, k, item);
                }
            }
            _ => field(l, k, v),
        }
    }
}

fn field(l: &mut Lower, k: &Key, v: &Node) {
    l.line(k.span);
    let wf = RENAMED
        .iter()
        .find(|(j, _)| *j == k.name)
        .map_or(k.name.as_str(), |(_, w)| w);
    let place = format!("the field `{}`", k.name);
    match (k.name.as_str(), &v.value) {
        ("depends_on" | "after", _) => {
            l.put(wf, k.span);
            l.put(" ", k.span);
            names(l, v, &place, k.name == "depends_on");
        }
        ("retry", _) => retry(l, k, v),
        ("until", _) => {
            let Some(o) = l.obj(v, &place, &["condition", "every", "within"]) else {
                return;
            };
            l.put("until", k.span);
            for (key, word) in [
                ("condition", ""),
                ("every", " every"),
                ("within", " within"),
            ] {
                l.put(word, k.span);
                l.put(" ", k.span);
                if let Some(x) = l.need(&o, key) {
                    l.value(x, &place, Syntax::Expr);
                }
            }
        }
        ("mount", _) => {
            let Some(o) = l.obj(v, &place, &["source", "at"]) else {
                return;
            };
            l.put("mount ", k.span);
            if let Some(x) = l.need(&o, "source") {
                l.value(x, &place, Syntax::Expr);
            }
            l.put(" at ", k.span);
            if let Some(x) = l.need(&o, "at") {
                l.value(x, &place, Syntax::Expr);
            }
        }
        ("executor", Value::Object(_)) => {
            let Some(o) = l.obj(v, &place, &["name", "fields"]) else {
                return;
            };
            l.put("executor ", k.span);
            if let Some(x) = l.need(&o, "name") {
                l.value(x, &place, Syntax::Name);
            }
            if let Some(f) = o.get("fields") {
                l.braces(f.span, |l| fields(l, f, "an executor's `fields`"));
            }
        }
        ("executor" | "on_fail", _) => {
            l.put(wf, k.span);
            l.put(" ", k.span);
            l.value(v, &place, Syntax::Name);
        }
        ("resources", _) => {
            l.put("resources", k.span);
            l.braces(v.span, |l| fields(l, v, "`resources`"));
        }
        ("outputs", _) => {
            let Some(o) = l.open(v, &place) else {
                return;
            };
            l.put("outputs", k.span);
            l.braces(v.span, |l| {
                for (name, ty) in o.entries {
                    l.line(name.span);
                    l.key(name);
                    l.put(": ", name.span);
                    l.value(ty, "an output's type", Syntax::Type);
                }
            });
        }
        // An approval gate's inputs: each a declaration object (a map field
        // of that name holds expressions, written as strings).
        ("inputs", Value::Object(entries))
            if entries
                .iter()
                .any(|(_, d)| matches!(d.value, Value::Object(_))) =>
        {
            let Some(o) = l.open(v, &place) else {
                return;
            };
            l.put("inputs", k.span);
            l.braces(v.span, |l| {
                for (name, d) in o.entries {
                    let Some(e) = l.obj(d, "an input", &["type", "in", "default"]) else {
                        continue;
                    };
                    l.line(name.span);
                    l.key(name);
                    l.put(": ", name.span);
                    if let Some(t) = l.need(&e, "type") {
                        l.value(t, "an input's `type`", Syntax::Type);
                    }
                    if let Some(c) = e.get("in") {
                        l.put(" in ", c.span);
                        l.value(c, "an input's `in`", Syntax::Constraint);
                    }
                    if let Some(x) = e.get("default") {
                        l.put(" = ", x.span);
                        l.value(x, "an input's `default`", Syntax::Expr);
                    }
                }
            });
        }
        ("on_failure_rollback", _) => {
            l.put(wf, k.span);
            super::items::block(l, v, "`on_failure_rollback`");
        }
        (_, Value::Bool(true)) => l.put(wf, k.span),
        (_, Value::Object(_)) => {
            l.put(wf, k.span);
            map(l, v, &place);
        }
        (_, Value::Bool(false) | Value::Null) => l.diags.push(dj::wrong_type(
            v.span,
            &place,
            "`true` (a flag) or a `.wf` expression",
            v.value.what(),
        )),
        _ => {
            l.put(wf, k.span);
            l.put(" ", k.span);
            l.value(v, &place, Syntax::Expr);
        }
    }
}

fn retry(l: &mut Lower, k: &Key, v: &Node) {
    const KEYS: [&str; 6] = ["count", "backoff", "strategy", "max", "within", "when"];
    let place = "the field `retry`";
    let o = match &v.value {
        Value::Object(_) => l.obj(v, place, &KEYS),
        _ => None,
    };
    l.put("retry ", k.span);
    let Some(o) = o else {
        // `"retry": 3`: the count alone.
        return l.value(v, place, Syntax::RetryOperand);
    };
    if let Some(x) = l.need(&o, "count") {
        l.value(x, place, Syntax::RetryOperand);
    }
    for (key, word) in [
        ("backoff", " backoff "),
        ("strategy", " "),
        ("max", " max "),
        ("within", " within "),
    ] {
        let Some(x) = o.get(key) else { continue };
        if key == "strategy" && o.get("backoff").is_none() {
            l.diags.push(dj::missing_key(o.span, "backoff", place));
        }
        l.put(word, x.span);
        let syntax = if key == "strategy" {
            Syntax::Name
        } else {
            Syntax::RetryOperand
        };
        l.value(x, place, syntax);
    }
    if let Some(x) = o.get("when") {
        l.put(" when ", x.span);
        l.value(x, place, Syntax::Expr);
    }
}

/// `a, any(b, c)`: names, and (`any`) groups `{"any": [...]}`.
pub fn names(l: &mut Lower, n: &Node, place: &str, any: bool) {
    let Some(items) = l.array(n, place) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            l.put(", ", item.span);
        }
        match &item.value {
            Value::Object(_) if any => {
                let Some(o) = l.obj(item, "an `any` group", &["any"]) else {
                    continue;
                };
                let Some(group) = l.need(&o, "any").and_then(|g| l.array(g, "`any`")) else {
                    continue;
                };
                l.put("any(", item.span);
                for (j, g) in group.iter().enumerate() {
                    if j > 0 {
                        l.put(", ", g.span);
                    }
                    l.value(g, "a name in `any`", Syntax::Name);
                }
                l.put(")", item.span);
            }
            _ => l.value(item, place, Syntax::Name),
        }
    }
}

/// `{ KEY = EXPR … }`; an entry may be `{"value": EXPR, "optional": true}`.
pub fn map(l: &mut Lower, n: &Node, place: &str) {
    let Some(o) = l.open(n, place) else { return };
    l.braces(n.span, |l| {
        for (k, v) in o.entries {
            l.line(k.span);
            l.key(k);
            l.put(" = ", k.span);
            match &v.value {
                Value::Object(_) => {
                    let Some(e) = l.obj(v, "a map entry", &["value", "optional"]) else {
                        continue;
                    };
                    if let Some(x) = l.need(&e, "value") {
                        l.value(x, "a map entry's `value`", Syntax::Expr);
                    }
                    if let Some(opt) = e.get("optional") {
                        match opt.value {
                            Value::Bool(true) => l.put(" optional", opt.span),
                            Value::Bool(false) => {}
                            _ => l.diags.push(dj::wrong_type(
                                opt.span,
                                "`optional`",
                                "a boolean",
                                opt.value.what(),
                            )),
                        }
                    }
                }
                _ => l.value(v, place, Syntax::Expr),
            }
        }
    });
}

/// A workflow's `outputs { NAME: TYPE = EXPR … }`.
pub fn workflow_outputs(l: &mut Lower, n: &Node) {
    let Some(o) = l.open(n, "`outputs`") else {
        return;
    };
    l.put("outputs", n.span);
    l.braces(n.span, |l| {
        for (k, v) in o.entries {
            let Some(e) = l.obj(v, "a workflow output", &["type", "value", "doc"]) else {
                continue;
            };
            l.line(k.span);
            l.doc(e.get("doc"), "an output's `doc`");
            l.key(k);
            l.put(": ", k.span);
            if let Some(t) = l.need(&e, "type") {
                l.value(t, "an output's `type`", Syntax::Type);
            }
            l.put(" = ", k.span);
            if let Some(x) = l.need(&e, "value") {
                l.value(x, "an output's `value`", Syntax::Expr);
            }
        }
    });
}
