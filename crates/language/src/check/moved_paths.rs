//! The places of a workflow whose relative paths resolve in the workflow
//! file's folder, where they once resolved in the folder `wfc` ran in: what
//! `wfc check` warns of (W0300) when it checks a file from another folder.
//!
//! Precise rather than thorough: a place counts when the file writes a
//! relative path there — a `workdir`, a mount's source, `sqlite:PATH` — or
//! when a step without `workdir` names a relative path in its command
//! (`./build.sh`, `dist/app`). A command such as `cargo test` also depends
//! on its folder, but warning of every step would drown the rest.

use crate::ir::{Expr, ExprKind, FieldValue, InterpPart, StepKind, Workflow};
use crate::span::Span;

/// Every place of `wf` whose meaning depends on the base of relative
/// paths, with what it is (for the message), in source order.
pub fn relative_places(wf: &Workflow) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for step in &wf.steps {
        let field = |name: &str| step.fields.iter().find(|f| f.name == name);
        let local = matches!(
            step.kind,
            StepKind::Shell | StepKind::Python | StepKind::Node
        );
        if local {
            match field("workdir") {
                Some(f) => {
                    if let FieldValue::Expr(e) = &f.value {
                        if starts_relative(e) {
                            out.push((e.span, format!("the workdir of `{}`", step.name)));
                        }
                    }
                }
                None => {
                    let run = field("run").or_else(|| field("file"));
                    if let Some((f, FieldValue::Expr(e))) = run.map(|f| (f, &f.value)) {
                        if step.kind == StepKind::Shell && names_relative_path(e) {
                            let what = format!(
                                "the command of `{}` (run in the workflow's folder)",
                                step.name
                            );
                            out.push((f.span, what));
                        }
                    }
                }
            }
        }
        for f in &step.fields {
            match (&f.name[..], &f.value) {
                ("mount", FieldValue::Mount { source, .. }) if starts_relative(source) => {
                    out.push((source.span, format!("the mount source of `{}`", step.name)));
                }
                ("database", FieldValue::Expr(e)) if relative_sqlite(e) => {
                    out.push((e.span, format!("the SQLite database of `{}`", step.name)));
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|(s, _)| s.start);
    out
}

/// The text an expression starts with, when it starts with text.
fn leading_text(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Str(s) => Some(s),
        ExprKind::Interp(parts) => match parts.first() {
            Some(InterpPart::Text(t)) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// A path written relative (not `/…`, `~…`, nor starting with a value).
fn starts_relative(e: &Expr) -> bool {
    leading_text(e).is_some_and(|t| !t.is_empty() && !t.starts_with(['/', '~']))
}

fn relative_sqlite(e: &Expr) -> bool {
    let Some(rest) = leading_text(e).and_then(|t| t.strip_prefix("sqlite:")) else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with([':', '/', '~'])
}

/// Whether a command's text holds a word that is plainly a relative path:
/// one starting with `./` or `../` (`dist/app` may as well be a git ref
/// or an image name).
fn names_relative_path(e: &Expr) -> bool {
    let texts: Vec<&str> = match &e.kind {
        ExprKind::Str(s) => vec![s],
        ExprKind::Interp(parts) => parts
            .iter()
            .filter_map(|p| match p {
                InterpPart::Text(t) => Some(t.as_str()),
                InterpPart::Expr(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    texts.iter().any(|t| {
        t.split(|c: char| c.is_whitespace() || "\"'`;|&()<>=".contains(c))
            .any(relative_word)
    })
}

fn relative_word(w: &str) -> bool {
    w.starts_with("./") || w.starts_with("../")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(text: &str) -> Vec<String> {
        let file = crate::syntax::parse(text).file.unwrap();
        let wf = crate::check::check(file.first()).ir;
        relative_places(&wf).into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn relative_paths_are_found_and_others_are_not() {
        let found = places(
            r#"workflow w {
  step a: shell { run "cp dist/app /srv && ./build.sh" }
  step b: shell { run "cargo test; git push origin refs/tags/v1 $HOME/z" }
  step b2: shell {
    run "../up.sh"
    workdir "${"/"}abs"
  }
  step c: shell {
    run "make"
    workdir "site"
  }
  step d: shell {
    run "./x"
    workdir "/abs"
  }
  step e: sql {
    database "sqlite:data/app.db"
    query "select 1"
  }
}"#,
        );
        assert_eq!(
            found,
            [
                "the command of `a` (run in the workflow's folder)",
                "the workdir of `c`",
                "the SQLite database of `e`"
            ]
        );
    }
}
