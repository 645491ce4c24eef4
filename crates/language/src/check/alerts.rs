//! Alert rules (`alert NAME { when …  notify KIND { … }  cooldown D }`):
//! the condition read from its literal parts, the channels' fields checked
//! against their notification kinds' fields and typed over the params, which
//! take their defaults — a rule is decided without a run.

use super::kinds::{self, FieldInfo};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc};
use crate::ir::alerts::{Alert, Channel, ChannelKind, Condition, Slower, Window, METRICS};
use crate::ir::{self, ExprKind};
use crate::span::Span;
use crate::syntax::ast::{self, AlertWhen, BinaryOp, FieldValue};
use rustc_hash::FxHashMap;

/// Where a channel's fields are typed.
const CHANNEL_PLACE: &str = "an alert's `notify`";

impl Checker<'_> {
    pub(super) fn lower_alerts(&mut self) {
        let mut seen: FxHashMap<String, Span> = FxHashMap::default();
        for a in self.alert_src.clone() {
            let name = a.name.name.to_string();
            if let Some(&first) = seen.get(&name) {
                self.report(dc::duplicate_alert(a.name.span, first, &name));
            } else {
                seen.insert(name.clone(), a.name.span);
            }
            let head = Span::new(a.span.start as usize, a.name.span.end as usize);
            let conditions: Vec<&AlertWhen> = a.conditions().collect();
            let condition = match conditions.as_slice() {
                [] => {
                    self.report(dc::alert_incomplete(head, &name, "has no `when` condition"));
                    None
                }
                [one, rest @ ..] => {
                    for w in rest {
                        self.report(dc::alert_incomplete(
                            w.span,
                            &name,
                            "has a second `when`: a rule watches one condition",
                        ));
                    }
                    self.condition(one)
                }
            };
            let channels: Vec<Channel> = a.channels().filter_map(|n| self.channel(n)).collect();
            if a.channels().next().is_none() {
                self.report(dc::alert_incomplete(head, &name, "has no `notify` channel"));
            }
            let cooldown_ms = self.alert_settings(a);
            if let Some(condition) = condition {
                self.wf.alerts.push(Alert {
                    name,
                    name_span: a.name.span,
                    condition,
                    channels,
                    cooldown_ms,
                    span: a.span,
                });
            }
        }
    }

    /// The condition of `when …`, or `None` (reported).
    fn condition(&mut self, w: &AlertWhen) -> Option<Condition> {
        let metric = w.metric.name.as_str();
        let span = w.condition_span();
        let wrong = |what: &str| dc::condition_form_wrong(span, metric, what);
        let takes_window = metric == "failure_rate";
        let takes_op = matches!(metric, "failure_rate" | "consecutive_failures");
        if !METRICS.contains(&metric) {
            let s = diag::did_you_mean(metric, METRICS);
            self.report(dc::unknown_condition(w.metric.span, metric, s));
            return None;
        }
        let problem = match (&w.window, w.op, &w.value) {
            (None, _, _) if takes_window => Some(wrong(
                "counts the runs of a window: `(last N)` or `(last D)`",
            )),
            (Some(_), _, _) if !takes_window => Some(wrong("takes no `(last …)`")),
            (_, None, _) if takes_op => Some(wrong("is compared with its threshold: `>` or `>=`")),
            (_, Some(_), _) if !takes_op => {
                Some(wrong("takes no comparison: its value follows it"))
            }
            (_, _, None) => Some(wrong("needs a value")),
            (_, Some((op, _)), _) if !matches!(op, BinaryOp::Gt | BinaryOp::Ge) => Some(wrong(
                "fires when it rises above its threshold: compare with `>` or `>=`",
            )),
            _ => None,
        };
        if let Some(d) = problem {
            self.report(d);
            return None;
        }
        let value = w.value.as_ref()?;
        let inclusive = matches!(w.op, Some((BinaryOp::Ge, _)));
        let bad = |what: &str| dc::condition_value(value.span, metric, what);
        let condition = match metric {
            "failure_rate" => {
                let window = w.window.as_ref()?;
                let window = match literal(window) {
                    Some(Lit::Int(n)) if n >= 1 && n <= u32::MAX as i64 => Window::Runs(n as u32),
                    Some(Lit::Duration(ms)) if ms > 0 => Window::Time(ms),
                    _ => {
                        let what = "a window of runs (`last 10`) or of time (`last 1h`)";
                        self.report(dc::condition_value(window.span, metric, what));
                        return None;
                    }
                };
                let rate = match literal(value) {
                    Some(Lit::Float(f)) if (0.0..=1.0).contains(&f) => f,
                    Some(Lit::Int(n)) if n == 0 || n == 1 => n as f64,
                    _ => {
                        self.report(bad("a share of the runs from 0 to 1 (`0.3`: 30%)"));
                        return None;
                    }
                };
                Condition::FailureRate {
                    window,
                    rate,
                    inclusive,
                }
            }
            "consecutive_failures" => match literal(value) {
                Some(Lit::Int(k)) if k >= 1 && k < u32::MAX as i64 => {
                    Condition::ConsecutiveFailures((k + i64::from(!inclusive)) as u32)
                }
                _ => {
                    self.report(bad("a count of runs of at least 1"));
                    return None;
                }
            },
            "slower_than" => {
                match slower(value) {
                    Some(s) => Condition::SlowerThan(s),
                    None => {
                        self.report(bad("a duration (`10m`) or a factor of the runs' 95th percentile (`p95 * 1.5`)"));
                        return None;
                    }
                }
            }
            _ => match literal(value) {
                Some(Lit::Duration(ms)) if ms > 0 => Condition::WaitingLongerThan(ms),
                _ => {
                    self.report(bad("a duration longer than 0 (`2h`)"));
                    return None;
                }
            },
        };
        Some(condition)
    }

    /// `notify KIND { … }`: the kind's fields, typed over the params.
    fn channel(&mut self, n: &ast::Notify) -> Option<Channel> {
        let ctx = Ctx {
            params_only: Some(CHANNEL_PLACE),
            ..Ctx::default()
        };
        let Some(kind) = ChannelKind::named(&n.kind.name) else {
            let s = diag::did_you_mean(&n.kind.name, ChannelKind::ALL.map(ChannelKind::name));
            self.report(dc::unknown_channel(n.kind.span, &n.kind.name, s));
            for f in &n.fields {
                self.lower_quietly(&f.value, &ctx);
            }
            return None;
        };
        let written = kind.written_by_the_alert();
        let fields: Vec<&'static FieldInfo> = kinds::kind_info(kind.step_kind())
            .map(|k| {
                k.fields
                    .iter()
                    .filter(|f| !written.contains(&f.name))
                    .collect()
            })
            .unwrap_or_default();
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let mut channel = Channel {
            kind,
            fields: Vec::new(),
            headers: Vec::new(),
            span: n.span,
        };
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for f in &n.fields {
            let name = f.name.name.as_str();
            let Some(fi) = fields.iter().find(|fi| fi.name == name) else {
                let s = diag::did_you_mean(name, names.iter().copied());
                let d = dc::unknown_channel_field(
                    f.name.span,
                    name,
                    kind.name(),
                    s,
                    &names,
                    written.contains(&name),
                );
                self.report(d);
                self.lower_quietly(&f.value, &ctx);
                continue;
            };
            if self.duplicate(&mut seen, name, f.name.span) {
                self.lower_quietly(&f.value, &ctx);
                continue;
            }
            match self.kind_field(fi, f, &ctx) {
                Some(ir::FieldValue::Expr(x)) => {
                    self.readable_without_a_run(&x);
                    channel.fields.push((name.to_string(), x));
                }
                Some(ir::FieldValue::Map(entries)) => {
                    for (_, x) in &entries {
                        self.readable_without_a_run(x);
                    }
                    channel.headers = entries;
                }
                _ => {}
            }
        }
        let missing: Vec<(&str, &str)> = fields
            .iter()
            .filter(|f| f.required && !seen.contains_key(f.name))
            .map(|f| (f.name, f.ty.example()))
            .collect();
        if !missing.is_empty() {
            self.report(dc::missing_channel_field(
                n.kind.span,
                kind.name(),
                &missing,
            ));
            return None;
        }
        Some(channel)
    }

    /// E0359 for what a channel's value reads that no rule can know.
    fn readable_without_a_run(&mut self, x: &ir::Expr) {
        let mut found: Vec<(Span, String)> = Vec::new();
        x.walk(&mut |e| match &e.kind {
            ExprKind::Param(p) if self.wf.params[*p].default.is_none() => found.push((
                e.span,
                format!("param `{}`, which has no default", self.wf.params[*p].name),
            )),
            ExprKind::Run(_) => found.push((e.span, "the run (`run.…`)".into())),
            ExprKind::Call(ir::Func::Now, _) => found.push((e.span, "the time (`now()`)".into())),
            ExprKind::Call(f, _) if f.run_value() => {
                found.push((e.span, "a random value of the run".into()))
            }
            _ => {}
        });
        for (span, what) in found {
            self.report(dc::channel_reads_run(span, &what));
        }
    }

    /// `cooldown D` (the default when not written); E0357 for anything else.
    fn alert_settings(&mut self, a: &ast::Alert) -> u64 {
        let mut cooldown = None;
        for f in a.fields() {
            let name = f.name.name.as_str();
            let value = match &f.value {
                FieldValue::Expr(e) => Some(e),
                _ => None,
            };
            match (name, value) {
                ("cooldown", Some(e)) if cooldown.is_none() => match literal(e) {
                    Some(Lit::Duration(ms)) => cooldown = Some(ms),
                    _ => self.report(dc::alert_setting(
                        e.span,
                        "an alert's `cooldown` is a literal duration (`30m`, `1h`)",
                        None,
                    )),
                },
                ("cooldown", _) => self.report(dc::alert_setting(
                    f.name.span,
                    "`cooldown` is given twice",
                    None,
                )),
                ("when" | "notify", _) => {
                    let what = format!("`{name}` is not written in its form here");
                    let d = dc::alert_setting(f.span, &what, None).help(if name == "when" {
                        format!(
                            "write the condition on one line: {}",
                            dc::condition_form("")
                        )
                    } else {
                        "write `notify slack|webhook|email { FIELD … }`".into()
                    });
                    self.report(d);
                }
                _ => {
                    let s = diag::did_you_mean(name, ["cooldown", "when", "notify"]);
                    let what = format!("unknown alert setting `{name}`");
                    self.report(dc::alert_setting(f.name.span, &what, s));
                }
            }
        }
        cooldown.unwrap_or(ir::alerts::DEFAULT_COOLDOWN_MS)
    }
}

