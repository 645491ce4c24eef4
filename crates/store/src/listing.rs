//! Runs filtered and paged (`GET /api/v1/runs` of `wfc serve`), and what
//! started each run.
//!
//! A listed run's status is the stored one, but for a `running` run held
//! by a person ([`shown_status`]): that one is listed `waiting`, and
//! `status=waiting` picks it (one that `wfc pause` paused, `paused`); a
//! run read in detail says so too ([`shown`]). The store keeps `running`
//! for it (what everything that acts on a run reads: cancel, approve,
//! resume, locks).
//!
//! The trigger lives in a table of its own, `run_triggers` (schema version
//! 8): a run without a row there was started by `wfc run` (`manual`). Its
//! `origin` says where an `api` run came from (`mcp`, `dashboard`): the
//! trigger stays `api`, so `--trigger api` finds every run an API caller
//! started, whichever client it used.

use super::query::{run_row, RunRow, RUN_COLUMNS};
use crate::params;
use crate::Store;

/// How the waiting text of a step that asks a person begins once its
/// retries are used up (`on fail pause`; the run crate writes it).
const ESCALATED: &str = "waiting for a person:";

/// The trigger of a run with no recorded one.
pub const MANUAL: &str = "manual";

/// Which runs, newest first.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Any of these statuses ([`STATUSES`]); empty: any.
    pub status: Vec<String>,
    pub workflow: Option<String>,
    pub trigger: Option<String>,
    /// Whose workflow had this tag when it started ([`crate::labels`]).
    pub tag: Option<String>,
    /// Started at or after (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Started before (ms since the epoch).
    pub until_ms: Option<i64>,
    /// After this run in the order (`started_ms:id` of the last one seen).
    pub after: Option<(i64, String)>,
    /// Before this run in the order (`started_ms:id` of the first one
    /// seen): the newer page, still listed newest first.
    pub before: Option<(i64, String)>,
    /// Whose trigger contains this text, any case (`trigger` is exact).
    pub trigger_contains: Option<String>,
    /// Whose id, workflow or params (as recorded: secrets are `***`)
    /// contain this text, any case.
    pub search: Option<String>,
    /// The order; past [`Sort::Started`] a page is found by `offset`
    /// (`after` and `before` are for the start order).
    pub sort: Sort,
    /// Runs of the order skipped first.
    pub offset: usize,
    pub limit: usize,
}

/// The order of a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    #[default]
    Started,
    /// Longest first (a run still going counts its time so far).
    Duration,
    /// By status name, then newest first.
    Status,
}

/// A page of runs, each with its trigger; `next` continues after the last.
#[derive(Clone, Debug)]
pub struct Page {
    pub runs: Vec<(RunRow, String)>,
    pub next: Option<(i64, String)>,
    /// Where the newer page ends (the first run here), when there is one.
    pub prev: Option<(i64, String)>,
}

/// The statuses a run may have, as listings filter them.
pub const STATUSES: [&str; 8] = [
    "queued",
    "running",
    "waiting",
    "paused",
    "succeeded",
    "failed",
    "cancelled",
    "interrupted",
];

/// The status run `r` (an alias of `runs`) is listed with: `paused` for a
/// `running` run that `wfc pause` paused; `waiting` for a `running` run
/// with a step waiting on an attempt still open — for an approval, or a
/// check paused by `on fail pause` — rather than on a timer (a retry's
/// backoff waits after its attempt ended), or a step that failed for good
/// and waits for a person to retry, skip or abort it (`on fail pause`).
pub fn shown_status(r: &str) -> String {
    format!(
        "CASE WHEN {r}.status = 'running' AND {r}.paused_at IS NOT NULL THEN 'paused'
              WHEN {r}.status = 'running' AND EXISTS (
             SELECT 1 FROM steps s WHERE s.run_id = {r}.id AND s.status = 'waiting'
               AND (s.detail LIKE '{ESCALATED}%' OR EXISTS (
                 SELECT 1 FROM attempts a
                 WHERE a.run_id = s.run_id AND a.graph = s.graph
                   AND a.rollback_of = s.rollback_of AND a.step = s.name
                   AND a.status = 'running')))
         THEN 'waiting' ELSE {r}.status END"
    )
}

