//! What is being typed at the cursor, from the tolerant lexer.
//!
//! [`at`] looks at the brace frame around the cursor and the words of the
//! statement before it (`step x:`, `depends on a,`, `param p:`, `build.`) and
//! names the [`Context`] that completion answers.

use super::lexer::{ident_end, FrameKind, Lexed, Tok};
use crate::check::kinds;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// Inside a string's text or a comment: nothing to offer.
    Nothing,
    /// At the top of the file: `workflow`.
    FileStart,
    /// Where an item may start in a workflow body (`in_workflow`) or a block.
    ItemStart { in_workflow: bool },
    /// After `step NAME:`.
    StepKind,
    /// Where a field of the enclosing step may start.
    StepField,
    /// Where a field of `defaults { }` may start.
    DefaultsField,
    /// After `depends on` (names already listed are left out); `any`: an
    /// `any(…)` group may start here.
    DependsOn { listed: Vec<String>, any: bool },
    /// Where a type is expected (`param p:`, `outputs { n: … }`, `list<`).
    Type,
    /// After `NAME.`: the outputs of step `NAME` (or `failed.`).
    Member { base: String },
    /// After `NAME.outputs.`: the declared outputs of step `NAME`.
    DeclaredOutputs { step: String },
    /// After `step.artifacts.`: the artifacts the step declares.
    Artifacts { step: String },
    /// After `step NAME: call` (`module: None`) or `call M.`: a call target.
    CallTarget { module: Option<String> },
    /// One of a fixed set of keyword values.
    Value(&'static [&'static str]),
    /// After `lock KEY { on busy`: what a later run does.
    BusyMode,
    /// After `error is` in a retry's `when`: the error classes.
    ErrorClass,
    /// Where an expression may start.
    Expr,
    /// Where a key of a `sql` step's `params { }` may start.
    SqlParam,
    /// Where a line of an alert's body may start (`when`, `notify`, `cooldown`).
    AlertBody,
    /// Where a field of an alert's `notify KIND { … }` may start.
    ChannelField { kind: String },
}

/// The context at the cursor and what the completion replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub context: Context,
    /// The word typed so far (up to the cursor).
    pub replace: Range<usize>,
    /// The enclosing step's name and kind, if any.
    pub step: Option<(String, String)>,
    /// Field names the enclosing step already has.
    pub present: Vec<String>,
    /// Loop variables in scope, innermost first.
    pub loop_vars: Vec<String>,
    /// Inside the workflow's `on failure { }` (`failed` is in scope).
    pub in_failure_handler: bool,
    /// Inside a handler or a rollback (outside the main graph).
    pub in_region: bool,
    /// Whether `{` follows on the cursor's line (snippets then leave out the body).
    pub brace_follows: bool,
}

pub fn at(text: &str, lexed: &Lexed, offset: usize) -> Cursor {
    let offset = offset.min(text.len());
    let bytes = text.as_bytes();
    let mut start = offset;
    while start > 0
        && (bytes[start - 1].is_ascii_alphanumeric() || matches!(bytes[start - 1], b'_' | b'-'))
    {
        start -= 1;
    }
    // `a-` is not a name yet: keep `-` only inside.
    while start < offset && !(bytes[start].is_ascii_alphabetic() || bytes[start] == b'_') {
        start += 1;
    }
    if ident_end(bytes, start) < offset && start < offset {
        start = offset;
    }
    let frame = lexed.frame_at(offset);
    let chain: Vec<&FrameKind> = lexed.chain(frame).map(|f| &f.kind).collect();
    let line_end = text[offset..].find('\n').map_or(text.len(), |e| offset + e);
    let mut cursor = Cursor {
        context: Context::Nothing,
        replace: start..offset,
        step: chain.iter().find_map(|k| match k {
            FrameKind::Step { name, kind } => Some((name.clone(), kind.clone())),
            _ => None,
        }),
        present: Vec::new(),
        loop_vars: chain
            .iter()
            .filter_map(|k| match k {
                FrameKind::ForEach { var } => Some(var.clone()),
                _ => None,
            })
            .collect(),
        in_failure_handler: chain.contains(&&FrameKind::FailureHandler),
        in_region: chain
            .iter()
            .any(|k| matches!(k, FrameKind::FailureHandler | FrameKind::Region)),
        brace_follows: text[offset..line_end].contains('{'),
    };
    // Inside a string's text or a comment?
    if let Some(t) = lexed.token_at(offset) {
        let inside_str = t.kind == Tok::Str
            && t.span.start < offset
            && (offset < t.span.end || !closes_string(&text[t.span.clone()]));
        let inside_comment = t.kind == Tok::Comment && t.span.start < offset;
        if inside_str || inside_comment {
            return cursor;
        }
    }
    if let Some(FrameKind::Step { .. } | FrameKind::Notify { .. }) = chain.first() {
        cursor.present = fields_present(text, lexed, frame);
    }
    let words = statement_before(text, lexed, frame, start);
    let w: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
    cursor.context = classify(&w, chain[0], &words);
    cursor
}

