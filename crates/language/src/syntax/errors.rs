//! pest errors → plain-words diagnostics.
//!
//! pest knows which rules and tokens it tried at the furthest position. Users
//! should never see rule names, so each rule maps to words ("a name", "a
//! string", "`{`"), noise (operators that could continue an expression) is
//! dropped when something more useful is expected, and the rule being parsed
//! picks a help line showing the form it expects.

use super::parser::Rule;
use crate::diag::{self, Diagnostic};
use crate::span::Span;
use pest::error::{Error, ErrorVariant, InputLocation};
use std::collections::BTreeSet;

const ITEM: &str = "an item (`step`, `param`, `if`, `for each`, `parallel`, …)";
const FIELD: &str = "a field";

/// What a user calls the thing a rule parses; `None` for rules that are noise.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the file",
        ident | name | field_head | flag_field | strategy | ident_list | plain_idents => "a name",
        any_deps | kw_any => "`any(…)`",
        expr | string | triple_string | int | float | duration | boolean | list | map_lit
        | call | paren | not | neg | range_bound | retry_operand => "a value",
        type_expr => "a type",
        block | step_body | map_block => "`{`",
        map_assign | key => "`KEY = value`",
        map_entry => "`key: value`",
        output_decl => "`name: type`",
        input_decl => "`name: type [= default]`",
        constraint => "`in`",
        expr_field | map_field | depends_field | after_field | retry_field | outputs_field
        | inputs_field | rollback_field | on_fail_field | mount_field | up_to_date_field => FIELD,
        setting | param | let_item | env_item | defaults | handler | step | if_item | for_each
        | parallel | sequence | trigger | lock_item | alert_item => ITEM,
        alert_body | notify_body => "`{`",
        alert_when => "`when` and a condition",
        alert_notify => "`notify`",
        alert_window => "`(last …)`",
        alert_op => "a comparison (`>`, `>=`)",
        alert_value => "a value",
        kw_workflow | workflow => "`workflow`",
        kw_step => "`step`",
        kw_param => "`param`",
        kw_let => "`let`",
        kw_secret => "`secret`",
        kw_if => "`if`",
        kw_else | else_if | else_block => "`else`",
        kw_for => "`for`",
        kw_each => "`each`",
        kw_parallel | parallel_spec => "`parallel`",
        kw_wait | wait_mode => "`wait`",
        kw_on => "`on`",
        kw_failure => "`failure`",
        kw_success => "`success`",
        kw_finally => "`finally`",
        kw_schedule => "`schedule`",
        kw_webhook => "`webhook`",
        kw_change => "`change`",
        kw_lock => "`lock`",
        kw_alert => "`alert`",
        kw_notify => "`notify`",
        kw_last => "`last`",
        kw_fail => "`fail`",
        kw_rollback => "`rollback`",
        kw_depends | depends_kw | block_depends => "`depends on`",
        kw_backoff | backoff => "`backoff`",
        kw_max | retry_max => "`max`",
        kw_at => "`at`",
        kw_sequence => "`sequence`",
        kw_after => "`after`",
        optional_mark => "`?`",
        _ => return None,
    })
}

/// Operators and postfixes: they could always continue an expression, so they
/// are mentioned only when nothing else was expected.
fn is_continuation(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        or | and
            | eq
            | ne
            | le
            | ge
            | lt
            | gt
            | in_op
            | add
            | sub
            | mul
            | div
            | rem
            | member
            | index
            | cond_tail
    )
}

/// The form of a construct, by the word that starts its line, for the help line.
fn form_help(word: &str) -> Option<&'static str> {
    Some(match word {
        "workflow" => "a file holds one workflow: `workflow NAME { … }`",
        "step" => "a step is written `step NAME: KIND { FIELD VALUE … }`, e.g. `step test: shell { run \"cargo test\" }`",
        "param" | "secret" => "a parameter is written `param NAME: TYPE [in [..] | in LO..HI] [= DEFAULT]`",
        "let" => "a let is written `let NAME = EXPR`, at workflow level or at the top of a block",
        "retry" => "retry is written on one line: `retry 3 backoff 5s exponential max 1m`",
        "depends" => "dependencies are written `depends on a, b`",
        "for" => "a loop is written `for each NAME in LIST [parallel [N] | batch N] [fail fast] [max failures N|P%] { … }`",
        "parallel" => "a parallel block is written `parallel [NAME] [wait all|any] { … }`",
        "if" | "else" => "a condition is written `if EXPR { … } else if EXPR { … } else { … }`",
        "env" | "headers" => "a map block is written `{ KEY = value … }`",
        "outputs" => "outputs are declared `outputs { name: type, … }`",
        "mount" => "a mount is written `mount \"SRC\" at \"/DST\"`",
        "on" => "write `on fail abort|pause|continue` (gates), `on failure rollback { … }` (steps), `on failure|success { … }` (workflow handlers), or `on schedule|webhook|change \"…\" { … }` (triggers)",
        "lock" => "a lock is written `lock \"KEY\"` at workflow level",
        "alert" | "notify" | "cooldown" => "an alert is written `alert NAME { when CONDITION  notify slack|webhook|email { FIELD … }  cooldown D }` at workflow level, e.g. `when failure_rate(last 10) > 0.3`",
        "finally" => "a handler is written `finally { … }`",
        "sequence" => "a sequence is written `sequence [NAME] { [depends on …] STEPS-OR-BLOCKS }`",
        "after" => "write `after a, b` in a step: it starts once each has ended, however it ended",
        _ => return None,
    })
}

