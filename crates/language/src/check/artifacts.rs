//! A step's `artifacts { NAME = "GLOB" [optional] }` and reads of
//! `STEP.artifacts.NAME` (a `list<string>`: the kept files' paths), lifted
//! through control flow as any step output is.

use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::{self, artifacts, Expr, ExprKind, StepField, Type};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue};
use rustc_hash::FxHashMap;

impl Checker<'_> {
    /// Lowers step `id`'s `artifacts { … }` into its fields.
    pub(super) fn lower_artifacts(
        &mut self,
        id: ir::StepId,
        f: &ast::Field,
        m: &ast::MapBlock,
        ctx: &Ctx,
    ) {
        if self.wf.steps[id].kind == ir::StepKind::Docker {
            let src = self.step_src[id];
            let has = |n: &str| src.fields.iter().any(|f| f.name.name == n);
            if !has("workdir") || !has("mount") {
                self.report(dc::docker_artifacts_unmounted(f.name.span));
            }
        }
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut out = Vec::new();
        for en in &m.entries {
            let name = en.key.name.as_str();
            if let Some(&first) = seen.get(name) {
                self.report(dc::duplicate_artifact(en.key.span, first, name));
                continue;
            }
            seen.insert(name, en.key.span);
            let x = self.lower_expr(&en.value, ctx);
            let field = format!("artifacts.{name}");
            let fits = self.require(&x, &Type::String, |exp, found| {
                dc::wrong_field_type(x.span, &field, exp, found, None)
            });
            if fits && x.tainted {
                self.report(dc::secret_glob(x.span, name));
            }
            if let ast::ExprKind::Str(s) = &en.value.kind {
                if let Some(glob) = s.as_plain().filter(|g| leaves_folder(g)) {
                    self.report(dc::glob_leaves_folder(en.value.span, &glob));
                }
            }
            out.push((artifacts::key(name, en.optional), x));
        }
        self.wf.steps[id].fields.push(StepField {
            name: artifacts::FIELD.to_owned(),
            value: ir::FieldValue::Map(out),
            span: f.span,
        });
    }

    /// `STEP.artifacts.NAME`: the paths of the files kept under `NAME`.
    pub(super) fn artifact_read(
        &mut self,
        step: ir::StepId,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let declared = declared_artifacts(self.step_src[step]);
        if !declared.iter().any(|n| *n == field.name.as_str()) {
            let name = self.wf.steps[step].name.clone();
            let sugg = diag::did_you_mean(&field.name, declared.iter().copied());
            self.report(dc::unknown_artifact(
                field.span,
                &name,
                &field.name,
                sugg,
                &declared,
            ));
            return Expr::invalid(span);
        }
        // A reference for the editor: its hover names the glob.
        self.reference(
            field.span,
            ir::Symbol::Output {
                step,
                name: format!("{}.{}", artifacts::FIELD, field.name),
                declared: false,
            },
        );
        let kind = ExprKind::StepOutput {
            step,
            field: artifacts::FIELD.into(),
            output: Some(field.name.to_string()),
        };
        self.read_output(step, kind, Type::list(Type::String), span, base.span, ctx)
    }

    /// E0385 for `STEP.artifacts` read whole.
    pub(super) fn bare_artifacts(&mut self, step: ir::StepId, span: Span) -> Expr {
        let name = self.wf.steps[step].name.clone();
        let declared = declared_artifacts(self.step_src[step]);
        self.report(dc::bare_artifacts(span, &name, &declared));
        Expr::invalid(span)
    }
}

/// The artifact names a step declares, from its source (a step checked
/// later is known already).
pub(crate) fn declared_artifacts(s: &ast::Step) -> Vec<&str> {
    s.fields
        .iter()
        .filter(|f| f.name.name == artifacts::FIELD)
        .filter_map(|f| match &f.value {
            FieldValue::Map(m) => Some(m),
            _ => None,
        })
        .flat_map(|m| m.entries.iter().map(|e| e.key.name.as_str()))
        .collect()
}

/// Whether a written glob is absolute or climbs out with `..`.
fn leaves_folder(glob: &str) -> bool {
    glob.starts_with('/') || glob.split('/').any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::leaves_folder;

    #[test]
    fn globs_that_leave_the_folder() {
        assert!(leaves_folder("/etc/*"));
        assert!(leaves_folder("../x"));
        assert!(leaves_folder("a/../../b"));
        assert!(!leaves_folder("dist/*.tgz"));
        assert!(!leaves_folder("a..b/c"));
    }
}