/// Whether a string token's text ends its string (`"…"` or `"""…"""`).
fn closes_string(s: &str) -> bool {
    if s.starts_with("\"\"\"") {
        s.len() >= 6 && s.ends_with("\"\"\"")
    } else {
        s.len() >= 2 && s.ends_with('"') && !s.ends_with("\\\"")
            || (!s.starts_with('"') && s.ends_with('"'))
    }
}

/// The words of the statement before `end` in `frame`, with their token kinds.
fn statement_before<'t>(
    text: &'t str,
    lexed: &Lexed,
    frame: usize,
    end: usize,
) -> Vec<(&'t str, Tok)> {
    let n = lexed.tokens.partition_point(|t| t.span.end <= end);
    let mut out = Vec::new();
    let mut i = n;
    let mut last_start = end;
    while i > 0 {
        let t = &lexed.tokens[i - 1];
        if t.kind == Tok::Comment {
            i -= 1;
            continue;
        }
        if t.frame != frame || text[t.span.end..last_start].contains('\n') {
            break;
        }
        out.push((&text[t.span.clone()], t.kind));
        last_start = t.span.start;
        i -= 1;
        if t.starts_statement {
            break;
        }
    }
    out.reverse();
    out
}

fn classify(w: &[&str], frame: &FrameKind, words: &[(&str, Tok)]) -> Context {
    // Member access anywhere: `build.` and `build.outputs.`
    match w {
        ["step", _, ":", "call", module, "."] => {
            return Context::CallTarget {
                module: Some(module.to_string()),
            }
        }
        [.., base, ".", "outputs", "."] => {
            return Context::DeclaredOutputs {
                step: base.to_string(),
            }
        }
        [.., base, ".", "artifacts", "."] => {
            return Context::Artifacts {
                step: base.to_string(),
            }
        }
        [.., base, "."] if is_name(base) => {
            return Context::Member {
                base: base.to_string(),
            }
        }
        [.., _, "."] => return Context::Nothing,
        _ => {}
    }
    if matches!(w.last(), Some(&"<")) {
        return Context::Type;
    }
    match frame {
        FrameKind::File => {
            if w.is_empty() {
                Context::FileStart
            } else {
                Context::Nothing
            }
        }
        FrameKind::Workflow
        | FrameKind::Block
        | FrameKind::ForEach { .. }
        | FrameKind::FailureHandler
        | FrameKind::Region => {
            let w = match w {
                ["}", rest @ ..] => rest,
                w => w,
            };
            match w {
                [] => Context::ItemStart {
                    in_workflow: *frame == FrameKind::Workflow,
                },
                ["step", _, ":"] => Context::StepKind,
                ["step", _, ":", "call"] => Context::CallTarget { module: None },
                ["step", ..] | ["param" | "secret"] | ["param" | "secret", _] => Context::Nothing,
                ["depends", "on", rest @ ..] => depends(rest, true),
                ["sequence", ..] => Context::Nothing,
                ["param" | "secret", _, ":", rest @ ..]
                    if !rest.iter().any(|x| matches!(*x, "in" | "=")) =>
                {
                    Context::Type
                }
                ["parallel", .., "wait"] => Context::Value(kinds::WAIT_MODES),
                ["on", "busy"] => Context::BusyMode,
                ["for", "each", _, "in", rest @ ..] => loop_head(rest, words),
                ["if", ..] | ["else", "if", ..] => Context::Expr,
                ["for", ..] | ["parallel", ..] | ["else"] | ["on"] | ["env" | "defaults"] => {
                    Context::Nothing
                }
                _ if *frame == FrameKind::Workflow && w.len() == 1 => Context::Expr,
                _ => Context::Expr,
            }
        }
        FrameKind::Step { .. } => match w {
            [] => Context::StepField,
            ["depends", "on", rest @ ..] => depends(rest, true),
            ["after", rest @ ..] => depends(rest, false),
            ["pull"] => Context::Value(kinds::PULL_MODES),
            ["on", "fail"] => Context::Value(kinds::ON_FAIL_MODES),
            ["retry", _, "backoff", _] => Context::Value(kinds::STRATEGIES),
            // `until COND every D within D`: the next keyword of the clause.
            ["until", .., "every", _] => Context::Value(&["within"]),
            ["until", ..] if ends_value(words) && !w.contains(&"every") => {
                Context::Value(&["every"])
            }
            // `retry N … when COND`: what the failed attempt gives, then
            // any expression; `when` once the count (or a setting) ends.
            ["retry", .., "when"] => Context::Value(&["exit_code", "status_code", "error"]),
            ["retry", .., "error", "is"] if w.contains(&"when") => Context::ErrorClass,
            ["retry", ..] if w.contains(&"when") => Context::Expr,
            ["retry", _, ..] if ends_value(words) => Context::Value(&["when"]),
            ["retry", ..] | ["on", ..] | ["timeout" | "estimate", ..] | ["outputs" | "mount"] => {
                Context::Nothing
            }
            // `get "…"  expect 200`: a complete field, then a new one.
            [_, .., _] if ends_value(words) => Context::StepField,
            _ => Context::Expr,
        },
        FrameKind::Defaults => {
            if w.is_empty() {
                Context::DefaultsField
            } else {
                Context::Nothing
            }
        }
        FrameKind::Outputs => match w {
            // A workflow's `NAME: TYPE = EXPR`: after `=`, a value.
            _ if w.contains(&"=") => Context::Expr,
            [.., _, ":"] => Context::Type,
            _ => Context::Nothing,
        },
        FrameKind::Map => match w {
            [.., "=" | ":" | "," | "(" | "["] | [_, "=" | ":", ..] => Context::Expr,
            _ => Context::Nothing,
        },
        FrameKind::SqlParams => match w {
            [] => Context::SqlParam,
            [.., "=" | ":" | "," | "(" | "["] | [_, "=" | ":", ..] => Context::Expr,
            _ => Context::Nothing,
        },
        FrameKind::Interp => Context::Expr,
        FrameKind::Alert => match w {
            [] => Context::AlertBody,
            ["when"] => Context::Value(&crate::ir::alerts::METRICS),
            ["notify"] => Context::Value(&["slack", "webhook", "email"]),
            _ => Context::Nothing,
        },
        FrameKind::Notify { kind } => match w {
            [] => Context::ChannelField { kind: kind.clone() },
            [_, .., _] if ends_value(words) => Context::ChannelField { kind: kind.clone() },
            _ => Context::Expr,
        },
    }
}

