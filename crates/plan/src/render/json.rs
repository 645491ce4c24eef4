//! The plan as JSON: a stable contract for tools, documented in docs/plan.md.
//!
//! Field order is fixed by the structs below; new fields may be added, and
//! existing ones keep their name and meaning (`schema` names the version).
//! Secrets are `"***"`; expressions only known at run time are source text.

use super::expr::{show, show_text, MASK};
use super::{seconds, step_field_text, summary};
use crate::{Graph, GroupKind, Plan, PlannedStep};
use serde::Serialize;
use serde_json::{Map, Value as J};
use wfc_language::ir::{FieldValue, HandlerKind, OnFail, Wait, Workflow};
use wfc_language::span::SourceFile;

pub const SCHEMA: &str = "wfc-plan/1";

#[derive(Serialize)]
struct PlanJson {
    schema: &'static str,
    workflow: String,
    description: Option<String>,
    jobs: usize,
    jobs_source: String,
    timeout_seconds: Option<f64>,
    params: Vec<ParamJson>,
    env: Map<String, J>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lets: Vec<LetJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    outputs: Vec<OutputJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    triggers: Vec<J>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<J>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alerts: Vec<J>,
    steps: Vec<StepJson>,
    groups: Vec<GroupJson>,
    handlers: Map<String, J>,
    pruned: Vec<PrunedJson>,
    /// `--from`: steps taken from the last run that had them, not run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    earlier: Vec<String>,
    critical_path: Vec<String>,
    critical_path_seconds: f64,
    estimated_seconds: f64,
    lower_bound_seconds: f64,
    serial_seconds: f64,
}

/// A `let`: `value` when known at plan time (`***` for a secret), else
/// `expr`, computed by the run or per iteration (`when`).
#[derive(Serialize)]
struct LetJson {
    name: String,
    when: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<J>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expr: Option<String>,
}

fn let_json(wf: &Workflow, l: &crate::lets::PlannedLet) -> LetJson {
    use crate::lets::LetValue;
    let (when, value, expr) = match &l.value {
        LetValue::Known(v) => ("plan", Some(v.to_json()), None),
        LetValue::Secret => ("plan", Some(J::String(MASK.into())), None),
        LetValue::RunTime(e) => ("run", None, Some(show(wf, e))),
        LetValue::PerIteration(e) => ("iteration", None, Some(show(wf, e))),
    };
    LetJson {
        name: l.name.clone(),
        when,
        value,
        expr,
    }
}

/// A workflow output: its declared type and the expression the run evaluates.
#[derive(Serialize)]
struct OutputJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    expr: String,
}

#[derive(Serialize)]
struct ParamJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    value: J,
    secret: bool,
    source: String,
}

#[derive(Serialize)]
struct StepJson {
    name: String,
    step: String,
    kind: &'static str,
    summary: String,
    depends_on: Vec<String>,
    edges: Vec<EdgeJson>,
    condition: Option<String>,
    estimate_seconds: f64,
    estimate_source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_seconds: Option<f64>,
    retry: Option<RetryJson>,
    timeout_seconds: Option<f64>,
    /// `executor` and `resources`, when the step (or its defaults) says.
    #[serde(skip_serializing_if = "Option::is_none")]
    placement: Option<PlacementJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<UntilJson>,
    /// A gate's check the plan decided is false: what it compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    check_false: Option<String>,
    optional: bool,
    /// `on fail`, when written (`pause`: a person decides after its retries).
    #[serde(skip_serializing_if = "Option::is_none")]
    on_fail: Option<&'static str>,
    /// Its `any(…)` groups: each member's instances.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    any: Vec<AnyJson>,
    group: Option<String>,
    items: Map<String, J>,
    fields: Map<String, J>,
    rollback: Vec<StepJson>,
    line: Option<u32>,
}

#[derive(Serialize)]
struct AnyJson {
    label: String,
    members: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct EdgeJson {
    on: String,
    why: &'static str,
}

/// Fields in the order of their names: [`StepDefinition`] prints it as it
/// is, as a `Value` would (the plan JSON goes through one, which orders them).
#[derive(Serialize)]
struct RetryJson {
    backoff_seconds: Option<f64>,
    count: u32,
    max_seconds: Option<f64>,
    strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    within_seconds: Option<f64>,
    /// `when EXPR`, as written: only failures where it holds are retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    when: Option<String>,
}

/// `until COND every D within D`.
#[derive(Serialize)]
struct UntilJson {
    condition: String,
    every_seconds: f64,
    within_seconds: f64,
}

/// A step's executor and resources; only what is set.
#[derive(Serialize)]
struct PlacementJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    executor: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpus: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpus: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_seconds: Option<f64>,
}

