//! The run graph as an inline `<svg>`, with its legend: the fragment that
//! `GET /runs/{id}/graph` answers.
//!
//! Nodes are `<g class="node" data-step=NAME data-status=STATUS>` (a
//! collapsed fan-out `<g class="node group" data-group=BASE
//! data-members=N data-going=JSON>` with a `<tspan data-count=STATUS>` per
//! status, `data-going` naming the instances running or waiting): the
//! run page's script updates those attributes from the run's events, and
//! the CSS colours by them. Text is escaped here, as the templates do.
//! Every node is the same size and plain (no filters), so a chain of 5,000
//! steps stays a few hundred bytes a step.

use super::layout::Layout;
use super::view::{Shown, View};
use std::fmt::Write;
use wfc_store::run_graph::RunGraph;

const W: usize = 176;
const H: usize = 44;
const GAP_X: usize = 56;
const GAP_Y: usize = 14;
const PAD: usize = 8;
/// Characters of a label; the full name is in the node's `<title>`.
const LABEL: usize = 22;

/// The mark of a critical-path node, so the path is not told by colour only.
const CRITICAL_MARK: &str = "★";
/// A symbol per counted status, in a collapsed group's count line.
const SYMBOLS: [(&str, &str); 5] = [
    ("succeeded", "✓"),
    ("failed", "✗"),
    ("running", "▶"),
    ("waiting", "‖"),
    ("pending", "○"),
];

/// Text as markup-free SVG/HTML text or attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `name` cut to [`LABEL`] characters.
fn label(name: &str) -> String {
    if name.chars().count() <= LABEL {
        esc(name)
    } else {
        let cut: String = name.chars().take(LABEL - 1).collect();
        esc(&format!("{cut}…"))
    }
}

/// `1.5s`, `4m 05s` for an estimate in ms.
fn estimate(ms: Option<u64>) -> String {
    match ms {
        None => "no estimate".to_owned(),
        Some(ms) if ms < 60_000 => format!("estimate {}s", ms as f64 / 1000.0),
        Some(ms) => format!("estimate {}m {:02}s", ms / 60_000, ms / 1000 % 60),
    }
}

/// Top-left corner of node `v`: its layer left to right, its row centred.
fn corner(l: &Layout, v: usize) -> (usize, usize) {
    let col = l.columns[l.layer[v]].len();
    let offset = (l.rows - col) * (H + GAP_Y) / 2;
    (
        PAD + l.layer[v] * (W + GAP_X),
        PAD + offset + l.row[v] * (H + GAP_Y),
    )
}

fn critical(g: &RunGraph, node: &Shown) -> bool {
    match node {
        Shown::Step { node, .. } => g.nodes[*node].critical,
        Shown::Group { critical, .. } => *critical,
    }
}

/// The fragment: the legend, the `<svg>` in a scrolling box, the handlers.
pub fn render(run_id: &str, g: &RunGraph, v: &View, l: &Layout, took: Option<f64>) -> String {
    let mut out = String::with_capacity(256 + v.nodes.len() * 240 + v.edges.len() * 64);
    legend(g, took, &mut out);
    let width = 2 * PAD + l.layers * (W + GAP_X) - GAP_X.min(l.layers * (W + GAP_X));
    let height = 2 * PAD + l.rows * (H + GAP_Y);
    let steps = g.nodes.len();
    let _ = write!(
        out,
        "<div class=\"dag-scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dag\" \
         role=\"img\" aria-labelledby=\"dag-title\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><title id=\"dag-title\">Steps of run {}: {steps} \
         step{}, {} drawn</title><defs><marker id=\"dag-arrow\" viewBox=\"0 0 8 8\" refX=\"8\" \
         refY=\"4\" markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0L8,4L0,8z\"/>\
         </marker></defs><g class=\"edges\">",
        esc(run_id),
        if steps == 1 { "" } else { "s" },
        v.nodes.len(),
    );
    for &(a, b) in &v.edges {
        let (ax, ay) = corner(l, a);
        let (bx, by) = corner(l, b);
        let (x1, y1, x2, y2) = (ax + W, ay + H / 2, bx, by + H / 2);
        let class = if critical(g, &v.nodes[a]) && critical(g, &v.nodes[b]) {
            "edge critical"
        } else {
            "edge"
        };
        if y1 == y2 && x2 > x1 {
            let _ = write!(out, "<path class=\"{class}\" d=\"M{x1},{y1}H{x2}\"/>");
        } else {
            let mid = (x1 + x2) / 2;
            let _ = write!(
                out,
                "<path class=\"{class}\" d=\"M{x1},{y1}C{mid},{y1} {mid},{y2} {x2},{y2}\"/>"
            );
        }
    }
    out.push_str("</g><g class=\"nodes\">");
    for (i, node) in v.nodes.iter().enumerate() {
        let (x, y) = corner(l, i);
        node_svg(g, node, x, y, &mut out);
    }
    out.push_str("</g></svg></div>");
    handlers(g, &mut out);
    out
}

