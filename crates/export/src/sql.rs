//! A PostgreSQL `sql` step as a fixed `sh` script around `psql`, for both
//! exports (GitHub: a `run` step on the runner's psql; Argo: the pinned
//! postgres image). As `wfc run` runs it (crates/run/src/exec/sql), read
//! with wfc's own scanner ([`wfc_language::sql_syntax`]):
//!
//! - Values never become SQL: each param reaches psql as an argument
//!   `-v wfc_p_NAME="$WF_SQL_PARAM_N"` (from the environment), and each
//!   `:NAME` of the query becomes `:'wfc_p_NAME'`, which psql sends as a
//!   quoted literal (PostgreSQL types it by context: `limit :n`,
//!   `cast(:d as date)`). A list or map binds as its JSON text.
//! - psql reads nothing else of the query as its own: a query holding a
//!   backslash (a meta-command), a psql variable (`:'x'`), SQLite's
//!   `[…]`/backquoted identifiers or an unbound `:name` is refused (E0742);
//!   psql runs with `-X` (no psqlrc), `ON_ERROR_STOP`, the query from a
//!   file, and `standard_conforming_strings` on, as the scanner reads `'…'`.
//! - `transaction` (by default: several statements) is `--single-transaction`.
//! - Outputs as wfc's: `rows`, the rows of the last statement that returns
//!   rows, as JSON (`json_agg` of the statement wrapped in a `with`);
//!   `row_count`, what the last statement returned or changed (psql's
//!   `ROW_COUNT`); declared `outputs { … }`, columns of the first row.
//! - A SQLite `database` is refused (E0743): its CLI has no way to bind a
//!   value that is not text spliced into SQL.

use wfc_language::diag::Diagnostic;
use wfc_language::span::Span;
use wfc_language::sql_syntax::{self, Statement};

/// The image of Argo's `sql` containers: small, with `sh` and `psql`.
pub const PSQL_IMAGE: &str = "postgres:16-alpine";

/// The variable holding the database URL.
pub const DATABASE: &str = "WF_DATABASE";

/// The variable holding the `n`th (from 1) bound param's value.
pub fn param_var(n: usize) -> String {
    format!("WF_SQL_PARAM_{n}")
}

/// A step ready for psql.
pub struct Psql {
    /// psql's input: the statements, then the outputs written to files.
    input: String,
    /// Each statement on one line, placeholders and all, for the log.
    shown: Vec<String>,
    /// The params the query names, in the order of their variables.
    pub params: Vec<String>,
    transaction: bool,
    columns: Vec<String>,
}

/// Where the script leaves the outputs.
pub enum Out {
    /// `name<<DELIM` blocks in `$WF_OUTPUTS`, when it is set (GitHub;
    /// psql's files under `$RUNNER_TEMP`, which the runner empties).
    WfOutputs,
    /// A file each, named after the output, in this folder (Argo).
    Folder(&'static str),
}

/// What both exports read of a planned `sql` step: the query text, the
/// `transaction` setting, the declared outputs, or why not.
pub struct Step<'a> {
    pub query: &'a str,
    pub query_at: Span,
    pub transaction: Option<bool>,
    pub columns: Vec<String>,
}

impl<'a> Step<'a> {
    pub fn of(s: &'a wfc_plan::PlannedStep) -> Result<Step<'a>, Diagnostic> {
        use wfc_language::ir::{ExprKind, FieldValue};
        let field = |name: &str| {
            s.fields
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| match &f.value {
                    FieldValue::Expr(e) => Some(e),
                    _ => None,
                })
        };
        let refuse = |at: Span, what: &str, help: &str| {
            Diagnostic::error(
                "E0742",
                format!("psql cannot run this query as wfc does: {what}"),
            )
            .primary(at, format!("step `{}`", s.name))
            .help(help.to_string())
        };
        let (query, query_at) = match field("query") {
            Some(e) => match &e.kind {
                ExprKind::Str(t) => (t.as_str(), e.span),
                _ => {
                    return Err(refuse(
                        e.span,
                        "a query only the run knows",
                        "write the SQL in `query`, values as `:name` in `params`",
                    ))
                }
            },
            None => {
                let at = field("file").map_or(s.span, |e| e.span);
                return Err(refuse(
                    at,
                    "a `file` query is read when the step runs",
                    "write the SQL in the step's `query`",
                ));
            }
        };
        let transaction = match field("transaction") {
            None => None,
            Some(e) => match wfc_plan::Value::of_literal(e) {
                Some(wfc_plan::Value::Bool(b)) => Some(b),
                _ => {
                    return Err(refuse(
                        e.span,
                        "a `transaction` only the run knows",
                        "write `transaction true` or `false`",
                    ))
                }
            },
        };
        let columns = s.outputs.iter().map(|o| o.name.clone()).collect();
        Ok(Step {
            query,
            query_at,
            transaction,
            columns,
        })
    }

