//! A cron pattern as a systemd `OnCalendar=` expression, read from croner's
//! own parse of the pattern (the values each field allows), so names,
//! ranges, steps and `@daily` mean exactly what they mean to `wfc serve`.
//!
//! What systemd's calendar cannot say is refused, not approximated: `L`,
//! `W` and `#` (they depend on the month), and a pattern restricting both
//! the day of the month and the weekday (cron fires when either matches;
//! systemd only when both do).

use super::diag;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{parse_cron, Schedule};

/// `OnCalendar=`'s value for `s`: `[WEEKDAYS ]*-MONTHS-DAYS HOURS:MINUTES:SECONDS ZONE`.
pub fn on_calendar(s: &Schedule) -> Result<String, Diagnostic> {
    let cron = parse_cron(&s.cron).map_err(|why| diag::inexpressible(s, &why))?;
    let p = &cron.pattern;
    if p.days.has_modifiers() || p.days_of_week.has_modifiers() {
        return Err(diag::inexpressible(
            s,
            "`L`, `W` and `#` pick days by the month's shape, which systemd's calendar cannot",
        ));
    }
    if !p.is_dom_wildcard() && !p.is_dow_wildcard() && !p.matches_dom_and_dow() {
        return Err(diag::inexpressible(
            s,
            "cron fires on a day when its day of the month OR its weekday matches; systemd only when both do",
        ));
    }
    let mut weekdays: Vec<u16> = p.days_of_week.values().iter().map(|d| d % 7).collect();
    weekdays.sort_unstable();
    weekdays.dedup();
    let dow = if p.is_dow_wildcard() || weekdays.len() == 7 {
        String::new()
    } else {
        const NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        format!(
            "{} ",
            field(&weekdays, 0, 6, |v| NAMES[v as usize].to_owned())
        )
    };
    let two = |v: u16| format!("{v:02}");
    Ok(format!(
        "{dow}*-{}-{} {}:{}:{} {}",
        field(&p.months.values(), 1, 12, two),
        field(&p.days.values(), 1, 31, two),
        field(&p.hours.values(), 0, 23, two),
        field(&p.minutes.values(), 0, 59, two),
        field(&p.seconds.values(), 0, 59, two),
        s.timezone.name()
    ))
}

/// A field's allowed values (sorted) in systemd's syntax: `*` for all of
/// `min..=max`, else a list of single values and `a..b` runs.
fn field(values: &[u16], min: u16, max: u16, show: impl Fn(u16) -> String) -> String {
    if values.len() == usize::from(max - min + 1) {
        return "*".to_owned();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => show(values[i]),
            1 => format!("{},{}", show(values[i]), show(values[j])),
            _ => format!("{}..{}", show(values[i]), show(values[j])),
        });
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_language::ir::{Overlap, ScheduleEnv};

    fn schedule(cron: &str, zone: chrono_tz::Tz) -> Schedule {
        Schedule {
            cron: cron.into(),
            timezone: zone,
            overlap: Overlap::Skip,
            catch_up: 0,
            when: None,
            from_env: ScheduleEnv::default(),
            span: wfc_language::span::Span::new(0, 0),
        }
    }

    #[test]
    fn patterns_become_calendar_expressions() {
        let utc = chrono_tz::UTC;
        let cases = [
            ("0 2 * * *", "*-*-* 02:00:00 UTC"),
            (
                "*/15 9-17 * * MON-FRI",
                "Mon..Fri *-*-* 09..17:00,15,30,45:00 UTC",
            ),
            ("30 4 1,15 jan,jul *", "*-01,07-01,15 04:30:00 UTC"),
            ("@weekly", "Sun *-*-* 00:00:00 UTC"),
            ("*/10 * * * * *", "*-*-* *:*:00,10,20,30,40,50 UTC"),
            ("0 0 * * 0,6,7", "Sun,Sat *-*-* 00:00:00 UTC"),
        ];
        for (cron, want) in cases {
            assert_eq!(on_calendar(&schedule(cron, utc)).unwrap(), want, "{cron}");
        }
        let berlin = schedule("0 2 * * *", chrono_tz::Europe::Berlin);
        assert_eq!(
            on_calendar(&berlin).unwrap(),
            "*-*-* 02:00:00 Europe/Berlin"
        );
    }

    #[test]
    fn what_systemd_cannot_say_is_refused() {
        for cron in ["0 0 L * *", "0 0 * * 5#2", "0 0 1 * 1", "0 0 15W * *"] {
            let e = on_calendar(&schedule(cron, chrono_tz::UTC)).unwrap_err();
            assert_eq!(e.code, "E0950", "{cron}");
        }
    }
}
