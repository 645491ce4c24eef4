//! The firings a trigger's `when` turned down (schema 10): a webhook
//! delivery, a schedule's slot or a change trigger's batch that started no
//! run, with the reason, so "why did my push not deploy?" has an answer
//! (`GET /api/v1/workflows/{name}/ignored`).

use super::{now_ms, Store};
use crate::params;

/// How many are kept per workflow: the oldest beyond go as new ones come.
pub const KEPT: i64 = 1000;

/// One firing that started nothing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    /// Milliseconds since the epoch.
    pub at: i64,
    pub file: String,
    pub workflow: String,
    /// `webhook /push`, `schedule 0 2 * * *`, `change in/*.csv`.
    pub trigger: String,
    pub reason: String,
    /// The sender's delivery id, for a webhook that sent one.
    pub delivery: Option<String>,
}

/// Records `firing` (its `at` is now), keeping the newest [`KEPT`] of its workflow.
pub fn record(store: &Store, firing: &Ignored) -> crate::Result<()> {
    store.conn.execute(
        "INSERT INTO ignored_firings (at, file, workflow, trigger, reason, delivery)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            now_ms(),
            firing.file,
            firing.workflow,
            firing.trigger,
            firing.reason,
            firing.delivery
        ],
    )?;
    store.conn.execute(
        "DELETE FROM ignored_firings WHERE workflow = ?1 AND rowid NOT IN
           (SELECT rowid FROM ignored_firings WHERE workflow = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2)",
        params![firing.workflow, KEPT],
    )?;
    Ok(())
}

/// The newest `limit` firings of `workflow` that started nothing, newest first.
pub fn of_workflow(store: &Store, workflow: &str, limit: i64) -> crate::Result<Vec<Ignored>> {
    let mut q = store.conn.prepare(
        "SELECT at, file, workflow, trigger, reason, delivery FROM ignored_firings
         WHERE workflow = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = q.query_map(params![workflow, limit], |r| {
        Ok(Ignored {
            at: r.get(0)?,
            file: r.get(1)?,
            workflow: r.get(2)?,
            trigger: r.get(3)?,
            reason: r.get(4)?,
            delivery: r.get(5)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_firings_are_kept_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        let firing = |reason: &str| Ignored {
            at: 0,
            file: "f.wf".into(),
            workflow: "w".into(),
            trigger: "webhook /push".into(),
            reason: reason.into(),
            delivery: Some("d1".into()),
        };
        record(&s, &firing("first")).unwrap();
        record(&s, &firing("second")).unwrap();
        let got = of_workflow(&s, "w", 10).unwrap();
        let reasons: Vec<&str> = got.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons, ["second", "first"]);
        assert!(got[0].at > 0);
        assert!(of_workflow(&s, "other", 10).unwrap().is_empty());
    }
}
