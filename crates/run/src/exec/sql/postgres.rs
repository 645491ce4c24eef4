//! PostgreSQL through `tokio-postgres`. Each statement's `:name`s become
//! `$N`; the statement is prepared, and each value is checked against the
//! type the server inferred for its `$N` and sent as text for the server to
//! parse (see [`super::pg_values`]).
//!
//! TLS follows the URL's `sslmode` and `sslrootcert` as libpq reads them
//! (see [`super::pg_tls`]).
//!
//! Connections are pooled per run: the [`Pool`] lives in the run's
//! `Executor`, keyed by URL, and takes a connection back only when its
//! work ended cleanly (committed, or rolled back after an error). A run
//! holds at most [`PER_DATABASE`] connections to one URL at once: more
//! steps at once wait for one (a server's `max_connections` is ~100, and
//! a wide `for each` must not take them all). A stop
//! (cancel or timeout) sends PostgreSQL a cancel request for the running
//! statement, rolls the transaction back and closes the connection.

use super::pg_tls;
use super::pg_values::{self, Binary, Raw, Text};
use super::{place, Failure, Results};
use crate::exec::StepContext;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::config::SslMode;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config};
use wfc_language::sql_syntax::Statement;
use wfc_plan::Value;

/// Connections one run holds to one database at once.
pub const PER_DATABASE: usize = 16;

/// Idle connections of one run, by URL, and the permits to hold one.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<String, Vec<Client>>>,
    permits: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Pool {
    /// Waits for a turn to hold a connection to `url`.
    async fn permit(&self, url: &str) -> Option<OwnedSemaphorePermit> {
        let permits = {
            let mut all = self.permits.lock().ok()?;
            all.entry(url.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(PER_DATABASE)))
                .clone()
        };
        permits.acquire_owned().await.ok()
    }

    fn take(&self, url: &str) -> Option<Client> {
        let mut idle = self.idle.lock().ok()?;
        let list = idle.get_mut(url)?;
        std::iter::from_fn(|| list.pop()).find(|c| !c.is_closed())
    }

    fn give(&self, url: &str, client: Client) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.entry(url.to_owned()).or_default().push(client);
        }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

pub(super) async fn run(
    pool: &Pool,
    url: &str,
    statements: &[Statement],
    params: &[(String, Value)],
    transaction: bool,
    ctx: &StepContext,
) -> Result<Results, Failure> {
    let (plain_url, tls) = pg_tls::split(url)
        .map_err(|e| Failure::Error(format!("the PostgreSQL URL is not valid: {e}")))?;
    let _permit = tokio::select! {
        p = pool.permit(url) => p,
        stop = ctx.stopped() => return Err(Failure::Stopped(stop)),
    };
    let client = match pool.take(url) {
        Some(c) => c,
        None => tokio::select! {
            c = connect(&plain_url, &tls) => c.map_err(Failure::Error)?,
            stop = ctx.stopped() => return Err(Failure::Stopped(stop)),
        },
    };
    let ended = tokio::select! {
        r = execute(&client, statements, params, transaction) => Ok(r),
        stop = ctx.stopped() => Err(stop),
    };
    match ended {
        Ok(Ok(results)) => {
            pool.give(url, client);
            Ok(results)
        }
        Ok(Err(e)) => {
            if !transaction || rollback(&client).await {
                pool.give(url, client);
            }
            Err(Failure::Error(e))
        }
        Err(stop) => {
            // Stop the running statement on the server, then undo the step.
            if let Ok(tls) = tls.connector() {
                let _ = tokio::time::timeout(
                    Duration::from_secs(5),
                    client.cancel_token().cancel_query(tls),
                )
                .await;
            }
            if transaction {
                rollback(&client).await;
            }
            Err(Failure::Stopped(stop))
        }
    }
}

/// Rolls back; whether the connection is clean again.
async fn rollback(client: &Client) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(5), client.batch_execute("ROLLBACK")).await,
        Ok(Ok(()))
    )
}

