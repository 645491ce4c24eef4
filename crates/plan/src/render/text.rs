//! The plan for people: params, the steps stage by stage, groups, run-time
//! conditions, rollbacks, handlers, what was pruned and why, the critical
//! path and the estimated total. Coloured when asked (a terminal without
//! `NO_COLOR`), plain otherwise; the order is always the same.

use super::expr::show;
use super::{field_text, human, param_value, summary};
use crate::{Graph, GroupKind, Plan, PlannedStep};
use std::fmt::Write;
use wfc_language::ir::artifacts::FIELD;
use wfc_language::ir::{HandlerKind, Wait, Workflow};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn hot(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    fn warn(&self, s: &str) -> String {
        self.paint("33", s)
    }
    fn good(&self, s: &str) -> String {
        self.paint("32", s)
    }
    fn name(&self, s: &str) -> String {
        self.paint("1;36", s)
    }
}

pub fn render(plan: &Plan, wf: &Workflow, color: bool) -> String {
    let st = Style { color };
    let mut o = String::new();
    let g = &plan.main;
    let sch = &plan.schedule;

    // Header.
    let title = match &plan.description {
        Some(d) => format!("{} — {d}", plan.workflow),
        None => plan.workflow.clone(),
    };
    let _ = writeln!(o, "{} {}", st.bold("Plan:"), st.bold(&title));
    let mut facts = vec![
        plural(g.len(), "step"),
        format!("{} ({})", plural(sch.jobs, "job"), sch.jobs_source),
    ];
    if let Some(t) = plan.timeout_ms {
        facts.push(format!("timeout {}", human(t)));
    }
    let _ = writeln!(o, "{}", st.dim(&facts.join(" · ")));

    // Params.
    if !plan.params.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Params"));
        let w = plan.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for p in &plan.params {
            let mut from = p.source.describe();
            if p.secret {
                from = format!("secret, {from}");
            }
            let _ = writeln!(
                o,
                "  {:w$}  {}  {}",
                p.name,
                param_value(p),
                st.dim(&format!("({from})"))
            );
        }
    }

    // Lets: their values, where the plan knows them.
    if !plan.lets.is_empty() {
        use crate::lets::LetValue;
        let _ = writeln!(o, "\n{}", st.bold("Lets"));
        let w = plan.lets.iter().map(|l| l.name.len()).max().unwrap_or(0);
        for l in &plan.lets {
            let (value, note) = match &l.value {
                LetValue::Known(v) => (v.literal(), None),
                LetValue::Secret => (super::expr::MASK.to_string(), Some("(secret)")),
                LetValue::RunTime(e) => (show(wf, e), Some("(at run time)")),
                LetValue::PerIteration(e) => (show(wf, e), Some("(each iteration)")),
            };
            let note = note.map(|n| format!("  {}", st.dim(n))).unwrap_or_default();
            let _ = writeln!(o, "  {:w$}  {value}{note}", l.name);
        }
    }

    // The workflow's own outputs: computed when the run's steps are done.
    if !plan.outputs.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Outputs"));
        let w = plan.outputs.iter().map(|x| x.name.len()).max().unwrap_or(0);
        let types: Vec<String> = plan.outputs.iter().map(|x| x.ty.to_string()).collect();
        let tw = types.iter().map(String::len).max().unwrap_or(0);
        for (x, ty) in plan.outputs.iter().zip(&types) {
            let _ = writeln!(o, "  {:w$}  {ty:tw$}  = {}", x.name, show(wf, &x.value));
        }
    }

    triggers(&mut o, plan, wf, &st);

    // Steps by stage.
    let stages = sch.stage.iter().copied().max().map_or(0, |m| m + 1);
    let on_path: Vec<bool> = {
        let mut v = vec![false; g.len()];
        for &i in &sch.critical_path {
            v[i] = true;
        }
        v
    };
    let _ = writeln!(
        o,
        "\n{} {}",
        st.bold("Steps"),
        st.dim(&format!(
            "({} in {}; stages run in order, steps of a stage together; ★ critical path)",
            plural(g.len(), "step"),
            plural(stages, "stage")
        ))
    );
    let w = g
        .steps
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    // Bucketed once: a chain has as many stages as steps.
    let mut by_stage: Vec<Vec<usize>> = vec![Vec::new(); stages];
    for i in 0..g.len() {
        by_stage[sch.stage[i]].push(i);
    }
    for (stage, mut members) in by_stage.into_iter().enumerate() {
        let _ = writeln!(o, "  {}", st.bold(&format!("stage {}", stage + 1)));
        members.sort_by_key(|&i| (std::cmp::Reverse(sch.priority[i]), i));
        for i in members {
            let earlier = plan.earlier.binary_search(&i).is_ok();
            step_lines(
                &mut o,
                &st,
                wf,
                g,
                (&g.steps[i], earlier),
                on_path[i],
                w,
                "    ",
            );
        }
    }

    // Groups.
    if !g.groups.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Groups"));
        for grp in &g.groups {
            let how = match &grp.kind {
                GroupKind::Parallel { wait: Wait::All } => "parallel, waits for all".to_string(),
                GroupKind::Parallel { wait: Wait::Any } => {
                    "parallel, wait any: the first success wins, the rest are cancelled".to_string()
                }
                GroupKind::Sequence => {
                    "sequence: one after another; a failure stops the rest".to_string()
                }
                GroupKind::ForEach {
                    iterations,
                    parallel,
                    batch,
                    max_failures,
                    ..
                } => {
                    let n = match iterations {
                        Some(its) => plural(its.len(), "iteration"),
                        None => "iterations known at run time".to_string(),
                    };
                    let mode = match parallel {
                        None => "one at a time; a failure stops the rest".to_string(),
                        Some(None) => "all at once".to_string(),
                        Some(Some(k)) if *batch => {
                            format!("in batches of {k}, each after the one before ended")
                        }
                        Some(Some(k)) => format!("{k} at a time"),
                    };
                    match max_failures {
                        Some(m) => format!(
                            "{n}, {mode}; lets {} failed iterations pass (`max failures {}`)",
                            m.allowed(iterations.as_ref().map_or(0, Vec::len)),
                            m.text()
                        ),
                        None => format!("{n}, {mode}"),
                    }
                }
            };
            let names: Vec<&str> = grp
                .members
                .iter()
                .map(|&m| g.steps[m].name.as_str())
                .collect();
            let gi = g
                .groups
                .iter()
                .position(|x| std::ptr::eq(x, grp))
                .unwrap_or(0);
            let how = format!("{how}{}", super::concurrency_note(plan, gi));
            let _ = writeln!(
                o,
                "  {}  {}",
                st.name(&grp.name),
                st.dim(&format!("({how})"))
            );
            let _ = writeln!(o, "      {}", names.join(", "));
        }
    }

    // Run-time conditions.
    let conditional: Vec<&PlannedStep> = g.steps.iter().filter(|s| s.condition.is_some()).collect();
    if !conditional.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            st.bold("Decided at run time"),
            st.dim("(absent when false: what depends on them runs without them)")
        );
        let w = conditional
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        for s in conditional {
            if let Some(c) = &s.condition {
                let pad = " ".repeat(w - s.name.chars().count());
                let _ = writeln!(o, "  {}{pad}  if {}", st.name(&s.name), show(wf, c));
            }
        }
    }

    // Rollbacks.
    let with_rollback: Vec<&PlannedStep> =
        g.steps.iter().filter(|s| s.rollback.is_some()).collect();
    if !with_rollback.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            st.bold("Rollbacks"),
            st.dim("(if the run fails, for the steps that ran, newest first)")
        );
        for s in with_rollback {
            if let Some(rb) = &s.rollback {
                let names: Vec<&str> = rb.steps.iter().map(|r| r.name.as_str()).collect();
                let _ = writeln!(o, "  {} → {}", st.name(&s.name), names.join(", "));
            }
        }
    }

    // Handlers.
    for kind in [
        HandlerKind::Failure,
        HandlerKind::Success,
        HandlerKind::Finally,
    ] {
        if let Some(h) = plan.handler(kind) {
            let when = match kind {
                HandlerKind::Failure => "if the run fails, after the rollbacks",
                HandlerKind::Success => "if the run succeeds",
                HandlerKind::Finally => "at the end, in every case",
            };
            let _ = writeln!(
                o,
                "\n{} {}",
                st.bold(&capitalise(kind.keyword())),
                st.dim(&format!("({when})"))
            );
            let w = h
                .steps
                .iter()
                .map(|s| s.name.chars().count())
                .max()
                .unwrap_or(0);
            for s in &h.steps {
                step_lines(&mut o, &st, wf, h, (s, false), false, w, "  ");
            }
        }
    }

    // Pruned.
    let _ = writeln!(o, "\n{}", st.bold("Pruned at plan time"));
    if plan.pruned.is_empty() {
        let _ = writeln!(o, "  {}", st.dim("nothing"));
    } else {
        let _ = writeln!(
            o,
            "  {}",
            st.dim("(absent: what depends on them runs after what they would have waited for)")
        );
    }
    for p in &plan.pruned {
        let _ = writeln!(
            o,
            "  {}  {}",
            st.warn(&p.steps.join(", ")),
            st.dim(&format!("— {}", p.reason))
        );
    }

    // Critical path and totals.
    let path: Vec<String> = sch
        .critical_path
        .iter()
        .map(|&i| g.steps[i].name.clone())
        .collect();
    let _ = writeln!(
        o,
        "\n{} {}",
        st.bold("Critical path"),
        st.dim(&format!("({})", human(sch.critical_ms)))
    );
    if path.is_empty() {
        let _ = writeln!(o, "  {}", st.dim("no steps"));
    } else {
        let _ = writeln!(o, "  {}", st.hot(&path.join(" → ")));
    }
    let defaults = g
        .steps
        .iter()
        .filter(|s| s.estimate.source == crate::EstimateSource::Default)
        .count();
    let _ = writeln!(
        o,
        "\n{} {} with {} {}",
        st.bold("Estimated total:"),
        st.good(&human(sch.total_ms)),
        plural(sch.jobs, "job"),
        st.dim(&format!(
            "(lower bound {}, one at a time {})",
            human(sch.lower_bound_ms),
            human(sch.serial_ms)
        ))
    );
    if defaults > 0 {
        let _ = writeln!(
            o,
            "{}",
            st.dim(&format!(
                "{} without `estimate` {} the default for {} kind (docs/plan.md)",
                plural(defaults, "step"),
                if defaults == 1 { "uses" } else { "use" },
                if defaults == 1 { "its" } else { "their" }
            ))
        );
    }
    o
}

