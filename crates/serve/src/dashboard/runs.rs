//! `/runs`: the runs, filtered by status, workflow, trigger (any part of
//! it), tag, a text searched in ids, workflows and params, and a range of
//! days, newest first (or longest, or by status), a page at a time both ways (the API's listing,
//! [`wfc_store::listing`]), each with its workflow's `version` and `tags` as
//! they were when it started and where it came from. One run's page is
//! [`super::run_page`].

use super::session::Session;
use super::{Dash, BAD_FILTER, STORE};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};
use wfc_store::listing::{self, Filter, Sort};

/// Runs per page.
const PAGE: usize = 50;

/// The statuses a run can have, for the filter.
use wfc_store::listing::STATUSES;

#[derive(Deserialize, Serialize, Default)]
pub struct RunsQuery {
    status: Option<String>,
    workflow: Option<String>,
    trigger: Option<String>,
    /// Runs whose workflow had this tag when they started.
    tag: Option<String>,
    /// Text searched in ids, workflows and params.
    q: Option<String>,
    /// Started on or after this day (`YYYY-MM-DD`, UTC).
    since: Option<String>,
    /// Started on or before this day (`YYYY-MM-DD`, UTC).
    until: Option<String>,
    /// Reload the page every 10 s (`1`).
    refresh: Option<String>,
    /// `started` (newest first, the default), `duration` or `status`.
    sort: Option<String>,
    /// The page of a `duration` or `status` order (from 0).
    page: Option<String>,
    cursor: Option<String>,
    /// The newer page: the runs before this cursor.
    before: Option<String>,
}

/// A run as a row of the list.
#[derive(Serialize)]
struct RunLine {
    id: String,
    workflow: String,
    status: String,
    trigger: String,
    /// The client an `api` run came through (`dashboard`, `mcp`).
    origin: Option<String>,
    /// Who started it (a key's name, a webhook's path, `cli`…).
    by: Option<String>,
    started: String,
    duration: String,
    version: Option<String>,
    tags: Vec<String>,
}

