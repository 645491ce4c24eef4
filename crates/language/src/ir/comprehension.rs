//! The IR of a list comprehension, `[ELEM for NAME in SOURCE if FILTER]`.

use super::{Expr, Type};
use crate::span::Span;

/// `[elem for name in source if filter]`: for each element of `source` (in
/// order) for which `filter` holds, the value of `elem`. `elem` and `filter`
/// read the element as [`super::ExprKind::CompVar`] with this `var`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub var: CompVar,
    pub source: Expr,
    pub elem: Expr,
    pub filter: Option<Expr>,
}

/// A comprehension's variable: its name (for messages and the plan) and an
/// id unique in its workflow, so that a nested comprehension's variable of
/// the same name is a different one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompVar {
    pub id: u32,
    pub name: String,
}

/// Where a comprehension's variable is declared, its element type and the
/// list it walks (what the editor's hover says of it).
#[derive(Clone, Debug, PartialEq)]
pub struct CompVarDecl {
    pub name: String,
    pub span: Span,
    pub ty: Type,
    pub source: Span,
}

impl Comprehension {
    /// The expressions inside, in evaluation order.
    pub fn parts(&self) -> impl Iterator<Item = &Expr> {
        [Some(&self.source), Some(&self.elem), self.filter.as_ref()]
            .into_iter()
            .flatten()
    }

    /// The expressions inside, to change in place.
    pub fn parts_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        [
            Some(&mut self.source),
            Some(&mut self.elem),
            self.filter.as_mut(),
        ]
        .into_iter()
        .flatten()
    }

    /// The same comprehension with `f` applied to every part.
    pub fn map(&self, mut f: impl FnMut(&Expr) -> Expr) -> Comprehension {
        Comprehension {
            var: self.var.clone(),
            source: f(&self.source),
            elem: f(&self.elem),
            filter: self.filter.as_ref().map(f),
        }
    }
}