fn placement_json(p: &crate::settings::Placement) -> PlacementJson {
    PlacementJson {
        executor: p.executor.map(|x| x.name()),
        partition: p.partition.clone(),
        account: p.account.clone(),
        cpus: p.cpus,
        memory_bytes: p.memory,
        gpus: p.gpus,
        time_seconds: p.time_ms.map(seconds),
    }
}

fn until_json(wf: &Workflow, s: &PlannedStep) -> Option<UntilJson> {
    s.until.as_deref().map(|u| UntilJson {
        condition: show(wf, &u.cond),
        every_seconds: seconds(u.every_ms),
        within_seconds: seconds(u.within_ms),
    })
}

#[derive(Serialize)]
struct GroupJson {
    name: String,
    kind: &'static str,
    wait: Option<&'static str>,
    /// for_each: `null` = one at a time, `0` = all at once, N = at most N.
    parallel: Option<u32>,
    /// for_each `batch N`: N (`parallel` is N too).
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<u32>,
    /// for_each `max failures`: as written (`2`, `25%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    max_failures: Option<String>,
    iterations: Option<usize>,
    /// How many of its iterations (or steps) really run at once.
    concurrency: usize,
    parent: Option<String>,
    members: Vec<String>,
}

#[derive(Serialize)]
struct PrunedJson {
    steps: Vec<String>,
    reason: String,
    line: Option<u32>,
}

/// The plan as a JSON value (`source` adds line numbers).
pub fn to_json(plan: &Plan, wf: &Workflow, source: Option<&SourceFile>) -> J {
    let sch = &plan.schedule;
    let line = |off: u32| source.map(|s| s.line_col(off as usize).line);
    let g = &plan.main;
    let mut handlers = Map::new();
    for kind in [
        HandlerKind::Failure,
        HandlerKind::Success,
        HandlerKind::Finally,
    ] {
        if let Some(h) = plan.handler(kind) {
            let steps: Vec<StepJson> = (0..h.len()).map(|i| step(wf, h, i, None, &line)).collect();
            handlers.insert(
                kind.keyword().replace(' ', "_"),
                serde_json::to_value(steps).unwrap_or(J::Null),
            );
        }
    }
    let out = PlanJson {
        schema: SCHEMA,
        workflow: plan.workflow.clone(),
        description: plan.description.clone(),
        jobs: sch.jobs,
        jobs_source: sch.jobs_source.clone(),
        timeout_seconds: plan.timeout_ms.map(seconds),
        params: plan
            .params
            .iter()
            .map(|p| ParamJson {
                name: p.name.clone(),
                ty: p.ty.to_string(),
                value: if p.secret {
                    J::String(MASK.into())
                } else {
                    p.value.to_json()
                },
                secret: p.secret,
                source: p.source.describe(),
            })
            .collect(),
        env: env_json(plan, wf),
        lets: plan.lets.iter().map(|l| let_json(wf, l)).collect(),
        triggers: (plan.triggers.iter())
            .map(|t| super::triggers::trigger_json(wf, t))
            .collect(),
        lock: plan.lock.as_ref().map(|k| {
            let mut lock = super::triggers::lock_json(wf, k);
            if plan.lock_busy != wfc_language::ir::LockBusy::Queue {
                lock["on_busy"] = J::String(plan.lock_busy.name().into());
            }
            lock
        }),
        alerts: super::alerts::json(plan),
        outputs: plan
            .outputs
            .iter()
            .map(|x| OutputJson {
                name: x.name.clone(),
                ty: x.ty.to_string(),
                expr: show(wf, &x.value),
            })
            .collect(),
        steps: (0..g.len())
            .map(|i| step(wf, g, i, Some(plan), &line))
            .collect(),
        groups: groups(g, sch),
        handlers,
        pruned: plan
            .pruned
            .iter()
            .map(|p| PrunedJson {
                steps: p.steps.clone(),
                reason: p.reason.clone(),
                line: line(p.span.start),
            })
            .collect(),
        earlier: plan
            .earlier
            .iter()
            .map(|&i| g.steps[i].name.clone())
            .collect(),
        critical_path: sch
            .critical_path
            .iter()
            .map(|&i| g.steps[i].name.clone())
            .collect(),
        critical_path_seconds: seconds(sch.critical_ms),
        estimated_seconds: seconds(sch.total_ms),
        lower_bound_seconds: seconds(sch.lower_bound_ms),
        serial_seconds: seconds(sch.serial_ms),
    };
    serde_json::to_value(out).unwrap_or(J::Null)
}

/// Keys of a step's plan JSON that do not change what it does: estimates,
/// the schedule, line numbers, the summary, and `edges` (the same
/// dependencies as `depends_on`, with why each exists). The run store's
/// fingerprints leave them out, wherever they stand.
pub const VOLATILE: &[&str] = &[
    "estimate_seconds",
    "estimate_source",
    "stage",
    "start_seconds",
    "line",
    "summary",
    "edges",
];

