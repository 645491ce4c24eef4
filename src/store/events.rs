//! Packed rows of a run's event log (table `events`), as wfc wrote them
//! until now: a fold's events in one row of kind `events`, whose detail is
//! the JSON array `[[at, kind, step, detail], …]`. [`unpack`] gives the
//! events back. Each event is now a row of its own.

use serde_json::Value as J;

/// The kind of a row that holds a fold's events.
pub const PACKED: &str = "events";

/// One event of a packed row: `(at, kind, step, detail)`.
pub type Unpacked = (i64, String, Option<String>, J);

/// The events a packed row holds, in order. `None` when the detail is not
/// such an array.
pub fn unpack(detail: &str) -> Option<Vec<Unpacked>> {
    serde_json::from_str(detail).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_that_kind_that_is_not_packed_reads_as_itself() {
        assert!(unpack(r#"{"not":"an array"}"#).is_none());
        assert_eq!(unpack("[]").unwrap().len(), 0);
    }
}
