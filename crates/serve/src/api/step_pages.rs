//! A run with a page of its steps: what `GET /runs/{id}` answers by
//! default, and MCP's `run_status` (issue 52: a 2,000-step run's answer
//! was megabytes). The run's own fields, how many steps have each status,
//! a page of steps ([`wfc_store::query::pages`]: keys first, then rows, so
//! memory follows the page) and, when more follow, the cursor of the next
//! page and its URL. `?steps=all` still gives every step in one answer,
//! written as it is sent ([`super::run_detail`]).

use super::runs::queued;
use super::{find_run, with_store, App};
use crate::problem::{Code, Problem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use utoipa::{IntoParams, ToSchema};
use wfc_store::query::pages::{RunSteps, StepQuery};
use wfc_store::query::RunDetail;

/// A step's statuses, as `steps=` names them: `pending` for a planned step
/// that has not started, the others as recorded.
pub const STEP_STATUSES: &[&str] = &[
    "pending",
    "running",
    "waiting",
    "succeeded",
    "failed",
    "timed_out",
    "cancelled",
    "skipped",
    "not_run",
    "interrupted",
];

/// The most steps one page of the API holds, and its default.
pub const MAX_STEP_LIMIT: usize = 1000;
pub const DEFAULT_STEP_LIMIT: usize = 200;
/// The most bytes of steps one page of the API holds (at least one step).
pub const PAGE_BYTES: usize = 1 << 20;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Which steps: absent, every step a page at a time; `all`, every step
    /// in one answer (as `wfc status --format json`); `none`, only their
    /// counts; or statuses, comma-separated (`failed,running`; `pending`
    /// for steps not started), those steps a page at a time.
    pub steps: Option<String>,
    /// Steps per page (1 to 1000, default 200).
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// What of a run's steps is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Steps {
    /// Every step in one answer.
    All,
    /// A page (`limit` 0: none, only the counts).
    Page {
        statuses: Option<Vec<String>>,
        from: usize,
        limit: usize,
    },
}

impl RunQuery {
    /// What is asked, pages of `default` steps unless `limit` says (at most
    /// `max`); `API005` for what is not a valid ask.
    pub fn read(&self, default: usize, max: usize) -> Result<Steps, Problem> {
        let bad = |detail: String| Problem::new(Code::BadRequest, detail);
        let statuses = match self.steps.as_deref() {
            Some("all") => {
                if self.limit.is_some() || self.cursor.is_some() {
                    return Err(bad(
                        "`steps=all` gives every step in one answer: `limit` and `cursor` page the others".into(),
                    ));
                }
                return Ok(Steps::All);
            }
            Some("none") => {
                return Ok(Steps::Page {
                    statuses: None,
                    from: 0,
                    limit: 0,
                })
            }
            None => None,
            Some(list) => {
                let mut statuses: Vec<String> = Vec::new();
                for s in list.split(',').map(str::trim) {
                    if !STEP_STATUSES.contains(&s) {
                        return Err(bad(format!(
                            "`steps={list}`: `{s}` is not a step status; use `all`, `none` or statuses among {}",
                            STEP_STATUSES.join(", ")
                        )));
                    }
                    statuses.push(s.to_owned());
                }
                Some(statuses)
            }
        };
        let limit = match self.limit.as_deref() {
            None => default,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    bad(format!(
                        "`limit={l}` is not a number of steps from 1 to {max}"
                    ))
                })?,
        };
        let from = match self.cursor.as_deref() {
            None => 0,
            Some(c) => c.parse::<usize>().map_err(|_| {
                bad(format!(
                    "`cursor={c}` is not a cursor this API gave (an answer's `next_cursor`)"
                ))
            })?,
        };
        Ok(Steps::Page {
            statuses,
            from,
            limit,
        })
    }
}

/// Pages of runs of more than this many planned steps take a permit of
/// [`PAGING`]: finding the steps a big plan has not started holds a few MB
/// (~8 MB at 40,000 steps), so a read key's many requests at once wait
/// their turn instead of adding them up.
const BIG_RUN: i64 = 2_000;
const PAGES_AT_ONCE: usize = 4;
static PAGING: Semaphore = Semaphore::const_new(PAGES_AT_ONCE);
/// How long a request waits for a permit before its 503.
const PERMIT_WAIT: Duration = Duration::from_secs(5);

/// A permit to page big run `id`, or a 503 (`API008`) after [`PERMIT_WAIT`].
async fn permit(id: &str) -> Result<SemaphorePermit<'static>, Problem> {
    match tokio::time::timeout(PERMIT_WAIT, PAGING.acquire()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(Problem {
            retry_after: Some(PERMIT_WAIT.as_secs()),
            ..Problem::new(
                Code::Busy,
                format!("run {id} is big and {PAGES_AT_ONCE} pages of big runs are being read: try again"),
            )
        }),
    }
}

