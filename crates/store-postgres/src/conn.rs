//! One connection: a thread that owns the client and its runtime.

use crate::values::{error, row, Param};
use futures::TryStreamExt;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};
use wfc_store_db::location::PgUrl;
use wfc_store_db::{sql_text, Db, Dialect, Error, Ref, Remote, Result, Value};

/// How long a connection attempt waits for the server unless the URL's
/// `connect_timeout` says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long sent data may go unacknowledged before the connection is
/// broken (the URL's `tcp_user_timeout`, in ms, says otherwise).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a connection is idle before TCP keepalives probe it (the
/// URL's `keepalives_idle`, in seconds).
const KEEPALIVES_IDLE: Duration = Duration::from_secs(30);

/// How long the database keeps a session idle inside a transaction (its
/// client cut off) before ending it: the store's transactions are a few
/// statements sent together, never waiting on anything but the database.
const IDLE_IN_TRANSACTION: &str = "10s";

/// A statement sent and not yet answered ([`Remote::execute_later`]).
type Pending = Pin<Box<dyn Future<Output = std::result::Result<u64, tokio_postgres::Error>>>>;

/// What the connection's thread holds.
struct Session {
    rt: tokio::runtime::Runtime,
    client: Arc<Client>,
    /// Prepared once per statement text, as the store wrote it.
    statements: HashMap<String, Statement>,
    /// Sent, in order, their answers not read yet.
    pending: Vec<Pending>,
    /// The first error of a statement sent for later (preparing it, or
    /// its first poll), with how many were pending then: theirs, sent
    /// before it, come first (a failed statement aborts the transaction,
    /// and every later one fails for that reason only).
    later_failed: Option<(usize, Error)>,
}

impl Session {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self
            .rt
            .block_on(self.client.prepare(&sql_text::to_dollars(sql)))
            .map_err(error)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Waits for the answers of the statements sent for later: the first
    /// error among them, if any.
    fn settle(&mut self) -> Result<()> {
        let failed = self.later_failed.take();
        if self.pending.is_empty() {
            return failed.map_or(Ok(()), |(_, e)| Err(e));
        }
        let answers = self
            .rt
            .block_on(futures::future::join_all(self.pending.drain(..)));
        let before = failed.as_ref().map_or(answers.len(), |(n, _)| *n);
        let mut answers = answers.into_iter();
        answers
            .by_ref()
            .take(before)
            .try_for_each(|a| a.map(drop).map_err(error))?;
        match failed {
            Some((_, e)) => Err(e),
            None => answers.try_for_each(|a| a.map(drop).map_err(error)),
        }
    }

