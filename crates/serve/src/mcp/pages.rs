//! Answers that summarise and page (issue 52): a run of 2,000 steps, the
//! plan of a big workflow or a step's log of 20,000 lines is a summary or
//! one page, never the whole, and each says how to ask for the next.
//!
//! - `run_status`: the run, `step_counts`, its first steps, the steps of
//!   note (failed, running, waiting…) and its last ones; with `steps`,
//!   `cursor` or `limit`, a page of steps ([`crate::api::step_pages`]);
//! - `describe_workflow` and `plan`: the plan with a page of its steps;
//! - `logs`: the last lines, or a page after a cursor or before one.

use super::call::Failure;
use crate::api::logs::{self, LogRead};
use crate::api::step_pages::{self, RunQuery, RunStepPage, Steps};
use crate::api::App;
use crate::problem::Problem;
use serde_json::{json, Map, Value};
use wfc_store::query::pages::StepQuery;
use wfc_store::query::StepRow;

/// `run_status`'s steps a page: by default, at most, and their bytes.
const STATUS_PAGE: usize = 20;
const STATUS_MAX_PAGE: usize = 200;
const STATUS_PAGE_BYTES: usize = 32 << 10;
/// The steps of note (and the last steps) a summary lists.
const OF_NOTE: usize = 20;
const LAST: usize = 5;
/// The statuses of steps of note: what went wrong, or still goes on.
const NOTE_STATUSES: &[&str] = &[
    "failed",
    "timed_out",
    "interrupted",
    "cancelled",
    "running",
    "waiting",
];
/// The most characters of a step's error a summary shows.
const ERROR_CHARS: usize = 300;
/// The most bytes of one output value a page shows (a `stdout` keeps up to
/// 1 MiB): its end, which the step's `logs` have whole.
const VALUE_BYTES: usize = 2 << 10;
/// A plan's steps a page: by default, at most, and their bytes.
const PLAN_PAGE: usize = 50;
const PLAN_MAX_PAGE: usize = 500;
const PLAN_PAGE_BYTES: usize = 40 << 10;
/// The most bytes of log text one `logs` answer holds, and the lines it
/// gives without `tail` or `limit`.
const LOG_BYTES: usize = 48 << 10;
const LOG_TAIL: usize = 200;

