//! Hover on the words the other hovers leave: keywords (`let`,
//! `sequence`, `after`, `every`, `outputs`, `on failure`, …), the run
//! context (`run`, `failed` and `failed.step`/`failed.error`), and import
//! lines (`import`, the path, `as`, the module name), which show the
//! module: its file and its workflows.
//!
//! Asked last ([`super::Doc::hover`]): a name, a field or a call answers
//! first. Works from the tolerant lexer, so it keeps answering while the
//! text does not parse (the import's module needs the last analysis).

use super::lexer::Tok;
use super::{Doc, Hover};
use std::fmt::Write;

/// What a keyword introduces: its syntax and a line of doc.
const KEYWORDS: &[(&str, &str, &str)] = &[
    ("workflow", "workflow NAME { … }", "A workflow: settings, params, lets, steps and handlers. `wfc run FILE NAME` runs it."),
    ("param", "param NAME: TYPE [= DEFAULT]", "A value given at run time (`--param NAME=VALUE`); without a default it is required."),
    ("secret", "secret NAME: TYPE [= DEFAULT]", "A param whose value is masked as `***` everywhere wfc writes."),
    ("time", "time", "An instant, to the millisecond: `run.started`, `now()`, `parse_time(\"2026-05-01T09:30:00Z\")`. `${t}` writes RFC 3339 in UTC; `t + 1h`, `t2 - t1` (a duration), `<`; `format_time(t, \"%Y-%m-%d\", \"Europe/Berlin\")`."),
    ("let", "let NAME = EXPR", "A named value: computed at plan time when it can be, else at run time once the steps it reads have ended."),
    ("step", "step NAME: KIND { … }", "A unit of work; its kind says what it does (`shell`, `http`, `call`, …)."),
    ("sequence", "sequence [NAME] { … }", "Runs its members one after another, in the order written; a failure stops the rest."),
    ("batch", "for each VAR in LIST batch N { … }", "Runs the iterations `N` at a time, in batches: a batch starts once the whole batch before it has ended (Ansible's `serial`)."),
    ("failures", "for each VAR in LIST … max failures N|P% { … }", "Lets up to `N` failed iterations (or `P`% of them, rounded down) pass: each is recorded as an optional failure and the loop goes on; the one past the bound fails the run (Ansible's `max_fail_percentage`)."),
    ("parallel", "parallel [NAME] [wait all|any] { … }", "Runs its members concurrently; succeeds when all (or the first, with `wait any`) succeed."),
    ("after", "after a, b", "Starts once these have ended, however they ended (succeeded, failed, skipped): an order, not a dependency."),
    ("depends", "depends on a, b", "Starts only after these have succeeded."),
    ("until", "until COND every D within D", "Re-runs the step after it succeeded until `COND` (over its own outputs) holds."),
    ("every", "until COND every D within D", "How long to wait between two runs of a polling step."),
    ("within", "within D", "The deadline: a polling step (`until`) or a retry gives up once it has passed."),
    ("when", "retry N … when COND", "Retries a failed attempt only while `COND` holds, over the attempt's `exit_code`, `status_code` or `error`; else the step fails at once."),
    ("is", "retry N … when error is CLASS", "Whether the failed attempt's error is of this class: `timeout` (cut by the step's `timeout`), `exit_code`, `signal`, `http_status`, `connection` (no answer) or `other`."),
    ("outputs", "outputs { NAME: TYPE = EXPR }", "Values the workflow (or a step) gives back: a workflow's are evaluated when its steps have succeeded; `wfc run` prints them."),
    ("import", "import \"PATH\" [as NAME]", "Makes another file's workflows callable as `NAME.WORKFLOW` (`call NAME` runs its first). `std/…` is wfc's library."),
    ("as", "import \"PATH\" as NAME", "The name the imported module is called by (else the file's stem)."),
    ("call", "step NAME: call [MODULE.]WORKFLOW { PARAM EXPR … }", "Runs another workflow as one step of this one, its steps inlined and named `NAME.STEP`."),
    ("finally", "finally { … }", "Steps that run once the main graph has ended, however it ended."),
    ("fail", "fail \"MESSAGE\"", "Stops the run as failed, with this message."),
    ("for", "for each VAR in LIST { … }", "Runs its members once per element of the list."),
    ("if", "if COND { … } else { … }", "Runs one branch: the first whose condition holds."),
    ("else", "else { … }", "The branch taken when no condition before it holds."),
    ("defaults", "defaults { FIELD VALUE … }", "Fields every step of the workflow (or block) gets unless it sets its own."),
];

