//! Renderings of a [`Plan`](crate::Plan): [`text`] for people (the default of `wfc plan`),
//! [`json`] for tools (a documented, stable contract: docs/plan.md), and the
//! graph as Graphviz [`dot`] or [`mermaid`].
//!
//! Every renderer goes through the helpers here for values, so secrets are
//! masked in one place: bound secret params print as `***`, and expressions
//! derived from secrets stay references (see [`expr`]).

pub mod alerts;
pub mod dot;
pub mod expr;
pub mod json;
pub mod mermaid;
pub mod params;
pub mod text;
pub mod triggers;

use super::{BoundParam, Graph, PlannedStep};
use expr::{show, show_text, MASK};
use wfc_language::ir::{FieldValue, StepKind, Workflow};

/// A bound param's value as shown: `***` for secrets.
pub fn param_value(p: &BoundParam) -> String {
    if p.source == crate::ParamSource::Unset {
        "unset".into()
    } else if p.secret {
        MASK.into()
    } else {
        p.value.literal()
    }
}

/// One field's value as text.
pub fn field_text(wf: &Workflow, v: &FieldValue) -> String {
    match v {
        FieldValue::Expr(e) => show_text(wf, e),
        FieldValue::Map(m) => m
            .iter()
            .map(|(k, e)| format!("{k}={}", show_text(wf, e)))
            .collect::<Vec<_>>()
            .join(" "),
        FieldValue::Mount { source, target } => {
            format!("{} at {}", show_text(wf, source), show_text(wf, target))
        }
        FieldValue::Keyword(k) => k.clone(),
        FieldValue::Inputs(inputs) => inputs
            .iter()
            .map(|i| {
                let default = i.default.as_ref().map(|d| format!(" = {}", show(wf, d)));
                let constraint = i.constraint.as_ref().map(|c| match c {
                    wfc_language::ir::Constraint::OneOf(xs) => {
                        let xs: Vec<String> = xs.iter().map(|x| show(wf, x)).collect();
                        format!(" in [{}]", xs.join(", "))
                    }
                    wfc_language::ir::Constraint::Range(lo, hi) => {
                        format!(" in {}..{}", show(wf, lo), show(wf, hi))
                    }
                });
                format!(
                    "{}: {}{}{}",
                    i.name,
                    i.ty,
                    constraint.unwrap_or_default(),
                    default.unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Field `name` of step `s` as text: a `shell` or `docker` `run` command and
/// a `python` or `node` `script` as they will run ([`expr::command_text`],
/// [`expr::script_text`]), others as [`field_text`].
pub fn step_field_text(wf: &Workflow, s: &PlannedStep, name: &str, v: &FieldValue) -> String {
    match (s.kind, name, v) {
        (StepKind::Shell | StepKind::Docker, "run", FieldValue::Expr(e)) => {
            expr::command_text(wf, e)
        }
        (kind, "script", FieldValue::Expr(e)) => match crate::script::ScriptLang::of(kind) {
            Some(lang) => expr::script_text(wf, e, lang),
            None => field_text(wf, v),
        },
        _ => field_text(wf, v),
    }
}

fn field<'a>(s: &'a PlannedStep, name: &str) -> Option<&'a FieldValue> {
    s.fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

/// What the step does, in one line: the command, `GET url`, the image, …
pub fn summary(wf: &Workflow, s: &PlannedStep) -> String {
    let text = |name: &str| field(s, name).map(|v| field_text(wf, v));
    let run = || field(s, "run").map(|v| step_field_text(wf, s, "run", v));
    let full = match s.kind {
        StepKind::Shell => run().unwrap_or_default(),
        StepKind::Docker => match run() {
            Some(run) => format!("{}: {run}", text("image").unwrap_or_default()),
            None => text("image").unwrap_or_default(),
        },
        StepKind::Python | StepKind::Node | StepKind::Sql => {
            let source = ["script", "query"]
                .iter()
                .find_map(|n| field(s, n).map(|v| step_field_text(wf, s, n, v)));
            match (source, text("file")) {
                (Some(source), _) => source,
                (None, Some(file)) => format!("{} {file}", s.kind.name()),
                (None, None) => String::new(),
            }
        }
        StepKind::Http => ["get", "post", "put", "patch", "delete", "head"]
            .iter()
            .find_map(|m| text(m).map(|url| format!("{} {url}", m.to_uppercase())))
            .unwrap_or_default(),
        StepKind::Webhook => format!(
            "{} {}",
            text("method").unwrap_or_else(|| "POST".into()),
            text("url").unwrap_or_default()
        ),
        StepKind::Slack => text("message").unwrap_or_default(),
        StepKind::Email => format!(
            "to {}: {}",
            text("to").unwrap_or_default(),
            text("subject").unwrap_or_default()
        ),
        StepKind::Sleep => format!("sleep {}", text("duration").unwrap_or_default()),
        StepKind::Call => match (
            field(s, wfc_language::ir::FILE_FIELD),
            &wf.steps[s.step].call,
        ) {
            (Some(FieldValue::Expr(e)), _) => format!("call file({})", show(wf, e)),
            (_, Some(c)) => format!("call {}", c.target),
            _ => String::new(),
        },
        StepKind::Gate => match (field(s, "check"), text("approval")) {
            // Folded to `false`: the check as written.
            _ if s.check_false.is_some() => {
                let check = s.check_false.as_deref().map_or("", |c| c.check.as_str());
                format!("check {check}")
            }
            (Some(FieldValue::Expr(e)), _) => format!("check {}", show(wf, e)),
            (_, Some(who)) => format!("approval by {who}"),
            _ => String::new(),
        },
        StepKind::Invalid => String::new(),
    };
    one_line(&full, 72)
}

/// What a gate says beside its summary, in every rendering: a check false
/// at plan time with the values that made it so, its `message`, and the
/// `inputs` its approval asks for.
pub fn gate_lines(wf: &Workflow, s: &PlannedStep) -> Vec<String> {
    if s.kind != StepKind::Gate {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(why) = s.check_false.as_deref() {
        match why.operands.is_empty() {
            true => out.push("false at plan time".into()),
            false => out.push(match &why.part {
                // The values first: a graph's node cuts its label short.
                Some(part) => format!(
                    "false at plan time: {} (in `{part}`)",
                    why.operands.join(", ")
                ),
                None => format!("false at plan time: {}", why.operands.join(", ")),
            }),
        }
    }
    if let Some(m) = field(s, "message") {
        out.push(format!("message: {}", field_text(wf, m)));
    }
    if let Some(inputs @ FieldValue::Inputs(_)) = field(s, "inputs") {
        out.push(format!("inputs: {}", field_text(wf, inputs)));
    }
    out
}

/// `until COND every D within D` of a polling step, as every format shows it.
pub fn until_text(wf: &Workflow, s: &PlannedStep) -> Option<String> {
    let u = s.until.as_deref()?;
    Some(format!(
        "until {} every {} within {}",
        show(wf, &u.cond),
        crate::Value::Duration(u.every_ms).literal(),
        crate::Value::Duration(u.within_ms).literal()
    ))
}

/// The first non-empty line, cut to `max` characters; `…` marks anything left out.
pub fn one_line(s: &str, max: usize) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let first = lines.first().copied().unwrap_or("");
    let cut = first.chars().count() > max;
    let mut out: String = first.chars().take(max).collect();
    if cut || lines.len() > 1 {
        out = out.trim_end().to_string();
        out.push_str(" …");
    }
    out
}

/// Seconds as JSON numbers (ms precision).
pub fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// A duration for people: `40s`, `4m`, `1h30m`.
pub fn human(ms: u64) -> String {
    super::value::format_duration(ms)
}

/// Names of an instance's dependencies.
pub fn dep_names<'a>(g: &'a Graph, s: &PlannedStep) -> Vec<&'a str> {
    s.deps
        .iter()
        .map(|d| g.steps[d.on()].name.as_str())
        .collect()
}

/// An edge as the text plan lists it: the step waited for, and what makes
/// the edge when it is not a plain dependency (`sequence`, `after`).
pub(super) fn edge_text(g: &Graph, s: &PlannedStep, d: &crate::Dep) -> String {
    let name = &g.steps[d.on()].name;
    match edge_label(s, d) {
        Some("previous") => format!("{name} (previous in sequence)"),

        Some(_) => format!("{name} (however it ends)"),
        None => name.clone(),
    }
}

/// The label of an edge in the graph renderings: `previous` (the member
/// before in a `sequence`), `after` (an `after` step's wait for an end) or
/// `any` (a member of an `any(…)` group: drawn dashed).
pub(super) fn edge_label(s: &PlannedStep, d: &crate::Dep) -> Option<&'static str> {
    match d.why {
        crate::EdgeKind::Previous => Some("previous"),
        crate::EdgeKind::After if s.finally => Some("after"),
        crate::EdgeKind::Any => Some("any"),
        _ => None,
    }
}

/// What a loop's `parallel N` really gets, when that is not simply N:
/// `"; 2 at once: --jobs 2 is smaller"`, or `", beyond the CPU count"`
/// (the file's number wins over the CPU-count default); else empty.
pub(super) fn concurrency_note(plan: &crate::Plan, gi: usize) -> String {
    let (g, sch) = (&plan.main, &plan.schedule);
    let crate::GroupKind::ForEach {
        parallel: Some(Some(k)),
        ..
    } = &g.groups[gi].kind
    else {
        return String::new();
    };
    let n = sch.group_concurrency(g, gi);
    if n < *k as usize {
        let limit = match sch.jobs_source.as_str() {
            "workers" => "--jobs",
            _ => "concurrency",
        };
        format!("; {n} at once: {limit} {n} is smaller")
    } else if sch.default_cap {
        ", beyond the CPU count".into()
    } else {
        String::new()
    }
}

/// A cluster's caption in the graph renderings: its name and how its
/// members run (with what a `parallel N` really gets, as the text says).
pub(super) fn group_label(plan: &crate::Plan, gi: usize) -> String {
    let grp = &plan.main.groups[gi];
    let label = group_mode(grp);
    match label.strip_suffix(')') {
        Some(open) => format!("{open}{})", concurrency_note(plan, gi)),
        None => label,
    }
}

fn group_mode(grp: &crate::Group) -> String {
    use crate::GroupKind;
    use wfc_language::ir::Wait;
    match &grp.kind {
        GroupKind::Parallel { wait: Wait::Any } => format!("{} (wait any)", grp.name),
        GroupKind::Parallel { wait: Wait::All } => format!("{} (parallel)", grp.name),
        GroupKind::Sequence => format!("{} (sequence)", grp.name),
        GroupKind::ForEach { parallel: None, .. } => format!("{} (one at a time)", grp.name),
        GroupKind::ForEach {
            parallel: Some(None),
            ..
        } => format!("{} (parallel)", grp.name),
        GroupKind::ForEach {
            parallel: Some(Some(n)),
            batch: true,
            ..
        } => format!("{} (in batches of {n})", grp.name),
        GroupKind::ForEach {
            parallel: Some(Some(n)),
            ..
        } => format!("{} (parallel {n})", grp.name),
    }
}

/// The workflow's outputs, one `NAME: TYPE = EXPR` line each (for the graphs).
pub(super) fn output_lines(plan: &crate::Plan, wf: &Workflow) -> Vec<String> {
    plan.outputs
        .iter()
        .map(|x| {
            one_line(
                &format!("{}: {} = {}", x.name, x.ty, expr::show(wf, &x.value)),
                60,
            )
        })
        .collect()
}

/// The main-graph instances the workflow's outputs read, once each.
pub(super) fn output_sources(plan: &crate::Plan) -> Vec<usize> {
    let mut out: Vec<usize> = plan
        .outputs
        .iter()
        .flat_map(|x| &x.reads)
        .flat_map(|r| match &r.target {
            crate::RefTarget::One(i) => vec![*i],
            crate::RefTarget::List(xs) => xs.clone(),
            crate::RefTarget::Absent => Vec::new(),
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
