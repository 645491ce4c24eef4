//! `env {}` and `defaults {}` at the top of a block (`if`, `for each`,
//! `parallel`, handlers, rollbacks — any block, so a new kind of block gets
//! them for free): the block's members inherit them, the innermost wins.
//!
//! - `env` keys merge: the workflow's, then each enclosing block's from the
//!   outermost in, then the step's own; a later one replaces a key. What a
//!   block sets is folded into the `env` of each `shell` and `docker` step
//!   inside it, so the plan and the run see one map per step.
//! - `defaults` fields override per field: a step's own `timeout` wins over
//!   its innermost block's, which wins over the next block's, then over the
//!   workflow's `defaults`.

use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{self, BlockId, Expr, StepField, StepId, StepSettings, Type};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue, Item};
use rustc_hash::FxHashMap;

/// What each block sets for its members, and the workflow's `defaults`.
#[derive(Default)]
pub(crate) struct Scopes {
    /// Per block id: its `env` entries.
    env: Vec<Vec<(String, Expr)>>,
    /// Per block id: its `defaults`.
    defaults: Vec<StepSettings>,
    /// The workflow's `defaults`.
    workflow: StepSettings,
    /// The workflow's `executor` setting: under every `defaults`.
    workflow_executor: Option<ir::ExecutorExprs>,
}

