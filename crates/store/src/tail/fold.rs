//! [`catch_up`]: a running run's journal folded into the store by a reader
//! who was told the run wrote, so that what it reads is the present.

use crate::{journal, Store};

/// Folds run `run`'s journal into the store (see `journal::fold`) if it
/// holds bytes the store has not taken yet; nothing otherwise, so that
/// many readers told of the same turn take the write lock once between
/// them. Folding is idempotent: the run's own folds and this one take
/// turns, each turn applied once. Whether it folded any turn.
pub fn catch_up(store: &Store, run: &str) -> crate::Result<bool> {
    let Some(path) = journal::path(&store.conn, run) else {
        return Ok(false);
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(false);
    };
    let folded: i64 = store.conn.query_row(
        "SELECT COALESCE((SELECT bytes FROM journal WHERE run_id = ?1), 0)",
        [run],
        |r| r.get(0),
    )?;
    if meta.len() <= folded.max(0) as u64 {
        return Ok(false);
    }
    Ok(journal::fold(&store.conn, run)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::tests::store;
    use crate::journal::Journal;
    use crate::record::tests::{ended, started};
    use crate::tail::{RunCursor, RunTail};
    use crate::wire::Turn;

    #[test]
    fn a_reader_told_of_a_turn_reads_it_at_once_and_folds_it_once() {
        let (_dir, store) = store();
        let mut tail = RunTail::new(&store, "r1".into(), RunCursor::default(), true).unwrap();
        assert!(!catch_up(&store, "r1").unwrap(), "no journal yet");
        let mut j = Journal::create(journal::path(&store.conn, "r1").unwrap()).unwrap();
        j.append(&mut Turn::of(&[started("a", 0)])).unwrap();
        assert!(tail.poll(&store).unwrap().is_empty(), "not folded yet");
        assert!(catch_up(&store, "r1").unwrap());
        let kinds =
            |out: Vec<crate::tail::Out>| out.into_iter().map(|o| o.event).collect::<Vec<_>>();
        assert_eq!(kinds(tail.poll(&store).unwrap()), ["step_started"]);
        // Another reader told of the same turn finds nothing left.
        let other = store.reopen().unwrap();
        assert!(!catch_up(&other, "r1").unwrap());
        j.append(&mut Turn::of(&[ended("a", 0)])).unwrap();
        assert!(catch_up(&other, "r1").unwrap());
        assert_eq!(kinds(tail.poll(&store).unwrap()), ["step_ended"]);
    }
}