/// A run with a page of its steps (`step_list`); with `steps=all`, every
/// step and neither `step_counts` nor `step_total`.
#[derive(Serialize, ToSchema)]
pub struct RunStepPage {
    #[serde(flatten)]
    pub run: RunDetail,
    /// Interrupted and queued to be resumed by this server (absent: not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub queued_for_resume: bool,
    /// How many steps have each status, over the whole run.
    #[schema(required = false)]
    pub step_counts: BTreeMap<String, usize>,
    /// How many steps the ask chose, over every page.
    #[schema(required = false)]
    pub step_total: usize,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The next page's URL; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Run `typed` with the page `statuses`, `from` and `limit` ask of its
/// steps, in at most `max_bytes` of steps.
pub async fn read(
    app: &App,
    typed: String,
    statuses: Option<Vec<String>>,
    from: usize,
    limit: usize,
    max_bytes: usize,
) -> Result<RunStepPage, Problem> {
    let ask = StepQuery {
        statuses,
        from,
        limit,
        max_bytes,
    };
    Ok(read_then(app, typed, ask, |_, _| Ok(())).await?.0)
}

/// [`read`] with `ask`, then `then` on the same run's steps and that
/// page, in the same read of the store (the plan's steps not started are
/// found once): the pages of a summary.
pub async fn read_then<T: Send + 'static>(
    app: &App,
    typed: String,
    ask: StepQuery,
    then: impl FnOnce(&RunSteps, &RunStepPage) -> Result<T, Problem> + Send + 'static,
) -> Result<(RunStepPage, T), Problem> {
    let (statuses, limit) = (ask.statuses.clone(), ask.limit);
    let (id, steps) = with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let run = wfc_store::query::run(s, &id).map_err(Problem::store)?;
        Ok((id, run.map_or(0, |r| r.steps)))
    })
    .await?;
    let _permit = match steps > BIG_RUN {
        true => Some(permit(&id).await?),
        false => None,
    };
    let (id, page, more) = with_store(app, move |s| {
        let mut run = wfc_store::query::head(s, &id)
            .map_err(Problem::store)?
            .ok_or_else(|| Problem::new(Code::NotFound, format!("run {id} vanished")))?;
        run.trigger = Some(wfc_store::listing::trigger(s, &id).map_err(Problem::store)?);
        let steps = RunSteps::open(s, &id).map_err(Problem::store)?;
        let counts = steps.counts().map_err(Problem::store)?;
        let q = ask;
        let (total, next) = if limit == 0 {
            let total = match &statuses {
                None => counts.values().sum(),
                Some(s) => s.iter().filter_map(|s| counts.get(s)).sum(),
            };
            (total, None)
        } else {
            let page = steps.page(&q).map_err(Problem::store)?;
            run.step_list = page.steps;
            (page.total, page.next)
        };
        let next = next.map(|n| {
            let mut url = format!("{}/runs/{id}?cursor={n}&limit={limit}", super::PREFIX);
            if let Some(s) = &statuses {
                url.push_str(&format!("&steps={}", s.join(",")));
            }
            (n.to_string(), url)
        });
        let (next_cursor, next) = next.unzip();
        let page = RunStepPage {
            run,
            queued_for_resume: false,
            step_counts: counts,
            step_total: total,
            next_cursor,
            next,
        };
        let more = then(&steps, &page)?;
        Ok((id, page, more))
    })
    .await?;
    let page = RunStepPage {
        queued_for_resume: queued(app, &id),
        ..page
    };
    Ok((page, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(
        steps: Option<&str>,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Steps, String> {
        let q = RunQuery {
            steps: steps.map(Into::into),
            limit: limit.map(Into::into),
            cursor: cursor.map(Into::into),
        };
        q.read(200, 1000).map_err(|p| p.detail)
    }

    #[test]
    fn asks_are_read_and_bad_ones_refused() {
        let page = |statuses: Option<Vec<&str>>, from, limit| {
            Ok(Steps::Page {
                statuses: statuses.map(|s| s.into_iter().map(Into::into).collect()),
                from,
                limit,
            })
        };
        assert_eq!(ask(None, None, None), page(None, 0, 200));
        assert_eq!(ask(Some("all"), None, None), Ok(Steps::All));
        assert_eq!(ask(Some("none"), None, None), page(None, 0, 0));
        assert_eq!(
            ask(Some("failed,running"), Some("10"), Some("30")),
            page(Some(vec!["failed", "running"]), 30, 10)
        );
        for (steps, limit, cursor, says) in [
            (Some("broken"), None, None, "`broken` is not a step status"),
            (Some("all"), Some("5"), None, "`steps=all` gives every step"),
            (
                None,
                Some("0"),
                None,
                "`limit=0` is not a number of steps from 1 to 1000",
            ),
            (None, Some("1001"), None, "from 1 to 1000"),
            (None, None, Some("x"), "`cursor=x` is not a cursor"),
        ] {
            let e = ask(steps, limit, cursor).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
