//! `sql` steps: statements run against PostgreSQL or SQLite, with every
//! value bound as a parameter, never spliced into the SQL.
//!
//! The query is split into statements with [`wfc_language::sql_syntax`]
//! (a `;` inside a string, comment or dollar quote does not split); each
//! statement binds only the `:name`s it uses; a placeholder of another
//! syntax (`$1`, `?`, `@v`) fails the step before it connects. With a
//! transaction (the default when there are several statements, or
//! `transaction true`) the statements run between `BEGIN` and `COMMIT`, and
//! any error rolls all of them back.
//!
//! Outputs: `rows`, the rows of the last statement that returned rows (one
//! map of column to value each); `row_count`, the rows the last statement
//! returned or changed. Declared `outputs { col: type }` are the columns of
//! the first of `rows`.
//!
//! The URL never appears in a message: [`redact`] drops `user:password@`
//! from any text the step reports, and values are never logged (the step's
//! live lines show each statement with its `:name` placeholders).

mod pg_tls;
mod pg_values;
mod postgres;
mod sqlite;

pub use postgres::Pool;

use super::{Outcome, Status, StepContext, Stream};
use std::collections::BTreeMap;
use wfc_language::sql_syntax::{self, Statement};
use wfc_plan::Value;

/// An evaluated `sql` step.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlSpec {
    /// `postgres://…`, `postgresql://…`, `sqlite:PATH` or `sqlite::memory:`.
    pub database: String,
    pub query: SqlQuery,
    /// The values of `params { … }`, by name.
    pub params: Vec<(String, Value)>,
    /// `transaction`; `None`: on when there are several statements.
    pub transaction: Option<bool>,
    /// The declared outputs' names: columns of the first row.
    pub columns: Vec<String>,
    /// What a relative `sqlite:PATH` is relative to (the run's base
    /// folder; `None`: wfc's working directory).
    pub base_dir: Option<std::path::PathBuf>,
}

/// Where a step's SQL comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlQuery {
    /// `query "…"`.
    Text(String),
    /// `file "…"`: read when the step starts (a relative one was joined to
    /// the workflow file's directory when the step was prepared).
    File(std::path::PathBuf),
}

/// What the statements gave: the last rows returned, and the last count.
#[derive(Debug, Default)]
pub(crate) struct Results {
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub row_count: u64,
}

/// Why the statements did not all run.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The message (the statement and the database's words).
    Error(String),
    /// The context stopped the step; nothing of it was committed.
    Stopped(super::Stop),
}

/// Runs `spec` (see the module docs).
pub async fn run(pool: &Pool, spec: &SqlSpec, ctx: &StepContext) -> Outcome {
    let query = match &spec.query {
        SqlQuery::Text(q) => std::borrow::Cow::Borrowed(q.as_str()),
        SqlQuery::File(path) => match tokio::fs::read_to_string(path).await {
            Ok(text) => std::borrow::Cow::Owned(text),
            Err(e) => return Outcome::failed(format!("cannot read {}: {e}", path.display())),
        },
    };
    let scan = sql_syntax::scan(&query);
    if let Some((what, at)) = scan.unterminated {
        return Outcome::failed(format!("the query leaves a {what} open (at byte {at})"));
    }
    if let Some(f) = scan.foreign.first() {
        // A `file` query (a `query` was refused at check time, E0284).
        return Outcome::failed(format!(
            "`{}` (at byte {}) is not a parameter wfc binds: write `{}` in the query and bind it in `params`",
            f.text,
            f.start,
            f.instead()
        ));
    }
    if scan.statements.is_empty() {
        return Outcome::failed("the query has no statement");
    }
    for p in scan.params() {
        if !spec.params.iter().any(|(n, _)| *n == p.name) {
            return Outcome::failed(format!("`:{}` is not bound by the step's `params`", p.name));
        }
    }
    let transaction = spec.transaction.unwrap_or(scan.statements.len() > 1);
    if let Some(sink) = &ctx.sink {
        for s in &scan.statements {
            // Placeholders, never values.
            sink(
                Stream::Stdout,
                &ctx.masker.mask(&format!("sql: {}", one_line(&s.text))),
            );
        }
    }
    let result: Result<Results, Failure> = if let Some(path) = spec.database.strip_prefix("sqlite:")
    {
        let base = spec.base_dir.as_deref();
        sqlite::run(path, base, &scan.statements, &spec.params, transaction, ctx).await
    } else if spec.database.starts_with("postgres://") || spec.database.starts_with("postgresql://")
    {
        let url = &spec.database;
        postgres::run(pool, url, &scan.statements, &spec.params, transaction, ctx).await
    } else {
        Err(Failure::Error(format!(
            "the database `{}` is neither PostgreSQL (postgres://…) nor SQLite (sqlite:PATH)",
            redact(&spec.database)
        )))
    };
    match result {
        Ok(r) => outcome(r, &spec.columns),
        Err(Failure::Stopped(stop)) => Outcome::stopped(stop),
        Err(Failure::Error(e)) => Outcome::failed(redact(&e)),
    }
}

fn outcome(r: Results, columns: &[String]) -> Outcome {
    let mut o = Outcome::new(Status::Succeeded);
    let mut declared = BTreeMap::new();
    if !columns.is_empty() {
        let Some(first) = r.rows.first() else {
            return Outcome::failed(format!(
                "the declared outputs ({}) are columns of the first row, and the query returned no rows",
                columns.join(", ")
            ));
        };
        for c in columns {
            let Some(v) = first.get(c) else {
                let have: Vec<&str> = first.keys().map(String::as_str).collect();
                return Outcome::failed(format!(
                    "declared output `{c}`: the rows have no column `{c}` (they have {})",
                    have.join(", ")
                ));
            };
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            declared.insert(c.clone(), text);
        }
    }
    o.declared = declared;
    o.output("row_count", r.row_count);
    o.output(
        "rows",
        serde_json::Value::Array(r.rows.into_iter().map(serde_json::Value::Object).collect()),
    );
    o
}

/// `text` with `user:password@` of any URL in it removed.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/' || c == '`' || c == '"')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("…@");
                rest = &tail[at + 1..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// The first line of a statement, for the live log.
fn one_line(s: &str) -> String {
    let flat: Vec<&str> = s.split_whitespace().collect();
    super::excerpt(&flat.join(" "), 200)
}

/// `statement N (line L)`: where a failing statement is, for messages.
pub(crate) fn place(query_stmt: &Statement, index: usize) -> String {
    format!(
        "statement {} (`{}`)",
        index + 1,
        super::excerpt(&one_line(&query_stmt.text), 60)
    )
}

/// Whether `database` accepts a connection as a step makes it (a SQLite
/// file opens; a PostgreSQL server lets us in), for `wfc doctor`.
pub(super) async fn reachable(
    database: &str,
    base: Option<&std::path::Path>,
) -> Result<(), String> {
    match database.strip_prefix("sqlite:") {
        Some(path) => sqlite::opens(path, base),
        None => postgres::connects(database).await,
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_credentials_of_urls() {
        assert_eq!(
            redact("cannot reach postgres://bob:s3cr%40t@db:5432/app now"),
            "cannot reach postgres://…@db:5432/app now"
        );
        assert_eq!(redact("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
        assert_eq!(redact("http://host/a@b"), "http://host/a@b");
    }
}