/// The first word of the line holding `pos`, or of the line before when that
/// one does not start with a known construct.
fn context_help(text: &str, pos: usize) -> Option<&'static str> {
    let pos = pos.min(text.len());
    let line_end = text[pos..].find('\n').map_or(text.len(), |e| pos + e);
    let before = text.get(..line_end).unwrap_or("");
    let mut lines = before.rsplit('\n');
    // Past the `}` of `} else if …`: the construct is the word after it.
    let first_word = |line: &str| -> String {
        line.trim_start_matches(|c: char| c.is_whitespace() || c == '}')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let current = lines.next().map(first_word).unwrap_or_default();
    if let Some(h) = form_help(&current) {
        return Some(h);
    }
    let previous = lines
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(first_word)
        .unwrap_or_default();
    form_help(&previous).or(if current.is_empty() {
        None
    } else {
        Some("a field's value starts on the same line as its name: `timeout 5m`")
    })
}

/// Converts a pest failure into one diagnostic.
pub fn from_pest(err: &Error<Rule>, text: &str) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut words: BTreeSet<String> = BTreeSet::new();
    let mut continuation = false;
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if is_continuation(*r) {
                continuation = true;
            } else if let Some(w) = describe(*r) {
                words.insert(w.to_string());
            }
        }
    }
    let mut punctuation = BTreeSet::new();
    if let Some(attempts) = err.parse_attempts() {
        for tok in attempts.expected_tokens() {
            // Display gives the literal text of a token (pest does not export
            // the token type itself).
            let t = tok.to_string();
            let t = t.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
            if is_operator_token(t) {
                continuation = true;
            } else if !t.is_empty() && !t.contains("..") && t != "#" && t != "BUILTIN_RULE" {
                // Keywords and identifier characters are named by their rules.
                if !t.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    punctuation.insert(t.to_string());
                }
            }
        }
    }
    // Tokens that only start a value add nothing to "a value".
    if words.contains("a value") {
        punctuation
            .retain(|t| !matches!(t.as_str(), "!" | "\"" | "\"\"\"" | "(" | "[" | "{" | "-"));
    }
    words.extend(punctuation.into_iter().map(|t| format!("`{t}`")));
    // A broad expectation says it all; the keywords that start it are noise.
    let help = if words.contains("`workflow`") {
        form_help("workflow")
    } else if words.contains(ITEM) {
        words.retain(|w| w == ITEM || w == "`}`");
        Some("a workflow body holds params, settings (`timeout 1h`), `env`, `defaults`, steps, `if`, `for each`, `parallel` and `on failure`/`on success`/`finally` handlers")
    } else if words.contains(FIELD) {
        words.retain(|w| w == FIELD || w == "`}`");
        Some("a step holds fields, one per line: `NAME VALUE` with the value on the same line as the name (`timeout 5m`), or a flag such as `optional`")
    } else {
        context_help(text, pos)
    };
    if words.is_empty() && continuation {
        words.insert("an operator".into());
    }
    let found = found_at(text, pos);
    if found.0 == "`'`" {
        return single_quote(text, pos);
    }
    if let Some(d) = super::habits::at(text, pos) {
        return d;
    }
    // Words tried only inside a negative lookahead ("not a keyword here") come
    // back as expected tokens; the very token found cannot be what was expected.
    let words: Vec<String> = words
        .into_iter()
        .filter(|w| {
            *w != found.0 && !(is_reserved_field_word(w) && is_reserved_field_word(&found.0))
        })
        .collect();
    // A file with nothing but comments and blanks lacks its workflow.
    let blank = text.lines().all(|l| {
        l.trim_start_matches('\u{FEFF}').trim().is_empty() || l.trim_start().starts_with('#')
    });
    let (words, help) = if blank {
        (vec!["`workflow`".to_string()], form_help("workflow"))
    } else {
        (words, help)
    };
    let expected = join_words(words);
    let at = Span::new(pos, pos + found.1);
    diag::syntax::unexpected(at, &expected, &found.0, help)
}

