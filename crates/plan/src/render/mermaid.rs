//! The main graph as a Mermaid flowchart: the same picture as [`super::dot`]
//! — clusters as subgraphs, the critical path highlighted, edges touching a
//! run-time-conditional step dashed (`-.->`).

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
    let mut o = String::from("flowchart LR\n");
    for line in super::triggers::comment_lines(plan, wf) {
        let _ = writeln!(o, "  %% {line}");
    }
    let mut placed = vec![false; g.len()];
    for (gi, grp) in g.groups.iter().enumerate() {
        if grp.parent.is_none() {
            subgraph(&mut o, plan, wf, gi, &mut placed, 1);
        }
    }
    for (i, _) in placed.iter().enumerate().filter(|(_, p)| !**p) {
        node(&mut o, plan, wf, i, 1);
    }
    let mut edge = 0;
    let mut hot_edges = Vec::new();
    for (i, s) in g.steps.iter().enumerate() {
        for d in &s.deps {
            let dashed = s.condition.is_some()
                || g.steps[d.on()].condition.is_some()
                || d.why == crate::EdgeKind::Any;
            let arrow = if dashed { "-.->" } else { "-->" };
            let label = super::edge_label(s, d).map_or(String::new(), |l| format!("|{l}|"));
            let _ = writeln!(o, "  n{} {arrow}{label} n{i}", d.on());
            if sch
                .critical_path
                .windows(2)
                .any(|w| w[0] == d.on() && w[1] == i)
            {
                hot_edges.push(edge.to_string());
            }
            edge += 1;
        }
    }
    // The workflow's outputs: a note fed by the steps they read.
    if !plan.outputs.is_empty() {
        let mut lines = vec!["outputs".to_string()];
        lines.extend(super::output_lines(plan, wf).iter().map(|l| esc(l)));
        let _ = writeln!(o, "  outputs[/\"{}\"/]", lines.join("<br/>"));
        for i in super::output_sources(plan) {
            let _ = writeln!(o, "  n{i} -.-> outputs");
        }
    }
    let critical: Vec<String> = (0..g.len())
        .filter(|&i| hot[i])
        .map(|i| format!("n{i}"))
        .collect();
    if !critical.is_empty() {
        o.push_str("  classDef critical stroke:#d33,stroke-width:3px\n");
        let _ = writeln!(o, "  class {} critical", critical.join(","));
    }
    if !hot_edges.is_empty() {
        let _ = writeln!(
            o,
            "  linkStyle {} stroke:#d33,stroke-width:3px",
            hot_edges.join(",")
        );
    }
    o
}

fn subgraph(
    o: &mut String,
    plan: &Plan,
    wf: &Workflow,
    gi: usize,
    placed: &mut [bool],
    depth: usize,
) {
    let g = &plan.main;
    let grp = &g.groups[gi];
    let pad = "  ".repeat(depth);
    let label = super::group_label(plan, gi);
    let _ = writeln!(o, "{pad}subgraph g{gi}[\"{}\"]", esc(&label));
    for (ci, child) in g.groups.iter().enumerate() {
        if child.parent == Some(gi) {
            subgraph(o, plan, wf, ci, placed, depth + 1);
        }
    }
    for &m in &grp.members {
        if !placed[m] && g.steps[m].group == Some(gi) {
            node(o, plan, wf, m, depth + 1);
            placed[m] = true;
        }
    }
    let _ = writeln!(o, "{pad}end");
}

fn node(o: &mut String, plan: &Plan, wf: &Workflow, i: usize, depth: usize) {
    let s = &plan.main.steps[i];
    let pad = "  ".repeat(depth);
    let mut parts = vec![
        esc(&s.name),
        esc(&format!("{} · {}", s.kind.name(), human(s.estimate.ms))),
    ];
    let sum = super::one_line(&summary(wf, s), 40);
    if !sum.is_empty() {
        parts.push(esc(&sum));
    }
    if let Some(until) = super::until_text(wf, s) {
        parts.push(esc(&super::one_line(&until, 40)));
    }
    for line in super::gate_lines(wf, s) {
        parts.push(esc(&super::one_line(&line, 40)));
    }
    let _ = writeln!(o, "{pad}n{i}[\"{}\"]", parts.join("<br/>"));
}

/// Label text with quotes and markup characters as Mermaid entities.
fn esc(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            c => out.push(c),
        }
    }
    out
}
