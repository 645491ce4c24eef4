//! What makes a trigger configurable: `when EXPR` on any trigger (a bool
//! over the params and what the trigger binds), a schedule's pattern and
//! zone from `env("NAME")` (read by the server when it loads the file), and
//! `lock KEY { on busy queue|skip|cancel }`.

use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::{Expr, LockBusy, Type};
use crate::syntax::ast::{self, TriggerKind};

/// Where a trigger's `when` is typed.
const WHEN_PLACE: &str = "a trigger's `when`";

/// A schedule's pattern or zone: written, from the environment, or wrong.
pub(super) enum EnvOr {
    /// Not an `env(…)` call: checked as written.
    Written,
    /// `env("NAME")`.
    Var(String),
    /// An `env(…)` that is not `env("NAME")`, or where it cannot stand (reported).
    Bad,
}

impl Checker<'_> {
    /// `when EXPR`: typed over the params and what a trigger of `kind` binds.
    pub(super) fn trigger_when(&mut self, kind: TriggerKind, e: &ast::Expr) -> Option<Expr> {
        let ctx = Ctx {
            params_only: Some(WHEN_PLACE),
            trigger: Some(kind),
            ..Ctx::default()
        };
        let x = self.lower_expr(e, &ctx);
        if x.ty == Type::Invalid {
            return None;
        }
        if types::fits(&x.ty, &Type::Bool) != Fit::Yes {
            self.report(dc::trigger_when_type(x.span, &x.ty.to_string()));
            return None;
        }
        Some(x)
    }

    /// Whether `e` (a trigger's target, or a schedule's `timezone`) is
    /// `env("NAME")`; only a schedule's (`allowed`) may be.
    pub(super) fn env_or(&mut self, e: &ast::Expr, what: &str, allowed: bool) -> EnvOr {
        let ast::ExprKind::Call(f, args) = &e.kind else {
            return EnvOr::Written;
        };
        let name = match args.as_slice() {
            [a] if f.name == "env" => match &a.kind {
                ast::ExprKind::Str(s) => s.as_plain().filter(|n| !n.trim().is_empty()),
                _ => None,
            },
            _ => None,
        };
        match name {
            Some(n) if allowed => EnvOr::Var(n),
            _ => {
                self.report(dc::trigger_env(e.span, what));
                EnvOr::Bad
            }
        }
    }

    /// The mode of `lock … { on busy MODE }` (`queue` when not written).
    pub(super) fn lock_busy(&mut self, l: &ast::Lock) -> LockBusy {
        let Some(mode) = &l.busy else {
            return LockBusy::default();
        };
        LockBusy::named(&mode.name).unwrap_or_else(|| {
            let s = diag::did_you_mean(&mode.name, LockBusy::ALL.map(LockBusy::name));
            self.report(dc::bad_lock_busy(mode.span, &mode.name, s));
            LockBusy::default()
        })
    }
}