fn node_svg(g: &RunGraph, node: &Shown, x: usize, y: usize, out: &mut String) {
    let crit = critical(g, node);
    let (class, mark, on_path) = if crit {
        (
            " critical",
            format!("{CRITICAL_MARK} "),
            ", on the critical path",
        )
    } else {
        ("", String::new(), "")
    };
    match node {
        Shown::Step { node, status } => {
            let n = &g.nodes[*node];
            let rollback = if n.rollback.is_empty() {
                String::new()
            } else {
                format!("; rollback: {}", n.rollback.join(", "))
            };
            let _ = write!(
                out,
                "<g class=\"node{class}\" data-step=\"{name}\" data-status=\"{status}\" \
                 tabindex=\"0\" transform=\"translate({x},{y})\"><title>{name} ({kind}), \
                 {status}, {est}{on_path}{rollback}</title><rect width=\"{W}\" height=\"{H}\" \
                 rx=\"6\"/><text x=\"10\" y=\"27\">{mark}{label}</text></g>",
                name = esc(&n.name),
                status = esc(status),
                kind = esc(&n.kind),
                est = estimate(n.estimate_ms),
                rollback = esc(&rollback),
                label = label(&n.name),
            );
        }
        Shown::Group {
            base,
            title,
            members,
            counts,
            going,
            status,
            ..
        } => {
            let going: serde_json::Map<String, serde_json::Value> = (going.iter())
                .map(|(s, ms)| {
                    let names = ms.iter().map(|&m| g.nodes[m].name.clone().into());
                    (s.clone(), serde_json::Value::Array(names.collect()))
                })
                .collect();
            let of = title
                .as_deref()
                .map(|t| format!(" of {t}"))
                .unwrap_or_default();
            let summary: Vec<String> = (counts.iter()).map(|(s, n)| format!("{n} {s}")).collect();
            let _ = write!(
                out,
                "<g class=\"node group{class}\" data-group=\"{b}\" data-members=\"{m}\" \
                 data-going=\"{going}\" data-status=\"{status}\" tabindex=\"0\" transform=\"translate({x},{y})\">\
                 <title>{b}: {m} instances{of}{on_path}; {summary}</title><rect width=\"{W}\" \
                 height=\"{H}\" rx=\"6\"/><text x=\"10\" y=\"18\">{mark}{label} ×{m}</text>\
                 <text class=\"counts\" x=\"10\" y=\"36\">",
                b = esc(base),
                m = members.len(),
                of = esc(&of),
                summary = esc(&summary.join(", ")),
                going = esc(&serde_json::Value::Object(going).to_string()),
                label = label(base),
            );
            for (s, n) in counts {
                let symbol = SYMBOLS
                    .iter()
                    .find(|(k, _)| k == s)
                    .map_or("·", |(_, sym)| sym);
                let _ = write!(out, "{symbol}<tspan data-count=\"{}\">{n}</tspan> ", esc(s));
            }
            out.push_str("</text></g>");
        }
    }
}

/// What the colours and marks mean; the critical path's estimate while the
/// run goes (labelled so), what the run took once it ended (`took`).
fn legend(g: &RunGraph, took: Option<f64>, out: &mut String) {
    out.push_str("<ul class=\"dag-legend\" aria-label=\"Legend\">");
    for (status, symbol) in SYMBOLS {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" data-status=\"{status}\"></span>{symbol} {status}</li>"
        );
    }
    out.push_str(
        "<li><span class=\"swatch\" data-status=\"skipped\"></span>skipped, cancelled</li>",
    );
    match (g.critical_ms, took) {
        (Some(_), Some(s)) => {
            let _ = write!(
                out,
                "<li><span class=\"swatch critical\"></span>{CRITICAL_MARK} critical path \
                 (the run took {})</li>",
                super::super::runs::duration(s)
            );
        }
        (Some(ms), None) => {
            let _ = write!(
                out,
                "<li><span class=\"swatch critical\"></span>{CRITICAL_MARK} critical path \
                 ({})</li>",
                estimate(Some(ms))
            );
        }
        (None, _) => out.push_str(
            "<li>No estimates or critical path: this run was recorded before its graph was</li>",
        ),
    }
    out.push_str("</ul>");
}

/// The handlers' steps, under the graph.
fn handlers(g: &RunGraph, out: &mut String) {
    if g.handlers.is_empty() {
        return;
    }
    out.push_str("<ul class=\"dag-handlers\">");
    for (kind, steps) in &g.handlers {
        let _ = write!(
            out,
            "<li><code>{}</code>: {}</li>",
            esc(&kind.replace('_', " ")),
            esc(&steps.join(", "))
        );
    }
    out.push_str("</ul>");
}
