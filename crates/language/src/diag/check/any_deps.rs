//! Checker diagnostics about `depends on a, any(b, c)` (codes
//! `E0360`–`E0361`). Re-exported from [`super`].

use crate::diag::Diagnostic;
use crate::span::Span;

/// E0360: `any(…)` with fewer than two names.
pub fn any_too_few(span: Span) -> Diagnostic {
    Diagnostic::error("E0360", "`any(…)` needs at least two names")
        .primary(span, "only one name: this waits for it alone")
        .help("name two or more steps or blocks in `any(…)`, or write the name alone to wait for it to succeed")
}

/// E0361: a name written twice in one `depends on`, in `any(…)` or not.
pub fn any_named_twice(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error("E0361", format!("`{name}` is named twice in this `depends on`"))
        .primary(span, "named again here")
        .secondary(first, "first named here")
        .help(format!(
            "`depends on {name}` needs it to succeed and `any({name}, …)` needs one of the group to: keep one of them"
        ))
}
