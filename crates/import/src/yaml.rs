//! The input's YAML, read with a place on every node (marked-yaml), and the
//! few questions the converters ask of it.

use crate::ImportError;
use marked_yaml::{LoadError, Node};
use wfc_language::span::Span;

pub use marked_yaml::types::{MarkedMappingNode as Map, MarkedScalarNode as Scalar};

/// Parses `text`; a YAML error is `E0900` at its place.
pub fn parse(text: &str) -> Result<Node, ImportError> {
    marked_yaml::parse_yaml(0, text).map_err(|e| {
        let at = match &e {
            LoadError::TopLevelMustBeMapping(m)
            | LoadError::TopLevelMustBeSequence(m)
            | LoadError::UnexpectedAnchor(m)
            | LoadError::MappingKeyMustBeScalar(m)
            | LoadError::UnexpectedTag(m)
            | LoadError::ScanError(m, _) => byte_offset(text, m.character()),
            LoadError::DuplicateKey(_) => 0,
        };
        ImportError::input(
            "E0900",
            Span::new(at, at),
            format!("the file is not YAML that `wfc import` reads: {e}"),
            "here",
        )
    })
}

/// The keys of the top-level mapping, from a lenient parse (for [`crate::detect`]).
pub fn top_level_keys(text: &str) -> Vec<String> {
    match marked_yaml::parse_yaml(0, text) {
        Ok(Node::Mapping(m)) => m.keys().map(|k| k.as_str().to_string()).collect(),
        _ => Vec::new(),
    }
}

fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The span of a node's start, `len` bytes long (clamped to the text).
fn span_at(text: &str, node_span: &marked_yaml::Span, len: usize) -> Span {
    let start = node_span
        .start()
        .map_or(0, |m| byte_offset(text, m.character()));
    let end = (start + len).min(text.len());
    let end = (start..=end)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(start);
    Span::new(start, end)
}

/// Where a key stands, as a span over the key.
pub fn key_span(text: &str, key: &Scalar) -> Span {
    span_at(text, key.span(), key.as_str().len().max(1))
}

/// Where a node stands: its first line, for a warning's label.
pub fn node_span(text: &str, node: &Node) -> Span {
    let len = match node {
        Node::Scalar(s) => s.as_str().len(),
        _ => 1,
    };
    span_at(text, node.span(), len.max(1))
}

/// The text of a scalar; a sequence or a mapping is `None`.
pub fn str_of(node: &Node) -> Option<&str> {
    node.as_scalar().map(|s| s.as_str())
}

/// The entry `key` of a mapping, with its key (for its place).
pub fn entry<'a>(map: &'a Map, key: &str) -> Option<(&'a Scalar, &'a Node)> {
    map.iter().find(|(k, _)| k.as_str() == key)
}

/// The strings of a scalar or a sequence of scalars (`needs: a` or `needs: [a, b]`).
pub fn strings(node: &Node) -> Vec<&str> {
    match node {
        Node::Scalar(s) => vec![s.as_str()],
        Node::Sequence(xs) => xs.iter().filter_map(str_of).collect(),
        Node::Mapping(_) => Vec::new(),
    }
}