fn is_reserved_field_word(w: &str) -> bool {
    matches!(
        w,
        "`depends on`"
            | "`depends`"
            | "`on`"
            | "`retry`"
            | "`backoff`"
            | "`max`"
            | "`outputs`"
            | "`mount`"
            | "`after`"
    )
}

fn is_operator_token(t: &str) -> bool {
    matches!(
        t,
        "||" | "&&"
            | "=="
            | "!="
            | "<="
            | ">="
            | "<"
            | ">"
            | "+"
            | "-"
            | "*"
            | "/"
            | "%"
            | "."
            | "["
    )
}

fn join_words(mut words: Vec<String>) -> String {
    // "a name" before punctuation reads better; keep a stable order otherwise.
    words.sort_by_key(|w| (w.starts_with('`'), w.clone()));
    match words.len() {
        0 => String::new(),
        1 => words.remove(0),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {}", words.join(", "), last)
        }
    }
}

/// A short description of the text at `pos` and its byte length.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    if c == '\n' || c == '\r' {
        return ("the end of the line".to_string(), 0);
    }
    if c.is_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        return (format!("`{word}`"), word.len());
    }
    if c == '"' {
        return ("a string".to_string(), 1);
    }
    (format!("`{c}`"), c.len_utf8())
}

/// E0001 at a `'` (no string in wfc), naming what was meant: `${'$'}` (a
/// literal `$` as other languages write it), or a single-quoted string.
fn single_quote(text: &str, pos: usize) -> Diagnostic {
    let line_end = text[pos..].find('\n').map_or(text.len(), |e| pos + e);
    let rest = &text[pos + 1..line_end];
    let quoted = rest.find('\'').map(|close| {
        let inner = &rest[..close];
        (Span::new(pos, pos + close + 2), inner)
    });
    let before = text[..pos].trim_end_matches([' ', '\t']);
    let dollar = match quoted {
        Some((q, "$")) if before.ends_with("${") => {
            let after = text[q.end as usize..line_end].trim_start_matches([' ', '\t']);
            let close = after.starts_with('}').then(|| line_end - after.len() + 1);
            close.map(|end| Span::new(before.len() - 2, end))
        }
        _ => None,
    };
    diag::syntax::single_quote(Span::new(pos, pos + 1), dollar, quoted)
}

#[cfg(test)]
mod tests {
    use super::super::{ast, parse};

    /// The default of the first param of `text`, as plain text.
    fn first_default(text: &str) -> Option<String> {
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let file = parsed.file?;
        file.first().items.iter().find_map(|i| match i {
            ast::Item::Param(p) => match &p.default.as_ref()?.kind {
                ast::ExprKind::Str(s) => s.as_plain(),
                _ => None,
            },
            _ => None,
        })
    }

    /// `${'$'}` is refused at itself, and its fix is the spec's `\$`.
    #[test]
    fn a_kotlin_dollar_is_refused_and_fixed_to_the_escape() {
        for (text, value) in [
            (
                "workflow w {\n  param p: string = \"costs ${'$'}5\"\n}\n",
                "costs $5",
            ),
            (
                "workflow w {\n  param p: string = \"a ${ '$' }{b}\"\n}\n",
                "a ${b}",
            ),
        ] {
            let parsed = parse(text);
            let [d] = &parsed.diagnostics[..] else {
                panic!("{:#?}", parsed.diagnostics)
            };
            let fix = &d.fixes[0];
            let (s, e) = (fix.span.start as usize, fix.span.end as usize);
            assert_eq!(&text[s..e].replace(' ', ""), "${'$'}");
            let fixed = format!("{}{}{}", &text[..s], fix.replacement, &text[e..]);
            assert_eq!(first_default(&fixed).as_deref(), Some(value));
        }
    }

    /// A single-quoted string is refused at its quotes; the fix uses double ones.
    #[test]
    fn single_quotes_are_refused_with_double_ones_as_the_fix() {
        let text = "workflow w {\n  param p: string = 'EUR'\n}\n";
        let parsed = parse(text);
        let d = &parsed.diagnostics[0];
        let fix = &d.fixes[0];
        let (s, e) = (fix.span.start as usize, fix.span.end as usize);
        assert_eq!(&text[s..e], "'EUR'");
        let fixed = format!("{}{}{}", &text[..s], fix.replacement, &text[e..]);
        assert_eq!(first_default(&fixed).as_deref(), Some("EUR"));
    }
}