/// What `run_status` answers for `run` and `args` (`steps`, `cursor`,
/// `limit`).
pub async fn run_status(
    app: &App,
    run: String,
    args: &Map<String, Value>,
) -> Result<Value, Failure> {
    let q = RunQuery {
        steps: super::call::optional(args, "steps")?,
        limit: super::call::number(args, "limit")?.map(|n| n.to_string()),
        cursor: cursor(args, "cursor")?,
    };
    let asked = q.steps.is_some() || q.cursor.is_some() || q.limit.is_some();
    let (statuses, from, limit) = match q.read(STATUS_PAGE, STATUS_MAX_PAGE) {
        Ok(Steps::Page {
            statuses,
            from,
            limit,
        }) => (statuses, from, limit),
        Ok(Steps::All) => {
            return Err(Failure::Call(
                super::call::BAD_ARGUMENT,
                "`steps: \"all\"` is the REST API's (`GET /api/v1/runs/{id}?steps=all`); \
                 here steps come a page at a time: follow `next`"
                    .into(),
            ))
        }
        Err(p) => return Err(Failure::Call(super::call::BAD_ARGUMENT, p.detail)),
    };
    // Read within the API's page bound, then cut long values and keep what
    // fits here: a step's stdout alone may pass this page's bound. A run
    // whose steps do not fit in one page is summed up too: its steps of
    // note and its last ones (read with the page, the plan read once).
    let ask = StepQuery {
        statuses: statuses.clone(),
        from,
        limit,
        max_bytes: step_pages::PAGE_BYTES,
    };
    let (mut page, summary) = step_pages::read_then(app, run, ask, move |steps, page| {
        if asked || page.step_total <= page.run.step_list.len() {
            return Ok(None);
        }
        let q = |statuses: Option<Vec<String>>, from, limit| StepQuery {
            statuses,
            from,
            limit,
            max_bytes: step_pages::PAGE_BYTES,
        };
        let note = NOTE_STATUSES.iter().map(|s| s.to_string()).collect();
        let note = steps.page(&q(Some(note), 0, OF_NOTE));
        let last = steps.page(&q(None, page.step_total.saturating_sub(LAST), LAST));
        match (note, last) {
            (Ok(note), Ok(last)) => Ok(Some((note, last))),
            (Err(e), _) | (_, Err(e)) => Err(Problem::store(e)),
        }
    })
    .await?;
    let (mut kept, mut bytes) = (0, 0);
    for step in &mut page.run.step_list {
        cut_values(&mut step.outputs);
        let size = serde_json::to_vec(step).map_or(0, |b| b.len());
        if kept > 0 && bytes + size > STATUS_PAGE_BYTES {
            break;
        }
        (kept, bytes) = (kept + 1, bytes + size);
    }
    if kept < page.run.step_list.len() {
        page.run.step_list.truncate(kept);
        page.next_cursor = Some((from + kept).to_string());
    }
    if let Some(o) = &mut page.run.outputs {
        cut_values(o);
    }
    cut_values(&mut page.run.run.params);
    let id = page.run.run.id.clone();
    let mut v = answer(page, &id, statuses.as_deref(), limit);
    if let Some((note, last)) = summary {
        let more = note
            .next
            .map(|c| json!({"run": id, "steps": NOTE_STATUSES.join(","), "cursor": c.to_string()}));
        v["steps_of_note"] = json!({
            "statuses": NOTE_STATUSES,
            "total": note.total,
            "steps": note.steps.iter().map(compact).collect::<Vec<_>>(),
            "more": more,
        });
        v["last_steps"] = last.steps.iter().map(compact).collect();
    }
    Ok(v)
}

/// A page as `run_status` answers it: `next` holds the arguments of the
/// call for the next page.
fn answer(page: RunStepPage, id: &str, statuses: Option<&[String]>, limit: usize) -> Value {
    let next = page.next_cursor.clone().map(|c| {
        let mut next = json!({"run": id, "cursor": c, "limit": limit});
        if let Some(s) = statuses {
            next["steps"] = s.join(",").into();
        }
        next
    });
    let mut v = serde_json::to_value(page).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("next_cursor");
        match next {
            Some(n) => o.insert("next".into(), n),
            None => o.remove("next"),
        };
    }
    v
}

/// A step in a summary: what it is and how it went, without its outputs
/// and attempts (`run_status` with `steps` has them).
fn compact(s: &StepRow) -> Value {
    let mut v = json!({
        "name": s.name,
        "status": s.status,
        "attempts": s.attempts,
        "duration_seconds": s.duration_seconds,
    });
    if s.graph != "main" {
        v["graph"] = s.graph.clone().into();
    }
    if let Some(e) = &s.error {
        let cut: String = e.chars().take(ERROR_CHARS).collect();
        v["error"] = match cut.len() < e.len() {
            true => format!("{cut}…").into(),
            false => cut.into(),
        };
    }
    if let Some(w) = &s.waiting {
        v["waiting"] = w.clone().into();
    }
    v
}

/// Each string in `v` longer than [`VALUE_BYTES`] cut to its end, saying
/// how much was cut.
fn cut_values(v: &mut Value) {
    match v {
        Value::String(s) if s.len() > VALUE_BYTES => {
            let mut at = s.len() - VALUE_BYTES;
            while !s.is_char_boundary(at) {
                at += 1;
            }
            *s = format!(
                "[… {at} bytes cut: the step's `logs` have them all]{}",
                &s[at..]
            );
        }
        Value::Array(items) => items.iter_mut().for_each(cut_values),
        Value::Object(map) => map.values_mut().for_each(cut_values),
        _ => {}
    }
}

