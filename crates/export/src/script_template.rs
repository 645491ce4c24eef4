//! A `python` or `node` script as the exports write it: its template's
//! text as written, and each `${…}` either a value known at export (a
//! literal of the language) or read at run time from an environment
//! variable the engine sets, as its type. Rendered by
//! [`wfc_plan::script::render`], the renderer of `wfc run`, so a value is
//! never code in an export either.

use wfc_language::ir::{Expr, ExprKind, InterpPart};
use wfc_plan::script::{render as render_pieces, EnvType, Piece, ScriptLang};
use wfc_plan::Value;

/// One part of a script template.
pub enum Part {
    Text(String),
    /// A value the export knows.
    Known(Value),
    /// A value read from environment variable `.0` as `.1`.
    Env(String, EnvType),
}

/// The parts of script `e`, each `${…}` as `value` maps it.
pub fn parts<E>(e: &Expr, mut value: impl FnMut(&Expr) -> Result<Part, E>) -> Result<Vec<Part>, E> {
    let template = match &e.kind {
        ExprKind::Interp(parts) => parts.clone(),
        ExprKind::Str(t) => vec![InterpPart::Text(t.clone())],
        _ => vec![InterpPart::Expr(e.clone())],
    };
    template
        .iter()
        .map(|p| match p {
            InterpPart::Text(t) => Ok(Part::Text(t.clone())),
            InterpPart::Expr(x) => value(x),
        })
        .collect()
}

/// The script's source; the error says which value cannot go where it stands.
pub fn render(lang: ScriptLang, parts: &[Part]) -> Result<String, String> {
    let pieces: Vec<Piece> = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => Piece::Text(t),
            Part::Known(v) => Piece::Value {
                value: v,
                secret: false,
            },
            Part::Env(name, ty) => Piece::Env { name, ty: *ty },
        })
        .collect();
    render_pieces(lang, &pieces).map(|r| r.source)
}

/// `items` as `sh` words, each single-quoted (a package list for `pip` or
/// `npm`): no character of them is special to the shell.
pub fn sh_words(items: &[Value]) -> String {
    let words: Vec<String> = items
        .iter()
        .map(|v| format!("'{}'", v.to_text().replace('\'', r"'\''")))
        .collect();
    words.join(" ")
}