#[allow(clippy::too_many_arguments)]
fn step_lines(
    o: &mut String,
    st: &Style,
    wf: &Workflow,
    g: &Graph,
    (s, earlier): (&PlannedStep, bool),
    hot: bool,
    w: usize,
    indent: &str,
) {
    let mark = if hot { st.hot("★") } else { " ".to_string() };
    let pad = w.saturating_sub(s.name.chars().count());
    let mut facts = vec![format!("{:6}", s.kind.name())];
    if earlier {
        facts.push("from the last run that had it (`--from`): not run".into());
    }
    let est = match s.estimate.source {
        crate::EstimateSource::Declared => human(s.estimate.ms),
        src => format!("{} ({})", human(s.estimate.ms), src.name()),
    };
    facts.push(format!("est {est}"));
    if let Some(r) = &s.retry {
        match (r.count, r.within_ms) {
            (0, None) => {}
            (n, None) => facts.push(format!("retry {n}")),
            (n, Some(w)) => facts.push(format!("retry {n} within {}", human(w))),
        }
        if let Some(when) = r.when.as_deref().filter(|_| r.count > 0) {
            let when = super::expr::show_retry_when(wf, s.step, when);
            facts.push(format!("when {when}"));
        }
    }
    if let Some(t) = s.timeout_ms {
        facts.push(format!("timeout {}", human(t)));
    }
    if let Some(p) = &s.placement {
        facts.extend(placement_facts(p));
    }
    if s.optional {
        facts.push("optional".into());
    }
    let name = if hot {
        st.hot(&s.name)
    } else {
        st.name(&s.name)
    };
    let _ = writeln!(
        o,
        "{indent}{mark} {name}{}  {}",
        " ".repeat(pad),
        st.dim(&facts.join(" · "))
    );
    let sum = summary(wf, s);
    if !sum.is_empty() {
        let _ = writeln!(o, "{indent}    {sum}");
    }
    if let Some(until) = super::until_text(wf, s) {
        let _ = writeln!(o, "{indent}    {}", st.dim(&super::one_line(&until, 72)));
    }
    for line in super::gate_lines(wf, s) {
        let _ = writeln!(o, "{indent}    {}", st.dim(&super::one_line(&line, 72)));
    }
    if let Some(f) = s.fields.iter().find(|f| f.name == "env") {
        let _ = writeln!(
            o,
            "{indent}    {}",
            st.dim(&super::one_line(
                &format!("env {}", field_text(wf, &f.value)),
                72
            ))
        );
    }
    if let Some(f) = s.fields.iter().find(|f| f.name == FIELD) {
        let line = format!("artifacts {}", field_text(wf, &f.value));
        let _ = writeln!(o, "{indent}    {}", st.dim(&super::one_line(&line, 72)));
    }
    let deps: Vec<String> = (s.deps.iter())
        .filter(|d| d.why != crate::EdgeKind::Any)
        .map(|d| super::edge_text(g, s, d))
        .collect();
    if !deps.is_empty() {
        let _ = writeln!(
            o,
            "{indent}    {}",
            st.dim(&format!("after {}", deps.join(", ")))
        );
    }
    for a in s.any.iter() {
        let members: Vec<&str> = (a.members.iter().flatten())
            .map(|&m| g.steps[m].name.as_str())
            .collect();
        let line = format!(
            "after {} once all have ended, if one succeeded ({})",
            members.join(", "),
            a.label
        );
        let _ = writeln!(o, "{indent}    {}", st.dim(&line));
    }
    if let Some(c) = &s.condition {
        let _ = writeln!(
            o,
            "{indent}    {}",
            st.warn(&format!("only if {}", show(wf, c)))
        );
    }
}

