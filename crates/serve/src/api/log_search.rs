//! `GET /runs/{id}/logs/{step}/search` and `GET /runs/{id}/search`: a
//! step's whole log, or every step's of a run, searched on the server
//! ([`wfc_store::logs::search`]): at most `limit` matches and a budget of
//! bytes and time an answer, with a cursor to the next page, so memory
//! and time stay bounded whatever the log's size or the key asks.

use super::{find_run, with_store, App};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wfc_store::logs::read::Chain;
use wfc_store::logs::search::{self, Budget, Cursor, Found, Pattern};
use wfc_store::logs::Source;

/// Matches an answer holds when `limit` is not given, and at most.
pub const DEFAULT_MATCHES: usize = 100;
pub const MAX_MATCHES: usize = 1000;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for: a substring of a line (its escape sequences out),
    /// or a regex with `regex=true`; at most 1024 bytes.
    pub q: Option<String>,
    /// `true`: `q` is a regex (Rust's `regex` syntax, compiled to at most 1 MiB).
    pub regex: Option<bool>,
    /// `true`: letters match either case.
    pub ignore_case: Option<bool>,
    /// Where to go on: an earlier answer's `next`.
    pub after: Option<String>,
    /// The most matches (1 to 1000, default 100).
    pub limit: Option<String>,
}

impl SearchQuery {
    /// The pattern, or `API150`.
    pub fn pattern(&self) -> Result<Pattern, Problem> {
        let q = self.q.as_deref().unwrap_or("");
        Pattern::new(
            q,
            self.regex.unwrap_or(false),
            self.ignore_case.unwrap_or(false),
        )
        .map_err(|e| Problem::new(Code::BadPattern, e.to_string()))
    }

    pub fn limit(&self) -> Result<usize, Problem> {
        let Some(l) = &self.limit else {
            return Ok(DEFAULT_MATCHES);
        };
        l.parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_MATCHES).contains(n))
            .ok_or_else(|| {
                Problem::new(
                    Code::BadRequest,
                    format!("`limit={l}` is not a number of matches from 1 to {MAX_MATCHES}"),
                )
            })
    }
}

fn bad_cursor(text: &str) -> Problem {
    Problem::new(
        Code::BadRequest,
        format!("`after={text}` is not a cursor this API gave"),
    )
}

/// A line that matched.
#[derive(Serialize, ToSchema, Debug)]
pub struct LogMatch {
    /// Its number in the step's log, from 1 (`#L120` on the step's page).
    pub line: u64,
    /// The line as the log has it (cut at 16 KiB), escape sequences kept.
    pub text: String,
}

/// A page of a step log's matches.
#[derive(Serialize, ToSchema, Debug)]
pub struct LogSearch {
    pub matches: Vec<LogMatch>,
    /// The cursor of the next page (`after`); absent at the log's end.
    pub next: Option<String>,
    /// The bytes of log this answer read.
    pub scanned: u64,
}

/// A line that matched in one of a run's steps.
#[derive(Serialize, ToSchema, Debug)]
pub struct RunMatch {
    pub step: String,
    pub line: u64,
    pub text: String,
}

/// A page of a run's matches.
#[derive(Serialize, ToSchema, Debug)]
pub struct RunSearch {
    pub matches: Vec<RunMatch>,
    /// The cursor of the next page (`after`); absent past the last step.
    pub next: Option<String>,
    pub scanned: u64,
}

/// The logs of the steps of run `typed` (of `step` only, if given),
/// each step's sources chained as its page shows them, by the step's
/// first start; the run's id.
pub async fn step_sources(
    app: &App,
    typed: String,
    step: Option<String>,
) -> Result<(String, Vec<(String, Vec<Source>)>), Problem> {
    with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let logs = wfc_store::logs::step_logs(s, &id, step.as_deref()).map_err(Problem::store)?;
        let mut steps: Vec<(String, Vec<Source>)> = Vec::new();
        for l in logs {
            match steps.iter_mut().find(|(n, _)| *n == l.name) {
                Some((_, sources)) => sources.push(l.source),
                None => steps.push((l.name, vec![l.source])),
            }
        }
        if let (Some(step), true) = (&step, steps.is_empty()) {
            return Err(Problem::new(
                Code::NotFound,
                format!("run {id} has no log of a step `{step}`"),
            ));
        }
        Ok((id, steps))
    })
    .await
}

fn io_problem(e: std::io::Error) -> Problem {
    match e.kind() {
        std::io::ErrorKind::InvalidInput => Problem::new(
            Code::BadRequest,
            format!("`after` is not a cursor this API gave: {e}"),
        ),
        _ => Problem::store(e),
    }
}

