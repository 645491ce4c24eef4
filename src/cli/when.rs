//! A point in time typed on the command line (`wfc runs delete --before`,
//! `wfc history --since | --until`): a date (`2024-05-01`, midnight UTC),
//! an RFC 3339 time (`2024-05-01T12:00:00Z`, `…+02:00`), or a duration
//! back from now (`90m`, `12h`, `7d`, `2w`).

use chrono::{DateTime, NaiveDate};

/// Milliseconds since the epoch of `text`, as of `now_ms`.
pub fn parse_at(text: &str, now_ms: i64) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(midnight) = d.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc().timestamp_millis());
        }
    }
    let unit = t.chars().last().unwrap_or(' ');
    let per: i64 = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => 0,
    };
    match t[..t.len() - unit.len_utf8().min(t.len())].parse::<i64>() {
        Ok(n) if per > 0 && n >= 0 => Ok(now_ms.saturating_sub(n.saturating_mul(per))),
        _ => Err(format!(
            "`{text}` is not a time: use a date (2024-05-01), an RFC 3339 time \
             (2024-05-01T12:00:00Z) or a duration back from now (90m, 12h, 7d, 2w)"
        )),
    }
}

/// A clap value parser: the time `text` names, now.
pub fn at(text: &str) -> Result<i64, String> {
    parse_at(text, wfc_store::now_ms())
}

#[cfg(test)]
mod tests {
    use super::parse_at;

    #[test]
    fn reads_dates_times_and_durations_back_from_now() {
        assert_eq!(parse_at("1970-01-02", 0), Ok(86_400_000));
        assert_eq!(parse_at("1970-01-01T00:00:01Z", 0), Ok(1_000));
        assert_eq!(parse_at("1970-01-01T01:00:00+01:00", 0), Ok(0));
        assert_eq!(parse_at("2d", 3 * 86_400_000), Ok(86_400_000));
        assert_eq!(parse_at("90m", 90 * 60_000), Ok(0));
        for bad in ["", "d", "yesterday", "-1d", "2024-13-01", "5y"] {
            assert!(parse_at(bad, 0).is_err(), "{bad}");
        }
    }
}