/// `plan` (a plan's JSON) with the page of its steps `args` asks
/// (`cursor`, `limit`); `step_total` and, when more follow, `next_cursor`.
/// Its critical path, a list of names as long as the steps, keeps its
/// first names and says how long it is.
pub fn plan_page(mut plan: Value, args: &Map<String, Value>) -> Result<Value, Failure> {
    let limit = super::call::number(args, "limit")?.map_or(PLAN_PAGE, |n| n as usize);
    if !(1..=PLAN_MAX_PAGE).contains(&limit) {
        return Err(Failure::Call(
            super::call::BAD_ARGUMENT,
            format!("`limit` is a number of steps from 1 to {PLAN_MAX_PAGE}, not {limit}"),
        ));
    }
    let from = match cursor(args, "cursor")? {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            Failure::Call(
                super::call::BAD_ARGUMENT,
                format!(
                    "`cursor` {c:?} is not a cursor this tool gave (an answer's `next_cursor`)"
                ),
            )
        })?,
    };
    let Some(o) = plan.as_object_mut() else {
        return Ok(plan);
    };
    let steps = match o.remove("steps") {
        Some(Value::Array(steps)) => steps,
        _ => Vec::new(),
    };
    let total = steps.len();
    let (mut kept, mut bytes) = (Vec::new(), 0);
    for s in steps.into_iter().skip(from).take(limit) {
        let size = serde_json::to_vec(&s).map_or(0, |b| b.len());
        if !kept.is_empty() && bytes + size > PLAN_PAGE_BYTES {
            break;
        }
        bytes += size;
        kept.push(s);
    }
    let end = from + kept.len();
    o.insert("steps".into(), kept.into());
    o.insert("step_total".into(), total.into());
    if end < total {
        o.insert("next_cursor".into(), end.to_string().into());
    }
    if let Some(Value::Array(path)) = o.get_mut("critical_path") {
        let len = path.len();
        if len > PLAN_PAGE {
            path.truncate(PLAN_PAGE);
            o.insert("critical_path_steps".into(), len.into());
        }
    }
    Ok(plan)
}

/// What `logs` answers for `run`, `step` and `args` (`tail`, `after`,
/// `limit`, `before`): the lines, where they start and end in the log, its
/// size, and the calls for the lines after and before them.
pub async fn logs(
    app: &App,
    run: String,
    step: String,
    args: &Map<String, Value>,
) -> Result<Value, Failure> {
    let num = |k| super::call::number(args, k).map(|n| n.map(|n| n.to_string()));
    let q = logs::LogQuery {
        tail: num("tail")?,
        after: num("after")?,
        limit: num("limit")?,
        before: num("before")?,
    };
    let how = match q.read() {
        Ok(LogRead::Whole) => LogRead::Tail(LOG_TAIL),
        Ok(how) => how,
        Err(p) => return Err(Failure::Call(super::call::BAD_ARGUMENT, p.detail)),
    };
    let n = match how {
        LogRead::Tail(n) | LogRead::Page { limit: n, .. } | LogRead::Before { n, .. } => n,
        LogRead::Whole => LOG_TAIL,
    };
    let (lines, size) = logs::log_lines(app, run.clone(), step.clone(), how, LOG_BYTES).await?;
    let mut v = json!({
        "log": lines.text(),
        "lines": lines.lines.len(),
        "start": lines.start,
        "cursor": lines.end,
        "size": size,
        "next": {"run": run, "step": step, "after": lines.end, "limit": n},
    });
    if lines.start > 0 {
        v["previous"] = json!({"run": run, "step": step, "before": lines.start, "tail": n});
    }
    Ok(v)
}

/// A cursor argument: a string, or a whole number.
fn cursor(args: &Map<String, Value>, key: &str) -> Result<Option<String>, Failure> {
    match args.get(key) {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        _ => super::call::optional(args, key),
    }
}
