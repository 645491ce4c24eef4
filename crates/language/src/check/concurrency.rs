//! A number written in the file is honoured: a `for each … parallel N` runs
//! `N` iterations at once, beyond the CPU count, unless the workflow's
//! `concurrency` says less — then the smaller number wins, and W0362 says
//! so (`wfc run --jobs` prints the same for a run).

use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{BlockKind, Expr, ExprKind, Tolerance, Type};
use crate::syntax::ast;

impl Checker<'_> {
    /// A loop's `max failures N` (an int, at least 0) or `P%` (0–100).
    pub(super) fn lower_max_failures(&mut self, m: &ast::MaxFailures, ctx: &Ctx) -> Tolerance {
        let x = self.lower_expr(&m.count, ctx);
        if let ExprKind::Int(v) = x.kind {
            if v < 0 {
                self.report(dc::out_of_range(x.span, "`max failures`", v, 0));
            } else if m.percent && v > 100 {
                self.report(dc::percent_above_100(x.span, v));
            }
        }
        self.require(&x, &Type::Int, |exp, found| {
            dc::wrong_field_type(x.span, "max failures", exp, found, None)
        });
        Tolerance {
            count: x,
            percent: m.percent,
        }
    }

    /// A loop's `parallel N` or `batch N` (`word`): an int, at least 1.
    pub(super) fn lower_loop_count(&mut self, n: &ast::Expr, word: &str, ctx: &Ctx) -> Expr {
        let x = self.lower_expr(n, ctx);
        if let ExprKind::Int(v) = x.kind {
            if v < 1 {
                let what = format!("the `{word}` count");
                self.report(dc::out_of_range(x.span, &what, v, 1));
            }
        }
        self.require(&x, &Type::Int, |exp, found| {
            dc::wrong_field_type(x.span, word, exp, found, None)
        });
        x
    }

    /// W0362 for each literal `parallel N` above the workflow's `concurrency`.
    pub(super) fn lint_parallel_sizes(&mut self) {
        let Some(limit) = self.wf.concurrency else {
            return;
        };
        let setting = self
            .settings
            .iter()
            .find(|f| f.name.name == "concurrency")
            .map(|f| f.span);
        let mut found = Vec::new();
        for b in &self.wf.blocks {
            if let BlockKind::ForEach {
                var,
                parallel: Some(Some(n)),
                ..
            } = &b.kind
            {
                if let ExprKind::Int(k) = n.kind {
                    if k > i64::from(limit) {
                        found.push((n.span, var.clone(), k));
                    }
                }
            }
        }
        for (span, var, k) in found {
            let d = dc::parallel_above_concurrency(span, &var, k, limit, setting);
            self.report(d);
        }
    }
}
