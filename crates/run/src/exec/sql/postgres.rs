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
use tokio::sync::Semaphore;
use tokio_postgres::config::SslMode;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config};
use wfc_language::sql_syntax::Statement;
use wfc_plan::Value;

/// Connections one run holds to one database at once.
pub const PER_DATABASE: usize = 16;

/// The databases one run has used, by URL.
#[derive(Default)]
pub struct Pool {
    dbs: Mutex<HashMap<String, Arc<Db>>>,
}

/// One database of a run: how to connect (read from its URL once), its
/// idle connections and the permits to hold one.
struct Db {
    /// Never printed: it holds the password.
    config: Config,
    /// `None` under `sslmode=disable`.
    tls: Option<postgres_native_tls::MakeTlsConnector>,
    idle: Mutex<Vec<Client>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    /// The database of `url`, set up the first time the run uses it.
    fn db(&self, url: &str) -> Result<Arc<Db>, String> {
        if let Some(db) = self.dbs.lock().ok().and_then(|d| d.get(url).cloned()) {
            return Ok(db);
        }
        let db = Arc::new(Db::new(url)?);
        let mut dbs = self
            .dbs
            .lock()
            .map_err(|_| "the pool is poisoned".to_string())?;
        Ok(dbs.entry(url.to_owned()).or_insert(db).clone())
    }
}

impl Db {
    fn new(url: &str) -> Result<Db, String> {
        let invalid = |e: &dyn std::fmt::Display| format!("the PostgreSQL URL is not valid: {e}");
        let (url, tls) = pg_tls::split(url).map_err(|e| invalid(&e))?;
        let mut config: Config = url.parse().map_err(|e| invalid(&e))?;
        config.ssl_mode(tls.ssl_mode());
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let tls = match config.get_ssl_mode() {
            SslMode::Disable => None,
            _ => Some(tls.connector()?),
        };
        Ok(Db {
            config,
            tls,
            idle: Mutex::default(),
            permits: Arc::new(Semaphore::new(PER_DATABASE)),
        })
    }

    /// An idle connection that is still open, else a new one.
    async fn client(&self) -> Result<Client, String> {
        let idle = self
            .idle
            .lock()
            .ok()
            .and_then(|mut list| std::iter::from_fn(|| list.pop()).find(|c| !c.is_closed()));
        match idle {
            Some(c) => Ok(c),
            None => self.connect().await,
        }
    }

    fn give(&self, client: Client) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(client);
        }
    }

    async fn connect(&self) -> Result<Client, String> {
        let where_ = describe_target(&self.config);
        let fail =
            |e: tokio_postgres::Error| format!("cannot connect to {where_}: {}", describe(&e));
        let client = match &self.tls {
            None => {
                let (client, conn) = self
                    .config
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(fail)?;
                tokio::spawn(conn);
                client
            }
            Some(tls) => {
                let (client, conn) = self.config.connect(tls.clone()).await.map_err(fail)?;
                tokio::spawn(conn);
                client
            }
        };
        Ok(client)
    }

    /// Asks the server to stop `client`'s running statement.
    async fn cancel(&self, client: &Client) {
        let token = client.cancel_token();
        let wait = Duration::from_secs(5);
        let _ = match &self.tls {
            None => tokio::time::timeout(wait, token.cancel_query(tokio_postgres::NoTls)).await,
            Some(tls) => tokio::time::timeout(wait, token.cancel_query(tls.clone())).await,
        };
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
    let db = pool.db(url).map_err(Failure::Error)?;
    let _permit = tokio::select! {
        p = db.permits.clone().acquire_owned() => p.ok(),
        stop = ctx.stopped() => return Err(Failure::Stopped(stop)),
    };
    let client = tokio::select! {
        c = db.client() => c.map_err(Failure::Error)?,
        stop = ctx.stopped() => return Err(Failure::Stopped(stop)),
    };
    let ended = tokio::select! {
        r = execute(&client, statements, params, transaction) => Ok(r),
        stop = ctx.stopped() => Err(stop),
    };
    match ended {
        Ok(Ok(results)) => {
            db.give(client);
            Ok(results)
        }
        Ok(Err(e)) => {
            if !transaction || rollback(&client).await {
                db.give(client);
            }
            Err(Failure::Error(e))
        }
        Err(stop) => {
            // Stop the running statement on the server, then undo the step.
            db.cancel(&client).await;
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

/// Whether the server at `url` accepts a connection as a step makes it
/// (TLS and all), for `wfc doctor`.
pub(super) async fn connects(url: &str) -> Result<(), String> {
    Db::new(url)?.connect().await.map(drop)
}
