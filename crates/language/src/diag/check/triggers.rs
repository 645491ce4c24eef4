//! Constructors for triggers (`on schedule|webhook|change`) and `lock`
//! (codes `E0240`–`E0259`).

use super::super::Diagnostic;
use super::{list, suggest};
use crate::span::Span;

/// E0240: a cron pattern croner does not accept.
pub fn bad_cron(span: Span, pattern: &str, why: &str) -> Diagnostic {
    Diagnostic::error("E0240", format!("`{pattern}` is not a cron pattern"))
        .primary(span, why.to_string())
        .help("write 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first: \"0 2 * * *\"")
}

/// E0241: a cron pattern that matches no time at all.
pub fn never_fires(span: Span, pattern: &str) -> Diagnostic {
    Diagnostic::error("E0241", format!("the schedule `{pattern}` never fires"))
        .primary(span, "no date matches every field")
        .help("check the day of month against the month (February has no 30th or 31st)")
}

/// E0242: `timezone` that is not an IANA time zone.
pub fn unknown_timezone(span: Span, zone: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0242", format!("unknown time zone `{zone}`"))
        .primary(span, "not an IANA time zone");
    match suggestion {
        Some(s) => d.help(format!("did you mean `\"{s}\"`?")).fix(
            span,
            format!("\"{s}\""),
            format!("replace with `\"{s}\"`"),
        ),
        None => d.help("name a zone of the IANA database, e.g. \"Europe/Berlin\" or \"UTC\""),
    }
}

/// E0243: `overlap` with a mode that does not exist.
pub fn bad_overlap(span: Span, mode: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0243", format!("unknown overlap mode `{mode}`"))
        .primary(span, "not an overlap mode");
    suggest(
        d,
        span,
        suggestion,
        format!("overlap is one of {}", list(&["skip", "queue", "cancel"])),
    )
}

/// E0244: a trigger setting whose value has the wrong form.
pub fn bad_trigger_value(span: Span, field: &str, want: &str) -> Diagnostic {
    Diagnostic::error("E0244", format!("`{field}` takes {want}"))
        .primary(span, format!("not {want}"))
        .help(format!("write `{field}` followed by {want}"))
}

/// E0245: a field a trigger of this kind does not take.
pub fn unknown_trigger_field(
    span: Span,
    kind: &str,
    name: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0245", format!("`on {kind}` has no setting `{name}`"))
        .primary(span, "not a setting of this trigger");
    suggest(
        d,
        span,
        suggestion,
        format!("`on {kind}` takes {}", list(known)),
    )
}

/// E0246: a webhook path that does not start with `/` (or has a query or blanks).
pub fn bad_hook_path(span: Span, path: &str) -> Diagnostic {
    Diagnostic::error("E0246", format!("`{path}` is not a webhook path"))
        .primary(span, "a path starts with `/` and has no blanks, `?` or `#`")
        .help("write the path under the server's hook prefix, e.g. \"/deploy\"")
}

/// E0247: two webhooks of one file on one path.
pub fn duplicate_hook_path(span: Span, first: Span, path: &str) -> Diagnostic {
    Diagnostic::error("E0247", format!("the webhook path `{path}` is used twice"))
        .primary(span, "used again here")
        .secondary(first, "first used here")
        .help("give each webhook of a file a path of its own")
}

/// E0248: `secret NAME` that does not name a declared `secret`.
pub fn hook_secret(span: Span, name: &str, is_param: bool, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        "E0248",
        format!("`{name}` is not a secret of this workflow"),
    );
    if is_param {
        return d
            .primary(span, "a plain param, not a `secret`")
            .help(format!(
                "declare it as `secret {name}: string = env(\"…\")`, so its value is never shown"
            ));
    }
    let d = d.primary(span, "no `secret` of this name");
    suggest(
        d,
        span,
        suggestion,
        "declare it: `secret NAME: string = env(\"HOOK_KEY\")`".to_string(),
    )
}

/// E0248: `secret NAME` naming a secret that is not a `string`: a
/// webhook's secret is the HMAC key, text.
pub fn hook_secret_type(span: Span, name: &str, ty: &str, ty_span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0248",
        format!("the webhook's secret `{name}` has type `{ty}`, not `string`"),
    )
    .primary(span, "the key that signs the request must be text")
    .secondary(ty_span, format!("declared `{ty}` here"))
    .help(format!("declare it `secret {name}: string = env(\"…\")`"))
}

