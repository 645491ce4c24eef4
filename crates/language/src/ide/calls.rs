//! Imports and call steps in the editor: go to definition and hover across
//! files, and the completions that need the imported modules.
//!
//! A call target leads to the callee's `workflow NAME` (in this file, an
//! imported file, or a std module), a call's param name to the callee's
//! `param` line, an import path to the file. Targets are resolved from their
//! text ([`Doc::callee`]), so a call keeps its answers while the checker
//! reports it (a wrong argument, say).

use super::context::Cursor;
use super::lexer::{FrameKind, Tok};
use super::names;
use super::{span, ByteRange, Callee, CompletionItem, CompletionKind as K, Doc, Hover, Place};
use crate::check::call_targets;
use crate::ir::{Param, Workflow};
use crate::program::{stdlib, FileKey};
use crate::syntax::ast::CallTarget;
use std::fmt::Write;

/// The definition of the import path, call target or call param at `offset`.
pub fn definition(doc: &Doc, offset: usize) -> Option<Place> {
    if let Some(i) = import_at(doc, offset) {
        let unit = doc.import_target(i)?;
        return Some(Place {
            file: Some(unit.key.clone()),
            span: 0..0,
        });
    }
    if let Some(t) = target_at(doc, offset) {
        let callee = doc.callee(&parts(t))?;
        return Some(callee.place(callee.workflow.name_span));
    }
    let (callee, p) = param_at(doc, offset)?;
    Some(callee.place(p.name_span))
}

/// What `call file(EXPR)` does, shown on its `file`.
pub const FILE_CALL_DOC: &str = "`call file(EXPR)`: runs the workflow file at the path EXPR gives \
(usually a path an earlier step wrote) as this step's steps, named `STEP.NAME`. The file is read \
and checked when the step starts: an error fails the step with its code and place in that file, \
and nothing of it runs. The body's params are checked against the file's params then.";

/// Hover on a call target (the callee's signature) or a call's param name.
pub fn hover(doc: &Doc, offset: usize) -> Option<Hover> {
    if let Some(at) = file_word_at(doc, offset) {
        return Some(Hover {
            markdown: FILE_CALL_DOC.into(),
            span: at,
        });
    }
    if let Some(t) = target_at(doc, offset) {
        let callee = doc.callee(&parts(t))?;
        return Some(Hover {
            markdown: signature(&callee),
            span: span(t.span),
        });
    }
    let (callee, p) = param_at(doc, offset)?;
    let arg = doc.irs().find_map(|w| {
        w.steps
            .iter()
            .filter_map(|s| s.call.as_ref())
            .flat_map(|c| &c.args)
            .find(|a| a.name_span.contains(offset))
    })?;
    let mut md = format!("```wf\n{}\n```", callee.slice(p.span));
    if let Some(d) = &p.doc {
        let _ = write!(md, "\n\n{d}");
    }
    let _ = write!(md, "\n\nA param of workflow `{}`", callee.workflow.name);
    if let Some(f) = callee.file_name() {
        let _ = write!(md, " (`{f}`)");
    }
    md.push('.');
    Some(Hover {
        markdown: md,
        span: span(arg.name_span),
    })
}

/// The index of the import whose path holds `offset`.
fn import_at(doc: &Doc, offset: usize) -> Option<usize> {
    doc.ast()?
        .imports
        .iter()
        .position(|im| im.path_span.contains(offset))
}

/// The call target at `offset` (not a `file(EXPR)`: its path is an
/// expression like any other).
fn target_at(doc: &Doc, offset: usize) -> Option<&CallTarget> {
    let mut targets = Vec::new();
    for w in &doc.ast()?.workflows {
        call_targets(&w.items, &mut targets);
    }
    targets
        .into_iter()
        .filter(|t| t.file.is_none())
        .find(|t| (t.span.start as usize..=t.span.end as usize).contains(&offset))
}

/// The `file` of a `call file(EXPR)` at `offset`.
fn file_word_at(doc: &Doc, offset: usize) -> Option<ByteRange> {
    let mut targets = Vec::new();
    for w in &doc.ast()?.workflows {
        call_targets(&w.items, &mut targets);
    }
    targets
        .into_iter()
        .filter(|t| t.file.is_some())
        .find_map(|t| {
            let start = t.span.start as usize;
            (start..=start + 4)
                .contains(&offset)
                .then(|| start..start + 4)
        })
}

