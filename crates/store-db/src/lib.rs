//! The run store's connection to its database, whichever backend holds it
//! (issue 71, docs/design/store-backends.md): SQLite, embedded, or another
//! database through a [`Remote`] (PostgreSQL, in `wfc-store-postgres`, so
//! that neither this crate nor `wfc-store` links a network client or an
//! async runtime). Also the store's [`Error`] and its [`location`].
//!
//! A crate of its own, below both `wfc-store` and `wfc-store-postgres`, so
//! that the store's own tests can run on a PostgreSQL connection: the
//! trait they share is this crate's, whichever copy of `wfc-store` (its
//! library, or its unit tests') holds the connection.
//!
//! Its methods are the few every store function uses (`execute`,
//! `query_row`, statements mapped over rows, write transactions), with
//! neutral [`Value`]s and [`Row`]s: each statement is written once, in the
//! SQL both databases take, and the few that must differ branch on
//! [`Db::dialect`] beside each other.

pub mod error;
pub mod location;
mod row;
pub mod sql_text;
mod sqlite_functions;
mod value;

pub use error::Error;
pub use row::Row;
pub use value::{FromCol, Param, Params, Ref, Value};

/// What a store function returns.
pub type Result<T> = std::result::Result<T, Error>;

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// Which SQL a connection speaks, for the statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection to a database other than SQLite. Its statements arrive as
/// the store writes them (`?N` placeholders: [`sql_text::to_dollars`]);
/// the implementation prepares each text once and keeps it.
pub trait Remote: Send {
    fn dialect(&self) -> Dialect;
    /// Runs one statement; how many rows it changed.
    fn execute(&self, sql: &str, params: &[Ref<'_>]) -> Result<usize>;
    /// Sends one statement without waiting for its answer ([`Db::execute_later`]):
    /// its error is the next call's. By default, runs it now.
    fn execute_later(&self, sql: &str, params: &[Ref<'_>]) -> Result<()> {
        self.execute(sql, params).map(drop)
    }
    /// Every row one statement gives (`first` only the first).
    fn query(&self, sql: &str, params: &[Ref<'_>], first: bool) -> Result<Vec<Vec<Value>>>;
    /// Runs statements with no parameters, one after another.
    fn batch(&self, sql: &str) -> Result<()>;
    /// Whether the session is open and in no transaction, so that the
    /// connection can be kept for another user ([`Db::reusable`]).
    fn reusable(&self) -> bool;
    /// Whether a transaction was begun ([`Remote::batch`]'s `BEGIN`) and
    /// not ended.
    fn in_transaction(&self) -> bool;
}

/// One connection to the store's database.
pub struct Db {
    conn: Conn,
    /// The state folder, where the store keeps what is not in the
    /// database (a running run's journal): beside SQLite's file, or the
    /// one a remote database's store was given ([`Db::in_folder`]).
    folder: Option<PathBuf>,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Remote(Box<dyn Remote>),
}

impl Db {
    /// SQLite's connection, with the functions both dialects share
    /// (`GREATEST` and `LEAST`, given to SQLite).
    pub fn sqlite(conn: rusqlite::Connection) -> Result<Db> {
        sqlite_functions::register(&conn)?;
        let folder = conn
            .path()
            .filter(|p| !p.is_empty())
            .and_then(|p| Path::new(p).parent())
            .map(Path::to_path_buf);
        Ok(Db {
            conn: Conn::Sqlite(conn),
            folder,
        })
    }

    pub fn remote(conn: Box<dyn Remote>) -> Db {
        Db {
            conn: Conn::Remote(conn),
            folder: None,
        }
    }

    /// The same connection, keeping its files in `dir`.
    pub fn in_folder(mut self, dir: &Path) -> Db {
        self.folder = Some(dir.to_path_buf());
        self
    }

    /// The state folder (`None`: an in-memory database's, which has none).
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    pub fn dialect(&self) -> Dialect {
        match &self.conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Remote(r) => r.dialect(),
        }
    }

    /// The SQLite connection, for what only SQLite has (its pragmas, its
    /// file's checkpoints).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.conn {
            Conn::Sqlite(c) => Some(c),
            Conn::Remote(_) => None,
        }
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let refs = params.refs();
        match &self.conn {
            Conn::Sqlite(c) => Ok(c
                .prepare_cached(&sql_text::to_question_marks(sql))?
                .execute(rusqlite::params_from_iter(refs.iter()))?),
            Conn::Remote(r) => r.execute(sql, &refs),
        }
    }

    /// Runs one statement whose answer the caller does not read, in a
    /// transaction: on PostgreSQL it is sent without waiting (pipelined),
    /// and an error it meets is the error of the connection's next call —
    /// at the latest the transaction's commit, which then fails. So a
    /// transaction's writes cost one round trip together, not one each.
    /// Outside a transaction, and on SQLite, it runs at once.
    pub fn execute_later<P: Params>(&self, sql: &str, params: P) -> Result<()> {
        match &self.conn {
            Conn::Remote(r) if r.in_transaction() => r.execute_later(sql, &params.refs()),
            _ => self.execute(sql, params).map(drop),
        }
    }

    /// Runs statements with no parameters, one after another.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Remote(r) => r.batch(sql),
        }
    }

