//! Comprehensions, the collection functions and time (`E0340`–`E0347`).

use super::Diagnostic;
use crate::span::Span;

/// E0340: a comprehension over something that is not a list.
pub fn comprehension_not_a_list(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0340",
        format!("a comprehension goes over a list, found {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help("go over a list: `[x.id for x in rows]`, `[f for f in split(files, \",\")]`")
}

/// E0341: a comprehension's `if` that is not a bool.
pub fn comprehension_filter_not_bool(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0341",
        format!("a comprehension's `if` must be a bool, found {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help("compare it to something: `[f for f in files if ends_with(f, \".csv\")]`")
}

/// E0342: `sort`, `min` or `max` of elements that have no order.
pub fn unordered(span: Span, func: &str, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0342",
        format!("`{func}` needs elements that have an order, found {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help("ints, floats, strings, durations and times have an order; sort a list of one of them")
}

/// E0343: a time format that `format_time` or `parse_time` cannot use.
pub fn bad_time_format(span: Span, why: &str) -> Diagnostic {
    Diagnostic::error("E0343", format!("invalid time format: {why}"))
        .primary(span, "this format")
        .help("use strftime directives: `\"%Y-%m-%d %H:%M:%S\"` (`%%` for a literal `%`)")
}

/// E0344: a time zone that is not in the IANA database.
pub fn unknown_time_zone(span: Span, zone: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0344", format!("unknown time zone `{zone}`"))
        .primary(span, "not an IANA time zone name");
    match suggestion {
        Some(s) => d.help(format!("did you mean `{s}`?")).fix(
            span,
            format!("\"{s}\""),
            format!("replace with `\"{s}\"`"),
        ),
        None => d.help("name an IANA zone: `\"UTC\"`, `\"Europe/Berlin\"`, `\"America/New_York\"`"),
    }
}

/// E0345: `parse_time` of literal text that is not a time.
pub fn bad_time_text(span: Span, why: &str) -> Diagnostic {
    Diagnostic::error("E0345", format!("this text is not a time: {why}"))
        .primary(span, "cannot be parsed")
        .help(
            "write RFC 3339 (`\"2026-05-01T09:30:00Z\"`), or give the format as a second argument",
        )
}

/// E0346: `now()` where the value is needed before the run (a param
/// default; a trigger's `when` or `params`, with `trigger`).
pub fn now_before_run(span: Span, place: &str, trigger: bool, func: &str) -> Diagnostic {
    let d = Diagnostic::error("E0346", format!("`{func}` has no value in {place}"))
        .primary(span, "known only while the run runs");
    if trigger {
        d.help(format!("a trigger decides before the run: say when a schedule fires in its pattern, or use `{func}` in a step (a gate's `check`)"))
    } else {
        d.help(format!("use `{func}` in a step, a `let` or an `until`; a param's value is given when the run starts"))
    }
}
