//! Values crossing the store's connection, in either direction, with no
//! driver's types: a parameter is a [`Param`] (several, a [`Params`]), a
//! column is read as a [`FromCol`]. Both backends see the same five kinds
//! SQLite has; PostgreSQL's columns are chosen to map onto them (every
//! integer a `BIGINT`, JSON as `TEXT`, bytes as `BYTEA`).

use crate::{Error, Result};

/// A column's value or a parameter, owned.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A column's value or a parameter, borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ref<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An integer (a real is not one).
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn real(&self) -> Option<f64> {
        match self {
            Value::Real(r) => Some(*r),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn blob(&self) -> Option<&[u8]> {
        match self {
            Value::Blob(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Ref<'_> {
        match self {
            Value::Null => Ref::Null,
            Value::Int(i) => Ref::Int(*i),
            Value::Real(r) => Ref::Real(*r),
            Value::Text(t) => Ref::Text(t),
            Value::Blob(b) => Ref::Blob(b),
        }
    }
}

impl Ref<'_> {
    pub fn to_value(self) -> Value {
        match self {
            Ref::Null => Value::Null,
            Ref::Int(i) => Value::Int(i),
            Ref::Real(r) => Value::Real(r),
            Ref::Text(t) => Value::Text(t.to_owned()),
            Ref::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    /// The kind's name, for a column read as the wrong type.
    fn kind(self) -> &'static str {
        match self {
            Ref::Null => "Null",
            Ref::Int(_) => "Integer",
            Ref::Real(_) => "Real",
            Ref::Text(_) => "Text",
            Ref::Blob(_) => "Blob",
        }
    }
}

impl<'a> Ref<'a> {
    /// Text, if it is text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            Ref::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Bytes, if they are bytes.
    pub fn blob(self) -> Option<&'a [u8]> {
        match self {
            Ref::Blob(b) => Some(b),
            _ => None,
        }
    }
}

impl<'a> From<rusqlite::types::ValueRef<'a>> for Ref<'a> {
    /// (Text that is not UTF-8 is read as bytes: the store writes none.)
    fn from(v: rusqlite::types::ValueRef<'a>) -> Ref<'a> {
        use rusqlite::types::ValueRef as V;
        match v {
            V::Null => Ref::Null,
            V::Integer(i) => Ref::Int(i),
            V::Real(r) => Ref::Real(r),
            V::Text(t) => std::str::from_utf8(t).map_or(Ref::Blob(t), Ref::Text),
            V::Blob(b) => Ref::Blob(b),
        }
    }
}

impl rusqlite::ToSql for Ref<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Ref::Null => ValueRef::Null,
            Ref::Int(i) => ValueRef::Integer(i),
            Ref::Real(r) => ValueRef::Real(r),
            Ref::Text(t) => ValueRef::Text(t.as_bytes()),
            Ref::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// One statement parameter.
pub trait Param {
    fn to_ref(&self) -> Ref<'_>;
}

impl<T: Param + ?Sized> Param for &T {
    fn to_ref(&self) -> Ref<'_> {
        (**self).to_ref()
    }
}

impl<T: Param> Param for Option<T> {
    fn to_ref(&self) -> Ref<'_> {
        self.as_ref().map_or(Ref::Null, Param::to_ref)
    }
}

impl Param for Value {
    fn to_ref(&self) -> Ref<'_> {
        self.as_ref()
    }
}

impl Param for Ref<'_> {
    fn to_ref(&self) -> Ref<'_> {
        *self
    }
}

impl Param for str {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Text(self)
    }
}

impl Param for String {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Text(self)
    }
}

impl Param for [u8] {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Blob(self)
    }
}

impl Param for Vec<u8> {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Blob(self)
    }
}

impl Param for f64 {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Real(*self)
    }
}

impl Param for bool {
    fn to_ref(&self) -> Ref<'_> {
        Ref::Int(i64::from(*self))
    }
}

macro_rules! int_params {
    ($($t:ty),*) => {$(
        impl Param for $t {
            /// (Past `i64::MAX`, which no count or time the store keeps
            /// reaches: the largest.)
            #[allow(clippy::cast_lossless)]
            fn to_ref(&self) -> Ref<'_> {
                Ref::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_params!(i64, i32, i16, u8, u16, u32, u64, usize, isize);

/// A statement's parameters, in order (`?1`, `?2`, … or `$1`, `$2`, …).
pub trait Params {
    fn refs(&self) -> Vec<Ref<'_>>;
}

impl Params for () {
    fn refs(&self) -> Vec<Ref<'_>> {
        Vec::new()
    }
}

impl<T: Param, const N: usize> Params for [T; N] {
    fn refs(&self) -> Vec<Ref<'_>> {
        self.iter().map(Param::to_ref).collect()
    }
}

impl<T: Param, const N: usize> Params for &[T; N] {
    fn refs(&self) -> Vec<Ref<'_>> {
        self.iter().map(Param::to_ref).collect()
    }
}

impl<T: Param> Params for &[T] {
    fn refs(&self) -> Vec<Ref<'_>> {
        self.iter().map(Param::to_ref).collect()
    }
}

impl<T: Param> Params for Vec<T> {
    fn refs(&self) -> Vec<Ref<'_>> {
        self.iter().map(Param::to_ref).collect()
    }
}

/// Parameters of different types: `params![id, 3, None::<&str>]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::Param]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::Param),+] as &[&dyn $crate::Param]
    };
}

/// A type a column is read as.
pub trait FromCol: Sized {
    /// `None` when the column's kind is not one this type is read from.
    fn from_col(col: Ref<'_>) -> Option<Self>;
}

/// Reads column `i` as `T`, or says which kind it held.
pub(crate) fn read<T: FromCol>(col: Ref<'_>, i: usize) -> Result<T> {
    T::from_col(col).ok_or_else(|| {
        Error::Database(format!(
            "Invalid column type {} at index: {i} (read as {})",
            col.kind(),
            std::any::type_name::<T>()
        ))
    })
}

impl<T: FromCol> FromCol for Option<T> {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        match col {
            Ref::Null => Some(None),
            col => T::from_col(col).map(Some),
        }
    }
}

impl FromCol for Value {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        Some(col.to_value())
    }
}

impl FromCol for String {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        col.text().map(str::to_owned)
    }
}

impl FromCol for Vec<u8> {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        col.blob().map(<[u8]>::to_vec)
    }
}

impl FromCol for f64 {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        match col {
            Ref::Real(r) => Some(r),
            Ref::Int(i) => Some(i as f64),
            _ => None,
        }
    }
}

impl FromCol for bool {
    fn from_col(col: Ref<'_>) -> Option<Self> {
        match col {
            Ref::Int(i) => Some(i != 0),
            _ => None,
        }
    }
}

macro_rules! int_cols {
    ($($t:ty),*) => {$(
        impl FromCol for $t {
            fn from_col(col: Ref<'_>) -> Option<Self> {
                match col {
                    Ref::Int(i) => <$t>::try_from(i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_cols!(i64, i32, u8, u16, u32, u64, usize);

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_owned())
    }
}

impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}

impl From<&String> for Value {
    fn from(t: &String) -> Value {
        Value::Text(t.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Blob(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
