//! Types: lowering written types (`list<string>`, `int?`) and assignability.

use crate::diag::{self, check as dc, foreign, Diagnostic};
use crate::ir::Type;
use crate::syntax::ast::TypeExpr;

/// Every type name, with its number of type arguments.
pub const TYPE_NAMES: &[(&str, usize)] = &[
    ("string", 0),
    ("int", 0),
    ("float", 0),
    ("bool", 0),
    ("duration", 0),
    ("time", 0),
    ("list", 1),
    ("map", 1),
    ("json", 0),
];

/// Lowers a written type, reporting unknown names and wrong type arguments.
/// Errors give `Type::Invalid`.
pub fn lower(t: &TypeExpr, diags: &mut Vec<Diagnostic>) -> Type {
    let name = t.name.name.as_str();
    let Some(&(_, arity)) = TYPE_NAMES.iter().find(|(n, _)| *n == name) else {
        // A type from another language, before the nearest name: `dict`
        // is `map<T>`, `Optional` is a `?`.
        if let Some(f) = foreign::type_name(name) {
            // The replacement is the whole fix when it takes what is written.
            let takes = TYPE_NAMES.iter().find(|(n, _)| Some(*n) == f.write);
            let fix = takes.is_some_and(|&(_, arity)| arity == t.args.len());
            diags.push(dc::foreign_type(t.name.span, name, f, fix));
            return Type::Invalid;
        }
        let names: Vec<&str> = TYPE_NAMES.iter().map(|(n, _)| *n).collect();
        let suggestion = diag::did_you_mean(name, names.iter().copied());
        diags.push(dc::unknown_type(t.name.span, name, suggestion, &names));
        return Type::Invalid;
    };
    if t.args.len() != arity {
        diags.push(dc::wrong_type_args(t.span, name, arity, t.args.len()));
        return Type::Invalid;
    }
    let ty = match name {
        "string" => Type::String,
        "int" => Type::Int,
        "float" => Type::Float,
        "bool" => Type::Bool,
        "duration" => Type::Duration,
        "time" => Type::Time,
        "json" => Type::Json,
        "list" => Type::list(lower(&t.args[0], diags)),
        _ => Type::map(lower(&t.args[0], diags)),
    };
    if ty.contains_invalid() {
        return Type::Invalid;
    }
    if t.optional {
        Type::optional(ty)
    } else {
        ty
    }
}

/// How well a value of one type fits where another is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    Yes,
    /// The value is `T?` and `T` would fit.
    Optional,
    No,
}

/// Whether a `found` value can be used where `want` is needed.
/// `Invalid` and `json` fit anywhere; `int` widens to `float`; `T` fits `T?`.
pub fn fits(found: &Type, want: &Type) -> Fit {
    use Type::*;
    match (found, want) {
        (Invalid, _) | (_, Invalid) | (Json, _) | (_, Json) => Fit::Yes,
        (Int, Float) => Fit::Yes,
        (List(a), List(b)) | (Map(a), Map(b)) => fits_exact(a, b),
        (Optional(a), Optional(b)) => fits_exact(a, b),
        (t, Optional(b)) => fits_exact(t, b),
        (Optional(a), b) => match fits(a, b) {
            Fit::Yes => Fit::Optional,
            other => other,
        },
        (a, b) if a == b => Fit::Yes,
        _ => Fit::No,
    }
}

fn fits_exact(a: &Type, b: &Type) -> Fit {
    match fits(a, b) {
        Fit::Yes => Fit::Yes,
        _ => Fit::No,
    }
}

/// The common type of two values (for list elements, `default(x, y)`, `==`):
/// `int` and `float` unify to `float`; json absorbs anything.
pub fn unify(a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    match (a, b) {
        (Invalid, _) | (_, Invalid) => Some(Invalid),
        (Json, _) | (_, Json) => Some(Json),
        (Int, Float) | (Float, Int) => Some(Float),
        (List(x), List(y)) => unify(x, y).map(Type::list),
        (Map(x), Map(y)) => unify(x, y).map(Type::map),
        (Optional(x), y) | (y, Optional(x)) => unify(x, y).map(Type::optional),
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

/// Strips one `?`.
pub fn non_optional(t: &Type) -> &Type {
    match t {
        Type::Optional(inner) => inner,
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting() {
        assert_eq!(fits(&Type::Int, &Type::Float), Fit::Yes);
        assert_eq!(fits(&Type::Float, &Type::Int), Fit::No);
        assert_eq!(fits(&Type::optional(Type::Int), &Type::Int), Fit::Optional);
        assert_eq!(fits(&Type::Int, &Type::optional(Type::Int)), Fit::Yes);
        assert_eq!(fits(&Type::Json, &Type::list(Type::Int)), Fit::Yes);
        assert_eq!(
            fits(&Type::list(Type::Int), &Type::list(Type::String)),
            Fit::No
        );
        assert_eq!(unify(&Type::Int, &Type::Float), Some(Type::Float));
        assert_eq!(unify(&Type::Int, &Type::String), None);
    }
}