    /// [`prepare`] with `bound` the names of the step's `params`.
    pub fn psql(&self, bound: &[String]) -> Result<Psql, Diagnostic> {
        prepare(
            self.query,
            bound,
            self.transaction,
            &self.columns,
            self.query_at,
        )
    }
}

/// The outputs of sql step `step` that other steps read as fields
/// (`x.row_count`, `x.rows`): the exports hand on only those, as a big
/// `rows` would overflow a job output or an Argo parameter.
pub fn fields_read(plan: &wfc_plan::Plan, step: wfc_language::ir::StepId) -> Vec<&'static str> {
    read_fields(plan, step, &["rows", "row_count"])
}

/// Which of `names`, fields of step `step` (`x.status_code`, `x.result`),
/// other steps of the plan read, sorted.
pub fn read_fields(
    plan: &wfc_plan::Plan,
    step: wfc_language::ir::StepId,
    names: &[&'static str],
) -> Vec<&'static str> {
    use wfc_language::ir::{Expr, ExprKind, FieldValue};
    fn graph(
        g: &wfc_plan::Graph,
        out: &mut Vec<&'static str>,
        step: usize,
        names: &[&'static str],
    ) {
        for s in &g.steps {
            let mut exprs: Vec<&Expr> = s.condition.as_deref().into_iter().collect();
            for f in &s.fields {
                match &f.value {
                    FieldValue::Expr(e) => exprs.push(e),
                    FieldValue::Map(m) => exprs.extend(m.iter().map(|(_, e)| e)),
                    _ => {}
                }
            }
            for e in exprs {
                e.walk(&mut |x| {
                    if let ExprKind::StepOutput {
                        step: of,
                        field,
                        output: None,
                    } = &x.kind
                    {
                        for &name in names {
                            if *of == step
                                && s.step != step
                                && field == name
                                && !out.contains(&name)
                            {
                                out.push(name);
                            }
                        }
                    }
                });
            }
            if let Some(rb) = &s.rollback {
                graph(rb, out, step, names);
            }
        }
    }
    let mut out = Vec::new();
    graph(&plan.main, &mut out, step, names);
    for h in &plan.handlers {
        graph(&h.graph, &mut out, step, names);
    }
    out.sort_unstable();
    out
}

/// Refuses a database known at export that is not PostgreSQL.
pub fn database(url: &str, at: Span) -> Result<(), Diagnostic> {
    if url.starts_with("sqlite:") {
        return Err(Diagnostic::error(
            "E0743",
            "the export runs `sql` steps on PostgreSQL only, not SQLite",
        )
        .primary(at, "a SQLite database")
        .help("the sqlite3 CLI cannot bind a value apart from the SQL text (a value would be spliced into it): use PostgreSQL, or run this step with `wfc run`"));
    }
    Ok(())
}

/// Reads `query` (the step's `query`, at `at`) for psql, with `bound`
/// the names of the step's `params`; `columns`: its declared outputs.
pub fn prepare(
    query: &str,
    bound: &[String],
    transaction: Option<bool>,
    columns: &[String],
    at: Span,
) -> Result<Psql, Diagnostic> {
    let refuse = |offset: usize, what: String, help: &str| {
        let line = query[..offset.min(query.len())].matches('\n').count() + 1;
        Diagnostic::error(
            "E0742",
            format!("psql cannot run this query as wfc does: {what}"),
        )
        .primary(at, format!("line {line} of the query"))
        .help(help.to_string())
    };
    let scan = sql_syntax::scan(query);
    if let Some((what, offset)) = scan.unterminated {
        return Err(refuse(offset, format!("a {what} is left open"), "close it"));
    }
    if let Some(f) = scan.foreign.first() {
        return Err(refuse(
            f.start,
            format!("`{}` is not a parameter wfc binds", f.text),
            &format!("write `{}` and bind it in `params`", f.instead()),
        ));
    }
    if let Some((offset, what)) = scan.client.first() {
        return Err(refuse(
            *offset,
            format!("{what}, which psql reads as its own"),
            "psql would run a backslash as a command and put a variable's text into the SQL: write the query without them (a backslash inside a string is fine)",
        ));
    }
    if let Some(p) = scan.params().find(|p| !bound.contains(&p.name)) {
        return Err(refuse(
            p.start,
            format!("`:{}` is not bound by the step's `params`", p.name),
            "bind it in `params`",
        ));
    }
    if scan.statements.is_empty() {
        return Err(refuse(0, "the query has no statement".into(), "write one"));
    }
    let mut input = String::from("\\set wfc_rows '[]'\n\\set wfc_row_count 0\n\\o /dev/null\n");
    for s in &scan.statements {
        let text = placeholders(s);
        match returns_rows(s) {
            Ok(true) => input.push_str(&format!(
                "with wfc_rows as (\n{text}\n) select coalesce(json_agg(wfc_rows), '[]') as wfc_rows, count(*) as wfc_row_count from wfc_rows \\gset\n"
            )),
            Ok(false) => input.push_str(&format!("{text}\n;\n\\set wfc_row_count :ROW_COUNT\n")),
            Err((why, help)) => return Err(refuse(s.start, why.into(), help)),
        }
    }
    input.push_str("\\o rows\n\\qecho -n :wfc_rows\n\\o row_count\n\\qecho -n :wfc_row_count\n");
    for c in columns {
        // A declared output's name is a wfc identifier: safe in a literal.
        let v = format!("(:'wfc_rows'::json -> 0 -> '{c}')");
        input.push_str(&format!(
            "\\o /dev/null\nselect {v} is not null as wfc_has, case json_typeof({v}) when 'string' then :'wfc_rows'::json -> 0 ->> '{c}' else {v}::text end as wfc_v \\gset\n\\if :wfc_has\n\\o c.{c}\n\\qecho -n :wfc_v\n\\endif\n"
        ));
    }
    let shown = scan
        .statements
        .iter()
        .map(|s| s.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut params: Vec<String> = Vec::new();
    for p in scan.params() {
        if !params.contains(&p.name) {
            params.push(p.name.clone());
        }
    }
    Ok(Psql {
        input,
        shown,
        params,
        transaction: transaction.unwrap_or(scan.statements.len() > 1),
        columns: columns.to_vec(),
    })
}

/// Whether psql can give `s`'s rows: wrapped in `with wfc_rows as (…)`,
/// which takes a query or a data-modifying statement with `returning`.
fn returns_rows(s: &Statement) -> Result<bool, (&'static str, &'static str)> {
    const ROWS: &str = "return its rows from a `select` (`with x as (…) select * from x` is one when `x` only reads), or drop its rows";
    match s.lead.as_str() {
        "select" | "values" | "table" => Ok(true),
        "with" if !s.modifies => Ok(true),
        "with" if s.returning => {
            Err(("the rows of a `with` statement that changes rows (`returning`) cannot be wrapped to hand them on", ROWS))
        }
        "insert" | "update" | "delete" | "merge" => Ok(s.returning),
        "show" | "explain" | "fetch" => Err(("the rows of `show`, `explain` or `fetch` cannot be wrapped to hand them on", ROWS)),
        // `copy … from stdin` would read the lines after it in psql's
        // input (wfc's own) as its data.
        "copy" => Err(("psql would feed `copy` from its own input", "run `copy` from a `shell` step with psql's `\\copy`, or load rows with `insert … select` over a param")),
        _ => Ok(false),
    }
}

/// `s` with each `:name` as `:'wfc_p_name'` (psql's quoted literal).
fn placeholders(s: &Statement) -> String {
    let mut out = String::with_capacity(s.text.len());
    let mut at = 0;
    for p in &s.params {
        out.push_str(&s.text[at..p.start - s.start]);
        out.push_str(&format!(":'wfc_p_{}'", p.name));
        at = p.end - s.start;
    }
    out.push_str(&s.text[at..]);
    out
}

/// The fixed script: the URL in `$WF_DATABASE`, param `n` in
/// `$WF_SQL_PARAM_n`, the query as a quoted here-document (the author's
/// text, never a value).
pub fn script(p: &Psql, out: Out) -> String {
    let mut end = "WFC_SQL_END".to_string();
    while p.input.lines().any(|l| l == end) {
        end.push('_');
    }
    let mut s = String::from(CHECK_URL);
    let tmp = match out {
        Out::WfOutputs => "$RUNNER_TEMP",
        Out::Folder(_) => "/tmp",
    };
    // The rows are data: mktemp's folder is this user's only.
    s.push_str(&format!(
        "wfc_sql=$(mktemp -d \"{tmp}/wfc-sql.XXXXXX\") || exit 1\n"
    ));
    // As `wfc run` logs a step: each statement, never a value.
    for line in &p.shown {
        let line = wfc_language::shell_syntax::quote(&format!("sql: {line}"));
        s.push_str(&format!("printf '%s\\n' {line}\n"));
    }
    s.push_str(&format!(
        "cat > \"$wfc_sql/query.sql\" <<'{end}'\n{}{end}\n",
        p.input
    ));
    let single = if p.transaction {
        " --single-transaction"
    } else {
        ""
    };
    s.push_str(&format!("set -- -X -q -A -t -v ON_ERROR_STOP=1{single}\n"));
    for (n, name) in p.params.iter().enumerate() {
        s.push_str(&format!(
            "set -- \"$@\" -v \"wfc_p_{name}=${}\"\n",
            param_var(n + 1)
        ));
    }
    s.push_str(RUN);
    if !p.columns.is_empty() {
        s.push_str(&format!(
            "if [ \"$(cat \"$wfc_sql/rows\")\" = '[]' ]; then echo 'wfc: the declared outputs ({}) are columns of the first row, and the query returned no rows' >&2; exit 1; fi\n",
            p.columns.join(", ")
        ));
        for c in &p.columns {
            s.push_str(&format!("[ -f \"$wfc_sql/c.{c}\" ] || {{ echo 'wfc: declared output `{c}`: the rows have no column `{c}`' >&2; exit 1; }}\n"));
        }
    }
    let files = ["rows", "row_count"]
        .iter()
        .map(|n| (n.to_string(), n.to_string()))
        .chain(p.columns.iter().map(|c| (c.clone(), format!("c.{c}"))));
    match out {
        Out::WfOutputs => {
            s.push_str("if [ -n \"${WF_OUTPUTS-}\" ]; then\n  wfc_delim=\"wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\"\n");
            for (name, file) in files {
                s.push_str(&format!("  {{ printf '%s<<%s\\n' {name} \"$wfc_delim\"; cat \"$wfc_sql/{file}\"; printf '\\n%s\\n' \"$wfc_delim\"; }} >> \"$WF_OUTPUTS\"\n"));
            }
            s.push_str("fi\n");
        }
        Out::Folder(dir) => {
            s.push_str(&format!("mkdir -p {dir}\n"));
            for (name, file) in files {
                s.push_str(&format!("cp \"$wfc_sql/{file}\" {dir}/{name}\n"));
            }
        }
    }
    s
}

/// Refuses a URL that is not PostgreSQL's (a secret's, known only at run
/// time).
const CHECK_URL: &str = r#"case "$WF_DATABASE" in
  postgres://*|postgresql://*) ;;
  sqlite:*) echo 'wfc: the export runs sql steps on PostgreSQL only: the sqlite3 CLI cannot bind a value apart from the SQL' >&2; exit 1 ;;
  *) echo 'wfc: the database is not a PostgreSQL URL (postgres://…)' >&2; exit 1 ;;
