//! The tools that help an agent write and follow: `suggest` (the served
//! workflows and templates nearest to an intent, [`super::suggest`]),
//! `complete` (the language server's completion at a place of a text:
//! [`wfc_language::ide::Doc::completion`], not a copy of it), `wait_run`
//! (until a run ends or waits for a person, bounded) and
//! `pending_approvals` (the gates that wait for a person, in every run).

use super::call::{number, optional, text, Failure, BAD_ARGUMENT};
use super::tools::{object, read};
use crate::api::{with_store, App};
use rmcp::model::Tool;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};
use wfc_language::ide::{CompletionItem, Doc};
use wfc_language::program::FileKey;

/// The tools of this module, by name.
pub const NAMES: &[&str] = &["suggest", "complete", "wait_run", "pending_approvals"];

/// The most completions an answer lists (the best first, as an editor sorts them).
const MAX_ITEMS: usize = 100;
/// `wait_run`'s longest wait and its default, in seconds.
const MAX_WAIT: u64 = 300;
const DEFAULT_WAIT: u64 = 60;
/// How often `wait_run` looks at the run.
const POLL: Duration = Duration::from_millis(250);

/// Their definitions.
pub fn tools() -> Vec<Tool> {
    let run =
        json!({"type": "string", "description": "a run id, a unique prefix of one, or `last`"});
    vec![
        read(
            "suggest",
            "Ranks the served workflows and the templates for an intent (\"deploy the API, then ask a person\"), best first, each with its score and why: the intent's words found in its name (3), description or tags (2), doc comments, step names or step kinds (1). Start from the best: read its resource, or create_from_template.",
            object(json!({
                "intent": {"type": "string", "description": "what the workflow should do"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "the most suggestions (default 5)"}
            }), &["intent"]),
        ),
        read(
            "complete",
            "What may be written at a place of a .wf text, as the language server completes it in an editor: keywords, step kinds, a kind's fields, names in expressions, outputs after `step.`, functions, types. The place is a 1-based `line` and `column` (in characters).",
            object(json!({
                "text": {"type": "string", "description": "the whole .wf text"},
                "line": {"type": "integer", "minimum": 1},
                "column": {"type": "integer", "minimum": 1, "description": "in characters; the cursor is before this column's character"}
            }), &["text", "line", "column"]),
        ),
        read(
            "wait_run",
            "Waits until a run ends, or waits for a person (an approval, a pause), or `timeout_seconds` pass (default 60, at most 300); then answers as run_status does, with `ended`, `waiting_for_person`, `timed_out` and `waited_seconds`.",
            object(json!({
                "run": run,
                "timeout_seconds": {"type": "integer", "minimum": 0, "maximum": MAX_WAIT, "description": "the longest wait (default 60)"}
            }), &["run"]),
        ),
        read(
            "pending_approvals",
            "The gates waiting for a person in every run (an approval, or a check paused by `on fail pause`), newest run first: run, workflow, gate, why it waits, since when. approve_gate or reject_gate decides one.",
            object(json!({"workflow": {"type": "string", "description": "only this workflow's runs"}}), &[]),
        ),
    ]
}

/// Calls tool `name` of this module.
pub async fn call(app: &App, name: &str, args: &Map<String, Value>) -> Result<Value, Failure> {
    match name {
        "suggest" => {
            let limit = number(args, "limit")?.unwrap_or(5).clamp(1, 50) as usize;
            Ok(super::suggest::suggest(app, &text(args, "intent")?, limit))
        }
        "complete" => complete(app, args).await,
        "wait_run" => wait_run(app, text(args, "run")?, args).await,
        _ => pending(app, optional(args, "workflow")?).await,
    }
}

