//! A backfill's slots: which schedule, the range's ends as times, and the
//! slots between them (both ends included), bounded.

use super::{BAD_RANGE, MAX_EVER, NO_SCHEDULE, OVER_CAP};
use crate::schedule::slots::passed;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use wfc_language::ir::{Schedule, Trigger, Workflow};

/// The slots a backfill runs.
#[derive(Clone, Debug)]
pub struct Slots {
    /// The schedule as `wfc` describes it (`schedule "0 2 * * *" (UTC)`).
    pub schedule: String,
    /// Its zone, to show the slots in.
    pub zone: Tz,
    /// Oldest first.
    pub slots: Vec<DateTime<Utc>>,
}

/// The schedule of `wf` to backfill: its only one, or the `n`th (from 1).
pub fn schedule_of(wf: &Workflow, n: Option<usize>) -> Result<&Schedule, String> {
    let all: Vec<&Schedule> = wf
        .triggers
        .iter()
        .filter_map(|t| match t {
            Trigger::Schedule(s) => Some(s),
            _ => None,
        })
        .collect();
    let listed = || {
        all.iter()
            .enumerate()
            .map(|(i, s)| format!("{}: \"{}\"", i + 1, s.cron))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (n, all.len()) {
        (_, 0) => Err(format!(
            "{NO_SCHEDULE}: workflow `{}` has no `on schedule` to backfill",
            wf.name
        )),
        (None, 1) => Ok(all[0]),
        (None, count) => Err(format!(
            "{NO_SCHEDULE}: workflow `{}` has {count} schedules ({}): choose one with --schedule N",
            wf.name,
            listed()
        )),
        (Some(i), count) => all.get(i.wrapping_sub(1)).copied().ok_or_else(|| {
            format!(
                "{NO_SCHEDULE}: workflow `{}` has no schedule {i} (it has {count}: {})",
                wf.name,
                listed()
            )
        }),
    }
}

/// A time as given: RFC 3339 (`2026-11-01T02:00:00Z`), or a date or a
/// local time read in `zone` (`2026-11-01`, `2026-11-01T02:00`,
/// `2026-11-01 02:00:30`).
pub fn parse_time(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        })
        .ok_or_else(|| {
            format!(
                "{BAD_RANGE}: `{text}` is no time: write RFC 3339 (2026-11-01T02:00:00Z), a date (2026-11-01) or a local time (2026-11-01T02:00, read in {})",
                zone.name()
            )
        })?;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "{BAD_RANGE}: {text} does not exist in {} (a clock change skips it)",
            zone.name()
        )),
    }
}

/// The end of a range as given: as [`parse_time`], but a date is its
/// whole day (`--to 2026-11-05` includes the 5th's slots).
pub fn parse_end(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let start = parse_time(text, zone)?;
    let whole_day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    match whole_day.and_then(|d| d.succ_opt()) {
        Some(next) => {
            let next = parse_time(&next.format("%Y-%m-%d").to_string(), zone)?;
            Ok(next - chrono::Duration::milliseconds(1))
        }
        None => Ok(start),
    }
}

/// The slots of `schedule` from `from` to `to` (both included), oldest
/// first: refused when the range is backwards or holds none
/// ([`BAD_RANGE`]), or more than `max` ([`OVER_CAP`]).
pub fn slots(
    schedule: &Schedule,
    describe: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
) -> Result<Slots, String> {
    if from > to {
        return Err(format!(
            "{BAD_RANGE}: the range ends ({}) before it begins ({})",
            stamp(to),
            stamp(from)
        ));
    }
    let max = max.clamp(1, MAX_EVER);
    let before = from - chrono::Duration::milliseconds(1);
    let found = passed(schedule, before, to, max + 1);
    if found.count == 0 {
        return Err(format!(
            "{BAD_RANGE}: {describe} has no slot from {} to {}",
            stamp(from),
            stamp(to)
        ));
    }
    if found.count > max as u64 {
        return Err(format!(
            "{OVER_CAP}: {describe} has {} slots from {} to {}, over the cap of {max}: pass --max {} (at most {MAX_EVER}) or a shorter range",
            found.count,
            stamp(from),
            stamp(to),
            found.count.min(MAX_EVER as u64)
        ));
    }
    Ok(Slots {
        schedule: describe,
        zone: schedule.timezone,
        slots: found.latest,
    })
}

/// RFC 3339 in UTC, whole seconds.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, zone: &str) -> Schedule {
        let text = format!(
            "workflow w {{\n  on schedule \"{cron}\" {{ timezone \"{zone}\" }}\n  step s: shell {{ run \"true\" }}\n}}\n"
        );
        let a = wfc_language::analysis::analyze("w.wf", text);
        assert!(!a.has_errors(), "{:?}", a.diagnostics());
        let ir = a.module.unwrap().workflows.remove(0).ir;
        match &ir.triggers[0] {
            Trigger::Schedule(s) => s.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_range_gives_its_slots_both_ends_included() {
        let s = schedule("0 2 * * *", "UTC");
        let from = parse_time("2026-11-01T02:00:00Z", Tz::UTC).unwrap();
        let to = parse_end("2026-11-10", Tz::UTC).unwrap();
        assert_eq!(to.format("%H:%M:%S%.3f").to_string(), "23:59:59.999");
        let got = slots(&s, "nightly".into(), from, to, 100).unwrap();
        assert_eq!(got.slots.len(), 10);
        assert_eq!(stamp(got.slots[0]), "2026-11-01T02:00:00Z");
        assert_eq!(stamp(got.slots[9]), "2026-11-10T02:00:00Z");
        let over = slots(&s, "nightly".into(), from, to, 9).unwrap_err();
        assert!(
            over.starts_with("E0991") && over.contains("10 slots"),
            "{over}"
        );
        let back = slots(&s, "nightly".into(), to, from, 100).unwrap_err();
        assert!(back.starts_with("E0990"), "{back}");
        let none = slots(
            &s,
            "nightly".into(),
            from + chrono::Duration::hours(1),
            from + chrono::Duration::hours(2),
            100,
        );
        assert!(none.unwrap_err().starts_with("E0990"));
    }

    #[test]
    fn local_times_are_read_in_the_schedules_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let t = parse_time("2026-07-01T02:00", berlin).unwrap();
        assert_eq!(stamp(t), "2026-07-01T00:00:00Z");
        assert!(parse_time("yesterday", berlin)
            .unwrap_err()
            .starts_with("E0990"));
        // 02:30 on 2026-03-29 does not exist in Berlin.
        assert!(parse_time("2026-03-29T02:30", berlin)
            .unwrap_err()
            .contains("does not exist"));
    }
}
