//! A schedule's slots as instants: the next one, and those that passed
//! between two times. Read in the schedule's zone by croner, so daylight
//! saving does what croner documents (a fixed time in a skipped hour runs
//! just after the gap, once in a repeated hour; an interval skips the gap
//! and fires in both passes of a repeated hour).

use chrono::{DateTime, Utc};
use wfc_language::ir::{next_fires, parse_cron, Schedule};

/// Past this many, missed slots are not counted further (a per-second
/// schedule down for months would otherwise be counted one by one).
const COUNT_AT_MOST: u64 = 100_000;

/// The schedule's first slot strictly after `after`; `None` if it never fires.
pub fn next_after(schedule: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_fires(schedule, after, 1)
        .first()
        .map(|t| t.with_timezone(&Utc))
}

/// The slots in `(after, upto]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed {
    /// The latest `keep` of them, oldest first.
    pub latest: Vec<DateTime<Utc>>,
    /// How many there were (counting stops at [`COUNT_AT_MOST`]).
    pub count: u64,
}

/// The slots of `schedule` in `(after, upto]`: how many, and the latest
/// `keep` (searched backwards from `upto`, so a long downtime costs only
/// the count).
pub fn passed(
    schedule: &Schedule,
    after: DateTime<Utc>,
    upto: DateTime<Utc>,
    keep: usize,
) -> Passed {
    let Ok(cron) = parse_cron(&schedule.cron) else {
        return Passed {
            latest: Vec::new(),
            count: 0,
        };
    };
    let zone = schedule.timezone;
    let mut latest = Vec::new();
    let mut at = upto.with_timezone(&zone);
    let mut inclusive = true;
    while latest.len() < keep {
        match cron.find_previous_occurrence(&at, inclusive) {
            Ok(t) if t.with_timezone(&Utc) > after => {
                latest.push(t.with_timezone(&Utc));
                // The exact value found: croner's way over a repeated hour.
                at = t;
                inclusive = false;
            }
            _ => break,
        }
    }
    latest.reverse();
    let mut count = 0;
    let mut at = after.with_timezone(&zone);
    while count < COUNT_AT_MOST {
        match cron.find_next_occurrence(&at, false) {
            Ok(t) if t.with_timezone(&Utc) <= upto => {
                count += 1;
                at = t;
            }
            _ => break,
        }
    }
    Passed { latest, count }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_language::ir::Overlap;
    use wfc_language::span::Span;

    fn schedule(cron: &str, zone: &str) -> Schedule {
        Schedule {
            cron: cron.into(),
            timezone: zone.parse().unwrap(),
            overlap: Overlap::Skip,
            catch_up: 0,
            when: None,
            from_env: Default::default(),
            span: Span::point(0),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn passed_slots_keep_the_latest_in_order_and_count_all() {
        let s = schedule("*/2 * * * * *", "UTC");
        let p = passed(
            &s,
            at("2026-01-01T00:00:00Z"),
            at("2026-01-01T00:00:10Z"),
            2,
        );
        assert_eq!(
            p.latest,
            [at("2026-01-01T00:00:08Z"), at("2026-01-01T00:00:10Z")]
        );
        assert_eq!(p.count, 5, "02, 04, 06, 08, 10: not 00, which was done");
        let none = passed(
            &s,
            at("2026-01-01T00:00:10Z"),
            at("2026-01-01T00:00:11Z"),
            3,
        );
        assert_eq!((none.latest.len(), none.count), (0, 0));
        assert_eq!(
            next_after(&s, at("2026-01-01T00:00:10Z")),
            Some(at("2026-01-01T00:00:12Z"))
        );
    }

    #[test]
    fn a_fixed_time_in_a_skipped_hour_fires_once_after_the_gap() {
        // Berlin skips 02:00–03:00 on 2026-03-29: 02:30 fires at 03:00 local.
        let s = schedule("30 2 * * *", "Europe/Berlin");
        let p = passed(
            &s,
            at("2026-03-28T12:00:00Z"),
            at("2026-03-29T12:00:00Z"),
            5,
        );
        assert_eq!(p.latest, [at("2026-03-29T01:00:00Z")]);
        assert_eq!(p.count, 1);
    }

    #[test]
    fn a_fixed_time_in_a_repeated_hour_fires_once() {
        // Berlin repeats 02:00–03:00 on 2026-10-25: 02:30 fires once.
        let s = schedule("30 2 * * *", "Europe/Berlin");
        let p = passed(
            &s,
            at("2026-10-24T12:00:00Z"),
            at("2026-10-25T12:00:00Z"),
            5,
        );
        assert_eq!(p.count, 1);
        assert_eq!(p.latest, [at("2026-10-25T00:30:00Z")]);
    }
}
