//! What the editor knows of artifacts: `STEP.artifacts` among a step's
//! members, the names after `STEP.artifacts.`, and the hover of a read.

use super::{CompletionItem, CompletionKind as K, Doc};
use crate::ir::{self, artifacts};

/// The documentation of `STEP.artifacts`.
const DOC: &str = "The files the step kept (`artifacts { NAME = \"GLOB\" }`): `STEP.artifacts.NAME` is the list of their paths. The reader runs after the step; a resumed run puts them back.";

/// The `artifacts` member of a step of a kind that may keep some.
pub(super) fn member(kind: &crate::check::kinds::KindInfo) -> Option<CompletionItem> {
    kind.field(artifacts::FIELD)?;
    let mut item = CompletionItem::new(artifacts::FIELD, K::Output);
    item.detail = Some("artifacts: STEP.artifacts.NAME".into());
    item.documentation = Some(DOC.into());
    Some(item)
}

/// The artifacts step `step` declares, after `step.artifacts.`.
pub(super) fn names(doc: &Doc, offset: usize, step: &str) -> Vec<CompletionItem> {
    let Some(w) = doc.ir_at(offset) else {
        return Vec::new();
    };
    let Some(s) = w.steps.iter().find(|s| s.name == step) else {
        return Vec::new();
    };
    artifacts::decls(&s.fields)
        .iter()
        .map(|d| {
            let mut item = CompletionItem::new(d.name, K::Output);
            item.detail = Some(format!(
                "list<string>{}",
                if d.optional { " (optional)" } else { "" }
            ));
            item.documentation = Some(glob_doc(d));
            item
        })
        .collect()
}

/// The hover of a read of `step.artifacts.NAME` (`name` = `artifacts.NAME`).
pub(super) fn hover(s: &ir::Step, name: &str) -> Option<String> {
    let name = name.strip_prefix("artifacts.")?;
    let d = artifacts::decls(&s.fields)
        .into_iter()
        .find(|d| d.name == name)?;
    Some(format!(
        "```wf\n{}.artifacts.{name}: list<string>\n```\n\n{}",
        s.name,
        glob_doc(&d)
    ))
}

fn glob_doc(d: &artifacts::ArtifactDecl<'_>) -> String {
    let glob = match &d.glob.kind {
        ir::ExprKind::Str(s) => format!("`{s}`"),
        _ => "its glob".to_owned(),
    };
    let optional = if d.optional {
        " It is `optional`: when the glob matches nothing the list is empty."
    } else {
        " A glob that matches nothing fails the step."
    };
    format!("The paths of the files {glob} matched in the step's folder, kept in the run store.{optional}")
}
