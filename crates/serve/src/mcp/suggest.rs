//! `suggest`: the served workflows and the templates nearest to an intent
//! ("deploy an API to staging, then ask a person"), by a score one can
//! check by hand. The intent and each candidate are cut into words
//! (lowercase, letters and digits, a plural's `s` dropped, common words
//! left out); each intent word a candidate has scores once, by the best
//! place it has it: its name 3, its description or tags 2, its doc
//! comments, step names and step kinds (`shell`, `http`, `gate`…) 1. The
//! answer says, per candidate, which words matched where.

use crate::api::App;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wfc_language::analysis;
use wfc_language::ir::{StepKind, Workflow};
use wfc_plan::templates::TEMPLATES;

/// Words too common to tell workflows apart.
const COMMON: &[&str] = &[
    "to",
    "of",
    "in",
    "on",
    "an",
    "is",
    "it",
    "be",
    "by",
    "or",
    "as",
    "at",
    "if",
    "do",
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "then",
    "from",
    "into",
    "onto",
    "when",
    "each",
    "every",
    "our",
    "your",
    "its",
    "all",
    "any",
    "are",
    "was",
    "has",
    "have",
    "will",
    "should",
    "can",
    "workflow",
    "workflows",
    "wfc",
    "which",
    "after",
    "before",
    "run",
    "runs",
    "make",
    "write",
    "want",
    "need",
    "one",
    "new",
    "use",
];

/// The places a word can be found, best first, and their weights.
const PLACES: &[(&str, u32)] = &[
    ("name", 3),
    ("description", 2),
    ("tags", 2),
    ("docs", 1),
    ("steps", 1),
];

/// One candidate: what it is and its words by place.
struct Candidate {
    kind: &'static str,
    name: String,
    uri: String,
    description: String,
    words: Vec<BTreeSet<String>>,
}

/// The words of `text`.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() > 1 && !COMMON.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
            _ => w,
        })
        .collect()
}

fn candidate(kind: &'static str, uri: String, wf: &Workflow, comments: &str) -> Candidate {
    let kinds: Vec<&str> = wf
        .steps
        .iter()
        .flat_map(|s| match s.kind {
            StepKind::Gate => vec!["gate", "approval"],
            k => vec![k.name()],
        })
        .collect();
    let steps: Vec<&str> = wf.steps.iter().map(|s| s.name.as_str()).collect();
    let description = wf.description.clone().unwrap_or_default();
    Candidate {
        kind,
        name: wf.name.clone(),
        uri,
        description: description.clone(),
        words: vec![
            words(&wf.name),
            words(&description),
            words(&wf.tags.join(" ")),
            words(&format!("{} {comments}", wf.doc.as_deref().unwrap_or(""))),
            words(&format!("{} {}", steps.join(" "), kinds.join(" "))),
        ],
    }
}

/// A file's `#` comment lines.
fn comments(text: &str) -> String {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every candidate: the served workflows, then the templates.
fn candidates(app: &App) -> Vec<Candidate> {
    let paths = crate::files::served_paths_by_file(&app.catalog);
    let mut out: Vec<Candidate> = app
        .catalog
        .served()
        .iter()
        .map(|c| {
            let uri = paths
                .get(&c.file)
                .map(|p| super::resources::file_uri(p))
                .unwrap_or_default();
            candidate("workflow", uri, &c.ir, &comments(&c.source.text))
        })
        .collect();
    for t in TEMPLATES {
        if let Some(m) = analysis::analyze_lean(t.name, t.text).module {
            let wf = m.into_first().ir;
            let uri = format!("wfc://templates/{}.wf", t.name);
            out.push(candidate("template", uri, &wf, &comments(t.text)));
        }
    }
    out
}

/// The `limit` best candidates for `intent`, each with its score and why.
pub fn suggest(app: &App, intent: &str, limit: usize) -> Value {
    let asked = words(intent);
    let mut ranked: Vec<(u32, Value)> = candidates(app)
        .into_iter()
        .filter_map(|c| {
            let mut score = 0;
            let mut why = Vec::new();
            for w in &asked {
                let found = c
                    .words
                    .iter()
                    .zip(PLACES)
                    .find(|(words, _)| words.contains(w));
                if let Some((_, (place, weight))) = found {
                    score += weight;
                    why.push(format!("`{w}` in its {place} (+{weight})"));
                }
            }
            (score > 0).then(|| {
                let v = json!({
                    "kind": c.kind,
                    "name": c.name,
                    "uri": c.uri,
                    "description": c.description,
                    "score": score,
                    "why": why,
                });
                (score, v)
            })
        })
        .collect();
    // Best first; a served workflow before a template of the same score.
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let total = ranked.len();
    let suggestions: Vec<Value> = ranked.into_iter().take(limit).map(|(_, v)| v).collect();
    json!({
        "intent_words": asked,
        "suggestions": suggestions,
        "matched": total,
        "scoring": "each intent word once, by the best place a candidate has it: name 3, description or tags 2, doc comments, step names or step kinds 1",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_singular_and_not_common() {
        let w = words("Deploy the APIs to staging, then ask for approval");
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        assert_eq!(w, ["api", "approval", "ask", "deploy", "staging"]);
        assert!(words("tests").contains("test"));
        assert!(words("class").contains("class"));
    }
}
