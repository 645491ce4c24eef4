//! Expression typing: resolves names (params, loop variables, step outputs,
//! `failed.*`), types every node, propagates secret taint, and records the
//! output reads that imply dependencies (typed in `check/outputs.rs`). Calls
//! are typed in [`super::functions`].

use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc, Diagnostic};
use crate::ir::{self, BinaryOp, Expr, ExprKind, FailedField, InterpPart, Type, UnaryOp};
use crate::span::Span;
use crate::syntax::ast;
use std::collections::HashMap;

pub use super::functions::{function, function_info, FuncInfo, FUNCTIONS};

pub(crate) fn expr(kind: ExprKind, ty: Type, span: Span, tainted: bool) -> Expr {
    Expr {
        kind,
        ty,
        span,
        tainted,
    }
}

impl Checker<'_> {
    /// Types an expression.
    pub(crate) fn lower_expr(&mut self, e: &ast::Expr, ctx: &Ctx) -> Expr {
        let span = e.span;
        // Only the command's own text holds words (see `Ctx::words`).
        let inner;
        let ctx = if ctx.words
            && !matches!(
                e.kind,
                ast::ExprKind::Str(_) | ast::ExprKind::Cond(..) | ast::ExprKind::Paren(_)
            ) {
            inner = Ctx {
                words: false,
                ..*ctx
            };
            &inner
        } else {
            ctx
        };
        match &e.kind {
            ast::ExprKind::Str(s) => self.lower_str(s, span, ctx),
            ast::ExprKind::Int(i) => expr(ExprKind::Int(*i), Type::Int, span, false),
            ast::ExprKind::Float(f) => expr(ExprKind::Float(*f), Type::Float, span, false),
            ast::ExprKind::Bool(b) => expr(ExprKind::Bool(*b), Type::Bool, span, false),
            ast::ExprKind::Duration(d) => expr(ExprKind::Duration(*d), Type::Duration, span, false),
            // A size is an `int` of bytes past the parser (`resources { memory … }`).
            ast::ExprKind::Size(b) => {
                let n = i64::try_from(*b).unwrap_or(i64::MAX);
                expr(ExprKind::Int(n), Type::Int, span, false)
            }
            ast::ExprKind::List(items) => self.lower_list(items, span, ctx),
            ast::ExprKind::Map(entries) => {
                let mut seen: HashMap<&str, Span> = HashMap::new();
                let mut out = Vec::new();
                let mut ty: Option<Type> = None;
                for en in entries {
                    if let Some(&first) = seen.get(en.key.name.as_str()) {
                        self.report(dc::duplicate_key(en.key.span, first, &en.key.name));
                    }
                    seen.insert(&en.key.name, en.key.span);
                    let v = self.lower_expr(&en.value, ctx);
                    ty = Some(match ty {
                        None => v.ty.clone(),
                        Some(t) => types::unify(&t, &v.ty).unwrap_or(Type::Json),
                    });
                    out.push((en.key.name.clone(), v));
                }
                let tainted = out.iter().any(|(_, v)| v.tainted);
                let ty = Type::map(ty.unwrap_or(Type::Json));
                expr(ExprKind::Map(out), ty, span, tainted)
            }
            ast::ExprKind::Name(id) => self.lower_name(id, span, ctx),
            ast::ExprKind::Field(base, field) => self.lower_field(base, field, span, ctx),
            ast::ExprKind::Index(base, index) => {
                let b = self.lower_expr(base, ctx);
                let i = self.lower_expr(index, ctx);
                let tainted = b.tainted || i.tainted;
                let ty = self.index_type(&b, &i);
                self.inherit_lift(b.span, span);
                expr(ExprKind::Index(Box::new(b), Box::new(i)), ty, span, tainted)
            }
            ast::ExprKind::Call(name, args) => self.lower_call(name, args, span, ctx),
            ast::ExprKind::Unary(op, inner) => {
                let x = self.lower_expr(inner, ctx);
                let ty = self.unary_type(*op, &x, span);
                let tainted = x.tainted;
                expr(ExprKind::Unary(*op, Box::new(x)), ty, span, tainted)
            }
            ast::ExprKind::Binary(BinaryOp::Is, l, r) => self.lower_error_is(l, r, span, ctx),
            ast::ExprKind::Binary(op, l, r) => {
                let l = self.lower_expr(l, ctx);
                let r = self.lower_expr(r, ctx);
                let ty = self.binary_type(*op, &l, &r, span);
                let tainted = l.tainted || r.tainted;
                expr(
                    ExprKind::Binary(*op, Box::new(l), Box::new(r)),
                    ty,
                    span,
                    tainted,
                )
            }
            ast::ExprKind::Cond(c, a, b) => self.lower_cond(c, a, b, span, ctx),
            ast::ExprKind::Comprehension(c) => self.lower_comprehension(c, span, ctx),
            ast::ExprKind::Paren(inner) => {
                let mut x = self.lower_expr(inner, ctx);
                if let Some(l) = self.lifts.remove(&x.span) {
                    self.lifts.insert(span, l);
                }
                x.span = span;
                x
            }
        }
    }

    fn lower_str(&mut self, s: &ast::StrLit, span: Span, ctx: &Ctx) -> Expr {
        if let Some(text) = s.as_plain() {
            if let [ast::StrPart::Text(t, sp)] = &s.parts[..] {
                self.text_habits(t, *sp, ctx);
            }
            return expr(ExprKind::Str(text), Type::String, span, false);
        }
        let mut parts = Vec::new();
        let mut tainted = false;
        for part in &s.parts {
            match part {
                ast::StrPart::Text(t, sp) => {
                    self.text_habits(t, *sp, ctx);
                    parts.push(InterpPart::Text(t.clone()));
                }
                ast::StrPart::Shell(text, sp) => self.report(dc::shell_expansion(*sp, text, true)),
                ast::StrPart::Interp(e) if self.shell_like(e, ctx) => {
                    parts.push(InterpPart::Expr(Expr::invalid(e.span)));
                }
                ast::StrPart::Interp(e) => {
                    let x = self.lower_expr(
                        e,
                        &Ctx {
                            script: false,
                            words: false,
                            ..*ctx
                        },
                    );
                    if ctx.words {
                        self.require_words(&x);
                    } else if !ctx.script {
                        self.require_text(&x);
                    }
                    tainted |= x.tainted;
                    parts.push(InterpPart::Expr(x));
                }
            }
        }
        expr(ExprKind::Interp(parts), Type::String, span, tainted)
    }

    /// Checks that a value can be interpolated into a `run` command's
    /// text: a single value, or a list of them (one word per item).
    fn require_words(&mut self, x: &Expr) -> bool {
        match &x.ty {
            Type::List(item) if words_of(item) => true,
            Type::Optional(t) if matches!(&**t, Type::List(item) if words_of(item)) => {
                let inner = t.to_string();
                self.report(self.optional_used(x.span, &x.ty.to_string(), &inner));
                false
            }
            _ => self.require_text(x),
        }
    }

    /// Checks that a value can be interpolated into text.
    pub(crate) fn require_text(&mut self, x: &Expr) -> bool {
        if x.ty.is_scalar() || x.ty.is_invalid() {
            return true;
        }
        if let Type::Optional(inner) = &x.ty {
            if inner.is_scalar() {
                self.report(self.optional_used(x.span, &x.ty.to_string(), &inner.to_string()));
                return false;
            }
        }
        if let Some(d) = self.loop_list_misuse(x, &Type::String) {
            self.report(d);
            return false;
        }
        self.report(dc::cannot_interpolate(x.span, &x.ty.to_string()));
        false
    }

    fn lower_list(&mut self, items: &[ast::Expr], span: Span, ctx: &Ctx) -> Expr {
        let mut out: Vec<Expr> = Vec::new();
        let mut ty: Option<(Type, Span)> = None;
        for item in items {
            let x = self.lower_expr(item, ctx);
            if !x.ty.is_invalid() {
                ty = match ty {
                    None => Some((x.ty.clone(), x.span)),
                    Some((t, first)) => match types::unify(&t, &x.ty) {
                        Some(u) => Some((u, first)),
                        None => {
                            let d =
                                dc::mixed_list(x.span, &x.ty.to_string(), &t.to_string(), first);
                            self.report(d);
                            Some((Type::Invalid, first))
                        }
                    },
                };
            }
            out.push(x);
        }
        let tainted = out.iter().any(|x| x.tainted);
        let elem = ty.map(|(t, _)| t).unwrap_or(Type::Json);
        let ty = if elem.is_invalid() {
            Type::Invalid
        } else {
            Type::list(elem)
        };
        expr(ExprKind::List(out), ty, span, tainted)
    }

    /// The loop variables in scope at `block`, innermost first.
    pub(super) fn loop_var(&self, name: &str, block: Option<ir::BlockId>) -> Option<ir::BlockId> {
        self.wf.block_chain(block).into_iter().find(|&b| {
            matches!(&self.wf.blocks[b].kind, ir::BlockKind::ForEach { var, .. } if var == name)
        })
    }

    fn visible_param(&self, name: &str, ctx: &Ctx) -> Option<ir::ParamId> {
        self.param_names
            .get(name)
            .copied()
            .filter(|&p| ctx.param_limit.is_none_or(|limit| p < limit))
    }

    fn in_failure_handler(&self, ctx: &Ctx) -> bool {
        self.wf
            .block_chain(ctx.block)
            .into_iter()
            .any(|b| self.wf.blocks[b].kind == ir::BlockKind::Handler(ast::HandlerKind::Failure))
    }

    fn lower_name(&mut self, id: &ast::Ident, span: Span, ctx: &Ctx) -> Expr {
        let name = id.name.as_str();
        if name.is_empty() {
            // The parser's stand-in for an expression it reported and could
            // not build (`Builder::invalid`): nothing more to say.
            return Expr::invalid(span);
        }
        if let Some(x) = self.comp_var(name, span) {
            return x;
        }
        if let Some(e) = self.attempt_name(id, span, ctx) {
            return e;
        }
        if let Some(b) = self.loop_var(name, ctx.names_block()) {
            self.reference(id.span, ir::Symbol::LoopVar(b));
            let ir::BlockKind::ForEach { var_ty, iter, .. } = &self.wf.blocks[b].kind else {
                unreachable!()
            };
            return expr(ExprKind::LoopVar(b), var_ty.clone(), span, iter.tainted);
        }
        if let Some(l) = self.let_named(name, ctx) {
            return self.lower_let_use(l, id, span, ctx);
        }
        if let Some(&p) = self.param_names.get(name) {
            if ctx.param_limit.is_some_and(|limit| p >= limit) {
                let declared = self.wf.params[p].name_span;
                self.reference(id.span, ir::Symbol::Param(p));
                self.report(dc::param_order(span, name, declared));
                return Expr::invalid(span);
            }
            self.reference(id.span, ir::Symbol::Param(p));
            // (Params are lowered in order: an earlier one's default is set.)
            let tainted = self.wf.params[p].is_tainted();
            return expr(ExprKind::Param(p), self.type_of_param(p), span, tainted);
        }
        if let Some(&(named, _)) = self.names.get(name) {
            if let Some(place) = ctx.params_only {
                self.report(dc::not_available_here(span, name, "step", place));
                return Expr::invalid(span);
            }
            let d = match named {
                super::Named::Step(s) => {
                    self.reference(id.span, ir::Symbol::Step(s));
                    let example = super::kinds::kind_info(self.wf.steps[s].kind)
                        .and_then(|k| k.outputs.first())
                        .map_or("stdout", |o| o.name);
                    dc::not_a_value(span, name, "step", example)
                }
                super::Named::Block(b) => {
                    self.reference(id.span, ir::Symbol::Block(b));
                    dc::not_a_value(
                        span,
                        name,
                        "block",
                        "MEMBER.OUTPUT (an output of one of its steps)",
                    )
                    .help("read an output of one of its steps instead, e.g. `step_name.status`")
                }
            };
            self.report(d);
            return Expr::invalid(span);
        }
        if let Some(e) = self.trigger_name(name, span, ctx) {
            return e;
        }
        if name == "failed" {
            let d = if self.in_failure_handler(ctx) {
                dc::not_a_value(span, name, "handler value", "error")
            } else {
                dc::failed_outside_handler(span)
            };
            self.report(d);
            return Expr::invalid(span);
        }
        self.report(self.unknown_name(id, ctx));
        Expr::invalid(span)
    }

    fn unknown_name(&self, id: &ast::Ident, ctx: &Ctx) -> Diagnostic {
        let name = id.name.as_str();
        for b in &self.wf.blocks {
            if let ir::BlockKind::ForEach { var, var_span, .. } = &b.kind {
                if var == name {
                    return dc::loop_var_out_of_scope(id.span, name, *var_span);
                }
            }
        }
        // A word from another language, before the nearest name (and
        // before a `${TRUE}` in a command is taken for the shell's).
        if let Some(f) = diag::foreign::value(name) {
            return dc::foreign_name(id.span, name, f);
        }
        let mut candidates: Vec<&str> = Vec::new();
        for b in self.wf.block_chain(ctx.names_block()) {
            if let ir::BlockKind::ForEach { var, .. } = &self.wf.blocks[b].kind {
                candidates.push(var);
            }
        }
        let chain = self.wf.block_chain(ctx.names_block());
        if ctx.param_limit.is_none() {
            for l in &self.wf.lets {
                if l.block.is_none_or(|b| chain.contains(&b)) {
                    candidates.push(&l.name);
                }
            }
        }
        for p in &self.wf.params {
            if self.visible_param(&p.name, ctx).is_some() {
                candidates.push(&p.name);
            }
        }
        if ctx.params_only.is_none() {
            candidates.extend(self.step_names());
        }
        let s = diag::did_you_mean(name, candidates);
        if let Some(&p) = s.and_then(|s| self.param_names.get(s)) {
            // The typo was meant for this param: do not also call it unused.
            self.suggested_params.borrow_mut().insert(p);
        }
        if ctx.command
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            // `${HOME}` in a command: the shell's variable, most likely
            // (or a param spelt in capitals).
            let param = self
                .wf
                .params
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(name))
                .filter(|&p| self.visible_param(&self.wf.params[p].name, ctx).is_some());
            if let Some(p) = param {
                self.suggested_params.borrow_mut().insert(p);
            }
            let param = param.map(|p| self.wf.params[p].name.as_str()).or(s);
            return dc::env_var_in_command(id.span, name, param);
        }
        if let Some(d) = self.minus_in_name(id, ctx) {
            return d;
        }
        dc::unknown_name(id.span, name, s)
    }

    /// `base.field`: step outputs, `failed.*`, or a member of a map/json value.
    fn lower_field(&mut self, base: &ast::Expr, field: &ast::Ident, span: Span, ctx: &Ctx) -> Expr {
        // `step.outputs.NAME`
        if let ast::ExprKind::Field(inner, outputs) = &base.kind {
            if outputs.name == "outputs" {
                if let Some(step) = self.step_ref(inner, ctx) {
                    return self.declared_output(step, (inner, outputs), field, span, ctx);
                }
            }
            if outputs.name == ir::artifacts::FIELD {
                if let Some(step) = self.step_ref(inner, ctx) {
                    return self.artifact_read(step, inner, field, span, ctx);
                }
            }
        }
        if let Some(step) = self.step_ref(base, ctx) {
            return self.kind_output(step, base, field, span, ctx);
        }
        if let Some(e) = self.run_context(base, field, span, ctx) {
            return e;
        }
        if let Some(e) = self.env_context(base, field, span, ctx) {
            return e;
        }
        if let Some(e) = self.request_member(base, field, span, ctx) {
            return e;
        }
        if let ast::ExprKind::Name(id) = &base.kind {
            if id.name == "failed" && self.is_free(&id.name, ctx) {
                if !self.in_failure_handler(ctx) {
                    self.report(dc::failed_outside_handler(span));
                    return Expr::invalid(span);
                }
                let f = match field.name.as_str() {
                    "step" => FailedField::Step,
                    "error" => FailedField::Error,
                    other => {
                        let s = diag::did_you_mean(other, ["step", "error"]);
                        self.report(dc::unknown_output(
                            field.span,
                            "failed",
                            other,
                            s,
                            &["step", "error"],
                        ));
                        return Expr::invalid(span);
                    }
                };
                return expr(ExprKind::Failed(f), Type::String, span, false);
            }
        }
        let b = self.lower_expr(base, ctx);
        let tainted = b.tainted;
        let ty = match &b.ty {
            Type::Invalid => Type::Invalid,
            Type::Json => Type::Json,
            Type::Map(t) => (**t).clone(),
            // A member of a value that may not exist may not exist either
            // (it is null when the value is): `default(x.json.id, 0)`.
            Type::Optional(inner) if matches!(**inner, Type::Map(_) | Type::Json) => {
                Type::optional(match &**inner {
                    Type::Map(t) => (**t).clone(),
                    _ => Type::Json,
                })
            }
            other => {
                self.report(dc::no_fields(field.span, &other.to_string(), &field.name));
                Type::Invalid
            }
        };
        self.inherit_lift(b.span, span);
        expr(
            ExprKind::Field(Box::new(b), field.name.to_string()),
            ty,
            span,
            tainted,
        )
    }

    /// Checks that `x` can be used where a `want` is needed; on a mismatch reports
    /// E0153 (optional), E0154 (loop output) or the diagnostic `mismatch(expected, found)` builds.
    pub(crate) fn require(
        &mut self,
        x: &Expr,
        want: &Type,
        mismatch: impl FnOnce(&str, &str) -> Diagnostic,
    ) -> bool {
        match types::fits(&x.ty, want) {
            Fit::Yes => true,
            Fit::Optional => {
                self.report(self.optional_used(x.span, &x.ty.to_string(), &want.to_string()));
                false
            }
            Fit::No => {
                let d = self
                    .loop_list_misuse(x, want)
                    .or_else(|| self.status_as_code(x, want))
                    .unwrap_or_else(|| mismatch(&want.to_string(), &x.ty.to_string()));
                self.report(d);
                false
            }
        }
    }

    /// Why `from` may not exist explains `to` too (a member or element of it).
    fn inherit_lift(&mut self, from: Span, to: Span) {
        if let Some(why) = self.lifts.get(&from).cloned() {
            self.lifts.entry(to).or_insert(why);
        }
    }

    fn index_type(&mut self, b: &Expr, i: &Expr) -> Type {
        if b.ty.is_invalid() || i.ty.is_invalid() {
            return Type::Invalid;
        }
        let (elem, want) = match &b.ty {
            Type::Json => return Type::Json,
            Type::List(t) => ((**t).clone(), Type::Int),
            Type::Map(t) => ((**t).clone(), Type::String),
            // As for a member: an element of a value that may not exist.
            Type::Optional(inner)
                if matches!(**inner, Type::List(_) | Type::Map(_) | Type::Json) =>
            {
                let (elem, want) = match &**inner {
                    Type::List(t) => ((**t).clone(), Type::Int),
                    Type::Map(t) => ((**t).clone(), Type::String),
                    _ => return Type::optional(Type::Json),
                };
                let bt = b.ty.to_string();
                if !self.require(i, &want, |exp, found| {
                    dc::bad_index(i.span, &bt, found, Some(exp))
                }) {
                    return Type::Invalid;
                }
                return Type::optional(elem);
            }
            other => {
                self.report(dc::bad_index(b.span, &other.to_string(), "", None));
                return Type::Invalid;
            }
        };
        let bt = b.ty.to_string();
        let ok = self.require(i, &want, |exp, found| {
            dc::bad_index(i.span, &bt, found, Some(exp))
        });
        if ok {
            elem
        } else {
            Type::Invalid
        }
    }

    fn unary_type(&mut self, op: UnaryOp, x: &Expr, span: Span) -> Type {
        let (symbol, ok, expected): (&str, fn(&Type) -> bool, &str) = match op {
            UnaryOp::Not => ("!", |t| *t == Type::Bool, "bool"),
            UnaryOp::Neg => (
                "-",
                |t| t.is_numeric(),
                "int or float (a duration is never negative)",
            ),
        };
        match &x.ty {
            Type::Invalid => Type::Invalid,
            Type::Json => {
                if op == UnaryOp::Not {
                    Type::Bool
                } else {
                    Type::Json
                }
            }
            t if ok(t) => t.clone(),
            Type::Optional(inner) if ok(inner) => {
                self.report(self.optional_used(x.span, &x.ty.to_string(), &inner.to_string()));
                Type::Invalid
            }
            t => {
                let _ = span;
                self.report(dc::unary_mismatch(x.span, symbol, &t.to_string(), expected));
                Type::Invalid
            }
        }
    }

    /// Strips `?` from an operand that must exist (reporting E0153); None if invalid.
    fn operand(&mut self, x: &Expr, other: &Type) -> Option<Type> {
        match &x.ty {
            Type::Invalid => None,
            Type::Optional(inner) => {
                let want = if other.is_invalid() || matches!(other, Type::Optional(_)) {
                    inner.to_string()
                } else {
                    other.to_string()
                };
                self.report(self.optional_used(x.span, &x.ty.to_string(), &want));
                None
            }
            t => Some(t.clone()),
        }
    }

    fn binary_type(&mut self, op: BinaryOp, l: &Expr, r: &Expr, span: Span) -> Type {
        use BinaryOp::*;
        use Type::*;
        if l.ty.is_invalid() || r.ty.is_invalid() {
            return Invalid;
        }
        if matches!(op, Eq | Ne) {
            self.check_status_words(l, r);
        }
        // `T?` is compared only through `default(…)`, as everywhere else: a
        // comparison with a value that may not exist would quietly be false.
        let optional = |t: &Type| matches!(t, Optional(_));
        if matches!(op, Eq | Ne)
            && !optional(&l.ty)
            && !optional(&r.ty)
            && types::unify(&l.ty, &r.ty).is_some()
        {
            return Bool;
        }
        let (Some(a), Some(b)) = (self.operand(l, &r.ty), self.operand(r, &l.ty)) else {
            return Invalid;
        };
        let result = match (op, &a, &b) {
            (_, Json, Json) => Some(if matches!(op, Add | Sub | Mul | Div | Rem) {
                Json
            } else {
                Bool
            }),
            (Or | And, Bool | Json, Bool | Json) => Some(Bool),
            (Eq | Ne, _, _) => types::unify(&a, &b).map(|_| Bool),
            (Lt | Le | Gt | Ge, x, y)
                if (x.is_numeric() || *x == Json) && (y.is_numeric() || *y == Json) =>
            {
                Some(Bool)
            }
            (Lt | Le | Gt | Ge, x, y) if x == y && matches!(x, String | Duration | Time) => {
                Some(Bool)
            }
            (Lt | Le | Gt | Ge, Json, String | Duration)
            | (Lt | Le | Gt | Ge, String | Duration, Json) => Some(Bool),
            (In, x, List(e)) => types::unify(x, e).map(|_| Bool),
            (In, String | Json, String | Map(_)) | (In, _, Json) => Some(Bool),
            (Add | Sub, Time, _) | (Add, Duration, Time) => super::time::binary_type(op, &a, &b),
            (Add, String, String) => Some(String),
            (Add | Sub, Duration, Duration) => Some(Duration),
            // Scaled durations (`limit * 2`, `pause / 2`).
            (Mul, Duration, Int) | (Mul, Int, Duration) | (Div, Duration, Int) => Some(Duration),
            (Add, List(x), List(y)) => types::unify(x, y).map(Type::list),
            (Add | Sub | Mul | Div | Rem, Int, Int) => Some(Int),
            (Add | Sub | Mul | Div | Rem, x, y) if x.is_numeric() && y.is_numeric() => Some(Float),
            (Add | Sub | Mul | Div | Rem, Json, t) | (Add | Sub | Mul | Div | Rem, t, Json) => {
                Some(t.clone())
            }
            _ => None,
        };
        if let Some(t) = result {
            return t;
        }
        // A loop output on one side of a scalar operation says why it is a
        // list; an http step's `status` beside a number, that it is no code.
        for (x, other) in [(l, &b), (r, &a)] {
            let misuse = self.loop_list_misuse(x, other);
            if let Some(d) = misuse.or_else(|| self.status_as_code(x, other)) {
                self.report(d);
                return Invalid;
            }
        }
        let help = match (op, &a, &b) {
            (Add, String, _) | (Add, _, String) => "to build text, use interpolation: \"${a}${b}\"",
            (Eq | Ne, _, _) => "compare values of the same type",
            (Or | And, _, _) => "`&&` and `||` take bools",
            (In, _, _) => "`x in xs` needs a list of x's type (or a string/map on the right)",
            (Lt | Le | Gt | Ge, _, _) => "compare two numbers, two durations or two strings",
            _ => "arithmetic takes two numbers (int widens to float), or two durations for + and -",
        };
        let d = dc::binary_mismatch(span, op.symbol(), &a.to_string(), &b.to_string(), help);
        self.report(d);
        Invalid
    }
}

/// Items a list may have to be interpolated into a `run` command as
/// words: values with one text each (not lists, maps, `json` or `T?`).
fn words_of(item: &Type) -> bool {
    matches!(
        item,
        Type::String | Type::Int | Type::Float | Type::Bool | Type::Duration | Type::Time
    )
}
