//! Steps and everything field-shaped: workflow settings, workflow `env`,
//! `defaults`, block headers (`if` conditions, loop lists, `wait` modes) and
//! every step's fields, checked against the kind table.

use super::kinds::{self, FieldInfo, FieldType, KindInfo};
use super::types;
use super::{BlockSrc, Checker, Ctx, Named};
use crate::diag;
use crate::diag::check::{self as dc, SelfDep};
use crate::ir::{self, BlockKind, Expr, ExprKind, OnFail, StepField, Type, UnaryOp, Wait};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue};
use rustc_hash::FxHashMap;

/// How a field value is described when its shape is wrong.
fn shape(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Flag => "no value",
        FieldValue::Expr(_) => "a value",
        FieldValue::Map(_) => "a `{ KEY = value }` block",
        FieldValue::DependsOn(_) | FieldValue::After(_) => "a list of names",
        FieldValue::Retry(_) => "a retry spec",
        FieldValue::Outputs(_) => "an `outputs { … }` block",
        FieldValue::Inputs(_) => "an `inputs { … }` block",
        FieldValue::Rollback(_) => "a block of steps",
        FieldValue::OnFail(_) => "an `on fail` mode",
        FieldValue::Mount { .. } => "a mount",
        FieldValue::Until(_) => "an `until` clause",
        FieldValue::Executor { .. } => "an `executor` clause",
        FieldValue::Resources(_) => "a `resources { … }` block",
    }
}

fn keyword(
    span: Span,
    found: &str,
    words: &[&str],
    make: fn(Span, &str, Option<&str>, &[&str]) -> diag::Diagnostic,
) -> Option<diag::Diagnostic> {
    if words.contains(&found) {
        return None;
    }
    let sugg = diag::did_you_mean(found, words.iter().copied());
    Some(make(span, found, sugg, words))
}