async fn complete(app: &App, args: &Map<String, Value>) -> Result<Value, Failure> {
    let source = text(args, "text")?;
    let at = |key: &str| -> Result<usize, Failure> {
        match number(args, key)? {
            Some(n) if n >= 1 => Ok(n as usize),
            _ => Err(Failure::Call(
                BAD_ARGUMENT,
                format!("`{key}` is required: a whole number from 1"),
            )),
        }
    };
    let (line, column) = (at("line")?, at("column")?);
    let offset = offset_of(&source, line, column).ok_or_else(|| {
        Failure::Call(
            BAD_ARGUMENT,
            format!("line {line}, column {column} is not in the text"),
        )
    })?;
    let sources = app.catalog.posted_sources();
    let items = tokio::task::spawn_blocking(move || {
        let key = FileKey::Path("<posted>.wf".into());
        let doc = Doc::analyze_program(key, &source, &sources);
        let mut items = doc.completion(offset);
        items.sort_by(|a, b| a.sort_text().cmp(b.sort_text()));
        let total = items.len();
        let shown: Vec<Value> = items
            .into_iter()
            .take(MAX_ITEMS)
            .map(|i| item(&source, i))
            .collect();
        json!({"line": line, "column": column, "total": total, "items": shown})
    })
    .await
    .map_err(crate::problem::Problem::store)?;
    Ok(items)
}

/// One completion, its replaced range as lines and columns.
fn item(text: &str, i: CompletionItem) -> Value {
    let kind = format!("{:?}", i.kind).to_lowercase();
    let mut v = json!({
        "label": i.label,
        "kind": kind,
        "insert_text": i.insert_text.unwrap_or(i.label.clone()),
        "snippet": i.snippet,
    });
    if let Some(d) = i.detail {
        v["detail"] = d.into();
    }
    if let Some(d) = i.documentation {
        v["documentation"] = d.into();
    }
    if let Some(r) = i.replace {
        let (from, to) = (place_of(text, r.start), place_of(text, r.end));
        v["replace"] = json!({"from": {"line": from.0, "column": from.1}, "to": {"line": to.0, "column": to.1}});
    }
    v
}

/// The byte offset of 1-based `line` and `column` (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            let body = l.strip_suffix('\n').unwrap_or(l);
            let at = body
                .char_indices()
                .map(|(i, _)| i)
                .chain([body.len()])
                .nth(column - 1)?;
            return Some(start + at);
        }
        start += l.len();
    }
    // The line after a final newline (or of an empty text): its start.
    (line == text.split_inclusive('\n').count() + 1 && column == 1).then_some(text.len())
}

/// The 1-based line and column (in characters) of byte `offset`.
fn place_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

