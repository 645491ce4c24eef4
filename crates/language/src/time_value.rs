//! `time` values: instants held as milliseconds since the Unix epoch (UTC),
//! written as RFC 3339, formatted and parsed with strftime directives in
//! an IANA time zone. One set of rules for the checker (constant
//! arguments: E0343–E0345) and for the plan's evaluator, at plan time and
//! at run time alike (E0821–E0824). The zones are chrono-tz's, compiled
//! into the binary: they work on a machine without `/usr/share/zoneinfo`.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use std::str::FromStr;

/// Why a time could not be formatted, parsed or computed. Its text starts
/// with the run-time code (a step evaluating it fails with that error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// E0821: a format with a directive strftime does not have.
    Format(String),
    /// E0822: a time zone name that is not in the database.
    Zone(String),
    /// E0823: text that is not a time (in RFC 3339, or in the format given).
    Parse(String),
    /// E0824: a result before or after what a time can hold.
    Range,
}

impl TimeError {
    /// The run-time code at the head of the error's text.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::Format(_) => "E0821",
            TimeError::Zone(_) => "E0822",
            TimeError::Parse(_) => "E0823",
            TimeError::Range => "E0824",
        }
    }
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code();
        match self {
            TimeError::Format(why) => write!(f, "{code}: invalid time format: {why}"),
            TimeError::Zone(zone) => write!(f, "{code}: unknown time zone {zone:?}"),
            TimeError::Parse(why) => write!(f, "{code}: the text is not a time: {why}"),
            TimeError::Range => write!(f, "{code}: the time is out of range"),
        }
    }
}

impl std::error::Error for TimeError {}

/// The instant `ms` milliseconds after the epoch, if a time can hold it.
fn instant(ms: i64) -> Result<DateTime<Utc>, TimeError> {
    DateTime::from_timestamp_millis(ms).ok_or(TimeError::Range)
}

/// `ms` if a time can hold it (`time + duration` stays in range).
pub fn in_range(ms: i64) -> Result<i64, TimeError> {
    instant(ms).map(|_| ms)
}

/// RFC 3339 in UTC, to the second, with milliseconds when the instant has
/// any: `2026-05-01T09:30:00Z`, `2026-05-01T09:30:00.250Z` (what `${t}`
/// writes). An instant out of range (never made by the language) is empty.
pub fn rfc3339(ms: i64) -> String {
    let Ok(t) = instant(ms) else {
        return String::new();
    };
    let precision = if ms.rem_euclid(1000) == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    };
    t.to_rfc3339_opts(precision, true)
}

/// The strftime items of `fmt`, or why it is not a format.
fn items(fmt: &str) -> Result<Vec<Item<'_>>, TimeError> {
    let items: Vec<Item> = StrftimeItems::new(fmt).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(TimeError::Format(format!(
            "{fmt:?} has a directive strftime does not know (write `%%` for a literal `%`)"
        )));
    }
    Ok(items)
}

/// Checks a format without formatting anything (for constant arguments).
pub fn check_format(fmt: &str) -> Result<(), TimeError> {
    items(fmt).map(|_| ())
}

/// The time zone named `name` (IANA: `"Europe/Berlin"`, `"UTC"`).
pub fn zone(name: &str) -> Result<Tz, TimeError> {
    Tz::from_str(name).map_err(|_| TimeError::Zone(name.to_string()))
}

/// A zone name near `name` (case aside, or a small typo), for "did you mean".
pub fn zone_suggestion(name: &str) -> Option<&'static str> {
    let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
    let lower = name.to_ascii_lowercase();
    if let Some(n) = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|t| t.name())
        .find(|n| n.to_ascii_lowercase() == lower)
    {
        return Some(n);
    }
    crate::diag::did_you_mean(name, names)
}

/// `format_time(t, fmt, zone)`: `t` in `zone` (UTC by default) by `fmt`.
pub fn format(ms: i64, fmt: &str, zone_name: Option<&str>) -> Result<String, TimeError> {
    let items = items(fmt)?;
    let t = instant(ms)?;
    let tz = match zone_name {
        Some(z) => zone(z)?,
        None => chrono_tz::UTC,
    };
    let local = t.with_timezone(&tz);
    let mut out = String::new();
    use std::fmt::Write;
    // (A directive the zone cannot give, such as `%Z` has, never fails; a
    // failure here would be a field the value lacks.)
    write!(out, "{}", local.format_with_items(items.iter()))
        .map_err(|_| TimeError::Format(format!("{fmt:?} asks for a field a time does not have")))?;
    Ok(out)
}

/// `parse_time(s)` (RFC 3339) or `parse_time(s, fmt)`: with a format, text
/// without an offset is UTC, and a date without a time is its midnight.
pub fn parse(text: &str, fmt: Option<&str>) -> Result<i64, TimeError> {
    let text = text.trim();
    let t = match fmt {
        None => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                TimeError::Parse(format!(
                    "{e} (expected RFC 3339, e.g. 2026-05-01T09:30:00Z)"
                ))
            })?,
        Some(fmt) => {
            items(fmt)?;
            let err =
                |e: chrono::ParseError| TimeError::Parse(format!("{e} (in the format {fmt:?})"));
            match DateTime::parse_from_str(text, fmt) {
                Ok(t) => t.with_timezone(&Utc),
                Err(first) => match NaiveDateTime::parse_from_str(text, fmt) {
                    Ok(t) => Utc.from_utc_datetime(&t),
                    Err(_) => match NaiveDate::parse_from_str(text, fmt) {
                        Ok(d) => Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)),
                        Err(_) => return Err(err(first)),
                    },
                },
            }
        }
    };
    Ok(t.timestamp_millis())
}

/// Milliseconds since the epoch of a system time (`now()`, `run.started`).
pub fn from_system(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_milliseconds_only_when_the_instant_has_some() {
        assert_eq!(rfc3339(1_777_627_800_000), "2026-05-01T09:30:00Z");
        assert_eq!(rfc3339(1_777_627_800_250), "2026-05-01T09:30:00.250Z");
        assert_eq!(
            parse("2026-05-01T11:30:00+02:00", None),
            Ok(1_777_627_800_000)
        );
        assert_eq!(parse(&rfc3339(-1), None), Ok(-1));
    }

    #[test]
    fn formats_in_a_zone() {
        let t = parse("2026-12-31T23:30:00Z", None).unwrap();
        assert_eq!(
            format(t, "%Y-%m-%d %H:%M", None).unwrap(),
            "2026-12-31 23:30"
        );
        assert_eq!(
            format(t, "%Y-%m-%d %H:%M %Z", Some("Europe/Berlin")).unwrap(),
            "2027-01-01 00:30 CET"
        );
        assert!(matches!(format(t, "%Q", None), Err(TimeError::Format(_))));
        assert_eq!(
            format(t, "%Y", Some("Mars/Olympus")),
            Err(TimeError::Zone("Mars/Olympus".into()))
        );
        assert_eq!(zone_suggestion("europe/berlin"), Some("Europe/Berlin"));
    }

    #[test]
    fn parses_with_a_format() {
        assert_eq!(
            parse("2026-05-01", Some("%Y-%m-%d")),
            parse("2026-05-01T00:00:00Z", None)
        );
        assert_eq!(
            parse("01/05/2026 09:30", Some("%d/%m/%Y %H:%M")),
            parse("2026-05-01T09:30:00Z", None)
        );
        assert!(matches!(parse("yesterday", None), Err(TimeError::Parse(_))));
        assert!(TimeError::Range.to_string().starts_with("E0824"));
    }
}
