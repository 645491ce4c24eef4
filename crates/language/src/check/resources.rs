//! `executor NAME { … }` and `resources { … }`: where a step runs and what
//! it asks for. Values are settings (see `super::settings`): typed here,
//! folded per instance by the plan. `memory` is an `int` of bytes, written
//! as a size literal (`512MB`).

use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::{ExecutorExprs, ExecutorKind, ExprKind, ResourceExprs, Type};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue};
use rustc_hash::FxHashMap;

/// The fields of `executor slurm { … }` (every value a `string`).
pub const SLURM_FIELDS: &[&str] = &["partition", "account"];
/// The fields of `resources { … }`.
pub const RESOURCE_FIELDS: &[&str] = &["cpus", "memory", "gpus", "time"];

impl Checker<'_> {
    /// `executor NAME [{ … }]`.
    pub(super) fn lower_executor(
        &mut self,
        name: &ast::Ident,
        fields: Option<&[ast::Field]>,
        span: Span,
        ctx: &Ctx,
    ) -> Option<ExecutorExprs> {
        let all = ExecutorKind::ALL;
        let Some(&(_, kind)) = all.iter().find(|(n, _)| *n == name.name) else {
            let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
            let sugg = diag::did_you_mean(&name.name, names.iter().copied());
            self.report(dc::unknown_executor(name.span, &name.name, sugg, &names));
            return None;
        };
        let known = match kind {
            ExecutorKind::Local => &[][..],
            ExecutorKind::Slurm => SLURM_FIELDS,
        };
        let mut out = ExecutorExprs {
            kind,
            partition: None,
            account: None,
            span,
        };
        let block = format!("executor {}", kind.name());
        for (f, e) in self.sub_fields(fields.unwrap_or_default(), &block, known) {
            let mut x = self.setting(&f.name.name, e, &Type::String, ctx);
            // The value is one of sbatch's arguments: on its command line,
            // in `ps`, in Slurm's records.
            if let Some(t) = x.as_ref().filter(|t| t.tainted) {
                self.report(dc::secret_in_executor(t.span, &f.name.name));
                x = None;
            }
            match f.name.name.as_str() {
                "partition" => out.partition = x,
                _ => out.account = x,
            }
        }
        Some(out)
    }

    /// `resources { … }`.
    pub(super) fn lower_resources(
        &mut self,
        fields: &[ast::Field],
        span: Span,
        ctx: &Ctx,
    ) -> ResourceExprs {
        let mut out = ResourceExprs {
            span: Some(span),
            ..ResourceExprs::default()
        };
        for (f, e) in self.sub_fields(fields, "resources", RESOURCE_FIELDS) {
            let name = f.name.name.as_str();
            if name == "memory" {
                if let ast::ExprKind::Int(n) = e.kind {
                    self.report(dc::memory_without_unit(e.span, n));
                    continue;
                }
            }
            let ty = if name == "time" {
                Type::Duration
            } else {
                Type::Int
            };
            let Some(x) = self.setting(name, e, &ty, ctx) else {
                continue;
            };
            let zero = matches!(x.kind, ExprKind::Int(0) | ExprKind::Duration(0));
            if zero {
                self.report(dc::resource_not_positive(x.span, name));
                continue;
            }
            let slot = match name {
                "cpus" => &mut out.cpus,
                "memory" => &mut out.memory,
                "gpus" => &mut out.gpus,
                _ => &mut out.time,
            };
            *slot = Some(x);
        }
        out
    }

    /// The `NAME EXPR` fields of a block named `block` that takes `known`,
    /// each once; the others reported.
    fn sub_fields<'f>(
        &mut self,
        fields: &'f [ast::Field],
        block: &str,
        known: &[&str],
    ) -> Vec<(&'f ast::Field, &'f ast::Expr)> {
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut out = Vec::new();
        for f in fields {
            let name = f.name.name.as_str();
            if !known.contains(&name) {
                let sugg = diag::did_you_mean(name, known.iter().copied());
                self.report(dc::unknown_block_field(
                    f.name.span,
                    name,
                    block,
                    sugg,
                    known,
                ));
                continue;
            }
            if let Some(&first) = seen.get(name) {
                self.report(dc::duplicate_field(f.name.span, first, name));
                continue;
            }
            seen.insert(name, f.name.span);
            if let FieldValue::Expr(e) = &f.value {
                out.push((f, e));
            }
        }
        out
    }

    /// W0140, once per workflow: resources that steps running locally ask
    /// for and the local executor cannot enforce (all but `cpus`, and a
    /// `docker` step's `memory`, which its container gets as a limit).
    pub(super) fn check_local_resources(&mut self) {
        let mut names: Vec<&str> = Vec::new();
        let mut at: Option<Span> = None;
        for step in &self.wf.steps {
            let Some(s) = &step.settings else { continue };
            let slurm = s
                .executor
                .as_ref()
                .is_some_and(|e| e.kind == ExecutorKind::Slurm);
            if slurm {
                continue;
            }
            let r = &s.resources;
            let docker = step.kind == crate::ir::StepKind::Docker;
            for (name, x) in [("memory", &r.memory), ("gpus", &r.gpus), ("time", &r.time)] {
                if x.is_some() && !(docker && name == "memory") {
                    at = at.or(r.span);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        if let Some(span) = at {
            self.report(dc::resources_not_enforced(span, &names));
        }
    }
}
