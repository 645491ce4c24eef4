//! Triggers (`on schedule|webhook|change "…" { … }`) and `lock EXPR`: each
//! setting validated for its kind, `params { … }` typed against the
//! workflow's params, and `request.*` / `changed` in scope only where the
//! trigger binds them. A file's webhooks must have paths of their own.

use super::exprs::expr;
use super::trigger_config::EnvOr;
use super::types::{self, Fit};
use super::{Checker, Ctx};
use crate::diag::{self, check as dc, Diagnostic};
use crate::ir::{
    self, Change, Expr, ExprKind, Overlap, Schedule, ScheduleEnv, Trigger, TriggerInput,
    TriggerParam, Type, Webhook,
};
use crate::span::Span;
use crate::syntax::ast::{self, FieldValue, Item, TriggerKind};
use rustc_hash::FxHashMap;

/// Where a trigger's `params { … }` values are typed.
const PARAMS_PLACE: &str = "a trigger's `params`";

/// The settings each kind of trigger takes.
fn settings_of(kind: TriggerKind) -> &'static [&'static str] {
    match kind {
        TriggerKind::Schedule => &["timezone", "overlap", "catch up", "params", "when"],
        TriggerKind::Webhook => &["secret", "params", "when"],
        TriggerKind::Change => &["debounce", "params", "when"],
    }
}

/// What one trigger's settings said, before it is assembled.
#[derive(Default)]
struct Settings {
    timezone: Option<chrono_tz::Tz>,
    overlap: Overlap,
    catch_up: u32,
    secret: Option<ir::ParamId>,
    debounce_ms: Option<u64>,
    params: Vec<TriggerParam>,
    when: Option<Expr>,
    /// `timezone env("NAME")`: the variable.
    tz_env: Option<String>,
}

