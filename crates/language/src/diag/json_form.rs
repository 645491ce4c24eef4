//! Constructors for the diagnostics of the JSON form of the language
//! (`*.json` workflow files, docs/json-form.md): codes `E0930`–`E0939`.

use super::Diagnostic;
use crate::span::Span;

const FORM: &str = "the JSON form is described in docs/json-form.md";

/// E0930: the file is not JSON.
pub fn not_json(at: Span, why: &str) -> Diagnostic {
    Diagnostic::error("E0930", format!("not valid JSON: {why}"))
        .primary(at, "the JSON stops being valid here")
        .help("a `.json` workflow file must be one JSON document")
}

/// E0931: a key that this object does not take.
pub fn unknown_key(at: Span, key: &str, place: &str, allowed: &[&str]) -> Diagnostic {
    let list: Vec<String> = allowed.iter().map(|k| format!("`{k}`")).collect();
    let d = Diagnostic::error("E0931", format!("unknown key `{key}` in {place}"))
        .primary(at, "not a key of this object");
    let takes = format!("{place} takes {}; {FORM}", list.join(", "));
    match super::did_you_mean(key, allowed.iter().copied()) {
        Some(m) => d
            .fix(at, format!("\"{m}\""), format!("write `{m}`"))
            .help(format!("did you mean `{m}`? {takes}")),
        None => d.help(takes),
    }
}

/// E0932: a value of the wrong JSON type.
pub fn wrong_type(at: Span, place: &str, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error("E0932", format!("{place} must be {expected}, not {found}"))
        .primary(at, format!("expected {expected}"))
        .help(format!(
            "expressions, types and names are JSON strings in `.wf` syntax (`\"\\\"text\\\"\"`, `\"env == \\\"prod\\\"\"`, `\"5m\"`); {FORM}"
        ))
}

/// E0933: a key an object needs is missing.
pub fn missing_key(at: Span, key: &str, place: &str) -> Diagnostic {
    Diagnostic::error("E0933", format!("{place} has no `{key}`"))
        .primary(at, format!("`{key}` is missing here"))
        .help(FORM)
}

/// E0934: an item that does not say what it is, or says two things.
pub fn item_kind(at: Span, found: &[&str], kinds: &[&str]) -> Diagnostic {
    let message = match found {
        [] => "an item names no kind".to_string(),
        _ => format!("an item names two kinds: `{}`", found.join("`, `")),
    };
    let list: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
    Diagnostic::error("E0934", message)
        .primary(at, "exactly one kind key expected")
        .help(format!(
            "an item has exactly one of the keys {}; {FORM}",
            list.join(", ")
        ))
}

/// E0935: a block's `depends_on` item anywhere but first.
pub fn depends_not_first(at: Span) -> Diagnostic {
    Diagnostic::error("E0935", "a block's `depends_on` item must come first")
        .primary(at, "after other items")
        .help("move it to the start of the block, or put `depends_on` in a step's `fields`")
}

/// E0936: a string that is not the one `.wf` name, type or expression its
/// place takes (it would change the shape of the workflow around it).
pub fn not_one(at: Span, what: &str, text: &str) -> Diagnostic {
    // On one line: a line break in the value is shown as `\n`.
    let shown = text
        .chars()
        .take(40)
        .collect::<String>()
        .replace('\n', "\\n");
    Diagnostic::error("E0936", format!("`{shown}` is not one {what}"))
        .primary(at, format!("expected one {what}"))
        .help(format!("write a single {what} in `.wf` syntax; {FORM}"))
}

/// E0937: `wfc fmt` on a JSON workflow file.
pub fn fmt_json(at: Span) -> Diagnostic {
    Diagnostic::error("E0937", "`wfc fmt` formats `.wf` files only")
        .primary(at, "a JSON workflow file")
        .help("format it with a JSON tool (`jq .`), or write it again in the canonical JSON form with `wfc export json FILE`")
}