async fn wait_run(app: &App, run: String, args: &Map<String, Value>) -> Result<Value, Failure> {
    let wait = number(args, "timeout_seconds")?
        .unwrap_or(DEFAULT_WAIT)
        .min(MAX_WAIT);
    let id = with_store(app, move |s| crate::api::find_run(s, &run)).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(wait);
    let counts = {
        let mut m = Map::new();
        m.insert("steps".into(), json!("none"));
        m
    };
    loop {
        let status = super::pages::run_status(app, id.clone(), &counts).await?;
        let timed_out = Instant::now() >= deadline;
        if status["status"] != "running" || timed_out {
            let mut answer = super::pages::run_status(app, id.clone(), &Map::new()).await?;
            // One read decides: the run may have moved on since the first.
            let shown = answer["status"].as_str().unwrap_or_default().to_owned();
            // A gate decided a moment ago still shows `waiting` until the
            // run takes the decision in: that is no wait for a person.
            let moving = shown == "running" || (shown == "waiting" && !undecided_wait(&answer));
            if moving && !timed_out {
                tokio::time::sleep(POLL).await;
                continue;
            }
            let ended = !matches!(shown.as_str(), "running" | "waiting" | "paused");
            answer["ended"] = ended.into();
            answer["waiting_for_person"] = matches!(shown.as_str(), "waiting" | "paused").into();
            answer["timed_out"] = (timed_out && shown == "running").into();
            answer["waited_seconds"] = json!(started.elapsed().as_secs_f64());
            return Ok(answer);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Whether a step of run status `answer` waits with no decision taken
/// since it began to (a decision is recorded before the run takes it in).
fn undecided_wait(answer: &Value) -> bool {
    let decisions = answer["decisions"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let steps = answer["step_list"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    steps.iter().filter(|s| !s["waiting"].is_null()).any(|s| {
        let since = s["attempt_log"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|a| a["started_at"].as_str())
            .or_else(|| s["started_at"].as_str())
            .unwrap_or_default();
        // RFC 3339 times in one format compare as text.
        !decisions
            .iter()
            .any(|d| d["step"] == s["name"] && d["at"].as_str().is_some_and(|at| at >= since))
    })
}

/// Returns once run `id` waits for a person (`waiting` or `paused`, as its
/// status is shown); never if it does not, or cannot be read.
pub(super) async fn waits_for_person(app: &App, id: String) -> &'static str {
    let counts = {
        let mut m = Map::new();
        m.insert("steps".into(), json!("none"));
        m
    };
    loop {
        tokio::time::sleep(POLL).await;
        if let Ok(status) = super::pages::run_status(app, id.clone(), &counts).await {
            match status["status"].as_str() {
                Some("waiting") => return "waiting",
                Some("paused") => return "paused",
                _ => {}
            }
        }
    }
}

/// The runs going on that wait for a person, and their waiting steps.
async fn pending(app: &App, workflow: Option<String>) -> Result<Value, Failure> {
    let live = with_store(app, |s| {
        wfc_store::live::going(s, 500, 50).map_err(crate::problem::Problem::store)
    })
    .await?;
    let mut approvals = Vec::new();
    for r in live.iter().filter(|r| r.run.status == "waiting") {
        if workflow.as_ref().is_some_and(|w| *w != r.run.workflow) {
            continue;
        }
        for s in r.steps.iter().filter(|s| s.status == "waiting") {
            approvals.push(json!({
                "run": r.run.id,
                "workflow": r.run.workflow,
                "gate": s.name,
                "kind": s.kind,
                "waiting": s.detail,
                "since_ms": s.started_ms,
            }));
        }
    }
    Ok(json!({"total": approvals.len(), "approvals": approvals}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_decided_but_not_yet_taken_in_waits_for_nobody() {
        let step = |since: &str| {
            json!({"name": "ok", "waiting": "approval by ops",
                   "attempt_log": [{"started_at": since}]})
        };
        let at = |d: &str| json!({"step": "ok", "at": d, "decision": "approved"});
        let answer = |since, decisions: Vec<Value>| json!({"status": "waiting", "step_list": [step(since)], "decisions": decisions});
        assert!(undecided_wait(&answer("2026-11-28T10:00:00.000Z", vec![])));
        assert!(!undecided_wait(&answer(
            "2026-11-28T10:00:00.000Z",
            vec![at("2026-11-28T10:00:05.000Z")]
        )));
        // Decided before this wait began (an earlier ask): it waits.
        assert!(undecided_wait(&answer(
            "2026-11-28T10:00:10.000Z",
            vec![at("2026-11-28T10:00:05.000Z")]
        )));
        let running = json!({"status": "running", "step_list": [{"name": "ok", "waiting": null}]});
        assert!(!undecided_wait(&running));
    }

    #[test]
    fn places_and_offsets_agree() {
        let text = "ab\nçd\n";
        assert_eq!(offset_of(text, 1, 1), Some(0));
        assert_eq!(offset_of(text, 2, 2), Some(5), "after ç (2 bytes)");
        assert_eq!(offset_of(text, 2, 3), Some(6), "the line's end");
        assert_eq!(offset_of(text, 3, 1), Some(7), "after the final newline");
        assert_eq!(offset_of(text, 2, 9), None);
        assert_eq!(place_of(text, 5), (2, 2));
    }
}