/// Removes the [`VOLATILE`] keys from every object in `v`.
pub fn strip_volatile(v: &mut J) {
    match v {
        J::Object(m) => strip_map(m),
        J::Array(xs) => xs.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

fn strip_map(m: &mut Map<String, J>) {
    for k in VOLATILE {
        m.remove(*k);
    }
    m.values_mut().for_each(strip_volatile);
}

/// The workflow's `env { }` as [`to_json`] shows it: params folded in, a
/// secret by its name. The run store fingerprints it beside the steps, for
/// those it reaches (their definitions do not hold it).
pub fn env_json(plan: &Plan, wf: &Workflow) -> Map<String, J> {
    plan.env
        .iter()
        .map(|(k, e)| (k.clone(), J::String(show_text(wf, e))))
        .collect()
}

/// One step of `g` as [`to_json`] shows it, without the [`VOLATILE`] keys:
/// the definition the run store fingerprints. Its JSON text is exactly that
/// of the step's plan JSON with those keys stripped, keys in order (as a
/// `serde_json::Value` prints them), so fingerprints recorded by earlier
/// builds still compare equal; it is written directly, since building each
/// step's `Value`, stripping and printing it cost ~49,000 instructions a
/// step, before a big plan's first step.
pub fn step_definition<'a>(wf: &'a Workflow, g: &'a Graph, i: usize) -> StepDefinition<'a> {
    let s: &PlannedStep = &g.steps[i];
    let mut fields = fields(wf, s);
    strip_map(&mut fields);
    let mut items = items(wf, s);
    strip_map(&mut items);
    StepDefinition {
        condition: s.condition.as_ref().map(|c| show(wf, c)),
        depends_on: s
            .deps
            .iter()
            .map(|d| g.steps[d.on()].name.as_str())
            .collect(),
        fields,
        group: s.group.map(|grp| g.groups[grp].name.as_str()),
        items,
        kind: s.kind.name(),
        name: &s.name,
        on_fail: s.on_fail.map(OnFail::name),
        optional: s.optional,
        retry: s.retry.as_deref().map(|r| retry_json(wf, s.step, r)),
        rollback: s
            .rollback
            .as_ref()
            .map(|rb| (0..rb.len()).map(|j| step_definition(wf, rb, j)).collect())
            .unwrap_or_default(),
        step: &wf.steps[s.step].name,
        timeout_seconds: s.timeout_ms.map(seconds),
        until: until_json(wf, s),
    }
}

/// See [`step_definition`]. The fields are those of `StepJson` without the
/// volatile ones, in the order of their names.
#[derive(Serialize)]
pub struct StepDefinition<'a> {
    condition: Option<String>,
    depends_on: Vec<&'a str>,
    fields: Map<String, J>,
    group: Option<&'a str>,
    items: Map<String, J>,
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_fail: Option<&'static str>,
    optional: bool,
    retry: Option<RetryJson>,
    rollback: Vec<StepDefinition<'a>>,
    step: &'a str,
    timeout_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<UntilJson>,
}

impl StepDefinition<'_> {
    pub fn name(&self) -> &str {
        self.name
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

/// One step of `g` as [`to_json`] shows it, without the schedule (`stage`,
/// `start_seconds`), line numbers or `edges` (the reference that
/// [`step_definition`] is tested against).
pub fn step_value(wf: &Workflow, g: &Graph, i: usize) -> J {
    fn drop_edges(s: &mut StepJson) {
        s.edges = Vec::new();
        s.rollback.iter_mut().for_each(drop_edges);
    }
    let mut s = step(wf, g, i, None, &|_| None);
    drop_edges(&mut s);
    serde_json::to_value(s).unwrap_or(J::Null)
}

/// Pretty-printed, with a final newline.
pub fn render(plan: &Plan, wf: &Workflow, source: Option<&SourceFile>) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(plan, wf, source)).unwrap_or_default();
    s.push('\n');
    s
}

fn groups(g: &Graph, sch: &crate::Schedule) -> Vec<GroupJson> {
    g.groups
        .iter()
        .enumerate()
        .map(|(gi, grp)| {
            let (kind, wait, parallel, iterations) = match &grp.kind {
                GroupKind::Parallel { wait } => (
                    "parallel",
                    Some(match wait {
                        Wait::All => "all",
                        Wait::Any => "any",
                    }),
                    None,
                    None,
                ),
                GroupKind::Sequence => ("sequence", None, None, None),
                GroupKind::ForEach {
                    iterations,
                    parallel,
                    ..
                } => (
                    "for_each",
                    None,
                    parallel.map(|p| p.unwrap_or(0)),
                    iterations.as_ref().map(Vec::len),
                ),
            };
            let batch = match grp.kind {
                GroupKind::ForEach {
                    parallel: Some(Some(n)),
                    batch: true,
                    ..
                } => Some(n),
                _ => None,
            };
            let max_failures = match &grp.kind {
                GroupKind::ForEach {
                    max_failures: Some(m),
                    ..
                } => Some(m.text()),
                _ => None,
            };
            GroupJson {
                name: grp.name.clone(),
                kind,
                wait,
                parallel,
                batch,
                max_failures,
                iterations,
                concurrency: sch.group_concurrency(g, gi),
                parent: grp.parent.map(|p| g.groups[p].name.clone()),
                members: grp
                    .members
                    .iter()
                    .map(|&m| g.steps[m].name.clone())
                    .collect(),
            }
        })
        .collect()
}