/// The steps of run `id` that hold it for a person (as [`shown_status`]
/// tells a `waiting` run), each with what it waits for, in plan order.
pub fn held(store: &Store, id: &str) -> crate::Result<Vec<(String, String)>> {
    let mut q = store.conn.prepare_cached(&format!(
        "SELECT s.name, COALESCE(s.detail, '') FROM steps s
          WHERE s.run_id = ?1 AND s.graph = 'main' AND s.status = 'waiting'
            AND (s.detail LIKE '{ESCALATED}%' OR EXISTS (
              SELECT 1 FROM attempts a
               WHERE a.run_id = s.run_id AND a.graph = s.graph
                 AND a.rollback_of = s.rollback_of AND a.step = s.name
                 AND a.status = 'running'))
          ORDER BY s.seq, s.name"
    ))?;
    let rows = q.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<crate::Result<_>>()
}

/// The status run `id`, stored as `status`, is shown with: `waiting` for
/// a `running` one held by a person, as [`shown_status`] lists it.
pub fn shown(store: &Store, id: &str, status: &str) -> crate::Result<String> {
    if status != "running" {
        return Ok(status.to_owned());
    }
    store.conn.query_row(
        &format!("SELECT {} FROM runs r WHERE r.id = ?1", shown_status("r")),
        [id],
        |r| r.get(0),
    )
}

/// Records that `trigger` started run `id`, from `origin` (the client an
/// `api` run came through: `mcp`, `dashboard`), if any, and `by` whom (an
/// API key's name, a webhook's path, a schedule's pattern), if known.
pub fn record_trigger(
    store: &Store,
    id: &str,
    trigger: &str,
    origin: Option<&str>,
    by: Option<&str>,
) -> crate::Result<()> {
    record_trigger_in(&store.conn, id, trigger, origin, by)
}

/// [`record_trigger`] on a connection (in a transaction).
pub(crate) fn record_trigger_in(
    conn: &crate::db::Db,
    id: &str,
    trigger: &str,
    origin: Option<&str>,
    by: Option<&str>,
) -> crate::Result<()> {
    conn.execute_later(
        "INSERT INTO run_triggers (run_id, trigger, origin, started_by)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (run_id) DO UPDATE SET trigger = excluded.trigger, origin = excluded.origin, started_by = excluded.started_by",
        params![id, trigger, origin, by],
    )?;
    Ok(())
}

/// Who started a run `wfc run` recorded (no row of its trigger): the CLI.
pub const CLI: &str = "cli";

/// What started a run, from where and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub trigger: String,
    /// The client an `api` run came through (`mcp`, `dashboard`).
    pub origin: Option<String>,
    /// Who: [`CLI`] for `wfc run`; `None` for a run recorded before
    /// schema 18, which did not say.
    pub by: Option<String>,
    /// The slot a schedule's or a backfill's run is for (ms since the epoch).
    pub scheduled: Option<i64>,
}

/// What started run `id`.
pub fn trigger(store: &Store, id: &str) -> crate::Result<String> {
    Ok(started_by(store, id)?.trigger)
}

/// What started run `id`, from where and by whom.
pub fn started_by(store: &Store, id: &str) -> crate::Result<Start> {
    let conn = &store.conn;
    let row = crate::db::Optional::optional(conn.query_row(
        "SELECT trigger, origin, started_by, scheduled_at FROM run_triggers WHERE run_id = ?1",
        [id],
        |r| {
            Ok(Start {
                trigger: r.get(0)?,
                origin: r.get(1)?,
                by: r.get(2)?,
                scheduled: r.get(3)?,
            })
        },
    ))?;
    Ok(row.unwrap_or_else(|| Start {
        trigger: MANUAL.to_owned(),
        origin: None,
        by: Some(CLI.to_owned()),
        scheduled: None,
    }))
}

/// The elements of the JSON array of text `array` as a table of one column,
/// `value`.
fn elements(conn: &crate::db::Db, array: &str) -> String {
    match conn.dialect() {
        crate::db::Dialect::Sqlite => format!("json_each({array})"),
        crate::db::Dialect::Postgres => {
            format!("json_array_elements_text(CAST({array} AS JSON)) AS e(value)")
        }
    }
}