impl Checker<'_> {
    pub(super) fn lower_triggers(&mut self) {
        for t in self.trigger_src.clone() {
            let allowed = t.kind == TriggerKind::Schedule;
            let (target, cron_env) = match self.env_or(&t.target, "a trigger's target", allowed) {
                EnvOr::Written => (self.trigger_target(t), None),
                // Read and checked when the server loads the file.
                EnvOr::Var(var) => (Some(String::new()), Some(var)),
                EnvOr::Bad => (None, None),
            };
            let settings = self.trigger_settings(t);
            if matches!(t.kind, TriggerKind::Schedule | TriggerKind::Change) {
                self.check_required_params(t, &settings.params);
            }
            let Some(target) = target else { continue };
            let trigger = match t.kind {
                TriggerKind::Schedule => Trigger::Schedule(Schedule {
                    cron: target,
                    timezone: settings.timezone.unwrap_or(chrono_tz::UTC),
                    overlap: settings.overlap,
                    catch_up: settings.catch_up,
                    when: settings.when,
                    from_env: ScheduleEnv {
                        cron: cron_env,
                        timezone: settings.tz_env,
                    },
                    span: t.span,
                }),
                TriggerKind::Webhook => Trigger::Webhook(Webhook {
                    path: target,
                    secret: settings.secret,
                    params: settings.params,
                    when: settings.when,
                    span: t.span,
                }),
                TriggerKind::Change => Trigger::Change(Change {
                    glob: target,
                    debounce_ms: settings.debounce_ms.unwrap_or(ir::DEFAULT_DEBOUNCE_MS),
                    params: settings.params,
                    when: settings.when,
                    span: t.span,
                }),
            };
            self.wf.triggers.push(trigger);
        }
        self.lower_lock();
        // Trigger params are bound before a run exists: they order nothing.
        self.reads.clear();
        self.status_reads.clear();
    }

    /// The cron pattern, path or glob, validated for its kind (`None` when wrong).
    fn trigger_target(&mut self, t: &ast::Trigger) -> Option<String> {
        let span = t.target.span;
        let text = match &t.target.kind {
            ast::ExprKind::Str(s) => s.as_plain().filter(|s| !s.trim().is_empty()),
            _ => None,
        };
        let Some(text) = text else {
            self.report(dc::trigger_target(span, t.kind.word()));
            return None;
        };
        let problem = match t.kind {
            TriggerKind::Schedule => match ir::parse_cron(&text) {
                Err(why) => Some(dc::bad_cron(span, &text, &why)),
                // Any fixed start will do: a pattern that fires at all fires
                // within croner's search window from here.
                Ok(cron) => {
                    let from = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
                    cron.find_next_occurrence(&from, false)
                        .is_err()
                        .then(|| dc::never_fires(span, &text))
                }
            },
            TriggerKind::Webhook => (!text.starts_with('/')
                || text.contains(|c: char| c.is_whitespace() || c == '?' || c == '#'))
            .then(|| dc::bad_hook_path(span, &text)),
            TriggerKind::Change => glob_problem(&text).map(|why| dc::bad_glob(span, &text, why)),
        };
        match problem {
            Some(d) => {
                self.report(d);
                None
            }
            None => Some(text),
        }
    }

    fn trigger_settings(&mut self, t: &ast::Trigger) -> Settings {
        let known = settings_of(t.kind);
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        let mut out = Settings::default();
        for f in &t.fields {
            let name = f.name.name.as_str();
            if !known.contains(&name) {
                let s = diag::did_you_mean(name, known.iter().copied());
                let d = dc::unknown_trigger_field(f.name.span, t.kind.word(), name, s, known);
                self.report(d);
                continue;
            }
            if let Some(&first) = seen.get(name) {
                self.report(dc::duplicate_trigger_field(f.name.span, first, name));
                continue;
            }
            seen.insert(name, f.name.span);
            match (name, &f.value) {
                ("params", FieldValue::Map(m)) => out.params = self.trigger_params(t.kind, m),
                ("timezone", FieldValue::Expr(e)) => match self.env_or(e, "`timezone`", true) {
                    EnvOr::Written => out.timezone = self.timezone(e),
                    EnvOr::Var(var) => out.tz_env = Some(var),
                    EnvOr::Bad => {}
                },
                ("when", FieldValue::Expr(e)) => out.when = self.trigger_when(t.kind, e),
                ("overlap", FieldValue::Expr(e)) => out.overlap = self.overlap(e),
                ("catch up", FieldValue::Expr(e)) => match &e.kind {
                    ast::ExprKind::Int(n) if u32::try_from(*n).is_ok() => {
                        out.catch_up = *n as u32;
                    }
                    _ => self.report(dc::bad_trigger_value(
                        e.span,
                        "catch up",
                        "a whole number of 0 or more",
                    )),
                },
                ("debounce", FieldValue::Expr(e)) => match &e.kind {
                    ast::ExprKind::Duration(ms) => out.debounce_ms = Some(*ms),
                    _ => self.report(dc::bad_trigger_value(
                        e.span,
                        "debounce",
                        "a duration like `2s`",
                    )),
                },
                ("secret", FieldValue::Expr(e)) => out.secret = self.hook_secret(e),
                _ => {
                    let want = match name {
                        "params" => "`{ PARAM = EXPR … }`",
                        "timezone" => "a time zone in quotes",
                        "overlap" => "`skip`, `queue` or `cancel`",
                        "secret" => "the name of a `secret`",
                        "debounce" => "a duration like `2s`",
                        "when" => "a condition (a bool)",
                        _ => "a whole number of 0 or more",
                    };
                    self.report(dc::bad_trigger_value(f.span, name, want));
                }
            }
        }
        out
    }

    fn timezone(&mut self, e: &ast::Expr) -> Option<chrono_tz::Tz> {
        let text = match &e.kind {
            ast::ExprKind::Str(s) => s.as_plain(),
            _ => None,
        };
        let Some(text) = text else {
            self.report(dc::bad_trigger_value(
                e.span,
                "timezone",
                "a time zone in quotes",
            ));
            return None;
        };
        if let Ok(tz) = text.parse::<chrono_tz::Tz>() {
            return Some(tz);
        }
        let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
        let s = names
            .clone()
            .find(|n| n.eq_ignore_ascii_case(&text))
            .or_else(|| diag::did_you_mean(&text, names));
        self.report(dc::unknown_timezone(e.span, &text, s));
        None
    }

    fn overlap(&mut self, e: &ast::Expr) -> Overlap {
        let ast::ExprKind::Name(id) = &e.kind else {
            let want = "`skip`, `queue` or `cancel`";
            self.report(dc::bad_trigger_value(e.span, "overlap", want));
            return Overlap::default();
        };
        Overlap::named(&id.name).unwrap_or_else(|| {
            let s = diag::did_you_mean(&id.name, Overlap::ALL.map(Overlap::name));
            self.report(dc::bad_overlap(id.span, &id.name, s));
            Overlap::default()
        })
    }

    fn hook_secret(&mut self, e: &ast::Expr) -> Option<ir::ParamId> {
        let ast::ExprKind::Name(id) = &e.kind else {
            self.report(dc::bad_trigger_value(
                e.span,
                "secret",
                "the name of a `secret`",
            ));
            return None;
        };
        if let Some(&p) = self.param_names.get(id.name.as_str()) {
            self.reference(id.span, ir::Symbol::Param(p));
            let param = &self.wf.params[p];
            if param.secret && matches!(param.ty, ir::Type::String | ir::Type::Invalid) {
                return Some(p);
            }
            if param.secret {
                let ty = param.ty.to_string();
                self.report(dc::hook_secret_type(id.span, &id.name, &ty, param.ty_span));
                return None;
            }
            self.report(dc::hook_secret(id.span, &id.name, true, None));
            return None;
        }
        let secrets = self.wf.params.iter().filter(|p| p.secret);
        let s = diag::did_you_mean(&id.name, secrets.map(|p| p.name.as_str()));
        self.report(dc::hook_secret(id.span, &id.name, false, s));
        None
    }

    fn trigger_params(&mut self, kind: TriggerKind, m: &ast::MapBlock) -> Vec<TriggerParam> {
        let ctx = Ctx {
            params_only: Some(PARAMS_PLACE),
            trigger: Some(kind),
            ..Ctx::default()
        };
        let mut seen: FxHashMap<String, Span> = FxHashMap::default();
        let mut out = Vec::new();
        for entry in &m.entries {
            let name = entry.key.name.clone();
            let value = self.lower_expr(&entry.value, &ctx);
            let Some(&p) = self.param_names.get(name.as_str()) else {
                let params = self.wf.params.iter().map(|p| p.name.as_str());
                let s = diag::did_you_mean(&name, params);
                self.report(dc::trigger_unknown_param(entry.key.span, &name, s));
                continue;
            };
            self.reference(entry.key.span, ir::Symbol::Param(p));
            if let Some(&first) = seen.get(&name) {
                self.report(dc::duplicate_trigger_field(entry.key.span, first, &name));
                continue;
            }
            seen.insert(name.clone(), entry.key.span);
            let want = self.wf.params[p].ty.clone();
            // `json` values (`request.json.x`) are read as the param's type
            // when the run starts, like `--params-file`.
            if value.ty != Type::Json {
                self.require(&value, &want, |want, found| {
                    dc::trigger_param_type(value.span, &name, want, found)
                });
            }
            out.push(TriggerParam {
                param: p,
                name,
                value,
                span: entry.span,
            });
        }
        out
    }

    /// E0258 for every param without a default that runs of `t` get no value for.
    fn check_required_params(&mut self, t: &ast::Trigger, bound: &[TriggerParam]) {
        let missing: Vec<Diagnostic> = (self.wf.params.iter().enumerate())
            .filter(|(p, param)| param.default.is_none() && !bound.iter().any(|b| b.param == *p))
            .map(|(_, param)| {
                dc::trigger_missing_param(t.kw_span, t.kind.word(), &param.name, param.name_span)
            })
            .collect();
        self.diags.extend(missing);
    }

    fn lower_lock(&mut self) {
        let Some((first, rest)) = self
            .lock_src
            .clone()
            .split_first()
            .map(|(f, r)| (*f, r.to_vec()))
        else {
            return;
        };
        for l in rest {
            self.report(dc::duplicate_lock(l.span, first.span));
        }
        let ctx = Ctx {
            params_only: Some("`lock`"),
            ..Ctx::default()
        };
        let key = self.lower_expr(&first.key, &ctx);
        if types::fits(&key.ty, &Type::String) == Fit::No && key.ty != Type::Invalid {
            self.report(dc::lock_type(key.span, &key.ty.to_string()));
        } else if key.tainted {
            self.report(dc::lock_secret(key.span));
        }
        self.wf.lock = Some(key);
        self.wf.lock_busy = self.lock_busy(first);
    }

    /// `changed`, or `request` alone: what a trigger binds, where a name is free.
    pub(super) fn trigger_name(&mut self, name: &str, span: Span, ctx: &Ctx) -> Option<Expr> {
        match (name, ctx.trigger) {
            ("changed", Some(TriggerKind::Change)) => Some(input(TriggerInput::Changed, span)),
            ("request", Some(TriggerKind::Webhook)) => {
                self.report(dc::not_a_value(span, name, "the request", "json"));
                Some(Expr::invalid(span))
            }
            ("changed" | "request", _) => {
                self.report(dc::trigger_input_here(span, name));
                Some(Expr::invalid(span))
            }
            _ => None,
        }
    }

    /// `request.json`, `request.headers`, `request.query` in a webhook's params.
    pub(super) fn request_member(
        &mut self,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        ctx: &Ctx,
    ) -> Option<Expr> {
        let ast::ExprKind::Name(id) = &base.kind else {
            return None;
        };
        if id.name != "request" || ctx.trigger != Some(TriggerKind::Webhook) {
            return None;
        }
        if !self.is_free(&id.name, ctx) {
            return None;
        }
        let found = TriggerInput::REQUEST
            .into_iter()
            .find(|i| i.member() == field.name.as_str());
        Some(match found {
            Some(i) => input(i, span),
            None => {
                let members = TriggerInput::REQUEST.map(TriggerInput::member);
                let s = diag::did_you_mean(&field.name, members);
                self.report(dc::request_member(field.span, &field.name, s));
                Expr::invalid(span)
            }
        })
    }
}

