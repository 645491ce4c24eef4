//! The run page's "What changed since the last run": the API's
//! `/runs/{id}/diff` ([`crate::api::incremental::changes`]) as lines the
//! template draws, as `wfc plan --diff` writes them — `+` a step added,
//! `-` one removed, `~` one changed with its fields (a text's line diff as
//! `-`/`+` lines), then the params and the workflow's env. Each line's
//! text is escaped by the template, never marked up here.

use crate::api::incremental::RunChanges;
use serde::Serialize;
use serde_json::Value;
use wfc_store::plan_diff::PlanDelta;

/// One line of the diff: its class (`add`, `del`, `mod`, `ctx`, `head`)
/// and its text, indented.
#[derive(Serialize, Debug, PartialEq)]
pub struct Line {
    pub class: &'static str,
    pub text: String,
}

/// The section as the template shows it.
#[derive(Serialize, Debug)]
pub struct Changes {
    /// The run compared with (`None`: the workflow's first run).
    pub against: Option<String>,
    /// How many steps, params and env keys changed.
    pub count: usize,
    /// In words: `1 step changed, 1 param`.
    pub summary: String,
    pub lines: Vec<Line>,
    /// Lines left out past [`MAX_LINES`].
    pub more: usize,
}

/// The most lines the page shows: a change of a 5,000-step loop's command
/// is 15,000 lines, and the page stays a few hundred KB.
pub const MAX_LINES: usize = 300;

/// `c` as the page shows it.
pub fn view(c: RunChanges) -> Changes {
    let d = &c.changes;
    let count = d.added.len() + d.removed.len() + d.changed.len() + d.params.len() + d.env.len();
    let mut lines = lines(d);
    let more = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);
    Changes {
        against: c.against,
        count,
        summary: summary(d),
        lines,
        more,
    }
}

fn summary(d: &PlanDelta) -> String {
    let part = |n: usize, one: &str, many: &str, what: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}{what}")),
        n => Some(format!("{n} {many}{what}")),
    };
    [
        part(d.added.len(), "step", "steps", " added"),
        part(d.removed.len(), "step", "steps", " removed"),
        part(d.changed.len(), "step", "steps", " changed"),
        part(d.params.len(), "param", "params", ""),
        part(d.env.len(), "env key", "env keys", ""),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

/// A value as `wfc plan --diff` writes it (JSON: a string quoted).
fn shown(v: &Value) -> String {
    v.to_string()
}

fn lines(d: &PlanDelta) -> Vec<Line> {
    let line = |class, text: String| Line { class, text };
    let mut out = Vec::new();
    for (name, kind) in &d.added {
        out.push(line("add", format!("+ step {name} ({kind})  added")));
    }
    for (name, kind) in &d.removed {
        out.push(line("del", format!("- step {name} ({kind})  removed")));
    }
    for s in &d.changed {
        out.push(line("mod", format!("~ step {} ({})", s.step, s.kind)));
        for f in &s.fields {
            if f.lines.is_empty() {
                let (a, b) = (shown(&f.before), shown(&f.after));
                out.push(line("mod", format!("    ~ {}: {a} → {b}", f.path)));
                continue;
            }
            out.push(line("mod", format!("    ~ {}:", f.path)));
            for (mark, text) in &f.lines {
                let class = match mark {
                    '-' => "del",
                    '+' => "add",
                    _ => "ctx",
                };
                out.push(line(class, format!("        {mark} {text}")));
            }
        }
    }
    for (title, entries) in [("Params", &d.params), ("The workflow's env", &d.env)] {
        if entries.is_empty() {
            continue;
        }
        out.push(line("head", title.to_owned()));
        for (k, a, b) in entries {
            out.push(line("mod", format!("~ {k}: {} → {}", shown(a), shown(b))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wfc_store::plan_diff::{FieldDelta, StepDelta};

    #[test]
    fn a_delta_reads_as_plan_diff_writes_it_and_the_page_escapes_it() {
        let d = PlanDelta {
            added: vec![("new".into(), "shell".into())],
            removed: vec![("old".into(), "http".into())],
            changed: vec![StepDelta {
                step: "build".into(),
                kind: "shell".into(),
                fields: vec![
                    FieldDelta {
                        path: "fields.run".into(),
                        before: json!("a\n<b>"),
                        after: json!("a\n<script>x</script>"),
                        lines: vec![
                            (' ', "a".into()),
                            ('-', "<b>".into()),
                            ('+', "<script>x</script>".into()),
                        ],
                    },
                    FieldDelta {
                        path: "timeout".into(),
                        before: json!(1000),
                        after: json!(null),
                        lines: Vec::new(),
                    },
                ],
            }],
            params: vec![("v".into(), json!("1"), json!("2"))],
            env: Vec::new(),
        };
        let c = view(RunChanges {
            against: Some("r0".into()),
            changes: d,
        });
        assert_eq!((c.count, c.more), (4, 0));
        assert_eq!(
            c.summary,
            "1 step added, 1 step removed, 1 step changed, 1 param"
        );
        let text: Vec<String> = c
            .lines
            .iter()
            .map(|l| format!("{} {}", l.class, l.text))
            .collect();
        assert_eq!(
            text,
            [
                "add + step new (shell)  added",
                "del - step old (http)  removed",
                "mod ~ step build (shell)",
                "mod     ~ fields.run:",
                "ctx           a",
                "del         - <b>",
                "add         + <script>x</script>",
                "mod     ~ timeout: 1000 → null",
                "head Params",
                "mod ~ v: \"1\" → \"2\"",
            ]
        );
        let env = super::super::templates();
        let html = env
            .template_from_named_str(
                "diff.html",
                r#"{% for l in c.lines %}<span class="diff-{{ l.class }}">{{ l.text }}</span>{% endfor %}"#,
            )
            .and_then(|t| t.render(minijinja::context! { c }))
            .unwrap();
        assert!(
            html.contains("&lt;script&gt;x&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
    }

    #[test]
    fn a_long_diff_is_cut_and_says_how_much_is_left_out() {
        let added = (0..1000)
            .map(|i| (format!("s{i}"), "shell".into()))
            .collect();
        let c = view(RunChanges {
            against: Some("r0".into()),
            changes: PlanDelta {
                added,
                ..PlanDelta::default()
            },
        });
        assert_eq!((c.lines.len(), c.more, c.count), (MAX_LINES, 700, 1000));
    }
}
