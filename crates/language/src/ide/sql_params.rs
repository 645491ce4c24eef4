//! Completion of a `sql` step's `params { }` keys: the `:name`s its query
//! uses that no entry binds yet, read from the tolerant lexer's tokens (the
//! file being typed rarely parses).

use super::lexer::Tok;
use super::{CompletionItem, CompletionKind as K, Doc};
use crate::sql_syntax;

/// The items at `offset`, inside a `sql` step's `params { }`.
pub fn items(doc: &Doc, offset: usize) -> Vec<CompletionItem> {
    let (text, lexed) = (doc.text(), doc.lexed());
    let params = lexed.frame_at(offset);
    let Some(step) = lexed.frames[params].parent else {
        return Vec::new();
    };
    let tokens = &lexed.tokens;
    let word = |t: &super::lexer::Token| &text[t.span.clone()];
    let Some(at) = tokens
        .iter()
        .position(|t| t.frame == step && t.starts_statement && word(t) == "query")
    else {
        return Vec::new();
    };
    let query: String = tokens[at + 1..]
        .iter()
        .take_while(|t| t.kind == Tok::Str)
        .map(word)
        .collect();
    let query = unquote(&query);
    let bound: Vec<&str> = tokens
        .iter()
        .filter(|t| t.frame == params && t.starts_statement && t.kind == Tok::Ident)
        .filter(|t| !(t.span.start..=t.span.end).contains(&offset))
        .map(word)
        .collect();
    let mut names: Vec<String> = Vec::new();
    for statement in sql_syntax::scan(query).statements {
        for p in statement.params {
            if !bound.contains(&p.name.as_str()) && !names.contains(&p.name) {
                names.push(p.name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| CompletionItem {
            insert_text: Some(format!("{name} = $0")),
            snippet: true,
            detail: Some(format!("`:{name}` in the query")),
            ..CompletionItem::new(&name, K::Param)
        })
        .collect()
}

/// A string token's text without its quotes (`"…"` or `"""…"""`).
fn unquote(s: &str) -> &str {
    let q = if s.starts_with("\"\"\"") {
        "\"\"\""
    } else {
        "\""
    };
    let s = s.strip_prefix(q).unwrap_or(s);
    s.strip_suffix(q).unwrap_or(s)
}