esac
"#;

/// Runs psql in that folder (its `\o` files are relative), the strings
/// read as the scanner read them, times in UTC as wfc gives them.
const RUN: &str = r#"(cd "$wfc_sql" && PGOPTIONS='-c standard_conforming_strings=on' PGTZ=UTC PGCLIENTENCODING=UTF8 psql "$@" -f query.sql --dbname="$WF_DATABASE") || exit 1
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn psql(query: &str, bound: &[&str]) -> Result<Psql, Diagnostic> {
        let bound: Vec<String> = bound.iter().map(|s| s.to_string()).collect();
        prepare(query, &bound, None, &[], Span::default())
    }

    #[test]
    fn rewrites_placeholders_as_psql_literals_only_outside_strings() {
        let p = psql(
            "select ':a', :a, $$:a$$, x::int -- :a\nfrom t where b = :b limit :a",
            &["a", "b"],
        )
        .unwrap();
        assert!(p.input.contains(
            "select ':a', :'wfc_p_a', $$:a$$, x::int -- :a\nfrom t where b = :'wfc_p_b' limit :'wfc_p_a'\n)"
        ));
        assert_eq!(p.params, ["a", "b"]);
    }

    #[test]
    fn refuses_what_psql_would_read_as_its_own() {
        for (q, said) in [
            ("select 1;\n\\! id", "backslash"),
            ("select :'x'", "psql variable"),
            ("select [a:b]", "identifier"),
            ("select :c", "`:c` is not bound"),
            ("explain select 1", "`explain`"),
            ("copy t from stdin", "`copy`"),
            (
                "with x as (delete from t returning *) select * from x",
                "`with`",
            ),
        ] {
            let e = psql(q, &[]).err().unwrap_or_else(|| panic!("{q}"));
            assert_eq!(e.code, "E0742");
            assert!(e.message.contains(said), "{q}: {}", e.message);
        }
        assert!(psql("select '\\x', E'\\\\'", &[]).is_ok());
    }

    #[test]
    fn wraps_statements_that_return_rows() {
        let p = psql(
            "insert into t values (1); update t set a = 2 returning a; create table u (a int)",
            &[],
        )
        .unwrap();
        assert_eq!(p.input.matches("with wfc_rows as").count(), 1);
        assert_eq!(p.input.matches(":ROW_COUNT").count(), 2);
        assert!(p.transaction);
    }
}
