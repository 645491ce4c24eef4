//! The webhook deliveries that started no run (schema 29): refused (no or
//! a wrong signature, a hook secret with no value, a key that may not),
//! rate-limited, paused, a bad body or bad params, a busy server, or
//! turned down by the hook's `when` — each with the status and code it was
//! answered, the reason, the sender's delivery id, and, when it may be
//! kept, the request itself (query, headers, raw body) so that an operator
//! can redeliver it once the cause is fixed (GitHub's "Recent
//! deliveries"). The newest [`KEPT`] of each hook are kept.

use super::{now_ms, Store};
use crate::db::Optional;
use crate::params;

/// How many are kept per hook: the oldest beyond go as new ones come.
pub const KEPT: i64 = 50;

/// One delivery that started nothing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FailedDelivery {
    /// What a redelivery names.
    pub id: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The hook's path: `/push`.
    pub hook: String,
    pub workflow: String,
    pub file: String,
    /// The HTTP status it was answered.
    pub status: u16,
    /// The API's code (`API001`…; `API100`: its `when` turned it down).
    pub code: String,
    pub reason: String,
    /// The sender's delivery id, when it sent one.
    pub delivery: Option<String>,
    /// The request, when it could be kept: what a redelivery sends again.
    #[serde(skip)]
    pub request: Option<KeptRequest>,
    /// Why the request was not kept (too big, it may carry a secret).
    pub not_kept: Option<String>,
}

/// A kept request: enough to send it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeptRequest {
    /// The query string, without `?`.
    pub query: Option<String>,
    /// Its headers, names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl FailedDelivery {
    /// Whether it can be sent again.
    pub fn redeliverable(&self) -> bool {
        self.request.is_some()
    }
}

/// Records `d` (its `at` is now), keeping the newest [`KEPT`] of its hook.
pub fn record(store: &Store, d: &FailedDelivery) -> crate::Result<()> {
    let (request, body) = match &d.request {
        Some(r) => (
            Some(serde_json::to_string(r).unwrap_or_default()),
            Some(r.body.clone()),
        ),
        None => (None, None),
    };
    let tx = store.conn.write()?;
    tx.execute(
        "INSERT INTO failed_deliveries
           (id, at, hook, workflow, file, status, code, reason, delivery, request, body, not_kept)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            d.id,
            now_ms(),
            d.hook,
            d.workflow,
            d.file,
            i64::from(d.status),
            d.code,
            d.reason,
            d.delivery,
            request,
            body,
            d.not_kept
        ],
    )?;
    tx.execute(
        "DELETE FROM failed_deliveries WHERE hook = ?1 AND id NOT IN
           (SELECT id FROM failed_deliveries WHERE hook = ?1 ORDER BY at DESC, id DESC LIMIT ?2)",
        params![d.hook, KEPT],
    )?;
    tx.commit()
}

const COLUMNS: &str =
    "id, at, hook, workflow, file, status, code, reason, delivery, request, body, not_kept";

fn read(r: &crate::db::Row<'_>) -> crate::Result<FailedDelivery> {
    let request: Option<String> = r.get(9)?;
    let body: Option<Vec<u8>> = r.get(10)?;
    let request = request.map(|text| {
        let mut kept: KeptRequest = serde_json::from_str(&text).unwrap_or_default();
        kept.body = body.unwrap_or_default();
        kept
    });
    let status: i64 = r.get(5)?;
    Ok(FailedDelivery {
        id: r.get(0)?,
        at: r.get(1)?,
        hook: r.get(2)?,
        workflow: r.get(3)?,
        file: r.get(4)?,
        status: u16::try_from(status).unwrap_or(0),
        code: r.get(6)?,
        reason: r.get(7)?,
        delivery: r.get(8)?,
        request,
        not_kept: r.get(11)?,
    })
}

/// The newest `limit` deliveries of `workflow`'s hooks that started
/// nothing, newest first (their bodies left out: see [`find`]).
pub fn of_workflow(
    store: &Store,
    workflow: &str,
    limit: i64,
) -> crate::Result<Vec<FailedDelivery>> {
    let mut q = store.conn.prepare(&format!(
        "SELECT {} FROM failed_deliveries WHERE workflow = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        COLUMNS.replace(", body,", ", NULL,")
    ))?;
    let rows = q.query_map(params![workflow, limit], read)?;
    rows.collect()
}

/// The delivery `id`, with its kept request and body.
pub fn find(store: &Store, id: &str) -> crate::Result<Option<FailedDelivery>> {
    store
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM failed_deliveries WHERE id = ?1"),
            params![id],
            read,
        )
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(id: &str, hook: &str, body: &[u8]) -> FailedDelivery {
        FailedDelivery {
            id: id.into(),
            at: 0,
            hook: hook.into(),
            workflow: "w".into(),
            file: "w.wf".into(),
            status: 401,
            code: "API044".into(),
            reason: "the secret has no value".into(),
            delivery: Some(format!("d-{id}")),
            request: Some(KeptRequest {
                query: Some("a=1".into()),
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_vec(),
            }),
            not_kept: None,
        }
    }

    #[test]
    fn a_delivery_is_kept_with_its_request_and_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        let body = b"{\"ref\": \"main\"}\x00\xff";
        record(&s, &failed("a1", "/push", body)).unwrap();
        let listed = of_workflow(&s, "w", 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].at > 0);
        // The list leaves bodies out; `find` gives the request whole.
        assert_eq!(listed[0].request.as_ref().unwrap().body, b"");
        let found = find(&s, "a1").unwrap().unwrap();
        let request = found.request.unwrap();
        assert_eq!(request.body, body);
        assert_eq!(request.query.as_deref(), Some("a=1"));
        assert_eq!(request.headers[0].0, "content-type");
        assert_eq!(found.status, 401);
        assert!(find(&s, "nope").unwrap().is_none());
        let mut unkept = failed("a2", "/push", b"");
        unkept.request = None;
        unkept.not_kept = Some("it may carry the secret `token`".into());
        record(&s, &unkept).unwrap();
        let found = find(&s, "a2").unwrap().unwrap();
        assert!(!found.redeliverable());
        assert_eq!(found.not_kept, unkept.not_kept);
    }

    #[test]
    fn only_the_newest_of_each_hook_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::test_store::open(dir.path());
        for i in 0..KEPT + 5 {
            record(&s, &failed(&format!("p{i:03}"), "/push", b"{}")).unwrap();
        }
        record(&s, &failed("other", "/other", b"{}")).unwrap();
        let listed = of_workflow(&s, "w", 1000).unwrap();
        let on_push = listed.iter().filter(|d| d.hook == "/push").count();
        assert_eq!(on_push as i64, KEPT);
        assert!(listed.iter().any(|d| d.id == "other"));
        // The oldest went first.
        assert!(find(&s, "p000").unwrap().is_none());
        assert!(find(&s, &format!("p{:03}", KEPT + 4)).unwrap().is_some());
    }
}
