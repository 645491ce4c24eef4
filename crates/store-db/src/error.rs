//! What a store function fails with: the store's own error, not its
//! driver's, so that SQLite and PostgreSQL (issue 71) give callers the
//! same contract. Each variant keeps the driver's message, printed as the
//! driver printed it: what users and tests read does not change.

/// A store function's failure, classified by what a caller may do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Any other failure of the database.
    #[error("{0}")]
    Database(String),
    /// A query that had to return a row returned none.
    #[error("Query returned no rows")]
    NotFound,
    /// Another connection held a lock for longer than the store waits.
    #[error("{0}")]
    Busy(String),
    /// The disk (or the database's size limit) is full.
    #[error("{0}")]
    Full(String),
    /// A write broke a constraint (a key already taken, a missing parent).
    #[error("{0}")]
    Conflict(String),
}

impl Error {
    /// Whether another connection held the database locked too long.
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy(_))
    }

    /// Whether the write failed for want of space.
    pub fn is_full(&self) -> bool {
        matches!(self, Error::Full(_))
    }

    /// Whether a query that had to find a row found none.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode as C;
        if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
            return Error::NotFound;
        }
        let text = e.to_string();
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => Error::Busy(text),
            Some(C::DiskFull) => Error::Full(text),
            Some(C::ConstraintViolation) => Error::Conflict(text),
            _ => Error::Database(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use rusqlite::Connection;

    /// The store's error for `e`, and whether it prints as `e` did.
    fn classify(e: rusqlite::Error) -> (Error, bool) {
        let text = e.to_string();
        let ours = Error::from(e);
        let same = ours.to_string() == text;
        (ours, same)
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .unwrap();
        conn
    }

    #[test]
    fn no_row_is_not_found() {
        let conn = table();
        let e = conn
            .query_row("SELECT k FROM t", [], |r| r.get::<_, String>(0))
            .unwrap_err();
        let (ours, same) = classify(e);
        assert!(ours.is_not_found() && same, "{ours:?}");
        assert_eq!(ours.to_string(), "Query returned no rows");
    }

    #[test]
    fn a_taken_key_is_a_conflict() {
        let conn = table();
        conn.execute("INSERT INTO t VALUES ('a')", []).unwrap();
        let e = conn.execute("INSERT INTO t VALUES ('a')", []).unwrap_err();
        let (ours, same) = classify(e);
        assert!(matches!(ours, Error::Conflict(_)) && same, "{ours:?}");
        assert!(ours.to_string().contains("UNIQUE constraint failed"));
    }

    #[test]
    fn a_syntax_error_is_a_database_error() {
        let conn = table();
        let e = conn.execute("SELEKT 1", []).unwrap_err();
        let (ours, same) = classify(e);
        assert!(matches!(ours, Error::Database(_)) && same, "{ours:?}");
        assert!(!ours.is_busy() && !ours.is_full() && !ours.is_not_found());
    }

    /// A database another connection holds locked, with no wait: busy.
    #[test]
    fn a_held_lock_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("CREATE TABLE t (k TEXT); BEGIN IMMEDIATE")
            .unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let e = other.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        let (ours, same) = classify(e);
        assert!(ours.is_busy() && same, "{ours:?}");
    }
}
