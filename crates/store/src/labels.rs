//! What labels a run: its workflow's `version` and `tags` settings as they
//! were when it started (`run_labels`, schema version 13), so that
//! `wfc history --tag` and the API's `tag=` find runs by them after the
//! file changed. A run whose workflow set neither has no row.

use crate::db::Optional;
use crate::params;
use crate::Store;

/// Records run `id`'s labels (nothing when there are none).
pub fn record(
    store: &Store,
    id: &str,
    version: Option<&str>,
    tags: &[String],
) -> crate::Result<()> {
    record_in(&store.conn, id, version, tags)
}

/// [`record`] on a connection (in a transaction).
pub(crate) fn record_in(
    conn: &crate::db::Db,
    id: &str,
    version: Option<&str>,
    tags: &[String],
) -> crate::Result<()> {
    if version.is_none() && tags.is_empty() {
        return Ok(());
    }
    let tags = serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned());
    conn.execute_later(
        "INSERT INTO run_labels (run_id, version, tags) VALUES (?1, ?2, ?3) ON CONFLICT (run_id) DO UPDATE SET version = excluded.version, tags = excluded.tags",
        params![id, version, tags],
    )?;
    Ok(())
}

/// Run `id`'s version and tags.
pub fn of(store: &Store, id: &str) -> crate::Result<(Option<String>, Vec<String>)> {
    let row: Option<(Option<String>, String)> = store
        .conn
        .query_row(
            "SELECT version, tags FROM run_labels WHERE run_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map_or((None, Vec::new()), |(v, t)| {
        (v, serde_json::from_str(&t).unwrap_or_default())
    }))
}
