//! JSON as a params file must be: a key given twice in one object is an
//! error, not the last one silently winning (serde_json keeps the last).

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as J};
use std::cell::RefCell;
use std::fmt;

/// Why a text is not acceptable JSON.
#[derive(Debug)]
pub enum Refused {
    /// A key given twice in one object (the first such key).
    Duplicate(String),
    /// Not JSON at all.
    Invalid(serde_json::Error),
}

/// Parses `text`, refusing duplicate keys at any depth.
pub fn parse(text: &str) -> Result<J, Refused> {
    let dup = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict(&dup)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (parsed, dup.into_inner()) {
        (_, Some(key)) => Err(Refused::Duplicate(key)),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(Refused::Invalid(e)),
    }
}

/// Builds a [`J`] and notes the first duplicate key in its cell.
struct Strict<'a>(&'a RefCell<Option<String>>);

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = J;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<J, E> {
        Ok(J::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<J, E> {
        Ok(J::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<J, E> {
        Ok(J::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<J, E> {
        Ok(J::from(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<J, E> {
        Ok(J::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<J, E> {
        Ok(J::String(s))
    }

    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(x) = seq.next_element_seed(Strict(self.0))? {
            out.push(x);
        }
        Ok(J::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let msg = format!("duplicate key `{key}`");
                *self.0.borrow_mut() = Some(key);
                return Err(A::Error::custom(msg));
            }
            let value = map.next_value_seed(Strict(self.0))?;
            out.insert(key, value);
        }
        Ok(J::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_at_any_depth() {
        assert_eq!(
            parse(r#"{"a": [1, {"b": null}], "c": 2.5}"#).unwrap(),
            serde_json::json!({"a": [1, {"b": null}], "c": 2.5})
        );
        assert!(matches!(parse(r#"{"a": 1, "a": 2}"#), Err(Refused::Duplicate(k)) if k == "a"));
        assert!(matches!(
            parse(r#"{"m": {"x": 1, "x": 1}}"#),
            Err(Refused::Duplicate(k)) if k == "x"
        ));
        assert!(matches!(parse("{"), Err(Refused::Invalid(_))));
        assert!(matches!(parse("{} x"), Err(Refused::Invalid(_))));
    }
}