/// An empty field of the filter form means "any".
fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `GET /runs`.
pub async fn list(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(q): Query<RunsQuery>,
) -> Response {
    let q = RunsQuery {
        status: given(q.status),
        workflow: given(q.workflow),
        trigger: given(q.trigger),
        tag: given(q.tag),
        q: given(q.q),
        since: given(q.since),
        until: given(q.until),
        refresh: given(q.refresh),
        sort: given(q.sort).filter(|s| s != "started"),
        page: given(q.page),
        cursor: given(q.cursor),
        before: given(q.before),
    };
    let bad =
        |detail: String| dash.error(StatusCode::BAD_REQUEST, BAD_FILTER, &detail, Some(&session));
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return bad(format!(
            "`status={s}` is not one of {}",
            STATUSES.join(", ")
        ));
    }
    let (after, before) = match (
        q.cursor.as_deref().map(cursor).transpose(),
        q.before.as_deref().map(cursor).transpose(),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(c), _) | (_, Err(c)) => return bad(format!("`cursor={c}` is not one this page gave")),
    };
    let sort = match q.sort.as_deref() {
        None => Sort::Started,
        Some("duration") => Sort::Duration,
        Some("status") => Sort::Status,
        Some(other) => {
            return bad(format!(
                "`sort={other}` is not one of started, duration, status"
            ))
        }
    };
    let number = match q.page.as_deref().map(str::parse::<usize>).transpose() {
        Ok(n) if n.unwrap_or(0) <= 10_000 => n.unwrap_or(0),
        _ => return bad("`page` is not a page number this page gave".to_owned()),
    };
    let mut days = [None, None];
    for (slot, (name, value, end)) in days.iter_mut().zip([
        ("since", q.since.as_deref(), false),
        ("until", q.until.as_deref(), true),
    ]) {
        if let Some(v) = value {
            match day_ms(v) {
                Some(ms) => *slot = Some(if end { ms + DAY_MS } else { ms }),
                None => return bad(format!("`{name}={v}` is not a day (YYYY-MM-DD)")),
            }
        }
    }
    let filter = Filter {
        status: q.status.clone().into_iter().collect(),
        workflow: q.workflow.clone(),
        trigger_contains: q.trigger.clone(),
        tag: q.tag.clone(),
        search: q.q.clone(),
        since_ms: days[0],
        until_ms: days[1],
        after: if before.is_some() || sort != Sort::Started {
            None
        } else {
            after
        },
        before: before.filter(|_| sort == Sort::Started),
        sort,
        offset: if sort == Sort::Started {
            0
        } else {
            number * PAGE
        },
        limit: PAGE,
        ..Filter::default()
    };
    let dir = dash.app.launcher.state_dir().to_path_buf();
    type Listed = Option<(listing::Page, Vec<Option<String>>)>;
    let page = tokio::task::spawn_blocking(move || -> Result<Listed, String> {
        let Some(s) = wfc_store::Store::open_existing(&dir)? else {
            return Ok(None);
        };
        let page = listing::list(&s, &filter).map_err(|e| e.to_string())?;
        let origins = page
            .runs
            .iter()
            .map(|(r, _)| listing::started_by(&s, &r.id).ok().and_then(|s| s.origin))
            .collect();
        Ok(Some((page, origins)))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let page = match page {
        Ok(p) => p,
        Err(e) => return dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    };
    let (runs, origins, next, prev) = match page {
        Some((p, origins)) => (p.runs, origins, p.next, p.prev),
        None => (Vec::new(), Vec::new(), None, None),
    };
    let runs: Vec<RunLine> = runs
        .into_iter()
        .zip(origins)
        .map(|((r, trigger), origin)| RunLine {
            origin,
            by: r.started_by,
            started: r.started_at,
            duration: duration(r.duration_seconds),
            id: r.id,
            workflow: r.workflow,
            status: r.status,
            trigger,
            version: r.version,
            tags: r.tags,
        })
        .collect();
    let (next, prev) = if sort == Sort::Started {
        (
            next.map(|(ms, id)| page_url(&q, "cursor", &format!("{ms}:{id}"))),
            prev.map(|(ms, id)| page_url(&q, "before", &format!("{ms}:{id}"))),
        )
    } else {
        // Another order pages by number.
        (
            next.map(|_| page_url(&q, "page", &(number + 1).to_string())),
            (number > 0).then(|| page_url(&q, "page", &(number - 1).to_string())),
        )
    };
    let mut workflow_names: Vec<String> = dash
        .app
        .catalog
        .workflows()
        .into_iter()
        .map(|w| w.name)
        .collect();
    workflow_names.dedup();
    dash.render(
        "runs.html",
        "runs",
        Some(&session),
        minijinja::context! {
            runs, next, prev, filter => q, statuses => STATUSES, workflow_names,
            refresh => q.refresh.is_some() && q.cursor.is_none() && q.before.is_none()
                && q.page.is_none(),
            sorts => ["started", "duration", "status"],
            operator => session.role == crate::keys::Role::Operator,
        },
    )
}

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// The start of day `YYYY-MM-DD` (UTC), in ms since the epoch.
fn day_ms(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let shifted = if m <= 2 { y - 1 } else { y };
    let era = shifted.div_euclid(400);
    let yoe = shifted - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // A day the month does not have (`02-30`) comes back another day.
    (wfc_contract::time::civil(days) == (y, m as u32, d as u32)).then_some(days * DAY_MS)
}

/// `started_ms:id`, as the page's "Older runs" link gives it.
fn cursor(text: &str) -> Result<(i64, String), &str> {
    text.split_once(':')
        .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_owned())))
        .ok_or(text)
}

/// Another page's URL: the same filter, `key` (`cursor` for older runs,
/// `before` for newer ones) at `cursor`.
fn page_url(q: &RunsQuery, key: &str, cursor: &str) -> String {
    let mut url = String::from("/runs?");
    let pairs = [
        ("status", q.status.as_deref()),
        ("workflow", q.workflow.as_deref()),
        ("trigger", q.trigger.as_deref()),
        ("tag", q.tag.as_deref()),
        ("q", q.q.as_deref()),
        ("since", q.since.as_deref()),
        ("until", q.until.as_deref()),
        ("sort", q.sort.as_deref()),
        (key, Some(cursor)),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            url.push_str(&format!("{name}={}&", encode(v)));
        }
    }
    url.pop();
    url
}

/// Percent-encodes a query value.
pub(super) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `1.5s`, `2m 05s`, `1h 02m`.
pub(super) fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        return format!("{s:.1}s");
    }
    let whole = s as u64;
    if whole < 3600 {
        format!("{}m {:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h {:02}m", whole / 3600, whole % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_utc_midnights_and_bad_ones_refused() {
        assert_eq!(day_ms("1970-01-02"), Some(DAY_MS));
        assert_eq!(day_ms("2024-03-01"), Some(1_709_251_200_000));
        for bad in ["2024-02-30", "2024-13-01", "yesterday", "2024-1"] {
            assert_eq!(day_ms(bad), None, "{bad}");
        }
    }
}
