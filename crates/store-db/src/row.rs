//! One row of a query's answer, read by column index.

use super::value::{read, FromCol, Ref, Value};
use crate::{Error, Result};

/// One row, as SQLite hands it over or as another backend gave it.
pub struct Row<'a>(Inner<'a>);

enum Inner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [Value]),
}

impl<'a> Row<'a> {
    pub(super) fn sqlite(r: &'a rusqlite::Row<'a>) -> Row<'a> {
        Row(Inner::Sqlite(r))
    }

    pub(super) fn values(v: &'a [Value]) -> Row<'a> {
        Row(Inner::Values(v))
    }

    /// How many columns it has.
    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Sqlite(r) => r.as_ref().column_count(),
            Inner::Values(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column `i` (from 0), borrowed.
    pub fn get_ref(&self, i: usize) -> Result<Ref<'_>> {
        match &self.0 {
            Inner::Sqlite(r) => Ok(r.get_ref(i)?.into()),
            Inner::Values(v) => v
                .get(i)
                .map(Value::as_ref)
                .ok_or_else(|| Error::Database(format!("Invalid column index: {i}"))),
        }
    }

    /// Column `i` (from 0) as `T`.
    pub fn get<T: FromCol>(&self, i: usize) -> Result<T> {
        read(self.get_ref(i)?, i)
    }
}