/// A literal number or duration, as written (`-` only before a number).
enum Lit {
    Int(i64),
    Float(f64),
    Duration(u64),
}

fn literal(e: &ast::Expr) -> Option<Lit> {
    match &e.kind {
        ast::ExprKind::Int(n) => Some(Lit::Int(*n)),
        ast::ExprKind::Float(f) => Some(Lit::Float(*f)),
        ast::ExprKind::Duration(ms) => Some(Lit::Duration(*ms)),
        ast::ExprKind::Paren(x) => literal(x),
        ast::ExprKind::Unary(ast::UnaryOp::Neg, x) => match literal(x)? {
            Lit::Int(n) => Some(Lit::Int(-n)),
            Lit::Float(f) => Some(Lit::Float(-f)),
            Lit::Duration(_) => None,
        },
        _ => None,
    }
}

/// `10m`, `p95`, `p95 * 1.5` or `1.5 * p95`.
fn slower(e: &ast::Expr) -> Option<Slower> {
    let is_p95 = |x: &ast::Expr| matches!(&x.kind, ast::ExprKind::Name(id) if id.name == "p95");
    let factor = |x: &ast::Expr| match literal(x)? {
        Lit::Float(f) if f > 0.0 => Some(f),
        Lit::Int(n) if n > 0 => Some(n as f64),
        _ => None,
    };
    match &e.kind {
        ast::ExprKind::Paren(x) => slower(x),
        _ if is_p95(e) => Some(Slower::P95(1.0)),
        ast::ExprKind::Binary(BinaryOp::Mul, a, b) if is_p95(a) => factor(b).map(Slower::P95),
        ast::ExprKind::Binary(BinaryOp::Mul, a, b) if is_p95(b) => factor(a).map(Slower::P95),
        _ => match literal(e)? {
            Lit::Duration(ms) if ms > 0 => Some(Slower::Fixed(ms)),
            _ => None,
        },
    }
}
