//! wfc values to PostgreSQL parameters and column values back to JSON.
//!
//! Params are sent in PostgreSQL's *text* format, checked here against the
//! type the server inferred for each `$N`: the server's own input function
//! then parses them, so `numeric`, `date`, `uuid`, enums and domains take
//! their exact text without a lossy conversion on our side. Columns come
//! back in binary and are decoded here; a type this module does not know is
//! turned into its text form by the server (see `postgres.rs`).

use super::sqlite::float_word;
use base64::Engine;
use bytes::BytesMut;
use std::error::Error;
use tokio_postgres::types::{Format, IsNull, Kind, ToSql, Type};
use wfc_plan::Value;

type BoxError = Box<dyn Error + Sync + Send>;

/// One param in text format (`None`: SQL NULL).
#[derive(Debug)]
pub(super) struct Text(pub Option<String>);

impl ToSql for Text {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match &self.0 {
            Some(t) => {
                out.extend_from_slice(t.as_bytes());
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    fn encode_format(&self, _: &Type) -> Format {
        Format::Text
    }
    tokio_postgres::types::to_sql_checked!();
}

/// Raw binary bytes of a value of any type (for the server to print it).
#[derive(Debug)]
pub(super) struct Binary<'a>(pub &'a [u8]);

impl ToSql for Binary<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(self.0);
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    tokio_postgres::types::to_sql_checked!();
}

/// A column's raw binary bytes, whatever its type (`None`: NULL).
pub(super) struct Raw<'a>(pub Option<&'a [u8]>);

impl<'a> tokio_postgres::types::FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(Some(raw)))
    }
    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Raw(None))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// The text form of `v` for a param of type `ty`, or why it cannot be.
pub(super) fn bind(name: &str, v: &Value, ty: &Type) -> Result<Option<String>, String> {
    let mismatch = || {
        format!(
            "param `{name}` is a {}, and PostgreSQL expects `{}` for it (write a cast, e.g. `cast(:{name} as text)`, to choose)",
            v.type_name(),
            type_name(ty)
        )
    };
    if matches!(v, Value::Null) {
        return Ok(None);
    }
    let text = match (ty.kind(), v) {
        (Kind::Array(elem), Value::List(items)) => array_text(name, items, elem)?,
        // An array literal (`{1,2}`), parsed by the server.
        (Kind::Array(_), Value::Str(s)) => s.clone(),
        (Kind::Array(_), _) => return Err(mismatch()),
        (Kind::Domain(base), _) => return bind(name, v, base),
        _ => match (ty.name(), v) {
            // A string the type's own text reads (`:x::int` of a param
            // string): checked here so a bad one names its param.
            ("int2" | "int4" | "int8" | "oid", Value::Str(t)) => match t.trim().parse() {
                Ok(i) => return bind(name, &Value::Int(i), ty),
                Err(_) => return Err(unreadable(name, t, ty)),
            },
            ("float4" | "float8", Value::Str(t)) => match t.trim().parse::<f64>() {
                Ok(f) => return bind(name, &Value::Float(f), ty),
                Err(_) => return Err(unreadable(name, t, ty)),
            },
            ("bool", Value::Str(t)) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "on" | "1" => "true".to_owned(),
                "false" | "f" | "no" | "off" | "0" => "false".to_owned(),
                _ => return Err(unreadable(name, t, ty)),
            },
            ("int2" | "int4" | "int8" | "oid", Value::Int(i)) => {
                let (lo, hi) = match ty.name() {
                    "int2" => (i16::MIN.into(), i16::MAX.into()),
                    "int4" => (i32::MIN.into(), i32::MAX.into()),
                    "oid" => (0, u32::MAX.into()),
                    _ => (i64::MIN, i64::MAX),
                };
                if *i < lo || *i > hi {
                    return Err(format!(
                        "param `{name}` is {i}, outside the range of `{}` ({lo} to {hi})",
                        type_name(ty)
                    ));
                }
                i.to_string()
            }
            ("int2" | "int4" | "int8" | "oid", Value::Duration(ms)) => ms.to_string(),
            ("int2" | "int4" | "int8" | "oid", _) => return Err(mismatch()),
            ("float4" | "float8", Value::Int(_) | Value::Float(_)) => plain(v),
            ("numeric", Value::Int(_) | Value::Float(_) | Value::Str(_)) => plain(v),
            ("float4" | "float8" | "numeric", _) => return Err(mismatch()),
            ("bool", Value::Bool(b)) => b.to_string(),
            ("bool", _) => return Err(mismatch()),
            // `cast(:rows as jsonb)` types the param jsonb itself, so a
            // string is JSON text (`string(list)`), not a JSON string.
            ("json" | "jsonb", Value::Str(t)) => match serde_json::from_str::<serde_json::Value>(t)
            {
                Ok(_) => t.clone(),
                Err(e) => {
                    return Err(format!(
                        "param `{name}` is bound to `{}` and is not JSON text: {e}",
                        type_name(ty)
                    ))
                }
            },
            ("json" | "jsonb", _) => v.to_json().to_string(),
            ("bytea", _) => return Err(mismatch()),
            // text, varchar, name, unknown; dates, uuid, enums and the rest
            // are parsed by the server from their text.
            (_, Value::List(_) | Value::Map(_)) if !is_text(ty) => return Err(mismatch()),
            _ => plain(v),
        },
    };
    if text.contains('\0') {
        return Err(format!(
            "param `{name}` holds a NUL character, which PostgreSQL cannot store in text"
        ));
    }
    Ok(Some(text))
}

