//! Values as literal expressions of Python and JavaScript.
//!
//! Each literal is a primary expression: negative numbers are parenthesised
//! (`a-${n}` reads `a-(-1)`, never `a--1`), JS objects too (`({…})` is never a
//! block). Strings escape every character outside printable ASCII, so no
//! value can end the literal or hold a raw line break.

use super::ScriptLang;
use crate::Value;
use wfc_language::script_syntax::{escape_in_string, Lang, StrKind};

/// The largest integer a JavaScript number holds exactly; beyond, a BigInt.
const JS_SAFE_INT: i64 = (1 << 53) - 1;

/// `v` as a literal expression of `lang`.
pub fn literal(lang: ScriptLang, v: &Value) -> String {
    let mut out = String::new();
    push(lang, v, &mut out);
    out
}

fn push(lang: ScriptLang, v: &Value, out: &mut String) {
    let py = lang == ScriptLang::Python;
    match v {
        Value::Null => out.push_str(if py { "None" } else { "null" }),
        Value::Bool(b) => out.push_str(match (py, b) {
            (true, true) => "True",
            (true, false) => "False",
            (false, true) => "true",
            (false, false) => "false",
        }),
        Value::Int(i) => {
            let big = !py && !(-JS_SAFE_INT..=JS_SAFE_INT).contains(i);
            let n = format!("{i}{}", if big { "n" } else { "" });
            out.push_str(&parenthesise_negative(n));
        }
        Value::Float(f) => out.push_str(&float(lang, *f)),
        // Seconds, as a float: what `time.sleep` and `setTimeout(… * 1000)` take.
        Value::Duration(ms) => out.push_str(&float(lang, *ms as f64 / 1000.0)),
        Value::Str(s) => string(lang, s, out),
        // Its RFC 3339 text, as `${t}` writes it.
        Value::Time(_) => string(lang, &v.to_text(), out),
        Value::List(xs) => {
            out.push('[');
            for (k, x) in xs.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                push(lang, x, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            // JS: computed keys, so `__proto__` is an own property, not the prototype.
            out.push_str(if py { "{" } else { "({" });
            for (k, (key, x)) in m.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                if !py {
                    out.push('[');
                }
                string(lang, key, out);
                out.push_str(if py { ": " } else { "]: " });
                push(lang, x, out);
            }
            out.push_str(if py { "}" } else { "})" });
        }
    }
}

/// A float that reads back as exactly `f`, NaN, infinities and `-0.0` included.
fn float(lang: ScriptLang, f: f64) -> String {
    let py = lang == ScriptLang::Python;
    if f.is_nan() {
        // JS: `0/0`, not `NaN`, which a script's own `let NaN` could shadow.
        return (if py { "float(\"nan\")" } else { "(0/0)" }).into();
    }
    if f.is_infinite() {
        return match (py, f > 0.0) {
            (true, true) => "float(\"inf\")",
            (true, false) => "(-float(\"inf\"))",
            (false, true) => "(1/0)",
            (false, false) => "(-1/0)",
        }
        .into();
    }
    // Rust's `{:?}` is the shortest text that round-trips (`0.1`, `1e300`,
    // `-0.0`), and both languages read it as the same double.
    parenthesise_negative(format!("{f:?}"))
}

fn parenthesise_negative(n: String) -> String {
    if n.starts_with('-') {
        format!("({n})")
    } else {
        n
    }
}

fn string(lang: ScriptLang, s: &str, out: &mut String) {
    let kind = StrKind {
        lang: lang.syntax(),
        quote: '"',
        triple: false,
        format: false,
    };
    out.push('"');
    out.push_str(&escape_in_string(kind, s));
    out.push('"');
}

impl ScriptLang {
    /// The language of a `python` or `node` step.
    pub fn of(kind: wfc_language::ir::StepKind) -> Option<ScriptLang> {
        kind.script_lang().map(|l| match l {
            Lang::Python => ScriptLang::Python,
            Lang::JavaScript => ScriptLang::Node,
        })
    }

    pub fn syntax(self) -> Lang {
        match self {
            ScriptLang::Python => Lang::Python,
            ScriptLang::Node => Lang::JavaScript,
        }
    }
}

/// `v` as the JSON a secret's environment variable holds: like
/// [`Value::to_json`], but durations in seconds as their literals are.
pub fn secret_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Duration(ms) => {
            serde_json::Number::from_f64(*ms as f64 / 1000.0).map_or(J::Null, J::Number)
        }
        Value::List(xs) => J::Array(xs.iter().map(secret_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, x)| (k.clone(), secret_json(x))).collect()),
        _ => v.to_json(),
    }
}
