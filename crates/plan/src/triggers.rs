//! The plan's view of a workflow's triggers and `lock`: what `wfc plan`
//! shows and what `wfc run` needs to take the lock.
//!
//! A schedule's next fire times depend on "now", which the plan never reads
//! itself: the caller sets them with [`Plan::set_fire_times`] (`wfc plan`
//! passes the clock, or `WFC_NOW` for reproducible output).

use super::eval::{self, Eval, Scope};
use super::value::Value;
use crate::Plan;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use wfc_language::ir::{self, Expr, ExprKind, RunField, Trigger, Workflow};

/// How many fire times `wfc plan` shows per schedule.
pub const SHOWN_FIRES: usize = 3;

/// One trigger, as the plan shows it.
#[derive(Clone, Debug)]
pub struct PlannedTrigger {
    pub trigger: Trigger,
    /// A schedule's next fire times (empty until [`Plan::set_fire_times`]).
    pub next_fires: Vec<DateTime<Tz>>,
    /// Why a schedule's `env("…")` pattern or zone cannot be read here.
    pub env_problems: Vec<String>,
}

/// Every trigger of `wf`, in source order; a schedule's `env("…")`
/// pattern and zone read from this process's environment, as the server
/// reads its own when it loads the file.
pub fn plan_triggers(wf: &Workflow) -> Vec<PlannedTrigger> {
    let lookup = |name: &str| std::env::var(name).ok();
    wf.triggers
        .iter()
        .map(|t| {
            let mut trigger = t.clone();
            let env_problems = match &mut trigger {
                Trigger::Schedule(s) => match s.resolve_env(&lookup) {
                    Ok(()) => Vec::new(),
                    Err(diags) => diags.into_iter().map(|d| d.message).collect(),
                },
                _ => Vec::new(),
            };
            PlannedTrigger {
                trigger,
                next_fires: Vec::new(),
                env_problems,
            }
        })
        .collect()
}

/// The lock key with the bound params folded in (`run.*` stays).
pub fn fold_lock(wf: &Workflow, scope: &Scope) -> Option<Expr> {
    let key = wf.lock.as_ref()?;
    Some(match eval::eval(key, scope) {
        // (A key from a secret is refused by the checker: E0259.)
        Eval::Known(Value::Str(text)) if !key.tainted => Expr {
            kind: ExprKind::Str(text),
            ..key.clone()
        },
        _ => eval::fold(key, scope),
    })
}

/// What a run knows of itself when it takes its lock.
#[derive(Clone, Debug)]
pub struct RunInfo<'a> {
    pub id: &'a str,
    pub workflow: &'a str,
    /// `"manual"` for `wfc run`, or what started the run.
    pub trigger: &'a str,
    /// RFC 3339, UTC.
    pub started: &'a str,
    /// The slot the run is for (RFC 3339, UTC): `started` when it has none.
    pub scheduled: &'a str,
}

impl Plan {
    /// Sets each schedule's next [`SHOWN_FIRES`] fire times after `now`.
    pub fn set_fire_times(&mut self, now: DateTime<Utc>) {
        for t in &mut self.triggers {
            if let Trigger::Schedule(s) = &t.trigger {
                t.next_fires = ir::next_fires(s, now, SHOWN_FIRES);
            }
        }
    }

    /// The run's lock key, if the workflow has a `lock`: the folded key
    /// with `run.*` read from `run` (an error when it cannot be computed).
    pub fn lock_key(&self, run: &RunInfo) -> Option<Result<String, String>> {
        let key = self.lock.as_ref()?;
        let key = with_run(key, run);
        let scope = Scope {
            params: &[],
            loops: &[],
            pruned: &|_| false,
        };
        Some(match eval::eval(&key, &scope) {
            Eval::Known(Value::Str(s)) => Ok(s),
            Eval::Known(v) => Ok(v.literal()),
            Eval::Unknown => Err("the lock key needs a value only the run has".into()),
            Eval::Error(e) => Err(e),
        })
    }
}

/// `e` with every `run.FIELD` replaced by its value.
fn with_run(e: &Expr, run: &RunInfo) -> Expr {
    let mut out = e.clone();
    replace_run(&mut out, run);
    out
}

fn replace_run(e: &mut Expr, run: &RunInfo) {
    match &mut e.kind {
        ExprKind::Run(f) => {
            let value = match f {
                RunField::Id => run.id,
                RunField::Workflow => run.workflow,
                RunField::Trigger => run.trigger,
                // A `time`: `parse_time("…")` is its literal.
                RunField::Started | RunField::Scheduled => {
                    let at = match f {
                        RunField::Scheduled => run.scheduled,
                        _ => run.started,
                    };
                    let text = Expr {
                        kind: ExprKind::Str(at.to_string()),
                        ty: ir::Type::String,
                        span: e.span,
                        tainted: false,
                    };
                    e.kind = ExprKind::Call(ir::Func::ParseTime, vec![text]);
                    return;
                }
                _ => return,
            };
            e.kind = ExprKind::Str(value.to_string());
        }
        ExprKind::List(xs) | ExprKind::Call(_, xs) => {
            xs.iter_mut().for_each(|x| replace_run(x, run));
        }
        ExprKind::Map(m) => m.iter_mut().for_each(|(_, x)| replace_run(x, run)),
        ExprKind::Interp(parts) => parts.iter_mut().for_each(|p| {
            if let ir::InterpPart::Expr(x) = p {
                replace_run(x, run);
            }
        }),
        ExprKind::Unary(_, x) | ExprKind::Field(x, _) => replace_run(x, run),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            replace_run(a, run);
            replace_run(b, run);
        }
        ExprKind::Cond(c, a, b) => {
            replace_run(c, run);
            replace_run(a, run);
            replace_run(b, run);
        }
        ExprKind::Comprehension(c) => c.parts_mut().for_each(|x| replace_run(x, run)),
        _ => {}
    }
}
