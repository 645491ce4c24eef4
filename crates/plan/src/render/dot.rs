//! The main graph as Graphviz DOT: edges point from a step to the steps that
//! wait for it; `parallel` blocks and `for each` loops are clusters; the
//! critical path is red and bold; edges into or out of a step with a run-time
//! condition are dashed (the step may be skipped).

use super::{human, summary};
use crate::Plan;
use std::fmt::Write;
use wfc_language::ir::Workflow;

pub fn render(plan: &Plan, wf: &Workflow) -> String {
    let g = &plan.main;
    let sch = &plan.schedule;
    let mut hot = vec![false; g.len()];
    for &i in &sch.critical_path {
        hot[i] = true;
    }
    let mut o = String::new();
    let _ = writeln!(o, "digraph {} {{", quote(&plan.workflow));
    for line in super::triggers::comment_lines(plan, wf) {
        let _ = writeln!(o, "  // {line}");
    }
    let _ = writeln!(o, "  rankdir=LR;");
    let _ = writeln!(
        o,
        "  label={}; labelloc=t; fontname=\"Helvetica\";",
        quote(&format!(
            "{}: {} with {} (critical path {})",
            plan.workflow,
            human(sch.total_ms),
            wfc_language::words::count(sch.jobs as u64, "job"),
            human(sch.critical_ms)
        ))
    );
    let _ = writeln!(
        o,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(o, "  edge [fontname=\"Helvetica\", fontsize=9];");
    // Nodes, nested in their clusters.
    let mut placed = vec![false; g.len()];
    for (gi, grp) in g.groups.iter().enumerate() {
        if grp.parent.is_none() {
            cluster(&mut o, plan, wf, gi, &hot, &mut placed, 1);
        }
    }
    for (i, _) in placed.iter().enumerate().filter(|(_, p)| !**p) {
        node(&mut o, plan, wf, i, &hot, 1);
    }
    for (i, s) in g.steps.iter().enumerate() {
        for d in &s.deps {
            let mut attrs = Vec::new();
            if hot[i] && hot[d.on()] && adjacent(&sch.critical_path, d.on(), i) {
                attrs.push("color=red, penwidth=2".to_string());
            }
            if s.condition.is_some()
                || g.steps[d.on()].condition.is_some()
                || d.why == crate::EdgeKind::Any
            {
                attrs.push("style=dashed".to_string());
            }
            if let Some(label) = super::edge_label(s, d) {
                attrs.push(format!("label={}", quote(label)));
            }
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            };
            let _ = writeln!(o, "  n{} -> n{i}{attrs};", d.on());
        }
    }
    // The workflow's outputs: a note fed by the steps they read.
    if !plan.outputs.is_empty() {
        let mut lines = vec!["outputs".to_string()];
        lines.extend(super::output_lines(plan, wf));
        let _ = writeln!(
            o,
            "  outputs [shape=note, label={}];",
            quote(&lines.join("\n"))
        );
        for i in super::output_sources(plan) {
            let _ = writeln!(o, "  n{i} -> outputs [style=dotted];");
        }
    }
    o.push_str("}\n");
    o
}

fn adjacent(path: &[usize], a: usize, b: usize) -> bool {
    path.windows(2).any(|w| w[0] == a && w[1] == b)
}

fn cluster(
    o: &mut String,
    plan: &Plan,
    wf: &Workflow,
    gi: usize,
    hot: &[bool],
    placed: &mut [bool],
    depth: usize,
) {
    let g = &plan.main;
    let grp = &g.groups[gi];
    let pad = "  ".repeat(depth);
    let label = super::group_label(plan, gi);
    let _ = writeln!(o, "{pad}subgraph cluster_{gi} {{");
    let _ = writeln!(
        o,
        "{pad}  label={}; style=\"rounded,dashed\"; color=gray50;",
        quote(&label)
    );
    for (ci, child) in g.groups.iter().enumerate() {
        if child.parent == Some(gi) {
            cluster(o, plan, wf, ci, hot, placed, depth + 1);
        }
    }
    for &m in &grp.members {
        if !placed[m] && g.steps[m].group == Some(gi) {
            node(o, plan, wf, m, hot, depth + 1);
            placed[m] = true;
        }
    }
    let _ = writeln!(o, "{pad}}}");
}

fn node(o: &mut String, plan: &Plan, wf: &Workflow, i: usize, hot: &[bool], depth: usize) {
    let s = &plan.main.steps[i];
    let pad = "  ".repeat(depth);
    let mut label = format!("{}\n{} · {}", s.name, s.kind.name(), human(s.estimate.ms));
    let sum = super::one_line(&summary(wf, s), 40);
    if !sum.is_empty() {
        label.push('\n');
        label.push_str(&sum);
    }
    if let Some(until) = super::until_text(wf, s) {
        label.push('\n');
        label.push_str(&super::one_line(&until, 40));
    }
    for line in super::gate_lines(wf, s) {
        label.push('\n');
        label.push_str(&super::one_line(&line, 40));
    }
    let mut attrs = vec![format!("label={}", quote(&label))];
    if hot[i] {
        attrs.push("color=red, penwidth=2".into());
    }
    if s.condition.is_some() {
        attrs.push("style=\"rounded,dashed\"".into());
    }
    let _ = writeln!(o, "{pad}n{i} [{}];", attrs.join(", "));
}

/// A DOT string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
