//! `GET /runs/{id}/logs/{step}`: a step's log, whole, its tail or a page.

use super::{find_run, with_store, App};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use wfc_store::logs::read::{self, Chain, Lines};

/// The most lines one answer of a step's log holds.
pub const MAX_LOG_LINES: usize = 10_000;
/// The most bytes of text one answer of a step's log holds (lines are cut
/// at 16 KiB, [`wfc_store::logs::read::LINE_CAP`]).
pub const MAX_LOG_BYTES: usize = 4 << 20;
/// The lines of an `after` page when `limit` is not given.
const DEFAULT_LOG_LIMIT: usize = 1000;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// The last N lines (1 to 10000).
    pub tail: Option<String>,
    /// Lines from this cursor on: `0` for the first, or the
    /// `Wfc-Log-Cursor` of an earlier answer.
    pub after: Option<String>,
    /// The most lines of an `after` page (1 to 10000, default 1000).
    pub limit: Option<String>,
    /// The last lines (`tail` of them, default 1000) before this cursor:
    /// the `Wfc-Log-Start` of an earlier answer, to page backwards.
    pub before: Option<String>,
}

/// What of a step's log is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogRead {
    /// All of it, as it is on disk (streamed).
    Whole,
    /// The last N lines.
    Tail(usize),
    /// At most `limit` lines from byte offset `after` on.
    Page { after: u64, limit: usize },
    /// The last N lines before byte offset `before`.
    Before { before: u64, n: usize },
}

impl LogQuery {
    pub fn read(&self) -> Result<LogRead, Problem> {
        let lines = |what: &str, text: &str| {
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LOG_LINES).contains(n))
                .ok_or_else(|| {
                    Problem::new(
                        Code::BadRequest,
                        format!(
                            "`{what}={text}` is not a number of lines from 1 to {MAX_LOG_LINES}"
                        ),
                    )
                })
        };
        let cursor = |what: &str, text: &str| {
            text.parse::<u64>().map_err(|_| {
                Problem::new(
                    Code::BadRequest,
                    format!("`{what}={text}` is not a cursor this API gave"),
                )
            })
        };
        match (&self.tail, &self.after, &self.limit, &self.before) {
            (None, None, None, None) => Ok(LogRead::Whole),
            (Some(t), None, None, None) => Ok(LogRead::Tail(lines("tail", t)?)),
            (t, None, None, Some(b)) => Ok(LogRead::Before {
                before: cursor("before", b)?,
                n: t.as_deref()
                    .map(|t| lines("tail", t))
                    .transpose()?
                    .unwrap_or(DEFAULT_LOG_LIMIT),
            }),
            (_, _, _, Some(_)) => Err(Problem::new(
                Code::BadRequest,
                "`before` pages backwards with `tail`: `after` and `limit` page forwards",
            )),
            (Some(_), _, _, None) => Err(Problem::new(
                Code::BadRequest,
                "`tail` goes alone: `after` and `limit` page from a cursor",
            )),
            (None, after, limit, None) => {
                let after = after.as_deref().map(|a| cursor("after", a)).transpose()?;
                let limit = limit.as_deref().map(|l| lines("limit", l)).transpose()?;
                Ok(LogRead::Page {
                    after: after.unwrap_or(0),
                    limit: limit.unwrap_or(DEFAULT_LOG_LIMIT),
                })
            }
        }
    }
}

/// The log files of step `step` of run `typed`, in the order the steps
/// started (a name in two graphs has two); `API003` when it has none.
async fn log_files(
    app: &App,
    typed: String,
    step: String,
) -> Result<Vec<wfc_store::logs::Source>, Problem> {
    with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let logs = wfc_store::logs::step_logs(s, &id, Some(&step)).map_err(Problem::store)?;
        if logs.is_empty() {
            return Err(Problem::new(
                Code::NotFound,
                format!("run {id} has no log of a step `{step}`"),
            ));
        }
        Ok(logs.into_iter().map(|l| l.source).collect())
    })
    .await
}

