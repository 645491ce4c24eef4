//! `${…}` values in `python` and `node` scripts: each becomes a literal of
//! the script's language, never code; secrets become reads of environment
//! variables the executor sets, so they are never written into the script.
//!
//! The step's source is a template: literal text from the `.wf` file, and
//! values. [`render`] asks [`wfc_language::script_syntax`] where each value
//! lands, then writes it for that place:
//!
//! - in code, as a literal of the language ([`literal()`]): `None`/`null`,
//!   booleans, integers (JS: beyond ±(2^53−1) as BigInt, `123n`), floats
//!   that read back exactly (NaN, ±infinity and `-0.0` included), strings,
//!   lists and maps; durations as float seconds;
//! - inside a string literal, as its text escaped for that kind of string;
//! - a secret, in code only, as a JSON read of the environment
//!   (`JSON.parse(process.env["WFC_SECRET_0"])`), its value only in
//!   [`RenderedScript::env`]; anywhere else it is an error.
//!
//! Places where no escaping is safe (comments, raw strings, …) are errors.

mod literal;

pub use literal::literal;

use crate::Value;
use wfc_language::script_syntax::{escape_in_string, value_contexts, Context, Segment};

/// The language a script step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScriptLang {
    Python,
    Node,
}

/// One piece of a script template.
#[derive(Clone, Copy, Debug)]
pub enum Piece<'a> {
    /// Source text as written.
    Text(&'a str),
    /// An interpolated value; `secret` when it is or derives from a secret.
    Value { value: &'a Value, secret: bool },
    /// Text standing for a value only the run knows (a plan's `${build.stdout}`),
    /// shown as is.
    Shown(&'a str),
    /// A value another engine passes as the text of environment variable
    /// `name` (an export's `env:`), read as `ty` in code; nowhere else.
    Env { name: &'a str, ty: EnvType },
}

/// How a [`Piece::Env`] value's text is read: a scalar type of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvType {
    String,
    Int,
    Float,
    /// `true` when the text is `true`.
    Bool,
    /// A list or map, as its JSON text.
    Json,
}

impl EnvType {
    /// How a value of type `ty` is read from its text; `None` for
    /// durations and times, whose text code would read as text.
    pub fn of(ty: &wfc_language::ir::Type) -> Option<EnvType> {
        use wfc_language::ir::Type;
        match ty {
            Type::String | Type::Json => Some(EnvType::String),
            Type::Int => Some(EnvType::Int),
            Type::Float => Some(EnvType::Float),
            Type::Bool => Some(EnvType::Bool),
            Type::Optional(t) => EnvType::of(t),
            Type::List(_) | Type::Map(_) => Some(EnvType::Json),
            _ => None,
        }
    }
}

impl ScriptLang {
    /// The interpreter a step runs when it names none.
    pub fn default_interpreter(self) -> &'static str {
        match self {
            ScriptLang::Python => "python3",
            ScriptLang::Node => "node",
        }
    }
}

/// Whether `name` is one word of a command or path (no spaces, quotes or
/// `$`): an interpreter another engine's shell text may hold as it is.
pub fn is_command_word(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
}

/// A script ready to run: its source, and the environment variables its
/// secret reads expect (set on the process, never written anywhere).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenderedScript {
    pub source: String,
    pub env: Vec<(String, String)>,
}

/// Renders `pieces` as source text of `lang`; the error says which value
/// (1-based, in template order) could not go where it stands, and why.
pub fn render(lang: ScriptLang, pieces: &[Piece<'_>]) -> Result<RenderedScript, String> {
    if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
        // No value: nothing to place, so no need to read the source.
        let source = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => *t,
                _ => "",
            })
            .collect();
        return Ok(RenderedScript {
            source,
            env: Vec::new(),
        });
    }
    let segments: Vec<Segment> = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => Segment::Text(t),
            Piece::Value { .. } | Piece::Shown(_) | Piece::Env { .. } => Segment::Value,
        })
        .collect();
    let mut contexts = value_contexts(lang.syntax(), &segments).into_iter();
    let mut out = RenderedScript::default();
    let mut index = 0;
    for p in pieces {
        let (value, secret) = match *p {
            Piece::Text(t) => {
                out.source.push_str(t);
                continue;
            }
            Piece::Shown(t) => {
                out.source.push_str(t);
                index += 1;
                contexts.next();
                continue;
            }
            Piece::Value { value, secret } => (value, secret),
            Piece::Env { name, ty } => {
                index += 1;
                match contexts.next().unwrap_or(Context::Code) {
                    Context::Code => out.source.push_str(&env_read(lang, name, ty)),
                    _ => {
                        return Err(format!(
                            "value {index} of the {} script is known only while the workflow \
                             runs: it can stand in code only (`name = ${{…}}`), not inside a \
                             string or a comment",
                            lang.syntax().name()
                        ))
                    }
                }
                continue;
            }
        };
        index += 1;
        let context = contexts.next().unwrap_or(Context::Code);
        let err = |what: String| {
            format!(
                "value {index} of the {} script: {what}",
                lang.syntax().name()
            )
        };
        match context {
            Context::Code if secret => {
                let name = format!("WFC_SECRET_{}", out.env.len());
                let json = literal::secret_json(value).to_string();
                if json.contains('\0') {
                    return Err(err(
                        "a secret holding a NUL cannot be passed through the environment".into(),
                    ));
                }
                out.env.push((name.clone(), json));
                out.source.push_str(&match lang {
                    ScriptLang::Python => format!(
                        "__import__(\"json\").loads(__import__(\"os\").environ[\"{name}\"])"
                    ),
                    ScriptLang::Node => format!("JSON.parse(process.env[\"{name}\"])"),
                });
            }
            Context::Code => out.source.push_str(&literal(lang, value)),
            Context::Str(kind) if secret => {
                return Err(err(format!(
                    "a secret cannot be written inside {}; secrets are passed through the \
                     environment: put the `${{…}}` in code, e.g. `\"Bearer \" + ${{token}}`",
                    kind.describe()
                )))
            }
            Context::Str(kind) => out
                .source
                .push_str(&escape_in_string(kind, &value.to_text())),
            Context::Refused(r) => {
                return Err(err(format!(
                    "cannot interpolate a value inside {}; {}",
                    r.describe(),
                    r.fix(lang.syntax())
                )))
            }
        }
    }
    Ok(out)
}

/// Code reading environment variable `name` as a value of `ty`.
fn env_read(lang: ScriptLang, name: &str, ty: EnvType) -> String {
    match lang {
        ScriptLang::Python => {
            let text = format!("__import__(\"os\").environ[\"{name}\"]");
            match ty {
                EnvType::String => text,
                EnvType::Int => format!("int({text})"),
                EnvType::Float => format!("float({text})"),
                EnvType::Bool => format!("({text} == \"true\")"),
                EnvType::Json => format!("__import__(\"json\").loads({text})"),
            }
        }
        ScriptLang::Node => {
            let text = format!("process.env[\"{name}\"]");
            match ty {
                EnvType::String => text,
                EnvType::Int | EnvType::Float => format!("Number({text})"),
                EnvType::Bool => format!("({text} === \"true\")"),
                EnvType::Json => format!("JSON.parse({text})"),
            }
        }
    }
}
