//! The store's values as PostgreSQL's, both ways.

use std::error::Error as StdError;
use tokio_postgres::types::private::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::Row;
use wfc_store_db::{Error, Value};

/// A parameter, written as the type the statement expects there.
#[derive(Debug)]
pub(crate) struct Param(pub Value);

type Boxed = Box<dyn StdError + Sync + Send>;

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Boxed> {
        let v = &self.0;
        match v {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                // (SQLite keeps a number given for a text column as text.)
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => {
                    i.to_string().to_sql(&Type::TEXT, out)
                }
                _ => Err(mismatch(v, ty)),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Value::Text(t) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    t.as_str().to_sql(&Type::TEXT, out)
                }
                _ => Err(mismatch(v, ty)),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

fn mismatch(v: &Value, ty: &Type) -> Boxed {
    format!("a parameter {v:?} cannot be given as PostgreSQL's {ty}").into()
}

/// Row `r`'s columns as the store's values.
pub(crate) fn row(r: &Row) -> Result<Vec<Value>, Error> {
    (0..r.len()).map(|i| column(r, i)).collect()
}

fn column(r: &Row, i: usize) -> Result<Value, Error> {
    let ty = r.columns()[i].type_();
    let got = |e: tokio_postgres::Error| {
        Error::Database(format!("column {i} ({ty}) cannot be read: {e}"))
    };
    Ok(match *ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(got)?.map(Value::Int),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(i)
            .map_err(got)?
            .map(|v| Value::Int(v.into())),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(i)
            .map_err(got)?
            .map(|v| Value::Int(v.into())),
        Type::OID => r
            .try_get::<_, Option<u32>>(i)
            .map_err(got)?
            .map(|v| Value::Int(v.into())),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(i)
            .map_err(got)?
            .map(|v| Value::Int(v.into())),
        Type::FLOAT8 => r
            .try_get::<_, Option<f64>>(i)
            .map_err(got)?
            .map(Value::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)
            .map_err(got)?
            .map(|v| Value::Real(v.into())),
        Type::BYTEA => r
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(got)?
            .map(Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => r
            .try_get::<_, Option<String>>(i)
            .map_err(got)?
            .map(Value::Text),
        _ => {
            return Err(Error::Database(format!(
                "column {i} `{}` is PostgreSQL's {ty}, which the store does not read \
                 (cast it to BIGINT, DOUBLE PRECISION or TEXT)",
                r.columns()[i].name()
            )))
        }
    }
    .unwrap_or(Value::Null))
}

/// The store's error for a failed statement, classified by its SQLSTATE.
pub(crate) fn error(e: tokio_postgres::Error) -> Error {
    use tokio_postgres::error::SqlState as S;
    let text = match e.as_db_error() {
        Some(db) => {
            let mut t = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                t.push_str(&format!(" ({d})"));
            }
            t
        }
        None => e.to_string(),
    };
    match e.code() {
        Some(c)
            if *c == S::UNIQUE_VIOLATION
                || *c == S::FOREIGN_KEY_VIOLATION
                || *c == S::NOT_NULL_VIOLATION
                || *c == S::CHECK_VIOLATION =>
        {
            Error::Conflict(text)
        }
        Some(c) if *c == S::DISK_FULL || *c == S::PROGRAM_LIMIT_EXCEEDED => Error::Full(text),
        Some(c)
            if *c == S::T_R_SERIALIZATION_FAILURE
                || *c == S::T_R_DEADLOCK_DETECTED
                || *c == S::LOCK_NOT_AVAILABLE
                // Its `max_connections` reached, or starting up: try later.
                || *c == S::TOO_MANY_CONNECTIONS
                || *c == S::CANNOT_CONNECT_NOW =>
        {
            Error::Busy(text)
        }
        _ => Error::Database(text),
    }
}