fn step(
    wf: &Workflow,
    g: &Graph,
    i: usize,
    plan: Option<&Plan>,
    line: &dyn Fn(u32) -> Option<u32>,
) -> StepJson {
    let s: &PlannedStep = &g.steps[i];
    StepJson {
        name: s.name.clone(),
        step: wf.steps[s.step].name.clone(),
        kind: s.kind.name(),
        summary: summary(wf, s),
        depends_on: s
            .deps
            .iter()
            .map(|d| g.steps[d.on()].name.clone())
            .collect(),
        edges: s
            .deps
            .iter()
            .map(|d| EdgeJson {
                on: g.steps[d.on()].name.clone(),
                why: d.why.name(),
            })
            .collect(),
        condition: s.condition.as_ref().map(|c| show(wf, c)),
        estimate_seconds: seconds(s.estimate.ms),
        estimate_source: s.estimate.source.name(),
        stage: plan.map(|p| p.schedule.stage[i] + 1),
        start_seconds: plan.map(|p| seconds(p.schedule.start_ms[i])),
        retry: s.retry.as_deref().map(|r| retry_json(wf, s.step, r)),
        timeout_seconds: s.timeout_ms.map(seconds),
        placement: s.placement.as_deref().map(placement_json),
        until: until_json(wf, s),
        check_false: s.check_false.as_deref().map(|c| c.text()),
        optional: s.optional,
        on_fail: s.on_fail.map(OnFail::name),
        any: s
            .any
            .iter()
            .map(|a| AnyJson {
                label: a.label.clone(),
                members: a
                    .members
                    .iter()
                    .map(|m| m.iter().map(|&i| g.steps[i].name.clone()).collect())
                    .collect(),
            })
            .collect(),
        group: s.group.map(|grp| g.groups[grp].name.clone()),
        items: items(wf, s),
        fields: fields(wf, s),
        rollback: s
            .rollback
            .as_ref()
            .map(|rb| (0..rb.len()).map(|j| step(wf, rb, j, None, line)).collect())
            .unwrap_or_default(),
        line: line(s.span.start),
    }
}

fn retry_json(
    wf: &Workflow,
    own: wfc_language::ir::StepId,
    r: &wfc_language::ir::Retry,
) -> RetryJson {
    RetryJson {
        count: r.count,
        backoff_seconds: r.backoff_ms.map(seconds),
        strategy: r.strategy.name(),
        max_seconds: r.max_ms.map(seconds),
        within_seconds: r.within_ms.map(seconds),
        when: (r.when.as_deref()).map(|w| super::expr::show_retry_when(wf, own, w)),
    }
}

/// A step's loop variables and their values (`***` for an item of a
/// secret list).
fn items(wf: &Workflow, s: &PlannedStep) -> Map<String, J> {
    s.items
        .iter()
        .map(|(b, var, v)| {
            let secret = wf.blocks.get(*b).is_some_and(|block| {
                matches!(&block.kind, wfc_language::ir::BlockKind::ForEach { iter, .. } if iter.tainted)
            });
            let v = if secret { J::from(MASK) } else { v.to_json() };
            (var.clone(), v)
        })
        .collect()
}

/// A step's fields as text (a map field as an object; `mount`s as a list).
fn fields(wf: &Workflow, s: &PlannedStep) -> Map<String, J> {
    let mut fields = Map::new();
    for f in &s.fields {
        let v = match &f.value {
            FieldValue::Map(m) => J::Object(
                m.iter()
                    .map(|(k, e)| (k.clone(), J::String(show_text(wf, e))))
                    .collect(),
            ),
            FieldValue::Inputs(inputs) => crate::gate_inputs::spec_json(inputs),
            v => J::String(step_field_text(wf, s, &f.name, v)),
        };
        if f.name == "mount" {
            if let J::Array(xs) = fields
                .entry("mount")
                .or_insert_with(|| J::Array(Vec::new()))
            {
                xs.push(v);
            }
        } else {
            fields.insert(f.name.clone(), v);
        }
    }
    fields
}