/// The runs `filter` picks, newest first, at most `filter.limit`.
pub fn list(store: &Store, filter: &Filter) -> crate::Result<Page> {
    let conn = &store.conn;
    let columns: Vec<String> = RUN_COLUMNS
        .split(',')
        .map(|c| format!("r.{}", c.trim()))
        .collect();
    let sql = format!(
        "SELECT {}, COALESCE(t.trigger, '{MANUAL}'), {shown}, l.version, l.tags,
                CASE WHEN t.run_id IS NULL THEN '{CLI}' ELSE t.started_by END, t.origin FROM runs r
           LEFT JOIN run_triggers t ON t.run_id = r.id
           LEFT JOIN run_labels l ON l.run_id = r.id
          WHERE (CAST(?1 AS TEXT) IS NULL OR {shown} IN (SELECT value FROM {json_list}))
            AND (CAST(?2 AS TEXT) IS NULL OR r.workflow = ?2)
            AND (CAST(?3 AS TEXT) IS NULL OR COALESCE(t.trigger, '{MANUAL}') = ?3)
            AND (CAST(?4 AS BIGINT) IS NULL OR r.started_at >= ?4)
            AND (CAST(?5 AS BIGINT) IS NULL OR r.started_at < ?5)
            AND (CAST(?6 AS BIGINT) IS NULL OR (r.started_at, r.id) < (?6, ?7))
            AND (CAST(?9 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM {json_tags} WHERE value = ?9))
            AND (CAST(?10 AS BIGINT) IS NULL OR (r.started_at, r.id) > (?10, ?11))
            AND (CAST(?12 AS TEXT) IS NULL OR instr(lower(COALESCE(t.trigger, '{MANUAL}')), lower(?12)) > 0)
            AND (CAST(?13 AS TEXT) IS NULL OR instr(lower(r.id || ' ' || r.workflow || ' ' || r.params),
                                      lower(?13)) > 0)
            AND CAST(?15 AS BIGINT) IS NOT NULL -- now, for the duration order
          ORDER BY {first} r.started_at {dir}, r.id {dir} LIMIT ?8 OFFSET ?14",
        columns.join(", "),
        shown = shown_status("r"),
        json_list = elements(conn, "?1"),
        json_tags = elements(conn, "l.tags"),
        first = match filter.sort {
            Sort::Started => String::new(),
            Sort::Duration => "COALESCE(r.duration_ms, r.prior_ms
                + GREATEST(0, ?15 - COALESCE(r.session_started_at, r.started_at))) DESC,"
                .to_owned(),
            Sort::Status => format!("{} ASC,", shown_status("r")),
        },
        // The newer page is read oldest first from its end, then turned.
        dir = if filter.before.is_some() {
            "ASC"
        } else {
            "DESC"
        },
    );
    let statuses = (!filter.status.is_empty())
        .then(|| serde_json::to_string(&filter.status).unwrap_or_default());
    let (after_ms, after_id) = match &filter.after {
        Some((ms, id)) => (Some(*ms), Some(id.as_str())),
        None => (None, None),
    };
    let (before_ms, before_id) = match &filter.before {
        Some((ms, id)) => (Some(*ms), Some(id.as_str())),
        None => (None, None),
    };
    let mut q = conn.prepare(&sql)?;
    let rows = q.query_map(
        params![
            statuses,
            filter.workflow,
            filter.trigger,
            filter.since_ms,
            filter.until_ms,
            after_ms,
            after_id,
            // One more than asked: whether there is a next page.
            (filter.limit + 1) as i64,
            filter.tag,
            before_ms,
            before_id,
            filter.trigger_contains,
            filter.search,
            filter.offset as i64,
            super::now_ms(),
        ],
        |r| {
            let mut row = run_row(r)?;
            row.status = r.get(16)?;
            row.version = r.get(17)?;
            row.started_by = r.get(19)?;
            row.origin = r.get(20)?;
            let tags: Option<String> = r.get(18)?;
            row.tags = tags
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            Ok((row, r.get::<String>(15)?))
        },
    )?;
    let mut runs: Vec<(RunRow, String)> = rows.collect::<Result<_, _>>()?;
    let more = runs.len() > filter.limit;
    runs.truncate(filter.limit);
    let cursor = |r: Option<&(RunRow, String)>| r.map(|(r, _)| (r.started_ms, r.id.clone()));
    if filter.before.is_some() {
        runs.reverse();
        // Older: at least the run the cursor names.
        let prev = if more { cursor(runs.first()) } else { None };
        return Ok(Page {
            next: cursor(runs.last()),
            prev,
            runs,
        });
    }
    let next = if more { cursor(runs.last()) } else { None };
    // Newer: at least the run the cursor names.
    let prev = if filter.after.is_some() {
        cursor(runs.first())
    } else {
        None
    };
    Ok(Page { runs, next, prev })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(store: &crate::Store, id: &str, workflow: &str, status: &str, at: i64) {
        store
            .conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                               started_at, heartbeat_at)
             VALUES (?1, ?2, 'f.wf', '', '{}', ?3, 1, 1, 0, ?4, ?4)",
                params![id, workflow, status, at],
            )
            .unwrap();
    }

    #[test]
    fn filters_and_pages_runs_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        run(c, "a", "deploy", "succeeded", 1_000);
        run(c, "b", "deploy", "failed", 2_000);
        run(c, "c", "build", "succeeded", 3_000);
        run(c, "d", "deploy", "succeeded", 4_000);
        record_trigger(c, "d", "api", Some("mcp"), Some("alice")).unwrap();
        let ids = |p: &Page| p.runs.iter().map(|(r, _)| r.id.clone()).collect::<Vec<_>>();
        let mut f = Filter {
            workflow: Some("deploy".into()),
            limit: 2,
            ..Filter::default()
        };
        let first = list(c, &f).unwrap();
        assert_eq!(ids(&first), ["d", "b"]);
        assert_eq!(first.runs[0].1, "api");
        f.after = first.next.clone();
        let second = list(c, &f).unwrap();
        assert_eq!(ids(&second), ["a"]);
        assert!(second.next.is_none());
        let api = Filter {
            trigger: Some("api".into()),
            limit: 10,
            ..Filter::default()
        };
        assert_eq!(ids(&list(c, &api).unwrap()), ["d"]);
        let window = Filter {
            since_ms: Some(2_000),
            until_ms: Some(4_000),
            status: vec!["succeeded".into()],
            limit: 10,
            ..Filter::default()
        };
        assert_eq!(ids(&list(c, &window).unwrap()), ["c"]);
        crate::labels::record(c, "b", Some("1.2"), &["etl".into(), "nightly".into()]).unwrap();
        crate::labels::record(c, "c", None, &[]).unwrap();
        let etl = Filter {
            tag: Some("etl".into()),
            limit: 10,
            ..Filter::default()
        };
        let tagged = list(c, &etl).unwrap();
        assert_eq!(ids(&tagged), ["b"]);
        assert_eq!(tagged.runs[0].0.version.as_deref(), Some("1.2"));
        assert_eq!(tagged.runs[0].0.tags, ["etl", "nightly"]);
        assert_eq!(crate::labels::of(c, "c").unwrap(), (None, Vec::new()));
        assert_eq!(trigger(c, "a").unwrap(), MANUAL);
        let start = |trigger: &str, origin: Option<&str>, by: Option<&str>| Start {
            trigger: trigger.into(),
            origin: origin.map(Into::into),
            by: by.map(Into::into),
            scheduled: None,
        };
        assert_eq!(started_by(c, "a").unwrap(), start(MANUAL, None, Some(CLI)));
        assert_eq!(
            started_by(c, "d").unwrap(),
            start("api", Some("mcp"), Some("alice"))
        );
        let by = |p: &Page| -> Vec<Option<String>> {
            p.runs.iter().map(|(r, _)| r.started_by.clone()).collect()
        };
        let all = list(
            c,
            &Filter {
                limit: 10,
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(ids(&all), ["d", "c", "b", "a"]);
        assert_eq!(by(&all)[0].as_deref(), Some("alice"));
        assert_eq!(by(&all)[3].as_deref(), Some(CLI));
    }

    #[test]
    fn searches_trigger_text_and_pages_back_to_newer_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        for (i, id) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            run(
                c,
                id,
                if i % 2 == 0 { "Deploy" } else { "build" },
                "succeeded",
                i as i64,
            );
        }
        record_trigger(c, "e", "webhook:github", None, None).unwrap();
        let ids = |p: &Page| p.runs.iter().map(|(r, _)| r.id.clone()).collect::<Vec<_>>();
        let find = |f: Filter| list(c, &Filter { limit: 10, ..f }).unwrap();
        let deploy = find(Filter {
            search: Some("deploy".into()),
            ..Filter::default()
        });
        assert_eq!(ids(&deploy), ["e", "c", "a"]);
        let hooks = find(Filter {
            trigger_contains: Some("HUB".into()),
            ..Filter::default()
        });
        assert_eq!(ids(&hooks), ["e"]);
        let first = list(
            c,
            &Filter {
                limit: 2,
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(
            (ids(&first), first.prev.is_none()),
            (vec!["e".to_owned(), "d".into()], true)
        );
        let second = list(
            c,
            &Filter {
                limit: 2,
                after: first.next.clone(),
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(ids(&second), ["c", "b"]);
        let back = list(
            c,
            &Filter {
                limit: 2,
                before: second.prev.clone(),
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(
            (ids(&back), back.prev.is_none()),
            (vec!["e".to_owned(), "d".into()], true)
        );
        assert_eq!(back.next, first.next);
        let sorted = |sort, offset| {
            let f = Filter {
                sort,
                offset,
                limit: 2,
                ..Filter::default()
            };
            ids(&list(c, &f).unwrap())
        };
        c.conn
            .execute(
                "UPDATE runs SET duration_ms = 10 * (3 - abs(started_at - 2))",
                (),
            )
            .unwrap();
        c.conn
            .execute("UPDATE runs SET status = 'failed' WHERE id = 'b'", ())
            .unwrap();
        assert_eq!(sorted(Sort::Duration, 0), ["c", "d"]);
        assert_eq!(sorted(Sort::Duration, 2), ["b", "e"]);
        assert_eq!(sorted(Sort::Status, 0), ["b", "e"]);
    }

    /// A step of `id` waiting, its attempt `attempt` (open for a person,
    /// ended for a retry's backoff).
    fn waiting_step(store: &crate::Store, id: &str, attempt: &str) {
        let c = &store.conn;
        c.execute(
            "INSERT INTO steps (run_id, graph, name, kind, seq, status, attempts)
             VALUES (?1, 'main', 'gate', 'approval', 0, 'waiting', 1)",
            [id],
        )
        .unwrap();
        c.execute(
            "INSERT INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at)
             VALUES (?1, 'main', '', 'gate', 1, 1, ?2, 1)",
            params![id, attempt],
        )
        .unwrap();
    }

    #[test]
    fn a_run_held_by_a_person_is_listed_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let c = &store;
        run(c, "held", "deploy", "running", 1_000);
        waiting_step(c, "held", "running");
        run(c, "backoff", "deploy", "running", 2_000);
        waiting_step(c, "backoff", "failed");
        run(c, "bad", "deploy", "failed", 3_000);
        let pick = |status: &[&str]| {
            let f = Filter {
                status: status.iter().map(|s| s.to_string()).collect(),
                limit: 10,
                ..Filter::default()
            };
            list(c, &f)
                .unwrap()
                .runs
                .into_iter()
                .map(|(r, _)| format!("{} {}", r.id, r.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(&[]), ["bad failed", "backoff running", "held waiting"]);
        assert_eq!(pick(&["waiting"]), ["held waiting"]);
        assert_eq!(pick(&["running"]), ["backoff running"]);
        assert_eq!(pick(&["waiting", "failed"]), ["bad failed", "held waiting"]);
        // The store keeps `running`: what acts on a run reads it.
        assert_eq!(
            crate::control::run_status(c, "held").unwrap().as_deref(),
            Some("running")
        );
        // Read in detail (`wfc status`, the API's run), it is shown as listed.
        let status = |id| crate::query::detail(c, id).unwrap().unwrap().run.status;
        assert_eq!(
            [status("held"), status("backoff"), status("bad")],
            ["waiting", "running", "failed"]
        );
        assert_eq!(
            crate::query::head(c, "held").unwrap().unwrap().run.status,
            "waiting"
        );
    }
}