fn unreadable(name: &str, text: &str, ty: &Type) -> String {
    let shown: String = text.chars().take(40).collect();
    format!(
        "param `{name}` is the string {shown:?}, which is not a `{}`",
        type_name(ty)
    )
}

/// `int4[]` rather than PostgreSQL's internal `_int4`.
fn type_name(ty: &Type) -> String {
    match ty.kind() {
        Kind::Array(elem) => format!("{}[]", elem.name()),
        _ => ty.name().to_owned(),
    }
}

fn is_text(ty: &Type) -> bool {
    matches!(
        ty.name(),
        "text" | "varchar" | "bpchar" | "name" | "unknown" | "citext"
    )
}

/// A value as plain text: strings as they are, lists and maps as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Float(f) if !f.is_finite() => float_word(*f).to_owned(),
        Value::Float(f) => f.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        other => match other.to_json() {
            serde_json::Value::String(s) => s,
            j => j.to_string(),
        },
    }
}

/// An array literal `{"a","b",NULL}` of the elements' text forms.
fn array_text(name: &str, items: &[Value], elem: &Type) -> Result<String, String> {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Value::List(inner) if !matches!(elem.name(), "json" | "jsonb") => {
                out.push_str(&array_text(name, inner, elem)?)
            }
            _ => match bind(name, item, elem)? {
                None => out.push_str("NULL"),
                Some(t) => {
                    out.push('"');
                    out.push_str(&t.replace('\\', "\\\\").replace('"', "\\\""));
                    out.push('"');
                }
            },
        }
    }
    out.push('}');
    Ok(out)
}

/// A column value as JSON, or `None` for a type decoded by the server.
pub(super) fn cell(ty: &Type, raw: Option<&[u8]>) -> Result<Option<serde_json::Value>, BoxError> {
    use postgres_protocol::types as t;
    use serde_json::Value as J;
    let Some(raw) = raw else {
        return Ok(Some(J::Null));
    };
    let float = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or_else(|| float_word(f).into())
    };
    let text = |raw| -> Result<J, BoxError> { Ok(t::text_from_sql(raw)?.to_owned().into()) };
    Ok(Some(match ty.kind() {
        Kind::Array(elem) => return array(elem, raw),
        Kind::Domain(base) => return cell(base, Some(raw)),
        Kind::Enum(_) => text(raw)?,
        _ => match ty.name() {
            "bool" => t::bool_from_sql(raw)?.into(),
            "int2" => t::int2_from_sql(raw)?.into(),
            "int4" => t::int4_from_sql(raw)?.into(),
            "int8" => t::int8_from_sql(raw)?.into(),
            "oid" => t::oid_from_sql(raw)?.into(),
            "float4" => float(t::float4_from_sql(raw)?.into()),
            "float8" => float(t::float8_from_sql(raw)?),
            "numeric" => numeric(raw)?.into(),
            "text" | "varchar" | "bpchar" | "name" | "unknown" | "citext" | "json" => text(raw)?,
            "jsonb" => match raw.split_first() {
                Some((1, body)) => serde_json::from_slice(body)?,
                _ => return Err("unknown jsonb format".into()),
            },
            "bytea" => base64::engine::general_purpose::STANDARD
                .encode(t::bytea_from_sql(raw))
                .into(),
            "uuid" => uuid(t::uuid_from_sql(raw)?).into(),
            "date" => date(t::date_from_sql(raw)?).into(),
            "timestamp" => timestamp(t::timestamp_from_sql(raw)?, "").into(),
            "timestamptz" => timestamp(t::timestamp_from_sql(raw)?, "Z").into(),
            "time" => clock(t::time_from_sql(raw)?).into(),
            _ => return Ok(None),
        },
    }))
}

/// A binary array as nested lists (`None`: an element type decoded by the
/// server, so the whole array is).
fn array(elem: &Type, raw: &[u8]) -> Result<Option<serde_json::Value>, BoxError> {
    let a = postgres_protocol::types::array_from_sql(raw)?;
    use tokio_postgres::fallible_iterator::FallibleIterator;
    let dims: Vec<usize> = a
        .dimensions()
        .map(|d| Ok(usize::try_from(d.len).unwrap_or(0)))
        .collect()?;
    let mut flat = Vec::new();
    let mut values = a.values();
    while let Some(v) = values.next()? {
        match cell(elem, v)? {
            Some(j) => flat.push(j),
            None => return Ok(None),
        }
    }
    Ok(Some(nest(&mut flat.into_iter(), &dims)))
}

