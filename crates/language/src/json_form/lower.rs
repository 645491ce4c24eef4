//! The JSON form → `.wf` text, with a [`SourceMap`] back to the document.
//!
//! Each value in `.wf` syntax (a name, a type, an expression) is copied
//! verbatim, once checked to be exactly one such thing, so a value cannot
//! change the shape of the text around it; the structure is written from
//! the keys. The language's own parser and checker then read the text.

use super::map::SourceMap;
use super::tree::{Key, Node, Text, Value};
use crate::diag::{json_form as dj, Diagnostic};
use crate::span::Span;
use crate::syntax::parser::{Rule, WfParser};
use pest::Parser;

/// The keys that name an item's kind (exactly one per item).
pub const ITEM_KINDS: &[&str] = &[
    "settings",
    "param",
    "secret",
    "env",
    "defaults",
    "step",
    "if",
    "for_each",
    "parallel",
    "sequence",
    "on_failure",
    "on_success",
    "finally",
    "let",
    "outputs",
    "trigger",
    "lock",
    "alert",
    "depends_on",
];

/// What a value in `.wf` syntax must be, and the grammar rule that reads it.
#[derive(Clone, Copy)]
pub enum Syntax {
    Name,
    Type,
    Expr,
    /// `1..20` or `["a", "b"]` after `in`.
    Constraint,
    /// `rel.ship`.
    CallTarget,
    /// A `retry` count, backoff, max or within.
    RetryOperand,
    /// An alert's condition (`failure_rate(last 10) > 0.3`).
    AlertCondition,
    /// A loop's `max failures`: `2`, `limit` or `25%`.
    MaxFailures,
}

impl Syntax {
    fn what(self) -> &'static str {
        match self {
            Syntax::Name => "name",
            Syntax::Type => "type",
            Syntax::Expr => "`.wf` expression",
            Syntax::Constraint => "range (`1..20`) or list",
            Syntax::CallTarget => "workflow or `module.workflow`",
            Syntax::RetryOperand => "count or duration",
            Syntax::AlertCondition => "alert condition",
            Syntax::MaxFailures => "count or percentage (`2`, `25%`)",
        }
    }

    /// Whether `text` is exactly one of these.
    fn reads(self, text: &str) -> bool {
        let (rule, text) = match self {
            Syntax::Name => (Rule::ident, text),
            Syntax::Type => (Rule::type_expr, text.trim()),
            Syntax::Expr => (Rule::expr, text.trim()),
            Syntax::Constraint => (Rule::constraint, text.trim()),
            Syntax::CallTarget => (Rule::call_target, text),
            Syntax::RetryOperand => (Rule::retry_operand, text),
            Syntax::AlertCondition => (Rule::alert_when, text.trim()),
            Syntax::MaxFailures => (Rule::max_failures, text.trim()),
        };
        let text = match self {
            Syntax::Constraint => format!("in {text}"),
            Syntax::AlertCondition => format!("when {text}"),
            Syntax::MaxFailures => format!("max failures {text}"),
            _ => text.to_string(),
        };
        WfParser::parse(rule, &text)
            .ok()
            .and_then(|mut p| p.next())
            .is_some_and(|p| p.as_span().end() == text.len())
    }
}

/// Writes `.wf` text for the JSON form, and where each byte came from.
pub struct Lower {
    pub out: String,
    pub map: SourceMap,
    pub diags: Vec<Diagnostic>,
    depth: usize,
}

/// An object checked against the keys it takes.
pub struct Obj<'n> {
    pub span: Span,
    pub entries: &'n [(Key, Node)],
    pub place: String,
}

impl<'n> Obj<'n> {
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }
}

impl Lower {
    pub fn new() -> Lower {
        Lower {
            out: String::new(),
            map: SourceMap::default(),
            diags: Vec::new(),
            depth: 0,
        }
    }

    /// Writes `s`, made for the value at `from`.
    pub fn put(&mut self, s: &str, from: Span) {
        self.map.whole(self.out.len(), from);
        self.out.push_str(s);
    }

    /// A new line at the current depth.
    pub fn line(&mut self, from: Span) {
        let pad = "  ".repeat(self.depth);
        self.put(&format!("\n{pad}"), from);
    }

