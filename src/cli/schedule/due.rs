//! `wfc schedule due --cron PATTERN --zone ZONE [--at TIME]`: the guard
//! of an installed crontab line. Debian's cron reads every line in the
//! system's zone (it ignores `CRON_TZ=`), so the line runs every minute
//! and starts the workflow only when this says the minute holds a slot of
//! the schedule in its own zone: the slots croner gives `wfc serve`
//! (`next_fires`), daylight-saving gaps and repeats included. It prints
//! nothing when the answer is yes or no: cron mails what a line prints.

use chrono::{DateTime, Utc};
use clap::Args;
use std::process::ExitCode;
use wfc_language::ir::{next_fires, Overlap, Schedule};
use wfc_language::span::Span;

#[derive(Args)]
pub struct DueArgs {
    /// The cron pattern, as `on schedule` reads it.
    #[arg(long, value_name = "PATTERN")]
    cron: String,
    /// The IANA zone the pattern is read in.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    zone: String,
    /// The instant to ask about, in RFC 3339 (default: now).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// Exit 0 when the minute of `--at` (or now) holds a slot, 1 when it does
/// not, 2 on bad input.
pub fn run(args: DueArgs) -> ExitCode {
    match check(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => super::super::usage_error(&e),
    }
}

fn check(args: &DueArgs) -> Result<bool, String> {
    let zone =
        wfc_language::time_value::zone(&args.zone).map_err(|e| format!("error: --zone: {e}"))?;
    wfc_language::ir::parse_cron(&args.cron)
        .map_err(|e| format!("error: --cron {:?}: {e}", args.cron))?;
    let at = match &args.at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("error: --at {text:?} is not an RFC 3339 time ({e})"))?,
        None => super::super::plan::now()?,
    };
    Ok(due(&args.cron, zone, at))
}

/// Whether the minute holding `at` (cron's tick, on the system clock)
/// holds a slot of `cron` read in `zone`.
pub fn due(cron: &str, zone: chrono_tz::Tz, at: DateTime<Utc>) -> bool {
    let schedule = Schedule {
        cron: cron.to_owned(),
        timezone: zone,
        overlap: Overlap::Skip,
        catch_up: 0,
        when: None,
        from_env: Default::default(),
        span: Span::point(0),
    };
    let minute = at.timestamp().div_euclid(60) * 60;
    let (Some(start), Some(end)) = (
        DateTime::from_timestamp(minute - 1, 0),
        DateTime::from_timestamp(minute + 60, 0),
    ) else {
        return false;
    };
    // The first slot strictly after the second before the minute.
    next_fires(&schedule, start, 1)
        .first()
        .is_some_and(|slot| slot.with_timezone(&Utc) < end)
}

#[cfg(test)]
mod tests {
    use super::due;
    use chrono::{DateTime, Duration, Utc};
    use chrono_tz::Europe::Paris;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The minutes of the UTC day `day` that are due.
    fn due_minutes(cron: &str, day: &str) -> Vec<String> {
        let start = at(&format!("{day}T00:00:00Z"));
        (0..24 * 60)
            .map(|m| start + Duration::minutes(m))
            .filter(|t| due(cron, Paris, *t))
            .map(|t| t.format("%H:%M").to_string())
            .collect()
    }

    /// How many minutes are due from `from` on, for `hours`.
    fn due_count(cron: &str, from: &str, hours: i64) -> usize {
        (0..hours * 60)
            .filter(|m| due(cron, Paris, at(from) + Duration::minutes(*m)))
            .count()
    }

    #[test]
    fn an_ordinary_day_is_due_at_its_local_time() {
        // 09:00 in Paris is 08:00 UTC in winter, 07:00 in summer.
        assert_eq!(due_minutes("0 9 * * *", "2026-01-15"), ["08:00"]);
        assert_eq!(due_minutes("0 9 * * *", "2026-07-15"), ["07:00"]);
        // Any second of the minute: cron starts a line a little late.
        assert!(due("0 9 * * *", Paris, at("2026-01-15T08:00:59Z")));
        assert!(!due("0 9 * * *", Paris, at("2026-01-15T08:01:00Z")));
        assert!(!due("0 9 * * *", Paris, at("2026-01-15T07:59:59Z")));
        assert!(!due("0 9 * * 1-5", Paris, at("2026-01-17T08:00:00Z")));
    }

    #[test]
    fn a_slot_in_the_spring_gap_runs_once_just_after_it() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC); 02:30
        // does not exist, and runs at the first instant after the gap.
        assert_eq!(due_minutes("30 2 * * *", "2026-03-29"), ["01:00"]);
        assert_eq!(due_minutes("0 9 * * *", "2026-03-29"), ["07:00"]);
        // An interval skips the gap: a local day of 23 hours, 23 slots.
        assert_eq!(due_count("0 * * * *", "2026-03-28T23:00:00Z", 23), 23);
    }

    #[test]
    fn a_slot_in_the_autumn_repeat_runs_once_an_interval_twice() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30
        // comes twice, at 00:30 and 01:30 UTC.
        assert_eq!(due_minutes("30 2 * * *", "2026-10-25"), ["00:30"]);
        assert_eq!(
            due_minutes("*/30 2 * * *", "2026-10-25"),
            ["00:00", "00:30", "01:00", "01:30"]
        );
        assert_eq!(due_count("0 * * * *", "2026-10-24T22:00:00Z", 25), 25);
    }

    #[test]
    fn due_minutes_are_the_slots_wfc_serve_fires() {
        use wfc_language::ir::{next_fires, Overlap, Schedule};
        for (cron, day) in [
            ("*/7 1-3 * * *", "2026-03-29"),
            ("*/7 1-3 * * *", "2026-10-25"),
            ("15 2 * * 0", "2026-10-25"),
        ] {
            let s = Schedule {
                cron: cron.into(),
                timezone: Paris,
                overlap: Overlap::Skip,
                catch_up: 0,
                when: None,
                from_env: Default::default(),
                span: wfc_language::span::Span::point(0),
            };
            let start = at(&format!("{day}T00:00:00Z"));
            let fires: Vec<String> = next_fires(&s, start - Duration::seconds(1), 200)
                .into_iter()
                .map(|t| t.with_timezone(&Utc))
                .take_while(|t| *t < start + Duration::days(1))
                .map(|t| t.format("%H:%M").to_string())
                .collect();
            assert_eq!(due_minutes(cron, day), fires, "{cron} on {day}");
        }
    }
}