impl Checker<'_> {
    /// Reports a second occurrence of a field; true if `name` was already seen.
    pub(super) fn duplicate<'s>(
        &mut self,
        seen: &mut FxHashMap<&'s str, Span>,
        name: &'s str,
        span: Span,
    ) -> bool {
        if let Some(&first) = seen.get(name) {
            self.report(dc::duplicate_field(span, first, name));
            return true;
        }
        seen.insert(name, span);
        false
    }

    /// Lowers a field value we cannot check (unknown field or kind), keeping references.
    pub(super) fn lower_quietly(&mut self, v: &FieldValue, ctx: &Ctx) {
        self.quietly(|c| match v {
            FieldValue::Expr(e) => {
                c.lower_expr(e, ctx);
            }
            FieldValue::Map(m) => {
                for en in &m.entries {
                    c.lower_expr(&en.value, ctx);
                }
            }
            FieldValue::Mount { source, target } => {
                c.lower_expr(source, ctx);
                c.lower_expr(target, ctx);
            }
            _ => {}
        });
    }

    fn wrong_shape(&mut self, f: &ast::Field, expected: FieldType) {
        let span = match &f.value {
            FieldValue::Map(m) => m.span,
            _ => f.span,
        };
        let d = dc::wrong_field_type(
            span,
            &f.name.name,
            &expected.describe(),
            shape(&f.value),
            None,
        );
        self.report(d);
    }

    /// A literal duration (`30s`).
    fn const_duration(&mut self, field: &str, e: &ast::Expr, ctx: &Ctx) -> Option<u64> {
        let x = self.lower_expr(e, ctx);
        match (&x.kind, &x.ty) {
            (ExprKind::Duration(ms), _) => Some(*ms),
            (_, Type::Invalid) => None,
            (_, Type::Duration) => {
                self.report(dc::not_constant(x.span, field, "30s"));
                None
            }
            (kind, ty) => {
                let help = match kind {
                    ExprKind::Int(n) => Some(format!("add a unit: `{n}s`, `{n}m` or `{n}ms`")),
                    ExprKind::Str(s) => {
                        Some(format!("durations are written without quotes: `{s}`"))
                    }
                    _ => None,
                };
                let mut d = dc::wrong_field_type(x.span, field, "duration", &ty.to_string(), help);
                if let ExprKind::Int(n) = kind {
                    d = d.fix(x.span, format!("{n}s"), format!("use `{n}s`"));
                }
                self.report(d);
                None
            }
        }
    }

    /// A literal int of at least `min`.
    fn const_int(
        &mut self,
        field: &str,
        what: &str,
        e: &ast::Expr,
        min: i64,
        ctx: &Ctx,
    ) -> Option<i64> {
        let x = self.lower_expr(e, ctx);
        let value = match &x.kind {
            ExprKind::Int(n) => Some(*n),
            ExprKind::Unary(UnaryOp::Neg, inner) => match inner.kind {
                ExprKind::Int(n) => Some(-n),
                _ => None,
            },
            _ => None,
        };
        match (value, &x.ty) {
            (Some(n), _) if n < min => {
                self.report(dc::out_of_range(x.span, what, n, min));
                None
            }
            (Some(n), _) => Some(n),
            (None, Type::Invalid) => None,
            (None, Type::Int) => {
                self.report(dc::not_constant(x.span, field, "2"));
                None
            }
            (None, ty) => {
                self.report(dc::wrong_field_type(
                    x.span,
                    field,
                    "int",
                    &ty.to_string(),
                    None,
                ));
                None
            }
        }
    }

    /// A value that can be put in an environment variable or header.
    fn scalar_value(&mut self, field: &str, x: &Expr) {
        if x.ty.is_scalar() || x.ty.is_invalid() {
            return;
        }
        if matches!(x.ty, Type::Optional(_)) || self.loop_list_misuse(x, &Type::String).is_some() {
            self.require_text(x);
            return;
        }
        let d = dc::wrong_field_type(
            x.span,
            field,
            "a string, number or bool",
            &x.ty.to_string(),
            None,
        );
        self.report(d);
    }

    pub(super) fn lower_map(
        &mut self,
        field: &str,
        entries: &[&ast::MapEntry],
        ctx: &Ctx,
    ) -> Vec<(String, Expr)> {
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut out = Vec::new();
        for en in entries {
            if let Some(&first) = seen.get(en.key.name.as_str()) {
                self.report(dc::duplicate_key(en.key.span, first, &en.key.name));
            } else {
                seen.insert(&en.key.name, en.key.span);
            }
            if field == "env" && !is_env_name(&en.key.name) {
                self.report(dc::bad_env_name(en.key.span, &en.key.name));
            }
            let x = self.lower_expr(&en.value, ctx);
            // A sql step binds lists (arrays) and maps (json) as well.
            if field != "params" {
                self.scalar_value(&format!("{field}.{}", en.key.name), &x);
            }
            out.push((en.key.name.clone(), x));
        }
        out
    }

    /// Workflow settings, workflow `env` and `defaults`.
    pub(super) fn check_items(&mut self) {
        let ctx = Ctx::default();
        let mut seen = FxHashMap::default();
        for f in self.settings.clone() {
            let name = f.name.name.as_str();
            let Some(info) = kinds::setting(name) else {
                let names: Vec<&str> = kinds::SETTINGS.iter().map(|s| s.name).collect();
                let sugg = diag::did_you_mean(name, names.iter().copied());
                self.report(match super::habits::operator_word(name) {
                    Some(op) => dc::operator_as_setting(f.name.span, name, op),
                    None => dc::unknown_setting(f.name.span, name, sugg, &names),
                });
                self.lower_quietly(&f.value, &ctx);
                continue;
            };
            if self.duplicate(&mut seen, name, f.name.span) {
                continue;
            }
            if let FieldValue::Executor { name, fields } = &f.value {
                let ctx = Ctx {
                    params_only: Some("workflow settings"),
                    ..ctx
                };
                let x = self.lower_executor(name, fields.as_deref(), f.span, &ctx);
                self.set_workflow_executor(x);
                continue;
            }
            let FieldValue::Expr(e) = &f.value else {
                self.wrong_shape(f, info.ty);
                continue;
            };
            let ctx = Ctx {
                params_only: Some("workflow settings"),
                ..ctx
            };
            match name {
                "description" => {
                    let x = self.lower_expr(e, &ctx);
                    match (&x.kind, &x.ty) {
                        (ExprKind::Str(s), _) => self.wf.description = Some(s.clone()),
                        (_, Type::Invalid) => {}
                        (_, Type::String) => self.report(dc::not_constant(x.span, name, "\"…\"")),
                        (_, ty) => self.report(dc::wrong_field_type(
                            x.span,
                            name,
                            "string",
                            &ty.to_string(),
                            None,
                        )),
                    }
                }
                "version" => self.wf.version = self.const_string(name, e, &ctx),
                "tags" => self.wf.tags = self.const_tags(name, e, &ctx),
                "concurrency" => {
                    let n = self.const_int(name, "concurrency", e, 1, &ctx);
                    self.wf.concurrency = n.map(|n| n as u32);
                }
                "runner" => self.wf.runner = self.lower_runner(e, &ctx),
                "strict" => self.wf.strict = self.const_bool(name, e, &ctx),
                "fail" => self.wf.fail_fast = self.fail_fast_setting(e),
                _ => self.wf.timeout_ms = self.const_duration(name, e, &ctx),
            }
        }

        let ctx = Ctx {
            params_only: Some("the workflow `env`"),
            ..Ctx::default()
        };
        let entries: Vec<&ast::MapEntry> = self.env_src.iter().flat_map(|m| &m.entries).collect();
        self.wf.env = self.lower_map("env", &entries, &ctx);

        let ctx = Ctx {
            params_only: Some("`defaults`"),
            ..Ctx::default()
        };
        let fields = self.defaults_src.clone();
        let defaults = self.lower_defaults(&fields, &ctx);
        self.set_workflow_defaults(defaults);
    }

    /// Block headers (conditions, loop lists, counts, wait modes) and block `depends on`.
    pub(super) fn check_blocks(&mut self) {
        for b in 0..self.wf.blocks.len() {
            let parent = self.wf.blocks[b].parent;
            let ctx = Ctx {
                block: parent,
                header: Some(b),
                ..Ctx::default()
            };
            let mut kind = self.wf.blocks[b].kind.clone();
            let src = self.block_src[b];
            match (src, &mut kind) {
                (BlockSrc::If(Some(cond), _), BlockKind::IfBranch { cond: slot, .. }) => {
                    let x = self.lower_expr(cond, &ctx);
                    self.require(&x, &Type::Bool, |_, found| {
                        dc::condition_not_bool(x.span, "an `if` condition", found)
                    });
                    *slot = Some(x);
                }
                (
                    BlockSrc::ForEach(f),
                    BlockKind::ForEach {
                        var_ty,
                        iter,
                        parallel,
                        batch,
                        max_failures,
                        ..
                    },
                ) => {
                    *max_failures = f
                        .max_failures
                        .as_ref()
                        .map(|m| Box::new(self.lower_max_failures(m, &ctx)));
                    let word = if *batch { "batch" } else { "parallel" };
                    let x = self.lower_expr(&f.iter, &ctx);
                    *var_ty = match &x.ty {
                        Type::List(t) => (**t).clone(),
                        Type::Json => Type::Json,
                        Type::Invalid => Type::Invalid,
                        ty => {
                            if self.require(&x, &Type::list(Type::Json), |_, _| {
                                dc::not_a_list(x.span, &ty.to_string())
                            }) {
                                types::non_optional(ty).clone()
                            } else {
                                Type::Invalid
                            }
                        }
                    };
                    *iter = x;
                    *parallel = f
                        .parallel
                        .as_ref()
                        .map(|n| n.as_ref().map(|n| self.lower_loop_count(n, word, &ctx)));
                }
                (BlockSrc::Parallel(p), BlockKind::Parallel { wait, .. }) => {
                    if let Some(w) = &p.wait {
                        match w.name.as_str() {
                            "all" => {}
                            "any" => *wait = Wait::Any,
                            other => {
                                let d = keyword(w.span, other, kinds::WAIT_MODES, dc::invalid_wait);
                                self.report(d.expect("not a wait mode"));
                            }
                        }
                    }
                }
                _ => {}
            }
            self.wf.blocks[b].kind = kind;
            let mut reads = std::mem::take(&mut self.reads);
            reads.retain(|&(s, span)| {
                let inside = self.wf.block_chain(self.wf.steps[s].parent).contains(&b);
                if inside {
                    let (step, block) = (self.wf.steps[s].name.clone(), self.block_name(b));
                    self.report(dc::self_dependency(span, &step, SelfDep::Header(&block)));
                }
                !inside
            });
            self.add_block_reads(b, &reads);
            if let Some(d) = &src.block().depends_on {
                let deps = self.resolve_deps(&d.names, Named::Block(b), Some(b));
                let deps = self.split_any(&d.names, deps, ir::Node::Block(b));
                self.wf.blocks[b].depends_on = deps;
            }
        }
        // A later branch of an `if` chain also waits for the earlier conditions.
        for b in 0..self.wf.blocks.len() {
            if let BlockKind::IfBranch { chain, index, .. } = self.wf.blocks[b].kind {
                if index > 0 {
                    let prev = self.wf.blocks.iter().position(|x| {
                        matches!(x.kind, BlockKind::IfBranch { chain: c, index: i, .. } if c == chain && i + 1 == index)
                    });
                    if let Some(prev) = prev {
                        let reads = self.block_reads[prev].clone();
                        self.add_block_reads(b, &reads);
                    }
                }
            }
        }
    }

    fn add_block_reads(&mut self, b: usize, reads: &[(usize, Span)]) {
        for &(s, span) in reads {
            if !self.wf.blocks[b].implied.contains(&s) {
                self.wf.blocks[b].implied.push(s);
                self.block_reads[b].push((s, span));
            }
        }
    }

    /// Every step's fields.
    pub(super) fn check_steps(&mut self) {
        self.status_reads.clear();
        for id in 0..self.wf.steps.len() {
            self.check_step(id);
            if self.wf.steps[id].kind == ir::StepKind::Sql {
                self.check_sql(id);
            }
            self.add_status_reads(id);
            let reads = std::mem::take(&mut self.reads);
            for (s, span) in reads {
                if !self.wf.steps[id].implied.contains(&s) {
                    self.wf.steps[id].implied.push(s);
                    self.step_reads[id].push((s, span));
                }
            }
            // Now, not at the end: the slack of every step at once is the
            // check's peak on big workflows.
            let step = &mut self.wf.steps[id];
            step.fields.shrink_to_fit();
            step.depends_on.shrink_to_fit();
            step.implied.shrink_to_fit();
        }
    }

    fn check_step(&mut self, id: usize) {
        let src = self.step_src[id];
        let ctx = Ctx {
            block: self.wf.steps[id].parent,
            step: Some(id),
            ..Ctx::default()
        };
        let info = kinds::kind_info(self.wf.steps[id].kind);
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut own = ir::StepSettings::default();
        for f in &src.fields {
            let name = f.name.name.as_str();
            let field_info = info.map_or_else(
                || kinds::COMMON_FIELDS.iter().find(|c| c.name == name),
                |k| k.field(name),
            );
            let is_call = self.wf.steps[id].kind == ir::StepKind::Call;
            let Some(fi) = field_info.filter(|f| !is_call || f.ty != FieldType::Outputs) else {
                let artifacts =
                    name == ir::artifacts::FIELD && matches!(f.value, FieldValue::Map(_));
                if is_call && !artifacts {
                    if !self.duplicate(&mut seen, name, f.name.span) {
                        match src.call.as_deref().and_then(|t| t.file.as_deref()) {
                            Some(_) => self.file_call_arg(id, f, &ctx),
                            None => self.call_arg(id, f, &ctx),
                        }
                    }
                    continue;
                }
                let outputs = matches!(f.value, FieldValue::Outputs(_));
                if self.needs_field(f) {
                    self.lower_quietly(&f.value, &ctx);
                    continue;
                }
                if artifacts {
                    let kind = info.map_or("call", |k| k.name);
                    self.report(dc::artifacts_not_supported(f.name.span, kind));
                } else if let Some((k, op)) = info.zip(super::habits::operator_word(name)) {
                    self.report(dc::operator_as_field(f.name.span, name, k.name, op));
                } else if let Some(k) = info.filter(|_| !outputs) {
                    let names: Vec<&str> = k.field_names().collect();
                    let sugg = diag::did_you_mean(name, names.iter().copied());
                    self.report(dc::unknown_field(f.name.span, name, k.name, sugg, &names));
                }
                self.lower_quietly(&f.value, &ctx);
                continue;
            };
            if !fi.repeatable && self.duplicate(&mut seen, name, f.name.span) {
                self.lower_quietly(&f.value, &ctx);
                continue;
            }
            seen.entry(name).or_insert(f.name.span);
            match (fi.ty, &f.value) {
                (FieldType::DependsOn, FieldValue::DependsOn(names)) => {
                    let deps = self.resolve_deps(names, Named::Step(id), ctx.block);
                    let deps = self.split_any(names, deps, ir::Node::Step(id));
                    let mine = &mut self.wf.steps[id].depends_on;
                    if mine.is_empty() {
                        *mine = deps; // no copy: the usual case, one `depends on`
                    } else {
                        mine.extend(deps);
                    }
                }
                (FieldType::Duration, FieldValue::Expr(e)) if name == "timeout" => {
                    own.timeout = self.setting(name, e, &Type::Duration, &ctx)
                }
                (FieldType::Duration, FieldValue::Expr(e)) if name == "estimate" => {
                    own.estimate = self.setting(name, e, &Type::Duration, &ctx)
                }
                (FieldType::Retry, FieldValue::Retry(r)) => {
                    own.retry = self.lower_retry_exprs(r, &ctx)
                }
                (FieldType::Until, FieldValue::Until(u)) => {
                    own.until = self.lower_until(id, u, &ctx)
                }
                (FieldType::Executor, FieldValue::Executor { name, fields }) => {
                    own.executor = self.lower_executor(name, fields.as_deref(), f.span, &ctx)
                }
                (FieldType::Resources, FieldValue::Resources(fields)) => {
                    own.resources = self.lower_resources(fields, f.span, &ctx)
                }
                (FieldType::After, FieldValue::After(names)) => self.resolve_after(id, names),
                (FieldType::Str, FieldValue::Expr(e)) if name == "runner" => {
                    if let Some(x) = self.lower_runner(e, &ctx) {
                        let (value, span) = (ir::FieldValue::Expr(x), f.span);
                        let name = name.to_string();
                        self.wf.steps[id]
                            .fields
                            .push(StepField { name, value, span });
                    }
                }
                (FieldType::Flag, FieldValue::Flag) => self.wf.steps[id].optional = true,
                (FieldType::Rollback, FieldValue::Rollback(_)) => {}
                (FieldType::Outputs, FieldValue::Outputs(decls)) => self.lower_outputs(id, decls),
                (FieldType::Inputs, FieldValue::Inputs(decls)) => {
                    self.lower_gate_inputs(id, f, decls)
                }
                (FieldType::Map, FieldValue::Map(m)) if name == ir::artifacts::FIELD => {
                    self.lower_artifacts(id, f, m, &ctx)
                }
                (FieldType::OnFail, FieldValue::OnFail(mode)) => {
                    self.wf.steps[id].on_fail = match mode.name.as_str() {
                        "abort" => Some(OnFail::Abort),
                        "pause" => Some(OnFail::Pause),
                        "continue" => Some(OnFail::Continue),
                        other => {
                            let d = keyword(
                                mode.span,
                                other,
                                kinds::ON_FAIL_MODES,
                                dc::invalid_on_fail,
                            );
                            self.report(d.expect("not a mode"));
                            None
                        }
                    }
                }
                _ => {
                    let fctx = Ctx {
                        command: name == "run" || name == kinds::UP_TO_DATE_SHELL,
                        words: name == "run" || name == kinds::UP_TO_DATE_SHELL,
                        script: name == "script" && self.wf.steps[id].kind.script_lang().is_some(),
                        ..ctx
                    };
                    if let Some(value) = self.kind_field(fi, f, &fctx) {
                        if let (ir::sources::FIELD, FieldValue::Expr(e)) = (name, &f.value) {
                            self.check_sources(e, &value);
                        }
                        self.wf.steps[id].fields.push(StepField {
                            name: name.to_string(),
                            value,
                            span: f.span,
                        });
                    }
                }
            }
        }
        if info.is_none() {
            // An unknown kind: nothing more to check (its fields are unknown too).
        }
        if let Some(k) = info {
            self.check_required(id, k, &seen);
            self.check_gate_fields(id, &seen);
        }
        if let Some(path) = src.call.as_deref().and_then(|t| t.file.as_deref()) {
            self.file_call_path(id, path, &ctx);
        }
        if self.wf.steps[id].kind == ir::StepKind::Call {
            let passed: Vec<&str> = seen.keys().copied().collect();
            self.check_call_complete(id, &passed);
        }
        if let Some(k) = info.filter(|k| !k.declares_outputs) {
            if let Some(f) = src
                .fields
                .iter()
                .find(|f| matches!(f.value, FieldValue::Outputs(_)))
            {
                let builtin: Vec<&str> = k.outputs.iter().map(|o| o.name).collect();
                self.report(dc::outputs_not_supported(f.name.span, k.name, &builtin));
            }
        }
        self.set_settings(id, own);
        self.inherit_env(id);
        self.inherit_strict(id);
    }

    fn check_required(&mut self, id: usize, k: &KindInfo, seen: &FxHashMap<&str, Span>) {
        let step = &self.wf.steps[id];
        let (name, name_span) = (step.name.clone(), step.name_span);
        let missing: Vec<(&str, &str)> = k
            .fields
            .iter()
            .filter(|f| f.required && !seen.contains_key(f.name))
            .map(|f| (f.name, f.ty.example()))
            .collect();
        if !missing.is_empty() {
            self.report(dc::missing_fields(
                name_span, &name, k.name, &missing, false,
            ));
        }
        if k.one_of.is_empty() {
            return;
        }
        let mut present: Vec<(&str, Span)> = k
            .one_of
            .iter()
            .filter_map(|f| seen.get(f).map(|&s| (*f, s)))
            .collect();
        present.sort_by_key(|(_, s)| *s);
        match present.as_slice() {
            [] if k.kind == ir::StepKind::Gate => {
                self.report(dc::gate_needs_check(name_span, &name))
            }
            [] => {
                let all: Vec<(&str, &str)> =
                    k.one_of.iter().map(|f| (*f, "\"https://…\"")).collect();
                self.report(dc::missing_fields(name_span, &name, k.name, &all, true));
            }
            [_] => {}
            [(first, first_span), rest @ ..] => {
                for (f, span) in rest {
                    self.report(dc::conflicting_fields(*span, *first_span, f, first, k.name));
                }
            }
        }
    }

    fn lower_outputs(&mut self, id: usize, decls: &[ast::OutputDecl]) {
        let kind = self.wf.steps[id].kind;
        if kind == ir::StepKind::Call || !kinds::kind_info(kind).is_some_and(|k| k.declares_outputs)
        {
            return;
        }
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for d in decls {
            if let Some(&first) = seen.get(d.name.name.as_str()) {
                self.report(dc::duplicate_output(d.name.span, first, &d.name.name));
                continue;
            }
            seen.insert(&d.name.name, d.name.span);
            let ty = types::lower(&d.ty, &mut self.diags);
            self.wf.steps[id].outputs.push(ir::OutputDecl {
                name: d.name.name.to_string(),
                name_span: d.name.span,
                ty,
            });
        }
    }

    /// A kind-specific field, typed.
    pub(super) fn kind_field(
        &mut self,
        fi: &FieldInfo,
        f: &ast::Field,
        ctx: &Ctx,
    ) -> Option<ir::FieldValue> {
        let name = fi.name;
        match (fi.ty, &f.value) {
            (FieldType::Map, FieldValue::Map(m)) => {
                let entries: Vec<&ast::MapEntry> = m.entries.iter().collect();
                Some(ir::FieldValue::Map(self.lower_map(name, &entries, ctx)))
            }
            (FieldType::Mount, FieldValue::Mount { source, target }) => {
                let source = self.lower_expr(source, ctx);
                let target = self.lower_expr(target, ctx);
                for x in [&source, &target] {
                    self.require(x, &Type::String, |exp, found| {
                        dc::wrong_field_type(x.span, name, exp, found, None)
                    });
                }
                Some(ir::FieldValue::Mount {
                    source: Box::new(source),
                    target: Box::new(target),
                })
            }
            (FieldType::Keyword(words), FieldValue::Expr(e)) => {
                let (found, plain) = match &e.kind {
                    ast::ExprKind::Name(id) => (id.name.to_string(), true),
                    ast::ExprKind::Str(s) => (s.as_plain().unwrap_or_default(), false),
                    _ => (String::new(), false),
                };
                if plain && words.contains(&found.as_str()) {
                    return Some(ir::FieldValue::Keyword(found));
                }
                let shown = if plain {
                    found.clone()
                } else {
                    "…".to_string()
                };
                let mut d = dc::invalid_pull(e.span, &shown, None, words);
                if let Some(s) = diag::did_you_mean(&found, words.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?")).fix(
                        e.span,
                        s,
                        format!("replace with `{s}`"),
                    );
                } else if words.contains(&found.as_str()) {
                    d = d
                        .help(format!("keywords are written without quotes: `{found}`"))
                        .fix(e.span, found.clone(), format!("replace with `{found}`"));
                }
                self.report(d);
                None
            }
            (_, FieldValue::Expr(e)) => {
                let x = self.lower_expr(e, ctx);
                self.check_expr_field(fi, &x);
                Some(ir::FieldValue::Expr(x))
            }
            (ty, _) => {
                self.wrong_shape(f, ty);
                None
            }
        }
    }

    fn check_expr_field(&mut self, fi: &FieldInfo, x: &Expr) {
        let name = fi.name;
        let mismatch =
            |exp: &str, found: &str| dc::wrong_field_type(x.span, name, exp, found, None);
        match fi.ty {
            FieldType::Str => {
                self.require(x, &Type::String, mismatch);
            }
            FieldType::Int => {
                self.require(x, &Type::Int, mismatch);
            }
            FieldType::Duration => {
                self.require(x, &Type::Duration, mismatch);
            }
            FieldType::Bool if name == "check" => {
                self.require(x, &Type::Bool, |_, found| {
                    dc::condition_not_bool(x.span, "a gate `check`", found)
                });
            }
            FieldType::Bool => {
                self.require(x, &Type::Bool, mismatch);
            }
            FieldType::StrOrList | FieldType::StatusCodes => {
                let (one, many) = if fi.ty == FieldType::StrOrList {
                    (Type::String, Type::list(Type::String))
                } else {
                    (Type::Int, Type::list(Type::Int))
                };
                if types::fits(&x.ty, &many) != types::Fit::Yes {
                    let desc = fi.ty.describe();
                    self.require(x, &one, |_, found| {
                        dc::wrong_field_type(x.span, name, &desc, found, None)
                    });
                }
                if fi.ty == FieldType::StatusCodes {
                    let items = match &x.kind {
                        ExprKind::List(items) => items.iter().collect(),
                        _ => vec![x],
                    };
                    for item in items {
                        if let ExprKind::Int(code) = item.kind {
                            if !(100..=599).contains(&code) {
                                self.report(dc::status_out_of_range(item.span, code));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: what a process environment can name (`A=B`
/// would set `A`; an empty name, nothing).
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