/// Lines of step `step`'s log, `how` asks (not [`LogRead::Whole`]), in at
/// most `max_bytes` of text, and the log's length in bytes: what the API
/// and MCP's `logs` answer.
pub async fn log_lines(
    app: &App,
    typed: String,
    step: String,
    how: LogRead,
    max_bytes: usize,
) -> Result<(Lines, u64), Problem> {
    let paths = log_files(app, typed, step).await?;
    tokio::task::spawn_blocking(move || {
        let mut chain = Chain::open(&paths)?;
        let len = chain.len();
        let lines = match how {
            LogRead::Before { before, n } => read::tail_before(chain, before, n, max_bytes),
            LogRead::Tail(n) => read::tail(&mut chain, n, max_bytes),
            LogRead::Page { after, limit } => read::page(&mut chain, after, limit, max_bytes),
            LogRead::Whole => read::page(&mut chain, 0, MAX_LOG_LINES, max_bytes),
        };
        lines.map(|l| (l, len))
    })
    .await
    .map_err(Problem::store)?
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => Problem::new(
            Code::BadRequest,
            format!("`after` or `before` is not a cursor this API gave: {e}"),
        ),
        _ => Problem::store(e),
    })
}

/// The log of step `step` of a run (every attempt, as `wfc logs RUN STEP`):
/// all of it streamed from disk, or the last `tail` lines (before a cursor
/// with `before`), or a page of `limit` lines `after` a cursor. A tail or a
/// page holds at most 10,000 lines and 4 MiB (a line is cut at 16 KiB) and
/// says where the next page starts (`Wfc-Log-Cursor`, a `Link`
/// `rel="next"`), where its first line starts (`Wfc-Log-Start`, and a
/// `Link` `rel="prev"` when lines come before it) and the log's length
/// (`Wfc-Log-Size`).
#[utoipa::path(get, path = "/api/v1/runs/{id}/logs/{step}", operation_id = "getStepLog", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("step" = String, Path, description = "the step (an instance name such as `ship[eu-west]`)"), LogQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn logs(
    State(app): State<App>,
    Path((id, step)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> Result<Response, Problem> {
    const TEXT: &str = "text/plain; charset=utf-8";
    let how = q.read()?;
    if how == LogRead::Whole {
        let paths = log_files(&app, id, step).await?;
        let chain = tokio::task::spawn_blocking(move || Chain::open(&paths))
            .await
            .map_err(Problem::store)?
            .map_err(Problem::store)?;
        let len = chain.len();
        let body = axum::body::Body::from_stream(whole(chain));
        return Ok((
            [
                (header::CONTENT_TYPE, TEXT.to_owned()),
                (header::CONTENT_LENGTH, len.to_string()),
            ],
            body,
        )
            .into_response());
    }
    let limit = match how {
        LogRead::Tail(n) | LogRead::Page { limit: n, .. } | LogRead::Before { n, .. } => n,
        LogRead::Whole => MAX_LOG_LINES,
    };
    let (lines, size) = log_lines(&app, id, step, how, MAX_LOG_BYTES).await?;
    let mut links = vec![format!(
        "<?after={}&limit={limit}>; rel=\"next\"",
        lines.end
    )];
    if lines.start > 0 {
        links.push(format!(
            "<?before={}&tail={limit}>; rel=\"prev\"",
            lines.start
        ));
    }
    let name = header::HeaderName::from_static;
    Ok((
        [
            (header::CONTENT_TYPE, TEXT.to_owned()),
            (name("wfc-log-cursor"), lines.end.to_string()),
            (name("wfc-log-start"), lines.start.to_string()),
            (name("wfc-log-size"), size.to_string()),
            (header::LINK, links.join(", ")),
        ],
        lines.text(),
    )
        .into_response())
}

/// The bytes of `chain`, a chunk at a time (read on a blocking thread),
/// as the connection takes them.
pub fn whole(chain: Chain) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures::stream::unfold(Some(chain), |chain| async move {
        let mut chain = chain?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; read::CHUNK];
            let n = std::io::Read::read(&mut chain, &mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((chain, buf))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        match read {
            Ok((_, buf)) if buf.is_empty() => None,
            Ok((chain, buf)) => Some((Ok(buf.into()), Some(chain))),
            Err(e) => Some((Err(e), None)),
        }
    })
}
