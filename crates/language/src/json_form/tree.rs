//! A JSON document as a tree whose every value knows where it is in the
//! text, so a problem in it (or in the workflow it describes) points at the
//! value. serde_json checks the syntax and decodes; each value is kept as
//! the slice of the text it came from (`RawValue`), whose place is its
//! offset from the text's start.

use crate::diag::Diagnostic;
use crate::span::Span;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One JSON value and its span in the document.
#[derive(Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, decoded, with where each run of its text is in the
    /// document (see [`Text`]).
    String(Text),
    Array(Vec<Node>),
    /// Keys in the order written (duplicates kept: the reader refuses them).
    Object(Vec<(Key, Node)>),
}

/// An object's key and its span (quotes included).
#[derive(Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// A decoded JSON string: its text, and for each byte of the text the
/// document offset it came from (an escape's bytes all come from its `\`).
#[derive(Debug)]
pub struct Text {
    pub text: String,
    pub origin: Vec<u32>,
}

impl Value {
    /// What the value is, in words, for messages.
    pub fn what(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Parses `text` as one JSON document; E0930 with the place of the first
/// syntax error.
pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    node(text, raw).map_err(|e| syntax_error(text, &e))
}

fn syntax_error(text: &str, e: &serde_json::Error) -> Diagnostic {
    let at = offset_of(text, e.line(), e.column());
    let message = e.to_string();
    // serde_json appends " at line L column C": the label says where.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_string();
    crate::diag::json_form::not_json(Span::new(at, at), &message)
}

/// The byte offset of 1-based `line`, `column` (serde_json counts bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `raw`'s place in `doc`: it is a slice of it.
fn span_in(doc: &str, raw: &str) -> Span {
    let start = raw.as_ptr() as usize - doc.as_ptr() as usize;
    Span::new(start, start + raw.len())
}

fn node(doc: &str, raw: &RawValue) -> Result<Node, serde_json::Error> {
    let src = raw.get();
    let span = span_in(doc, src);
    let value = match src.as_bytes().first() {
        Some(b'{') => {
            let Entries(entries) = serde_json::from_str(src)?;
            let mut out = Vec::with_capacity(entries.len());
            for (name, v) in entries {
                let value = node(doc, v)?;
                let key = key_before(doc, value.span.start as usize, &name);
                out.push((key, value));
            }
            Value::Object(out)
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(src)?;
            let items = items.into_iter().map(|v| node(doc, v));
            Value::Array(items.collect::<Result<_, _>>()?)
        }
        Some(b'"') => Value::String(decode(src, span.start as usize)?),
        Some(b't' | b'f') => Value::Bool(serde_json::from_str(src)?),
        Some(b'n') => Value::Null,
        _ => Value::Number(src.to_string()),
    };
    Ok(Node { value, span })
}

/// The key whose value starts at `value_start`: the string before the `:`.
fn key_before(doc: &str, value_start: usize, name: &str) -> Key {
    let before = doc[..value_start].trim_end();
    let end = before.strip_suffix(':').unwrap_or(before).trim_end().len();
    // The key's text as written is at least as long as its decoded name.
    let start = doc[..end.saturating_sub(1)]
        .rfind('"')
        .filter(|s| end - s >= name.len() + 2)
        .unwrap_or(end.saturating_sub(name.len() + 2));
    let start = (0..=start)
        .rev()
        .find(|&i| doc.is_char_boundary(i))
        .unwrap_or(0);
    Key {
        name: name.to_string(),
        span: Span::new(start, end),
    }
}

/// Decodes the JSON string `src` (quotes included) that starts at `at`.
fn decode(src: &str, at: usize) -> Result<Text, serde_json::Error> {
    let text: String = serde_json::from_str(src)?;
    let mut origin = Vec::with_capacity(text.len());
    let body = &src[1..src.len() - 1];
    let mut rest = body;
    let mut pos = at + 1;
    for ch in text.chars() {
        let width = if rest.starts_with('\\') {
            escape_width(rest, ch)
        } else {
            ch.len_utf8()
        };
        origin.extend(std::iter::repeat_n(pos as u32, ch.len_utf8()));
        pos += width;
        rest = &rest[width..];
    }
    Ok(Text { text, origin })
}

/// How many bytes of `rest` (which starts with `\`) wrote `ch`.
fn escape_width(rest: &str, ch: char) -> usize {
    match rest.as_bytes().get(1) {
        Some(b'u') if ch.len_utf16() == 2 => 12,
        Some(b'u') => 6,
        _ => 2,
    }
}

/// An object's entries in the order written.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_know_their_place_and_escapes_their_origin() {
        let doc = r#"{ "a" : [1, true, null], "b\u0041": "x\"é\u00e9" }"#;
        let n = parse(doc).unwrap();
        let Value::Object(entries) = &n.value else {
            panic!("{n:?}")
        };
        assert_eq!(entries[0].0.name, "a");
        assert_eq!(&doc[entries[0].0.span.range()], "\"a\"");
        assert_eq!(&doc[entries[0].1.span.range()], "[1, true, null]");
        assert_eq!(entries[1].0.name, "bA");
        assert_eq!(&doc[entries[1].0.span.range()], r#""b\u0041""#);
        let Value::String(t) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(t.text, "x\"éé");
        // `x`, then `\"` (both bytes from the `\`), `é` as written, `\u00e9`.
        let x = doc.find("x\\").unwrap() as u32;
        assert_eq!(t.origin, [x, x + 1, x + 3, x + 3, x + 5, x + 5]);
    }

    #[test]
    fn a_syntax_error_points_at_its_line_and_column() {
        let d = parse("{\n  \"a\": 1,\n  ]\n}").unwrap_err();
        assert_eq!(d.code, "E0930");
        assert_eq!(d.primary_span().unwrap().start, 14, "at the `]`");
    }
}