fn input(i: TriggerInput, span: Span) -> Expr {
    let ty = match i {
        TriggerInput::RequestJson => Type::Json,
        TriggerInput::RequestHeaders | TriggerInput::RequestQuery => Type::map(Type::String),
        TriggerInput::Changed => Type::list(Type::String),
    };
    expr(ExprKind::TriggerInput(i), ty, span, false)
}

/// Why `glob` is not a relative glob under the workflow's folder.
fn glob_problem(glob: &str) -> Option<&'static str> {
    if glob.starts_with('/') || glob.starts_with('~') {
        return Some("an absolute path: globs are relative to the workflow's file");
    }
    if glob.split('/').any(|part| part == "..") {
        return Some("leaves the workflow's folder (`..`)");
    }
    globset::Glob::new(glob).err().map(|_| "not a valid glob")
}

/// E0247: two webhooks of one file on one path.
pub(super) fn duplicate_hook_paths(file: &ast::File, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: FxHashMap<String, Span> = FxHashMap::default();
    let hooks = file
        .workflows
        .iter()
        .flat_map(|w| &w.items)
        .filter_map(|i| match i {
            Item::Trigger(t) if t.kind == TriggerKind::Webhook => Some(&t.target),
            _ => None,
        });
    for target in hooks {
        let ast::ExprKind::Str(s) = &target.kind else {
            continue;
        };
        let Some(path) = s.as_plain() else { continue };
        match seen.get(&path) {
            Some(&first) => diagnostics.push(dc::duplicate_hook_path(target.span, first, &path)),
            None => {
                seen.insert(path, target.span);
            }
        }
    }
}