/// E0249: `params { P = … }` naming a param the workflow does not have.
pub fn trigger_unknown_param(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0249", format!("the workflow has no param `{name}`"))
        .primary(span, "not a param of this workflow");
    suggest(
        d,
        span,
        suggestion,
        "a trigger's `params { … }` sets the workflow's own params".to_string(),
    )
}

/// E0250: a trigger param value of the wrong type.
pub fn trigger_param_type(span: Span, name: &str, want: &str, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0250",
        format!("`{name}` is {want}, but this value is {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help(format!(
        "convert it, e.g. `{}`",
        match want {
            "int" => "int(…)",
            "float" => "float(…)",
            _ => "string(…)",
        }
    ))
}

/// E0251: `request` or `changed` outside the trigger that binds it.
pub fn trigger_input_here(span: Span, name: &str) -> Diagnostic {
    let (what, place) = match name {
        "changed" => (
            "the files a change trigger saw",
            "an `on change` trigger's `params { … }`",
        ),
        _ => (
            "the webhook's request",
            "an `on webhook` trigger's `params { … }`",
        ),
    };
    Diagnostic::error("E0251", format!("`{name}` is not in scope here"))
        .primary(span, format!("{what}: only in {place}"))
        .help(format!(
            "bind it to a param in {place}, and read the param here"
        ))
}

/// E0251: `run.FIELD` in a trigger's `when` or `params`, decided before
/// the run it may start exists.
pub fn run_in_trigger(span: Span, name: &str, place: &str) -> Diagnostic {
    Diagnostic::error("E0251", format!("`{name}` is not in scope here"))
        .primary(span, format!("the run's: {place} is decided before there is a run"))
        .help("a trigger's `when` and `params` read the params and what the trigger binds (`request.…`, `changed`); read `run.…` in the workflow's steps")
}

/// E0252: `request.NAME` other than `json`, `headers`, `query` (or `request` alone).
pub fn request_member(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0252", format!("a request has no `{name}`"))
        .primary(span, "not a part of the request");
    suggest(
        d,
        span,
        suggestion,
        format!(
            "read {}",
            list(&["request.json", "request.headers", "request.query"])
        ),
    )
}

/// E0253: a trigger's pattern, path or glob that is not a plain string.
pub fn trigger_target(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(
        "E0253",
        format!("the target of `on {kind}` must be plain text"),
    )
    .primary(span, "has `${…}` or is empty")
    .help("a trigger is read before any run exists: write its text out")
}

/// E0254: a trigger setting (or a param of its `params`) given twice.
pub fn duplicate_trigger_field(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0254", format!("`{name}` is given twice"))
        .primary(span, "given again here")
        .secondary(first, "first given here")
        .help("keep one of them")
}

/// E0255: a lock key that is not a string.
pub fn lock_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0255",
        format!("a lock key is a string, but this is {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help("write the key as a string: `lock \"deploy-${env}\"`")
}

/// E0256: `lock` given twice.
pub fn duplicate_lock(span: Span, first: Span) -> Diagnostic {
    Diagnostic::error("E0256", "a workflow has one `lock`")
        .primary(span, "second lock")
        .secondary(first, "first lock")
        .help("build one key from everything that must not overlap: `lock \"${a}-${b}\"`")
}

/// E0257: a change glob that is absolute, leaves the folder, or is not a glob.
pub fn bad_glob(span: Span, glob: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0257",
        format!("`{glob}` is not a glob under the workflow's folder"),
    )
    .primary(span, why.to_string())
    .help("write a relative glob, e.g. \"incoming/*.csv\" (relative to the workflow's file)")
}

/// E0258: a trigger that starts runs without a value for a required param.
pub fn trigger_missing_param(span: Span, kind: &str, name: &str, declared: Span) -> Diagnostic {
    Diagnostic::error(
        "E0258",
        format!("`on {kind}` starts runs without a value for `{name}`"),
    )
    .primary(span, format!("gives no `{name}`"))
    .secondary(declared, "required: no default")
    .help(format!(
        "give `{name}` a default, or set it in `params {{ {name} = … }}`"
    ))
}

/// E0259: a lock key computed from a secret (the key is stored and shown).
pub fn lock_secret(span: Span) -> Diagnostic {
    Diagnostic::error("E0259", "a lock key must not come from a secret")
        .primary(span, "reads a secret")
        .help("the key is kept in the run store and shown while a run waits for it: build it from plain params")
}