fn parts(t: &CallTarget) -> Vec<&str> {
    t.parts.iter().map(|p| &*p.name).collect()
}

/// The callee's param named by the call argument at `offset`.
fn param_at(doc: &Doc, offset: usize) -> Option<(Callee<'_>, &Param)> {
    let (call, arg) = doc.irs().find_map(|w| {
        w.steps
            .iter()
            .filter_map(|s| s.call.as_deref())
            .find_map(|c| {
                let a = c.args.iter().find(|a| a.name_span.contains(offset))?;
                Some((c, a))
            })
    })?;
    let callee = doc.callee(&call.target.split('.').collect::<Vec<_>>())?;
    let p = callee.workflow.params.iter().find(|p| p.name == arg.name)?;
    Some((callee, p))
}

/// A callee's signature: params, outputs, description and docs, and its file.
fn signature(callee: &Callee) -> String {
    let w: &Workflow = callee.workflow;
    let mut md = format!("```wf\nworkflow {}", w.name);
    for p in &w.params {
        let _ = write!(md, "\n  {}", callee.slice(p.span));
    }
    if !w.outputs.is_empty() {
        md.push_str("\n  outputs {");
        for o in &w.outputs {
            let _ = write!(md, " {}: {}", o.name, o.ty);
        }
        md.push_str(" }");
    }
    md.push_str("\n```");
    for text in w.description.iter().chain(&w.doc) {
        let _ = write!(md, "\n\n{text}");
    }
    let documented: Vec<String> = w
        .params
        .iter()
        .filter_map(|p| Some(format!("- `{}`: {}", p.name, p.doc.as_deref()?)))
        .collect();
    if !documented.is_empty() {
        let _ = write!(md, "\n\n**Params**\n{}", documented.join("\n"));
    }
    match callee.file_name() {
        Some(f) => {
            let _ = write!(md, "\n\nFrom `{f}`.");
        }
        None => md.push_str("\n\nIn this file."),
    }
    md
}

/// The typed part of an import's path when the cursor is inside its quotes
/// (`import "li|`): what a path completion replaces.
pub fn import_path_at(text: &str, offset: usize) -> Option<ByteRange> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    let rest = line.trim_start().strip_prefix("import")?;
    let typed = rest.trim_start().strip_prefix('"')?;
    if !rest.starts_with(char::is_whitespace) || typed.contains('"') {
        return None;
    }
    Some(offset - typed.len()..offset)
}

/// The std modules, as import paths.
pub fn std_modules() -> Vec<CompletionItem> {
    stdlib::FILES
        .iter()
        .map(|(name, text)| {
            let mut item = CompletionItem::new(format!("std/{name}"), K::Block);
            item.detail = Some("std module".into());
            item.documentation = Some(module_summary(text));
            item
        })
        .collect()
}

/// The workflows of a module's text, as one line for a completion's docs.
fn module_summary(text: &str) -> String {
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("workflow "))
        .filter_map(|l| l.split(|c: char| c.is_whitespace() || c == '{').next())
        .collect();
    format!("Workflows: {}", names.join(", "))
}

