//! A step's `artifacts { NAME = "GLOB" [optional] }` in the IR: one
//! [`StepField`] named [`FIELD`] holding a map from names to globs, an
//! optional artifact's key marked with a trailing `?` (never part of a
//! name). Kept as a map field so that everything done to a step's fields —
//! inlining calls, unrolling loops, fingerprints for `wfc resume` — does it
//! to the globs too; [`decls`] reads it back.

use super::{Expr, FieldValue, StepField};

/// The field's name.
pub const FIELD: &str = "artifacts";

/// The mark after an optional artifact's key.
pub const OPTIONAL_MARK: char = '?';

/// One declared artifact.
#[derive(Clone, Copy, Debug)]
pub struct ArtifactDecl<'a> {
    pub name: &'a str,
    /// A string expression: the glob, relative to the step's folder.
    pub glob: &'a Expr,
    /// A glob matching nothing does not fail the step.
    pub optional: bool,
}

/// The key an artifact is kept under in the field's map.
pub fn key(name: &str, optional: bool) -> String {
    if optional {
        format!("{name}{OPTIONAL_MARK}")
    } else {
        name.to_owned()
    }
}

/// The artifacts a step's fields declare, in the order written.
pub fn decls(fields: &[StepField]) -> Vec<ArtifactDecl<'_>> {
    let Some(FieldValue::Map(m)) = fields.iter().find(|f| f.name == FIELD).map(|f| &f.value) else {
        return Vec::new();
    };
    m.iter()
        .map(|(k, glob)| match k.strip_suffix(OPTIONAL_MARK) {
            Some(name) => ArtifactDecl {
                name,
                glob,
                optional: true,
            },
            None => ArtifactDecl {
                name: k,
                glob,
                optional: false,
            },
        })
        .collect()
}