/// Searches `sources` (one step's) from `from` on a blocking thread.
pub async fn search_sources(
    sources: Vec<Source>,
    from: Cursor,
    pattern: Pattern,
    limit: usize,
) -> Result<Found, Problem> {
    tokio::task::spawn_blocking(move || {
        let mut chain = Chain::open(&sources)?;
        search::search(&mut chain, from, &pattern, limit, Budget::default())
    })
    .await
    .map_err(Problem::store)?
    .map_err(io_problem)
}

/// Matches of `q` in step `step`'s whole log (every attempt), a page at a
/// time: at most `limit`, and what 256 MiB or 2 s of reading finds (an
/// answer may hold fewer, even none, with a `next`: go on from there).
/// Lines are numbered from 1 and matched without their escape sequences.
#[utoipa::path(get, path = "/api/v1/runs/{id}/logs/{step}/search", operation_id = "searchStepLog", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("step" = String, Path, description = "the step (an instance name such as `ship[eu-west]`)"), SearchQuery),
    responses((status = 200, body = LogSearch), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn step(
    State(app): State<App>,
    Path((id, step)): Path<(String, String)>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<LogSearch>, Problem> {
    let pattern = q.pattern()?;
    let limit = q.limit()?;
    let from = match &q.after {
        Some(a) => Cursor::parse(a).ok_or_else(|| bad_cursor(a))?,
        None => Cursor::START,
    };
    let (_, mut steps) = step_sources(&app, id, Some(step)).await?;
    let sources = steps.pop().map(|s| s.1).unwrap_or_default();
    let found = search_sources(sources, from, pattern, limit).await?;
    Ok(Json(LogSearch {
        matches: found
            .matches
            .into_iter()
            .map(|m| LogMatch {
                line: m.line,
                text: m.text,
            })
            .collect(),
        next: found.next.map(|c| c.to_string()),
        scanned: found.scanned,
    }))
}

/// Matches of `q` in every step's log of a run, step by step in the
/// order they started, bounded as a step's search is (one budget for the
/// answer, whatever the steps): `next` goes on where it stopped.
#[utoipa::path(get, path = "/api/v1/runs/{id}/search", operation_id = "searchRunLogs", tag = "runs",
    params(("id" = String, Path, description = "the run"), SearchQuery),
    responses((status = 200, body = RunSearch), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn run(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<RunSearch>, Problem> {
    let pattern = q.pattern()?;
    let limit = q.limit()?;
    let (first, from) = run_cursor(q.after.as_deref())?;
    let (_, steps) = step_sources(&app, id, None).await?;
    tokio::task::spawn_blocking(move || search_run(steps, first, from, &pattern, limit))
        .await
        .map_err(Problem::store)?
        .map(Json)
}

/// The run-wide cursor `STEP:LINE-OFFSET` (the step's index in the run's
/// list, then its cursor), or `API005`.
pub fn run_cursor(after: Option<&str>) -> Result<(usize, Cursor), Problem> {
    match after {
        Some(a) => a
            .split_once(':')
            .and_then(|(i, c)| Some((i.parse::<usize>().ok()?, Cursor::parse(c)?)))
            .ok_or_else(|| bad_cursor(a)),
        None => Ok((0, Cursor::START)),
    }
}

/// Searches `steps` (as [`step_sources`] lists them) from step `first`'s
/// cursor `from` on, one budget and `limit` for them all (blocking).
pub fn search_run(
    steps: Vec<(String, Vec<Source>)>,
    first: usize,
    from: Cursor,
    pattern: &Pattern,
    limit: usize,
) -> Result<RunSearch, Problem> {
    let total = Budget::default();
    let started = std::time::Instant::now();
    let mut out = RunSearch {
        matches: Vec::new(),
        next: None,
        scanned: 0,
    };
    for (i, (name, sources)) in steps.into_iter().enumerate().skip(first) {
        let at = if i == first { from } else { Cursor::START };
        let left = Budget {
            bytes: total.bytes.saturating_sub(out.scanned),
            time: total.time.saturating_sub(started.elapsed()),
        };
        if out.matches.len() >= limit || left.bytes == 0 || left.time.is_zero() {
            out.next = Some(format!("{i}:{at}"));
            break;
        }
        let mut chain = Chain::open(&sources).map_err(Problem::store)?;
        let found = search::search(&mut chain, at, pattern, limit - out.matches.len(), left)
            .map_err(io_problem)?;
        out.scanned += found.scanned;
        out.matches
            .extend(found.matches.into_iter().map(|m| RunMatch {
                step: name.clone(),
                line: m.line,
                text: m.text,
            }));
        if let Some(next) = found.next {
            out.next = Some(format!("{i}:{next}"));
            break;
        }
    }
    Ok(out)
}
