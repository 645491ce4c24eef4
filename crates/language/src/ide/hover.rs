//! Hover: what the name, kind, field or function under the cursor is.
//!
//! Params show their declaration and `##` doc; steps their kind, a one-line
//! summary, estimate, dependencies and outputs; kinds, fields and outputs
//! the documentation from the kind table (the language reference's source);
//! functions their signature.

use super::lexer::{FrameKind, Lexed, Tok};
use super::navigation::symbol_at;
use super::{span, Doc, Hover};
use crate::check::functions::function;
use crate::check::kinds::{self, FieldInfo, KindInfo, COMMON_FIELDS, KINDS};
use crate::ir::{BlockKind, DepTarget, Symbol, Wait, Workflow};
use std::fmt::Write;

pub fn hover(doc: &Doc, offset: usize) -> Option<Hover> {
    if let Some(w) = doc.ir_at(offset) {
        if let Some((sym, at)) = symbol_at(w, offset) {
            let markdown = symbol_markdown(doc, w, &sym)?;
            return Some(Hover { markdown, span: at });
        }
        if let Some(h) = workflow_hover(w, offset) {
            return Some(h);
        }
        if let Some(a) = w.depends_any.iter().find(|a| a.span.contains(offset)) {
            return Some(Hover {
                markdown: format!(
                    "```wf
{}
```

{}",
                    a.label,
                    super::completion::ANY_DOC
                ),
                span: span(a.span),
            });
        }
        if let Some(h) = super::triggers::hover(w, offset, chrono::Utc::now()) {
            return Some(h);
        }
        if let Some(h) = super::alerts::hover(w, offset) {
            return Some(h);
        }
        if let Some(s) = w.steps.iter().find(|s| s.kind_span.contains(offset)) {
            let k = kinds::kind_info(s.kind)?;
            return Some(Hover {
                markdown: kind_markdown(k),
                span: span(s.kind_span),
            });
        }
    }
    lexical(doc, offset)
}

/// The workflow's name (its description and docs) or one of its own outputs.
fn workflow_hover(w: &Workflow, offset: usize) -> Option<Hover> {
    if w.name_span.contains(offset) {
        let mut md = format!("```wf\nworkflow {}\n```", w.name);
        for text in w.description.iter().chain(&w.doc) {
            let _ = write!(md, "\n\n{text}");
        }
        let _ = write!(md, "\n\n`wfc run FILE {}` runs it.", w.name);
        return Some(Hover {
            markdown: md,
            span: span(w.name_span),
        });
    }
    let o = w.outputs.iter().find(|o| o.name_span.contains(offset))?;
    Some(Hover {
        markdown: format!(
            "```wf\n{}: {}\n```\n\nAn output of workflow `{}`: evaluated when its steps have succeeded; `wfc run` prints it, the report and `wfc status` keep it.",
            o.name, o.ty, w.name
        ),
        span: span(o.name_span),
    })
}

/// Fields, kinds and functions, found from the tokens (works on broken text).
fn lexical(doc: &Doc, offset: usize) -> Option<Hover> {
    let lexed = doc.lexed();
    let text = doc.text();
    let i = lexed.tokens.partition_point(|t| t.span.end < offset);
    let t = lexed
        .tokens
        .get(i)
        .filter(|t| t.span.start <= offset && t.kind == Tok::Ident)?;
    let word = &text[t.span.clone()];
    let next = lexed
        .tokens
        .get(i + 1)
        .map_or("", |n| &text[n.span.clone()]);
    let prev = |k: usize| {
        i.checked_sub(k)
            .map_or("", |j| &text[lexed.tokens[j].span.clone()])
    };
    if next == "(" {
        let f = function(word)?;
        return Some(Hover {
            markdown: format!("```wf\n{}\n```\n\n{}", f.signature, f.doc),
            span: t.span.clone(),
        });
    }
    if prev(1) == "." && prev(2) == "run" {
        let f = crate::ir::RunField::named(word)?;
        let ty = crate::check::run_field_type(f);
        return Some(Hover {
            markdown: format!("```wf\nrun.{}: {ty}\n```\n\n{}", f.name(), f.doc()),
            span: t.span.clone(),
        });
    }
    if prev(1) == "busy" && prev(2) == "on" {
        let b = crate::ir::LockBusy::named(word)?;
        return Some(Hover {
            markdown: format!(
                "```wf\nlock KEY {{ on busy {} }}\n```\n\n{}",
                b.name(),
                b.doc()
            ),
            span: t.span.clone(),
        });
    }
    if prev(1) == ":" && prev(3) == "step" {
        let k = KINDS.iter().find(|k| k.name == word)?;
        return Some(Hover {
            markdown: kind_markdown(k),
            span: t.span.clone(),
        });
    }
    let (name, field_start) = match (word, next, t.starts_statement) {
        _ if up_to_date_phrase(lexed, text, i).is_some() => {
            (up_to_date_phrase(lexed, text, i)?, true)
        }
        ("depends", _, true) => ("depends on", true),
        ("on", "fail", true) => ("on fail", true),
        ("on", "failure", true) => ("on failure rollback", true),
        (w, _, s) => (w, s),
    };
    if !field_start {
        return None;
    }
    let (info, owner): (&FieldInfo, String) = match &lexed.frames[t.frame].kind {
        FrameKind::Step { kind, .. } => match KINDS.iter().find(|k| k.name == kind) {
            Some(k) => (k.field(name)?, format!("`{}` field", k.name)),
            None => (
                COMMON_FIELDS.iter().find(|f| f.name == name)?,
                "step field".into(),
            ),
        },
        FrameKind::Defaults => (
            COMMON_FIELDS
                .iter()
                .find(|f| f.name == name && kinds::DEFAULTS_FIELDS.contains(&f.name))?,
            "default for every step".into(),
        ),
        FrameKind::Workflow => (
            kinds::SETTINGS.iter().find(|f| f.name == name)?,
            "workflow setting".into(),
        ),
        _ => return None,
    };
    Some(Hover {
        markdown: field_markdown(info, &owner),
        span: t.span.clone(),
    })
}

/// The field `up to date when shell|sql` when token `i` is one of its words.
pub(super) fn up_to_date_phrase(lexed: &Lexed, text: &str, i: usize) -> Option<&'static str> {
    (0..=4).find_map(|k| {
        let s = i.checked_sub(k)?;
        let w = |j: usize| {
            lexed
                .tokens
                .get(s + j)
                .map_or("", |t| &text[t.span.clone()])
        };
        let head = lexed.tokens[s].starts_statement
            && [w(0), w(1), w(2), w(3)] == ["up", "to", "date", "when"];
        match (head, w(4)) {
            (false, _) => None,
            (true, "sql") => Some(kinds::UP_TO_DATE_SQL),
            (true, _) if k < 4 || w(4) == "shell" => Some(kinds::UP_TO_DATE_SHELL),
            _ => None,
        }
    })
}

fn field_markdown(f: &FieldInfo, owner: &str) -> String {
    let req = if f.required { ", required" } else { "" };
    let rep = if f.repeatable { ", repeatable" } else { "" };
    format!(
        "```wf\n{} {}\n```\n\n{owner}: {}{req}{rep}\n\n{}",
        f.name,
        f.ty.example(),
        f.ty.describe(),
        f.doc
    )
}

/// A step kind's documentation: what it does, its fields and outputs.
pub fn kind_markdown(k: &KindInfo) -> String {
    let mut s = format!(
        "```wf\nstep NAME: {}\n```\n\n{}\n\n**Fields**\n",
        k.name, k.doc
    );
    for f in k.fields {
        let req = if f.required { " (required)" } else { "" };
        let _ = writeln!(s, "- `{}`: {}{req} — {}", f.name, f.ty.describe(), f.doc);
    }
    if !k.one_of.is_empty() {
        let _ = writeln!(s, "\nExactly one of {} is required.", quoted(k.one_of));
    }
    s.push_str("\n**Outputs**\n");
    for o in k.outputs {
        let _ = writeln!(s, "- `{}`: {} — {}", o.name, o.ty.ty(), o.doc);
    }
    if k.declares_outputs {
        s.push_str("- `outputs.NAME`: declared with `outputs { NAME: TYPE }`\n");
    }
    s.trim_end().to_string()
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `90000` → `1m30s`.
pub fn duration(ms: u64) -> String {
    crate::syntax::duration::format(ms)
}

fn symbol_markdown(doc: &Doc, w: &Workflow, sym: &Symbol) -> Option<String> {
    Some(match sym {
        Symbol::Param(p) => {
            let p = w.params.get(*p)?;
            let mut s = format!("```wf\n{}\n```", doc.slice(p.span));
            if let Some(d) = &p.doc {
                let _ = write!(s, "\n\n{d}");
            }
            if p.default.is_none() {
                s.push_str("\n\nRequired: give it with `--param ");
                let _ = write!(s, "{}=…`.", p.name);
            }
            if p.secret {
                s.push_str("\n\nSecret: its value is masked as `***` everywhere.");
            }
            s
        }
        Symbol::Let(l) => {
            let l = w.lets.get(*l)?;
            let mut s = format!("```wf\nlet {}: {}\n```", l.name, l.value.ty);
            if let Some(d) = &l.doc {
                let _ = write!(s, "\n\n{d}");
            }
            let mut runtime = false;
            l.value.walk(&mut |x| {
                runtime |= matches!(
                    x.kind,
                    crate::ir::ExprKind::StepOutput { .. }
                        | crate::ir::ExprKind::Failed(_)
                        | crate::ir::ExprKind::Run(_)
                )
            });
            s.push_str(if runtime {
                "\n\nComputed at run time, when the steps it reads have ended: whoever uses it waits for them."
            } else {
                "\n\nComputed at plan time (`wfc plan` shows its value)."
            });
            if l.value.tainted {
                s.push_str("\n\nSecret: derived from a secret, masked as `***` everywhere.");
            }
            s
        }
        Symbol::Step(id) => step_markdown(doc, w, *id)?,
        Symbol::Block(b) => {
            let block = w.blocks.get(*b)?;
            if let BlockKind::Sequence { name, .. } = &block.kind {
                let members: Vec<String> = w
                    .steps_in(*b)
                    .iter()
                    .map(|s| w.steps[*s].name.clone())
                    .collect();
                let names: Vec<&str> = members.iter().map(String::as_str).collect();
                return Some(format!(
                    "```wf\nsequence {}\n```\n\nRuns {} one after another, in the order written; a failure stops the rest.",
                    name.as_deref().unwrap_or(""),
                    quoted(&names)
                ));
            }
            let BlockKind::Parallel { name, wait, .. } = &block.kind else {
                return None;
            };
            let wait = if *wait == Wait::Any { "any" } else { "all" };
            let members: Vec<String> = w
                .steps_in(*b)
                .iter()
                .map(|s| w.steps[*s].name.clone())
                .collect();
            let names: Vec<&str> = members.iter().map(String::as_str).collect();
            format!(
                "```wf\nparallel {} wait {wait}\n```\n\nRuns {} concurrently; succeeds when {} succeed{}.",
                name.as_deref().unwrap_or(""),
                quoted(&names),
                if wait == "any" { "the first of them" } else { "all of them" },
                if wait == "any" { "s" } else { "" }
            )
        }
        Symbol::LoopVar(b) => {
            let BlockKind::ForEach {
                var, var_ty, iter, ..
            } = &w.blocks.get(*b)?.kind
            else {
                return None;
            };
            format!(
                "```wf\n{var}: {var_ty}\n```\n\nThe loop variable of `for each {var} in {}`: one element per iteration.",
                doc.slice(iter.span)
            )
        }
        Symbol::CompVar(i) => {
            let v = w.comp_vars.get(*i)?;
            format!(
                "```wf\n{}: {}\n```\n\nThe variable of the comprehension over `{}`: one element at a time.",
                v.name,
                v.ty,
                doc.slice(v.source)
            )
        }
        Symbol::Output {
            step,
            name,
            declared,
        } => {
            let s = w.steps.get(*step)?;
            if let Some(x) = s.inputs().iter().find(|x| *declared && x.name == *name) {
                input_markdown(doc, s, x)
            } else if *declared {
                let o = s.outputs.iter().find(|o| o.name == *name)?;
                format!(
                    "```wf\n{}.outputs.{name}: {}\n```\n\nDeclared in `outputs {{ }}`; the step writes `{name}=VALUE` to the file named by `$WF_OUTPUTS`.",
                    s.name, o.ty
                )
            } else {
                let k = kinds::kind_info(s.kind)?;
                match k.output(name) {
                    Some(o) => {
                        format!("```wf\n{}.{name}: {}\n```\n\n{}", s.name, o.ty.ty(), o.doc)
                    }
                    None if name == "status" => {
                        format!("```wf\n{}.status: string\n```\n\n{STATUS_DOC}", s.name)
                    }
                    None if name.starts_with("artifacts.") => super::artifacts::hover(s, name)?,
                    None => return None,
                }
            }
        }
    })
}

/// An approval gate's input, as its readers see it: its type, its
/// declaration and how the approver gives it.
fn input_markdown(doc: &Doc, s: &crate::ir::Step, x: &crate::ir::GateInput) -> String {
    let given = match &x.default {
        Some(_) => "else its default",
        None => "required: the gate cannot be approved without it",
    };
    format!(
        "```wf\n{gate}.outputs.{name}: {ty}\n```\n\nAn input of approval gate `{gate}`, declared `{decl}`: the approver gives it (`wfc approve RUN {gate} --input {name}=…`, the API, the dashboard's form or MCP), checked as a param is; {given}.",
        gate = s.name,
        name = x.name,
        ty = x.ty,
        decl = doc.slice(x.span).replace('`', "'"),
    )
}

/// What `x.status` is, for hovers.
const STATUS_DOC: &str = "How the step ended: `\"succeeded\"`, `\"failed\"` (a timeout too), `\"cancelled\"`, `\"skipped\"` (its branch was not taken) or `\"not_run\"` (it did not start: a dependency did not succeed, or the run stopped first). Reading it orders the reader after the step, however the step ended (`after`), never a dependency.";

/// The field that best sums a step up, by kind.
const SUMMARY_FIELDS: &[&str] = &[
    "run", "image", "get", "post", "put", "patch", "delete", "head", "url", "message", "subject",
    "check", "approval",
];

fn step_markdown(doc: &Doc, w: &Workflow, id: usize) -> Option<String> {
    let s = w.steps.get(id)?;
    let mut md = format!("```wf\nstep {}: {}\n```", s.name, s.kind.name());
    if let Some(k) = kinds::kind_info(s.kind) {
        let _ = write!(md, "\n\n{}", k.doc);
    }
    if let Some(d) = &s.doc {
        let _ = write!(md, "\n\n{d}");
    }
    md.push('\n');
    let summary = SUMMARY_FIELDS.iter().find_map(|f| s.field(f));
    if let Some(f) = summary {
        let text = doc.slice(f.span);
        let line = text.lines().next().unwrap_or("");
        let line = if line.chars().count() > 80 {
            format!("{}…", line.chars().take(79).collect::<String>())
        } else {
            line.to_string()
        };
        let _ = write!(md, "\n- `{}`", line.replace('`', "'"));
    }
    if let Some(e) = s.estimate_ms {
        let _ = write!(md, "\n- estimate: {}", duration(e));
    }
    if let Some(t) = s.timeout_ms {
        let _ = write!(md, "\n- timeout: {}", duration(t));
    }
    if let Some(r) = &s.retry {
        let _ = write!(
            md,
            "\n- retry: {} (up to {})",
            r.count,
            crate::words::count(u64::from(r.count) + 1, "attempt")
        );
    }
    // Settings written over params: as written (the plan shows their values).
    if let Some(set) = s.settings.as_deref() {
        let written = [
            ("estimate", &set.estimate, s.estimate_ms.is_none()),
            ("timeout", &set.timeout, s.timeout_ms.is_none()),
        ];
        for (name, e, unfolded) in written {
            if let (Some(e), true) = (e, unfolded) {
                let _ = write!(md, "\n- {name}: `{}`", doc.slice(e.span));
            }
        }
        if let (Some(r), None) = (&set.retry, &s.retry) {
            let _ = write!(md, "\n- retry: `{}`", doc.slice(r.count.span));
        }
        if let Some(u) = &set.until {
            let _ = write!(md, "\n- `{}`", doc.slice(u.span));
        }
    }
    let deps: Vec<String> = s
        .depends_on
        .iter()
        .map(|d| match d.target() {
            DepTarget::Step(t) => w.steps[t].name.clone(),
            DepTarget::Block(b) => match &w.blocks[b].kind {
                BlockKind::Parallel { name: Some(n), .. } => n.clone(),
                _ => "block".into(),
            },
        })
        .collect();
    if !deps.is_empty() {
        let names: Vec<&str> = deps.iter().map(String::as_str).collect();
        let _ = write!(md, "\n- depends on: {}", quoted(&names));
    }
    let implied: Vec<&str> = s
        .implied
        .iter()
        .map(|t| w.steps[*t].name.as_str())
        .collect();
    if !implied.is_empty() {
        let _ = write!(md, "\n- reads the outputs of: {}", quoted(&implied));
    }
    let mut outs: Vec<String> = kinds::kind_info(s.kind)
        .map(|k| {
            k.outputs
                .iter()
                .map(|o| format!("`{}: {}`", o.name, o.ty.ty()))
                .collect()
        })
        .unwrap_or_default();
    outs.extend(
        s.outputs
            .iter()
            .map(|o| format!("`outputs.{}: {}`", o.name, o.ty)),
    );
    if !outs.is_empty() {
        let _ = write!(md, "\n- outputs: {}", outs.join(", "));
    }
    if s.optional {
        md.push_str("\n- optional: its failure does not fail the run");
    }
    if let Some(callee) = s.call.as_ref().and_then(|c| c.callee.as_deref()) {
        md.push_str(&inlined_names(&s.name, callee));
    }
    Some(md.trim_end().to_string())
}

/// What the plan names a call's steps (`ship.build`, …): the names that
/// `wfc logs` and `wfc status` show.
fn inlined_names(call: &str, callee: &Workflow) -> String {
    const SHOWN: usize = 6;
    let main = callee
        .steps
        .iter()
        .filter(|t| t.role == crate::ir::Role::Main);
    let names: Vec<String> = main.map(|t| format!("{call}.{}", t.name)).collect();
    let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    let mut md = format!("\n- runs as its steps, inlined: {}", quoted(&shown));
    if names.len() > SHOWN {
        let _ = write!(md, " and {} more", names.len() - SHOWN);
    }
    md
}
