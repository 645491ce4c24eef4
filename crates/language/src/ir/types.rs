//! Value types: what the checker gives every expression, param and output.

use std::fmt;

/// A value type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    String,
    Int,
    Float,
    Bool,
    Duration,
    /// An instant (`run.started`, `now()`), to the millisecond.
    Time,
    List(Box<Type>),
    Map(Box<Type>),
    /// Dynamic: accepted anywhere; field access and indexing give `json`.
    Json,
    /// A value that may not exist (`T?`): an output of a step inside an `if`
    /// or a `wait any` member, read from outside.
    Optional(Box<Type>),
    /// The type of something that was wrong (already reported); never reported again.
    Invalid,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// `T?` (never `T??`; `Invalid?` stays `Invalid`).
    pub fn optional(t: Type) -> Type {
        match t {
            Type::Optional(_) | Type::Invalid => t,
            t => Type::Optional(Box::new(t)),
        }
    }

    pub fn is_invalid(&self) -> bool {
        matches!(self, Type::Invalid)
    }

    /// Whether `Invalid` appears anywhere in the type.
    pub fn contains_invalid(&self) -> bool {
        match self {
            Type::Invalid => true,
            Type::List(t) | Type::Map(t) | Type::Optional(t) => t.contains_invalid(),
            _ => false,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// A scalar that reads naturally as text (`${…}` interpolation, env values).
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Type::String
                | Type::Int
                | Type::Float
                | Type::Bool
                | Type::Duration
                | Type::Time
                | Type::Json
        )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Duration => f.write_str("duration"),
            Type::Time => f.write_str("time"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Map(t) => write!(f, "map<{t}>"),
            Type::Json => f.write_str("json"),
            Type::Optional(t) => write!(f, "{t}?"),
            Type::Invalid => f.write_str("{invalid}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_display_like_the_source() {
        assert_eq!(Type::list(Type::String).to_string(), "list<string>");
        assert_eq!(Type::optional(Type::Int).to_string(), "int?");
        assert_eq!(
            Type::optional(Type::optional(Type::Int)).to_string(),
            "int?"
        );
        assert_eq!(
            Type::map(Type::list(Type::Bool)).to_string(),
            "map<list<bool>>"
        );
    }
}