fn depends(rest: &[&str], any_allowed: bool) -> Context {
    // `depends on a, b` then a space: the list is complete. Inside
    // `any(`, names follow `(` or `,`; after its `)`, a `,` first.
    let listed: Vec<String> = rest
        .iter()
        .filter(|x| !matches!(**x, "," | "(" | ")" | "any"))
        .map(|x| x.to_string())
        .collect();
    let open = rest.iter().rposition(|x| *x == "(");
    let inside = open.is_some_and(|o| !rest[o..].contains(&")"));
    if rest.last().is_some_and(|x| !matches!(*x, "," | "(")) {
        return Context::Nothing;
    }
    Context::DependsOn {
        listed,
        any: any_allowed && !inside,
    }
}

/// After `for each NAME in`: the list (an expression), then the loop's
/// settings in their order — `parallel [N]` or `batch N`, `fail fast`,
/// `max failures N|P%` — once the word before the cursor ends the list
/// or the setting before.
fn loop_head(rest: &[&str], words: &[(&str, Tok)]) -> Context {
    let Some(last) = rest.last() else {
        return Context::Expr;
    };
    let has = |w: &str| rest.contains(&w);
    let ended = ends_value(words) || words.last().is_some_and(|(_, t)| *t == Tok::Ident);
    match *last {
        "max" => Context::Value(&["failures"]),
        "fail" => Context::Value(&["fast"]),
        "batch" | "failures" => Context::Nothing,
        _ if has("failures") => Context::Nothing,
        _ if has("fast") && ended => Context::Value(&["max failures"]),
        _ if (has("parallel") || has("batch")) && (ended || *last == "parallel") => {
            Context::Value(&["fail fast", "max failures"])
        }
        _ if ended => Context::Value(&["parallel", "batch", "max failures"]),
        _ => Context::Expr,
    }
}

fn ends_value(words: &[(&str, Tok)]) -> bool {
    matches!(
        words.last(),
        Some((_, Tok::Str | Tok::Number)) | Some(("]" | ")" | "}", _))
    )
}

fn is_name(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// The field names present in step frame `frame` (multi-word forms joined).
fn fields_present(text: &str, lexed: &Lexed, frame: usize) -> Vec<String> {
    let span = &lexed.frames[frame].span;
    let first = lexed.token_after(span.start);
    let toks = &lexed.tokens[first..];
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.span.start >= span.end {
            break;
        }
        if t.frame != frame || !t.starts_statement || t.kind != Tok::Ident {
            continue;
        }
        let word = &text[t.span.clone()];
        let next = toks.get(i + 1).map_or("", |n| &text[n.span.clone()]);
        out.push(match (word, next) {
            ("up", "to") => super::hover::up_to_date_phrase(lexed, text, first + i)
                .unwrap_or("up")
                .to_string(),
            ("depends", _) => "depends on".to_string(),
            ("on", "fail") => "on fail".to_string(),
            ("on", _) => "on failure rollback".to_string(),
            _ => word.to_string(),
        });
    }
    out
}