    /// `f` of the first row; [`Error::NotFound`] when there is none.
    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// A statement (SQLite prepares it now; it is not kept).
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt(match &self.conn {
            Conn::Sqlite(c) => Prepared::Plain(c.prepare(&sql_text::to_question_marks(sql))?),
            Conn::Remote(r) => Prepared::Remote(r.as_ref(), sql.to_owned()),
        }))
    }

    /// A statement kept prepared for the next use of the same text.
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt(match &self.conn {
            Conn::Sqlite(c) => {
                Prepared::Cached(c.prepare_cached(&sql_text::to_question_marks(sql))?)
            }
            Conn::Remote(r) => Prepared::Remote(r.as_ref(), sql.to_owned()),
        }))
    }

    /// A write transaction: SQLite takes its write lock at once (`BEGIN
    /// IMMEDIATE`), so that two writers queue rather than one failing at
    /// its first write; PostgreSQL's functions lock the rows they rely on.
    /// Rolled back when dropped without [`Tx::commit`].
    pub fn write(&self) -> Result<Tx<'_>> {
        self.execute_batch(match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        })?;
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    /// A read transaction: every read in it sees one moment.
    pub fn read(&self) -> Result<Tx<'_>> {
        self.execute_batch("BEGIN")?;
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    /// Whether the connection can serve another user as it is: in no
    /// transaction, able to write, its session open (a pool keeps it).
    pub fn reusable(&self) -> bool {
        match &self.conn {
            Conn::Sqlite(c) => {
                c.is_autocommit() && !c.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
            }
            Conn::Remote(r) => r.reusable(),
        }
    }

    /// Whether a transaction is open on the connection.
    pub fn in_transaction(&self) -> bool {
        match &self.conn {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Remote(r) => r.in_transaction(),
        }
    }
}

/// A transaction on a [`Db`]; its statements are the connection's.
pub struct Tx<'c> {
    db: &'c Db,
    open: bool,
}

impl Tx<'_> {
    /// Commits; a commit that fails is rolled back.
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        let done = self.db.execute_batch("COMMIT");
        if done.is_err() && self.db.in_transaction() {
            let _ = self.db.execute_batch("ROLLBACK");
        }
        done
    }
}

impl Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open && self.db.in_transaction() {
            let _ = self.db.execute_batch("ROLLBACK");
        }
    }
}

/// A prepared statement.
pub struct Stmt<'c>(Prepared<'c>);

enum Prepared<'c> {
    Plain(rusqlite::Statement<'c>),
    Cached(rusqlite::CachedStatement<'c>),
    Remote(&'c dyn Remote, String),
}

impl<'c> Stmt<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match &mut self.0 {
            Prepared::Plain(s) => Some(s),
            Prepared::Cached(s) => Some(s),
            Prepared::Remote(..) => None,
        }
    }

    /// `f` of every row, in order.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let refs = params.refs();
        let mut out = Vec::new();
        if let Some(s) = self.sqlite() {
            let mut rows = s.query(rusqlite::params_from_iter(refs.iter()))?;
            while let Some(r) = rows.next()? {
                out.push(f(&Row::sqlite(r)));
            }
        } else if let Prepared::Remote(r, sql) = &self.0 {
            for values in r.query(sql, &refs, false)? {
                out.push(f(&Row::values(&values)));
            }
        }
        Ok(out.into_iter())
    }

    /// `f` of the first row; [`Error::NotFound`] when there is none.
    pub fn query_row<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let refs = params.refs();
        if let Some(s) = self.sqlite() {
            let mut rows = s.query(rusqlite::params_from_iter(refs.iter()))?;
            return match rows.next()? {
                Some(r) => f(&Row::sqlite(r)),
                None => Err(Error::NotFound),
            };
        }
        let Prepared::Remote(r, sql) = &self.0 else {
            unreachable!("a statement is SQLite's or a remote's")
        };
        match r.query(sql, &refs, true)?.first() {
            Some(values) => f(&Row::values(values)),
            None => Err(Error::NotFound),
        }
    }

    /// Whether the statement gives any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        match self.query_row(params, |_| Ok(())) {
            Ok(()) => Ok(true),
            Err(Error::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs the statement; how many rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let refs = params.refs();
        if let Some(s) = self.sqlite() {
            return Ok(s.execute(rusqlite::params_from_iter(refs.iter()))?);
        }
        let Prepared::Remote(r, sql) = &self.0 else {
            unreachable!("a statement is SQLite's or a remote's")
        };
        r.execute(sql, &refs)
    }
}

/// `.optional()` on a query that may find no row.
pub trait Optional<T> {
    /// `None` for [`Error::NotFound`].
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