/// After `call ` (this file's workflows and the imported modules) or
/// `call M.` (module M's workflows).
pub fn targets(doc: &Doc, module: Option<&str>, offset: usize) -> Vec<CompletionItem> {
    let workflow_item = |w: &Workflow, from: &FileKey| {
        let mut item = CompletionItem::new(&w.name, K::Function);
        item.detail = Some(format!("workflow in {}", from.display()));
        item.documentation = w.description.clone().or_else(|| w.doc.clone());
        item
    };
    if let Some(m) = module {
        let Some(unit) = doc.module(m) else {
            return Vec::new();
        };
        let module = unit.analysis.module.iter();
        return module
            .flat_map(|m| &m.workflows)
            .map(|c| workflow_item(&c.ir, &unit.key))
            .collect();
    }
    // This file's workflows, found lexically (the text being typed seldom
    // parses); a workflow does not call itself.
    let lexed = doc.lexed();
    let text = doc.text();
    let me = names::workflow_range(text, lexed, offset);
    let mut items = Vec::new();
    for (i, t) in lexed.tokens.iter().enumerate() {
        let word = |t: &super::lexer::Token| &text[t.span.clone()];
        if t.kind != Tok::Ident || !t.starts_statement || word(t) != "workflow" {
            continue;
        }
        let Some(name) = lexed.tokens.get(i + 1) else {
            continue;
        };
        if me.as_ref().is_some_and(|r| r.contains(&t.span.start)) {
            continue;
        }
        let mut item = CompletionItem::new(word(name), K::Function);
        item.detail = Some("workflow in this file".into());
        item.documentation = doc
            .irs()
            .find(|w| w.name == word(name))
            .and_then(|w| w.description.clone().or_else(|| w.doc.clone()));
        items.push(item);
    }
    let mut file = CompletionItem::new("file(…)", K::Keyword);
    file.insert_text = Some("file(${1:gen.outputs.pipeline})".into());
    file.snippet = true;
    file.detail = Some("a workflow file known at run time".into());
    file.documentation = Some(FILE_CALL_DOC.into());
    file.sort_key = Some("1file".into());
    items.push(file);
    for (name, unit) in doc.modules() {
        let mut item = CompletionItem::new(&name, K::Block);
        item.detail = Some(format!("module {}", unit.key.display()));
        item.documentation = Some(module_summary(&unit.analysis.source.text));
        item.sort_key = Some(format!("0{name}"));
        items.push(item);
    }
    items
}

/// In a call step's body: the callee's params not yet given, required ones first.
pub fn params(doc: &Doc, cursor: &Cursor, offset: usize) -> Vec<CompletionItem> {
    let Some(target) = target_before_body(doc, offset) else {
        return Vec::new();
    };
    let Some(callee) = doc.callee(&target.split('.').collect::<Vec<_>>()) else {
        return Vec::new();
    };
    callee
        .workflow
        .params
        .iter()
        .filter(|p| !cursor.present.contains(&p.name))
        .map(|p| {
            let mut item = CompletionItem::new(&p.name, K::Param);
            let required = p.default.is_none();
            item.detail = Some(if required {
                format!("{} (required)", p.ty)
            } else {
                format!("{} = {}", p.ty, default_text(&callee, p))
            });
            item.documentation = p.doc.clone();
            let value = if p.ty.to_string() == "string" {
                "\"$1\""
            } else {
                "$1"
            };
            item.insert_text = Some(format!("{} {value}", p.name));
            item.snippet = true;
            item.sort_key = Some(format!("{}{}", if required { "0" } else { "1" }, p.name));
            item
        })
        .collect()
}

fn default_text<'c>(callee: &'c Callee, p: &Param) -> &'c str {
    p.default.as_ref().map_or("", |d| callee.slice(d.span))
}

/// The target of the call step whose body holds `offset`, from its header text.
fn target_before_body(doc: &Doc, offset: usize) -> Option<String> {
    let lexed = doc.lexed();
    let frame = lexed
        .chain(lexed.frame_at(offset))
        .find(|f| matches!(&f.kind, FrameKind::Step { kind, .. } if kind == "call"))?;
    let text = doc.text();
    let brace = frame.span.start;
    let header = &text[text[..brace].rfind("call")? + 4..brace];
    let target = header.trim();
    let ok = !target.is_empty()
        && target
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| target.to_string())
}

#[cfg(test)]
mod tests {
    use super::import_path_at;

    #[test]
    fn an_import_path_is_completed_only_inside_its_quotes() {
        let text = "import \"lib/re\nimport \"a.wf\" as a\nimports \"x";
        assert_eq!(
            import_path_at(text, 14),
            Some(8..14),
            "after `import \"lib/re`"
        );
        assert_eq!(import_path_at(text, 8), Some(8..8), "right after the quote");
        assert_eq!(import_path_at(text, 33), None, "after the closing quote");
        assert_eq!(
            import_path_at(text, text.len()),
            None,
            "`imports` is not `import`"
        );
    }
}