    /// Keeps `e` as the first error of a statement sent for later.
    fn failed_later(&mut self, e: Error) {
        let pending = self.pending.len();
        self.later_failed.get_or_insert((pending, e));
    }
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// A connection to the store's PostgreSQL database.
struct Conn {
    jobs: mpsc::Sender<Job>,
    /// A transaction was begun and not ended (the store's transactions are
    /// begun and ended by [`Remote::batch`]'s `BEGIN`, `COMMIT`, `ROLLBACK`).
    in_transaction: std::cell::Cell<bool>,
}

/// The connection settings `url` names, with the store's own (timeouts,
/// keepalives, the session's idle limit in a transaction).
pub(crate) fn config(url: &PgUrl) -> Result<tokio_postgres::Config> {
    let env = |k: &str| std::env::var(k).ok();
    let shown = url.shown();
    let mut config = tokio_postgres::Config::new();
    for (host, port) in url.hosts() {
        config.host(host).port(port);
    }
    let secs = |name: &str, or: Duration| {
        url.param(name)
            .and_then(|t| t.parse().ok())
            .map_or(or, Duration::from_secs)
    };
    config
        .user(url.user(&env))
        .dbname(url.dbname(&env))
        .application_name("wfc")
        .connect_timeout(secs("connect_timeout", CONNECT_TIMEOUT))
        // A database cut off mid-statement is an error within
        // `tcp_user_timeout` (libpq's, in ms), not a call that hangs until
        // the kernel gives up (~15 minutes).
        .tcp_user_timeout(
            url.param("tcp_user_timeout")
                .and_then(|t| t.parse().ok())
                .map_or(TCP_USER_TIMEOUT, Duration::from_millis),
        )
        .keepalives(true)
        .keepalives_idle(secs("keepalives_idle", KEEPALIVES_IDLE));
    if let Some(p) = url.password(&env) {
        config.password(p);
    }
    match url.param("target_session_attrs").as_deref() {
        None | Some("any") => {}
        Some("read-write" | "primary") => {
            config.target_session_attrs(tokio_postgres::config::TargetSessionAttrs::ReadWrite);
        }
        Some(other) => {
            return Err(Error::Database(format!(
                "the store {shown}: target_session_attrs={other} is not supported (the store \
                 writes: `read-write` picks the primary among the URL's hosts, `any` the first \
                 that answers)"
            )))
        }
    }
    // Server settings for the session, as libpq takes them (`-c name=value`),
    // after ours: a session cut off inside a transaction lets go of its
    // locks (a run's row, say) within a bound, whatever the server's TCP
    // keepalives, so another server can take the run over.
    let ours = format!("-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION}");
    config.options(match url.param("options") {
        Some(o) if o.contains("idle_in_transaction_session_timeout") => o,
        Some(o) => format!("{ours} {o}"),
        None => ours,
    });
    match url.param("sslmode").as_deref() {
        None | Some("disable" | "allow" | "prefer") => {}
        Some(mode) => {
            return Err(Error::Database(format!(
                "the store {shown}: sslmode={mode} is not supported yet (the store connects \
                 without TLS: use it on a trusted network or a Unix socket, `?host=/run/postgresql`)"
            )))
        }
    }
    Ok(config)
}

/// Connects to the database `url` names (its password as libpq finds
/// it: [`PgUrl::password`]). Errors name the URL without its password.
pub fn connect(url: &PgUrl) -> Result<Db> {
    let shown = url.shown();
    let config = config(url)?;
    let (jobs, queue) = mpsc::channel::<Job>();
    let (ready, started) = mpsc::sync_channel::<Result<()>>(1);
    // (A refusal for want of connections stays `Busy`: a start waits.)
    let failed = move |e: Error| {
        let text = format!("cannot connect to the store {shown}: {e}");
        if e.is_busy() {
            Error::Busy(text)
        } else {
            Error::Database(text)
        }
    };
    let failed2 = failed.clone();
    std::thread::Builder::new()
        .name("wfc-store-pg".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready.send(Err(failed(Error::Database(e.to_string()))));
                    return;
                }
            };
            let (client, connection) = match rt.block_on(config.connect(NoTls)) {
                Ok(c) => c,
                Err(e) => {
                    let _ = ready.send(Err(failed(error(e))));
                    return;
                }
            };
            rt.spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("the store's PostgreSQL connection ended: {e}");
                }
            });
            let _ = ready.send(Ok(()));
            let mut session = Session {
                rt,
                client: Arc::new(client),
                statements: HashMap::new(),
                pending: Vec::new(),
                later_failed: None,
            };
            while let Ok(job) = queue.recv() {
                job(&mut session);
            }
        })
        .map_err(|e| failed2(Error::Database(e.to_string())))?;
    started.recv().map_err(|_| gone())??;
    Ok(Db::remote(Box::new(Conn {
        jobs,
        in_transaction: std::cell::Cell::new(false),
    })))
}

fn gone() -> Error {
    Error::Database("the store's PostgreSQL connection is gone".into())
}

impl Conn {
    /// Runs `f` on the connection's thread and waits for its answer. The
    /// statements sent for later are answered first (their error, if any,
    /// is this call's); `f` runs all the same, so a `COMMIT` or `ROLLBACK`
    /// still ends the transaction they failed.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |s| {
                let settled = s.settle();
                let done = f(s);
                let _ = answer.send(settled.and(done));
            }))
            .map_err(|_| gone())?;
        answered.recv().map_err(|_| gone())?
    }
}