fn nest(items: &mut impl Iterator<Item = serde_json::Value>, dims: &[usize]) -> serde_json::Value {
    match dims.split_first() {
        None => serde_json::Value::Array(Vec::new()),
        Some((n, [])) => items.take(*n).collect(),
        Some((n, rest)) => (0..*n).map(|_| nest(items, rest)).collect(),
    }
}

/// PostgreSQL's binary numeric (base-10000 digits) as its exact decimal text.
fn numeric(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "short numeric".into())
    };
    let (ndigits, weight, sign, dscale) = (word(0)?, word(2)? as i16, word(4)?, word(6)?);
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<u16> = (0..usize::from(ndigits))
        .map(|i| word(8 + 2 * i))
        .collect::<Result<_, _>>()?;
    let digit = |w: i32| -> u16 {
        // Digit i has weight `weight - i`.
        usize::try_from(i32::from(weight) - w)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut int = String::new();
    for w in (0..=i32::from(weight).max(0)).rev() {
        let d = digit(w);
        if int.is_empty() {
            if d != 0 || w == 0 {
                int = d.to_string();
            }
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    let mut frac = String::new();
    let mut w = -1;
    while frac.len() < usize::from(dscale) {
        frac.push_str(&format!("{:04}", digit(w)));
        w -= 1;
    }
    frac.truncate(usize::from(dscale));
    let neg = if sign == 0x4000 { "-" } else { "" };
    Ok(match frac.is_empty() {
        true => format!("{neg}{int}"),
        false => format!("{neg}{int}.{frac}"),
    })
}

fn uuid(b: [u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Days since 2000-01-01 as `YYYY-MM-DD`.
fn date(days: i32) -> String {
    match days {
        i32::MAX => return "infinity".into(),
        i32::MIN => return "-infinity".into(),
        _ => {}
    }
    // 10,957 days from 1970-01-01 to 2000-01-01.
    let (y, m, d) = wfc_contract::time::civil(i64::from(days) + 10_957);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Microseconds since midnight as `HH:MM:SS[.ffffff]`.
fn clock(micros: i64) -> String {
    let (s, us) = (micros / 1_000_000, micros % 1_000_000);
    let hms = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    match us {
        0 => hms,
        _ => format!("{hms}.{}", format!("{us:06}").trim_end_matches('0')),
    }
}

/// Microseconds since 2000-01-01 00:00 as RFC 3339 (`zone`: "Z" or "").
fn timestamp(micros: i64, zone: &str) -> String {
    match micros {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    let day = micros.div_euclid(86_400_000_000);
    let days = i32::try_from(day).unwrap_or(i32::MAX - 1);
    format!(
        "{}T{}{zone}",
        date(days),
        clock(micros.rem_euclid(86_400_000_000))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> String {
        let mut raw = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale].iter().chain(digits) {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        numeric(&raw).unwrap()
    }

    #[test]
    fn numerics_print_exactly() {
        assert_eq!(num(0, 0, 0, 0, &[]), "0");
        assert_eq!(num(2, 1, 0, 2, &[12, 3456]), "123456.00");
        assert_eq!(num(2, 0, 0x4000, 3, &[1, 2500]), "-1.250");
        assert_eq!(num(1, -1, 0, 5, &[12]), "0.00120");
        assert_eq!(num(1, 2, 0, 0, &[7]), "700000000");
        assert_eq!(num(0, 0, 0xC000, 0, &[]), "NaN");
    }

    #[test]
    fn dates_and_times_are_iso() {
        assert_eq!(date(0), "2000-01-01");
        assert_eq!(date(-10957), "1970-01-01");
        assert_eq!(date(9190), "2025-02-28");
        assert_eq!(timestamp(-1, "Z"), "1999-12-31T23:59:59.999999Z");
        assert_eq!(clock(3_723_000_000), "01:02:03");
        assert_eq!(clock(500_000), "00:00:00.5");
    }

    #[test]
    fn arrays_quote_their_elements() {
        let v = Value::List(vec![
            Value::Str("a\"b\\c".into()),
            Value::Null,
            Value::Str("x,y".into()),
        ]);
        assert_eq!(
            bind("p", &v, &Type::TEXT_ARRAY).unwrap().unwrap(),
            r#"{"a\"b\\c",NULL,"x,y"}"#
        );
        let err = bind("n", &Value::Int(70000), &Type::INT2).unwrap_err();
        assert!(err.contains("param `n`") && err.contains("int2"), "{err}");
        let err = bind("s", &Value::Str("a\0b".into()), &Type::TEXT).unwrap_err();
        assert!(err.contains("param `s`") && err.contains("NUL"), "{err}");
    }
}