impl Checker<'_> {
    /// Lowers `defaults { … }` fields into `out`.
    pub(super) fn lower_defaults(&mut self, fields: &[&ast::Field], ctx: &Ctx) -> StepSettings {
        let mut out = StepSettings::default();
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for f in fields {
            let name = f.name.name.as_str();
            let known = super::kinds::DEFAULTS_FIELDS;
            if !known.contains(&name) {
                let sugg = crate::diag::did_you_mean(name, known.iter().copied());
                self.report(dc::not_in_defaults(f.name.span, name, known, sugg));
                continue;
            }
            if let Some(&first) = seen.get(name) {
                self.report(dc::duplicate_field(f.name.span, first, name));
                continue;
            }
            seen.insert(name, f.name.span);
            match (name, &f.value) {
                ("retry", FieldValue::Retry(r)) => out.retry = self.lower_retry_exprs(r, ctx),
                ("timeout", FieldValue::Expr(e)) => {
                    out.timeout = self.setting(name, e, &Type::Duration, ctx)
                }
                ("estimate", FieldValue::Expr(e)) => {
                    out.estimate = self.setting(name, e, &Type::Duration, ctx)
                }
                ("executor", FieldValue::Executor { name, fields }) => {
                    out.executor = self.lower_executor(name, fields.as_deref(), f.span, ctx)
                }
                ("resources", FieldValue::Resources(fields)) => {
                    out.resources = self.lower_resources(fields, f.span, ctx)
                }
                _ => {
                    let ty = match name {
                        "retry" => super::kinds::FieldType::Retry,
                        "executor" => super::kinds::FieldType::Executor,
                        "resources" => super::kinds::FieldType::Resources,
                        _ => super::kinds::FieldType::Duration,
                    };
                    self.report(dc::wrong_field_type(
                        f.span,
                        name,
                        &ty.describe(),
                        "something else",
                        None,
                    ));
                }
            }
        }
        out
    }

    /// The workflow's `defaults`, as settings (and as the literal values
    /// of [`ir::Workflow::defaults`]).
    pub(super) fn set_workflow_defaults(&mut self, d: StepSettings) {
        self.wf.defaults = ir::Defaults {
            timeout_ms: d.timeout.as_ref().and_then(super::settings::literal_ms),
            retry: d.retry.as_ref().and_then(super::settings::literal_retry),
            estimate_ms: d.estimate.as_ref().and_then(super::settings::literal_ms),
        };
        self.scopes.workflow = d;
    }

    /// The workflow's `executor` setting.
    pub(super) fn set_workflow_executor(&mut self, x: Option<ir::ExecutorExprs>) {
        self.scopes.workflow_executor = x;
    }

    /// Every block's `env {}` and `defaults {}`, and where they stand.
    pub(super) fn check_block_scopes(&mut self) {
        let n = self.wf.blocks.len();
        self.scopes.env = vec![Vec::new(); n];
        self.scopes.defaults = vec![StepSettings::default(); n];
        for b in 0..n {
            let block = self.block_src[b].block();
            let ctx = Ctx {
                block: Some(b),
                ..Ctx::default()
            };
            let mut first_member: Option<Span> = None;
            let mut env: Vec<&ast::MapEntry> = Vec::new();
            let mut defaults: Vec<&ast::Field> = Vec::new();
            for item in &block.items {
                let (what, span) = match item {
                    Item::Env(m) => {
                        env.extend(&m.entries);
                        ("env", m.span)
                    }
                    Item::Defaults(d) => {
                        defaults.extend(&d.fields);
                        ("defaults", d.span)
                    }
                    // Lets share the block's top with `env`/`defaults`, in any order.
                    Item::Let(_) => continue,
                    other => {
                        first_member.get_or_insert(other.span());
                        continue;
                    }
                };
                if let Some(member) = first_member {
                    self.report(dc::block_scope_not_at_top(span, what, member));
                }
            }
            let env_ctx = Ctx {
                params_only: Some("a block's `env`"),
                ..ctx
            };
            self.scopes.env[b] = self.lower_map("env", &env, &env_ctx);
            self.scopes.defaults[b] = self.lower_defaults(&defaults, &ctx);
        }
    }

    /// `own` with what it does not set taken from the blocks around step
    /// `id`, innermost first, then from the workflow's `defaults`.
    pub(super) fn inherited_settings(&self, id: StepId, own: StepSettings) -> StepSettings {
        let mut s = own;
        let chain = self.wf.block_chain(self.wf.steps[id].parent);
        let layers = chain
            .iter()
            .filter_map(|&b| self.scopes.defaults.get(b))
            .chain([&self.scopes.workflow]);
        for d in layers {
            s.timeout = s.timeout.or_else(|| d.timeout.clone());
            s.estimate = s.estimate.or_else(|| d.estimate.clone());
            s.retry = s.retry.or_else(|| d.retry.clone());
            s.resources = s.resources.or(&d.resources);
            s.executor = inherit_executor(s.executor, d.executor.as_ref());
        }
        s.executor = inherit_executor(s.executor, self.scopes.workflow_executor.as_ref());
        s
    }

    /// Folds the `env` of the blocks around step `id` into its own `env`
    /// field (kinds that take one): outer blocks first, the step's own last.
    pub(super) fn inherit_env(&mut self, id: StepId) {
        let takes_env = super::kinds::kind_info(self.wf.steps[id].kind)
            .is_some_and(|k| k.fields.iter().any(|f| f.name == "env"));
        if !takes_env {
            return;
        }
        let mut chain: Vec<BlockId> = self.wf.block_chain(self.wf.steps[id].parent);
        chain.reverse();
        let mut merged: Vec<(String, Expr)> = Vec::new();
        for b in chain {
            for (k, v) in self.scopes.env.get(b).into_iter().flatten() {
                merged.retain(|(m, _)| m != k);
                merged.push((k.clone(), v.clone()));
            }
        }
        if merged.is_empty() {
            return;
        }
        let step = &mut self.wf.steps[id];
        match step.fields.iter_mut().find(|f| f.name == "env") {
            Some(StepField {
                value: ir::FieldValue::Map(own),
                ..
            }) => {
                merged.retain(|(k, _)| own.iter().all(|(o, _)| o != k));
                merged.append(own);
                *own = merged;
            }
            Some(_) => {}
            None => step.fields.push(StepField {
                name: "env".into(),
                value: ir::FieldValue::Map(merged),
                span: step.name_span,
            }),
        }
    }
}

/// `inner`, with what it lacks from `outer` (same executor), or `outer`.
fn inherit_executor(
    inner: Option<ir::ExecutorExprs>,
    outer: Option<&ir::ExecutorExprs>,
) -> Option<ir::ExecutorExprs> {
    match (inner, outer) {
        (Some(i), Some(o)) => Some(i.or(o)),
        (i, o) => i.or_else(|| o.cloned()),
    }
}