fn owned(params: &[Ref<'_>]) -> Vec<Param> {
    params.iter().map(|p| Param(p.to_value())).collect()
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Remote for Conn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Ref<'_>]) -> Result<usize> {
        let (sql, params) = (sql.to_owned(), owned(params));
        self.call(move |s| {
            let st = s.statement(&sql)?;
            let n =
                s.rt.block_on(s.client.execute(&st, &refs(&params)))
                    .map_err(error)?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn execute_later(&self, sql: &str, params: &[Ref<'_>]) -> Result<()> {
        let (sql, params) = (sql.to_owned(), owned(params));
        let job = move |s: &mut Session| {
            let st = match s.statement(&sql) {
                Ok(st) => st,
                Err(e) => {
                    s.failed_later(e);
                    return;
                }
            };
            let client = Arc::clone(&s.client);
            let mut sent: Pending = Box::pin(async move {
                let refs = refs(&params);
                client.execute(&st, &refs).await
            });
            // Its first poll sends it, so statements go in the order
            // called; its answer is read with the next call's.
            // (Then the connection's task writes it out while the caller
            // goes on.)
            let first = s.rt.block_on(async {
                let first = futures::poll!(sent.as_mut());
                if first.is_pending() {
                    tokio::task::yield_now().await;
                }
                first
            });
            match first {
                Poll::Pending => s.pending.push(sent),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => s.failed_later(error(e)),
            }
        };
        self.jobs.send(Box::new(job)).map_err(|_| gone())
    }

    fn query(&self, sql: &str, params: &[Ref<'_>], first: bool) -> Result<Vec<Vec<Value>>> {
        let (sql, params) = (sql.to_owned(), owned(params));
        self.call(move |s| {
            let st = s.statement(&sql)?;
            // Each row read as it arrives: the driver's rows and ours are
            // never both whole in memory (a run of 40,000 steps read six
            // times at once went past the server's bound when they were).
            s.rt.block_on(async {
                let stream = s
                    .client
                    .query_raw(&st, refs(&params).iter().copied())
                    .await
                    .map_err(error)?;
                let mut stream = std::pin::pin!(stream);
                let mut out = Vec::new();
                while let Some(r) = stream.try_next().await.map_err(error)? {
                    if !first || out.is_empty() {
                        out.push(row(&r)?);
                    }
                }
                Ok(out)
            })
        })
    }

    fn batch(&self, sql: &str) -> Result<()> {
        let first = sql.split_whitespace().next().unwrap_or("");
        let begins = first.eq_ignore_ascii_case("BEGIN");
        let ends = ["COMMIT", "ROLLBACK", "END", "ABORT"]
            .iter()
            .any(|w| first.eq_ignore_ascii_case(w));
        // A transaction's BEGIN goes with its first statement: nothing
        // waits for its answer (an error in it is the next call's).
        if begins && sql.trim().eq_ignore_ascii_case("BEGIN") {
            let sent = self.execute_later("BEGIN", &[]);
            self.in_transaction.set(sent.is_ok());
            return sent;
        }
        let owned = sql.to_owned();
        let done = self.call(move |s| s.rt.block_on(s.client.batch_execute(&owned)).map_err(error));
        if begins {
            self.in_transaction.set(done.is_ok());
        } else if ends {
            // (A COMMIT that fails ends the transaction too: PostgreSQL
            // rolls it back.)
            self.in_transaction.set(false);
        }
        done
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction.get()
    }

    fn reusable(&self) -> bool {
        if self.in_transaction.get() {
            return false;
        }
        // The connection's task runs only while the thread waits on the
        // runtime: let it see what came while idle (the server closed the
        // session, say) before asking.
        self.call(|s| {
            s.rt.block_on(tokio::task::yield_now());
            Ok(!s.client.is_closed())
        })
        .unwrap_or(false)
    }
}