/// `failed.FIELD`: the step that failed and its error.
const FAILED_FIELDS: &[(&str, &str)] = &[
    ("step", "The name of the step that failed, as `wfc logs` names it (`ship[eu-west]`, `ship.build` for a call's step)."),
    ("error", "Its error: the exit status and the tail of its output, or what went wrong."),
];

pub fn hover(doc: &Doc, offset: usize) -> Option<Hover> {
    let lexed = doc.lexed();
    let text = doc.text();
    let i = lexed.tokens.partition_point(|t| t.span.end < offset);
    let t = lexed.tokens.get(i).filter(|t| t.span.start <= offset)?;
    let word = &text[t.span.clone()];
    let at = |k: isize| {
        let j = i.checked_add_signed(k)?;
        lexed.tokens.get(j).map(|t| &text[t.span.clone()])
    };
    let span = t.span.clone();
    let line_start = text[..t.span.start].rfind('\n').map_or(0, |n| n + 1);
    let on_import_line = text[line_start..].trim_start().starts_with("import ");
    if on_import_line && matches!(t.kind, Tok::Str | Tok::Ident) && word != "import" && word != "as"
    {
        return import_hover(doc, offset, span);
    }
    if t.kind != Tok::Ident {
        return None;
    }
    let markdown = match (at(-2), at(-1), word, at(1)) {
        (Some("failed"), Some("."), field, _) => {
            let (_, d) = FAILED_FIELDS.iter().find(|(f, _)| *f == field)?;
            format!("```wf\nfailed.{field}: string\n```\n\n{d}")
        }
        (_, prev, "failed", Some(".")) if prev != Some(".") => {
            let mut md = "```wf\nfailed\n```\n\nIn the workflow's `on failure { }`: the first step that failed.\n".to_string();
            for (f, d) in FAILED_FIELDS {
                let _ = write!(md, "\n- `failed.{f}: string` — {d}");
            }
            md
        }
        (_, prev, "run", Some(".")) if prev != Some(".") => {
            let mut md = "```wf\nrun\n```\n\nThe run itself.\n".to_string();
            for f in crate::ir::RunField::ALL {
                let ty = crate::check::run_field_type(f);
                let _ = write!(md, "\n- `run.{}: {ty}` — {}", f.name(), f.doc());
            }
            md
        }
        (_, prev, "on", Some(next @ ("failure" | "success"))) if prev != Some(".") => {
            on_markdown(next, at(2))
        }
        (_, Some("on"), w @ ("failure" | "success"), next) => on_markdown(w, next),
        (_, prev, w, _) if prev != Some(".") => {
            let (_, syntax, d) = KEYWORDS.iter().find(|(k, _, _)| *k == w)?;
            format!("```wf\n{syntax}\n```\n\n{d}")
        }
        _ => return None,
    };
    Some(Hover { markdown, span })
}

/// `on failure { }`, `on failure rollback { }`, `on success { }`.
fn on_markdown(which: &str, next: Option<&str>) -> String {
    match (which, next) {
        ("failure", Some("rollback")) => "```wf\non failure rollback { … }\n```\n\nA step's compensation: runs if the workflow fails after this step ran, in reverse order of the steps.".into(),
        ("failure", _) => "```wf\non failure { … }\n```\n\nSteps that run when the main graph failed; `failed.step` and `failed.error` say what failed.".into(),
        _ => "```wf\non success { … }\n```\n\nSteps that run when the main graph succeeded.".into(),
    }
}

/// An import line: the module it binds, its file and its workflows.
fn import_hover(doc: &Doc, offset: usize, span: super::ByteRange) -> Option<Hover> {
    let file = doc.ast()?;
    let (index, im) = file
        .imports
        .iter()
        .enumerate()
        .find(|(_, im)| (im.span.start as usize..=im.span.end as usize).contains(&offset))?;
    let name = im.module_name()?;
    let mut md = format!("```wf\nimport \"{}\"", im.path.as_deref().unwrap_or("…"));
    if im.alias.is_some() {
        let _ = write!(md, " as {name}");
    }
    md.push_str("\n```\n\n");
    let Some(unit) = doc.import_target(index) else {
        let _ = write!(md, "Module `{name}`: not loaded (see its diagnostic).");
        return Some(Hover { markdown: md, span });
    };
    let _ = write!(md, "Module `{name}`, from `{}`.", unit.key.display());
    let workflows = unit.analysis.module.iter().flat_map(|m| &m.workflows);
    for (k, w) in workflows.enumerate() {
        let target = if k == 0 {
            format!("`call {name}` or `call {name}.{}`", w.ir.name)
        } else {
            format!("`call {name}.{}`", w.ir.name)
        };
        let _ = write!(md, "\n- {target}");
        if let Some(d) = &w.ir.description {
            let _ = write!(md, " — {d}");
        }
    }
    Some(Hover { markdown: md, span })
}