fn plural(n: usize, word: &str) -> String {
    wfc_language::words::count(n as u64, word)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `Triggers` (each with a schedule's next fire times) and `Lock`.
fn triggers(o: &mut String, plan: &Plan, wf: &Workflow, st: &Style) {
    if !plan.triggers.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Triggers"));
        for t in &plan.triggers {
            let _ = writeln!(o, "  {}", super::triggers::describe(wf, &t.trigger));
            for problem in &t.env_problems {
                let _ = writeln!(o, "    {} {problem}", st.dim("here:"));
            }
            if !t.next_fires.is_empty() {
                let fires: Vec<String> = t.next_fires.iter().map(|f| f.to_rfc3339()).collect();
                let _ = writeln!(o, "    {} {}", st.dim("next:"), fires.join(", "));
            }
        }
    }
    if !plan.alerts.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Alerts"));
        for a in &plan.alerts.alerts {
            let _ = writeln!(o, "  {}", super::alerts::line(a));
        }
    }
    if let Some(key) = &plan.lock {
        let _ = writeln!(o, "\n{}", st.bold("Lock"));
        let shown = match super::triggers::lock_text(wf, key) {
            (text, true) => text,
            (text, false) => format!("{text}  {}", st.dim("(at run time)")),
        };
        let busy = match plan.lock_busy {
            wfc_language::ir::LockBusy::Queue => "",
            wfc_language::ir::LockBusy::Skip => "; on busy skip: a later run is not started",
            wfc_language::ir::LockBusy::Cancel => {
                "; on busy cancel: a later run cancels the holder"
            }
        };
        let _ = writeln!(
            o,
            "  {shown}  {}",
            st.dim(&format!("(runs with this key never overlap{busy})"))
        );
    }
}

/// `slurm gpu/ml`, `cpus 4`, `mem 16GB`, `gpus 1`, `time 2h`.
fn placement_facts(p: &crate::settings::Placement) -> Vec<String> {
    let mut facts = Vec::new();
    if let Some(x) = p.executor {
        let mut at: Vec<&str> = Vec::new();
        at.extend(p.partition.as_deref());
        at.extend(p.account.as_deref());
        match at.is_empty() {
            true => facts.push(x.name().to_string()),
            false => facts.push(format!("{} {}", x.name(), at.join("/"))),
        }
    }
    facts.extend(p.cpus.map(|n| format!("cpus {n}")));
    facts.extend(p.memory.map(|b| format!("mem {}", size(b))));
    facts.extend(p.gpus.map(|n| format!("gpus {n}")));
    facts.extend(p.time_ms.map(|t| format!("time {}", human(t))));
    facts
}

/// Bytes as the largest 1024-based unit that divides them (`16GB`, `1536MB`).
fn size(bytes: u64) -> String {
    let units = [(40, "TB"), (30, "GB"), (20, "MB"), (10, "KB")];
    for (shift, unit) in units {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}