    /// ` {`, the lines `body` writes one level deeper, then `}`.
    pub fn braces(&mut self, from: Span, body: impl FnOnce(&mut Lower)) {
        self.put(" {", from);
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.line(from);
        self.put("}", from);
    }

    /// `n` as an object whose keys are among `allowed`, else E0932 / E0931.
    pub fn obj<'n>(&mut self, n: &'n Node, place: &str, allowed: &[&str]) -> Option<Obj<'n>> {
        let o = self.open(n, place)?;
        for (k, _) in o.entries {
            if !allowed.contains(&k.name.as_str()) {
                self.diags
                    .push(dj::unknown_key(k.span, &k.name, place, allowed));
            }
        }
        Some(o)
    }

    /// `n` as an object with any keys, else E0932.
    pub fn open<'n>(&mut self, n: &'n Node, place: &str) -> Option<Obj<'n>> {
        let Value::Object(entries) = &n.value else {
            self.diags
                .push(dj::wrong_type(n.span, place, "an object", n.value.what()));
            return None;
        };
        Some(Obj {
            span: n.span,
            entries,
            place: place.to_string(),
        })
    }

    /// `o[key]`, or E0933.
    pub fn need<'n>(&mut self, o: &Obj<'n>, key: &str) -> Option<&'n Node> {
        let v = o.get(key);
        if v.is_none() {
            self.diags.push(dj::missing_key(o.span, key, &o.place));
        }
        v
    }

    /// `n` as an array, else E0932.
    pub fn array<'n>(&mut self, n: &'n Node, place: &str) -> Option<&'n [Node]> {
        match &n.value {
            Value::Array(items) => Some(items),
            v => {
                self.diags
                    .push(dj::wrong_type(n.span, place, "an array", v.what()));
                None
            }
        }
    }

    /// `n` as a string, else E0932.
    pub fn string<'n>(&mut self, n: &'n Node, place: &str) -> Option<&'n Text> {
        match &n.value {
            Value::String(t) => Some(t),
            v => {
                self.diags
                    .push(dj::wrong_type(n.span, place, "a string", v.what()));
                None
            }
        }
    }

    /// Writes `n`, a string of `.wf` syntax `syntax` (an expression may be
    /// a JSON number or boolean too).
    pub fn value(&mut self, n: &Node, place: &str, syntax: Syntax) {
        match (&n.value, syntax) {
            (Value::String(t), _) => {
                if !syntax.reads(&t.text) {
                    self.diags.push(dj::not_one(n.span, syntax.what(), &t.text));
                    return;
                }
                self.map.text(self.out.len(), t, n.span);
                self.out.push_str(&t.text);
            }
            (Value::Number(x), Syntax::Expr | Syntax::RetryOperand | Syntax::MaxFailures) => {
                self.put(x, n.span)
            }
            (Value::Bool(b), Syntax::Expr) => self.put(if *b { "true" } else { "false" }, n.span),
            (v, Syntax::Expr) => self.diags.push(dj::wrong_type(
                n.span,
                place,
                "a string (a `.wf` expression), a number or a boolean",
                v.what(),
            )),
            (v, _) => {
                let expected = format!("a string (a {})", syntax.what());
                self.diags
                    .push(dj::wrong_type(n.span, place, &expected, v.what()));
            }
        }
    }

    /// `## …` lines for a `doc` string.
    pub fn doc(&mut self, n: Option<&Node>, place: &str) {
        let Some(n) = n else { return };
        let Some(t) = self.string(n, place) else {
            return;
        };
        for line in t.text.lines() {
            let text = match line.is_empty() {
                true => "##".to_string(),
                false => format!("## {line}"),
            };
            self.put(&text, n.span);
            self.line(n.span);
        }
    }

    /// A map key: bare when it is a name, else quoted.
    pub fn key(&mut self, k: &Key) {
        // `Content-Type` is a name too, but people quote it.
        if Syntax::Name.reads(&k.name) && !k.name.contains('-') {
            self.put(&k.name, k.span);
            return;
        }
        self.put(&super::quote(&k.name), k.span);
    }
}
