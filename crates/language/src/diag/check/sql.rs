//! Constructors for `sql` steps (codes `E0280`–`E0284`, `W0155`): values
//! reach a query only as bound `:name` parameters.

use super::super::Diagnostic;
use crate::span::Span;

/// E0280: `${…}` in a query, which would splice a value into the SQL.
pub fn sql_interpolation(span: Span, name: &str, expr: &str) -> Diagnostic {
    Diagnostic::error("E0280", "`${…}` cannot be used in a sql query")
        .primary(span, "this value would become part of the SQL text")
        .help(format!(
            "write `:{name}` in the query and bind the value: `params {{ {name} = {expr} }}`"
        ))
}

/// E0281: a `:name` in the query that `params { … }` does not bind.
pub fn sql_unbound_param(span: Span, name: &str, sugg: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        "E0281",
        format!("`:{name}` is not bound by the step's `params`"),
    )
    .primary(span, "no value for this parameter");
    match sugg {
        Some(s) => d.help(format!("did you mean `:{s}`?")).fix(
            span,
            format!(":{s}"),
            format!("use `:{s}`"),
        ),
        None => d.help(format!("bind it: `params {{ {name} = … }}`")),
    }
}

/// W0155: a param the query never uses.
pub fn sql_unused_param(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning("W0155", format!("param `{name}` is not used by the query"))
        .primary(
            span,
            "bound, but the query has no `:".to_owned() + name + "`",
        )
        .help(format!("use it as `:{name}` in the query, or remove it"))
}

/// E0282: a `database` that is neither PostgreSQL nor SQLite.
pub fn sql_unknown_database(span: Span) -> Diagnostic {
    Diagnostic::error("E0282", "the database URL is neither PostgreSQL nor SQLite")
        .primary(span, "unknown scheme")
        .help("write `postgres://user@host/db`, `sqlite:path/to.db` or `sqlite::memory:`")
}

/// E0283: a string, identifier, comment or dollar quote the query never closes.
pub fn sql_unterminated(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0283", format!("the query leaves a {what} open"))
        .primary(span, format!("this {what} is never closed"))
        .help("close it: a `;` or `:name` inside it is part of it, not of the query")
}

/// E0284: a placeholder of another syntax (`$1`, `?`, `@v`), which wfc
/// never binds: SQLite would bind it NULL.
pub fn sql_foreign_placeholder(span: Span, text: &str, instead: &str) -> Diagnostic {
    let name = instead.trim_start_matches(':');
    Diagnostic::error("E0284", format!("`{text}` is not a parameter wfc binds"))
        .primary(span, "the database would get no value here (SQLite: NULL)")
        .help(format!(
            "write `{instead}` in the query and bind it: `params {{ {name} = … }}`"
        ))
}