/// Connects to `url` (its TLS settings taken out into `tls`).
async fn connect(url: &str, tls: &pg_tls::Tls) -> Result<Client, String> {
    // The config is never printed: it holds the password.
    let config: Config = url
        .parse()
        .map_err(|e| format!("the PostgreSQL URL is not valid: {e}"))?;
    let mut config = config;
    config.ssl_mode(tls.ssl_mode());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let where_ = describe_target(&config);
    let fail = |e: tokio_postgres::Error| format!("cannot connect to {where_}: {}", describe(&e));
    let client = if config.get_ssl_mode() == SslMode::Disable {
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.map_err(fail)?;
        tokio::spawn(conn);
        client
    } else {
        let (client, conn) = config.connect(tls.connector()?).await.map_err(fail)?;
        tokio::spawn(conn);
        client
    };
    Ok(client)
}

/// `host:port/db` of a config, for messages (never the user or password).
fn describe_target(c: &Config) -> String {
    let host = match c.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "PostgreSQL at {host}:{port}/{}",
        c.get_dbname().unwrap_or("")
    )
}

/// An error's words: the server's message, SQLSTATE, detail and hint, or the
/// client's error and its causes.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut out = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            out.push_str(&format!("; detail: {d}"));
        }
        if let Some(h) = db.hint() {
            out.push_str(&format!("; hint: {h}"));
        }
        return out;
    }
    crate::exec::error_chain(e)
}

async fn execute(
    client: &Client,
    statements: &[Statement],
    params: &[(String, Value)],
    transaction: bool,
) -> Result<Results, String> {
    if transaction {
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| format!("cannot begin a transaction: {}", describe(&e)))?;
    }
    let mut acc = Results::default();
    for (i, s) in statements.iter().enumerate() {
        statement(client, s, params, &mut acc)
            .await
            .map_err(|e| format!("{}: {e}", place(s, i)))?;
    }
    if transaction {
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| format!("cannot commit: {}", describe(&e)))?;
    }
    Ok(acc)
}

/// Runs one statement, binding the params it names.
async fn statement(
    client: &Client,
    s: &Statement,
    params: &[(String, Value)],
    acc: &mut Results,
) -> Result<(), String> {
    let (text, order) = s.numbered();
    let st = client.prepare(&text).await.map_err(|e| describe(&e))?;
    let mut bound = Vec::with_capacity(order.len());
    for (name, ty) in order.iter().zip(st.params()) {
        let Some((_, value)) = params.iter().find(|(n, _)| n == name) else {
            return Err(format!("`:{name}` is not bound by the step's `params`"));
        };
        bound.push(Text(pg_values::bind(name, value, ty)?));
    }
    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as _).collect();
    if st.columns().is_empty() {
        acc.row_count = client.execute(&st, &refs).await.map_err(|e| describe(&e))?;
        return Ok(());
    }
    let rows = client.query(&st, &refs).await.map_err(|e| describe(&e))?;
    let mut printers: HashMap<u32, tokio_postgres::Statement> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut m = serde_json::Map::new();
        for (i, col) in row.columns().iter().enumerate() {
            let Raw(raw) = row.try_get(i).map_err(|e| describe(&e))?;
            let value = match pg_values::cell(col.type_(), raw) {
                Ok(Some(v)) => v,
                Ok(None) => printed(client, &mut printers, col.type_(), raw).await?,
                Err(e) => return Err(format!("column `{}`: {e}", col.name())),
            };
            m.insert(col.name().to_owned(), value);
        }
        out.push(m);
    }
    acc.row_count = out.len() as u64;
    acc.rows = out;
    Ok(())
}

/// A value of a type decoded by the server: its text form.
async fn printed(
    client: &Client,
    printers: &mut HashMap<u32, tokio_postgres::Statement>,
    ty: &Type,
    raw: Option<&[u8]>,
) -> Result<serde_json::Value, String> {
    let Some(raw) = raw else {
        return Ok(serde_json::Value::Null);
    };
    let st = match printers.get(&ty.oid()) {
        Some(st) => st.clone(),
        None => {
            let st = client
                .prepare_typed("select $1::text", std::slice::from_ref(ty))
                .await
                .map_err(|e| describe(&e))?;
            printers.insert(ty.oid(), st.clone());
            st
        }
    };
    let row = client
        .query_one(&st, &[&Binary(raw)])
        .await
        .map_err(|e| describe(&e))?;
    let text: Option<String> = row.try_get(0).map_err(|e| describe(&e))?;
    Ok(text.map_or(serde_json::Value::Null, Into::into))
}
