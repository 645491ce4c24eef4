//! Times as the dashboard shows them: how long ago (or in how long) in
//! words, the exact UTC time in the tooltip. The templates' filters `ago`
//! and `utc` write them when the page is made; `pages.js` says the same
//! words again as time goes on (the two must agree: see the test).

use std::time::{SystemTime, UNIX_EPOCH};

/// `stamp` (RFC 3339) as `3 min ago`, `in 2 h`, `just now`, or its UTC
/// day past 30 days; `stamp` itself when it is not a time.
pub fn ago(stamp: &str, now_ms: i64) -> String {
    let Some(ms) = super::gantt::ms(stamp) else {
        return stamp.to_owned();
    };
    let secs = (now_ms - ms) as f64 / 1000.0;
    let s = secs.abs().round() as i64;
    let words = match s {
        0..5 => return "just now".into(),
        5..60 => format!("{s} s"),
        60..3_600 => format!("{} min", s / 60),
        3_600..86_400 => format!("{} h", s / 3_600),
        86_400..2_592_000 => format!("{} d", s / 86_400),
        _ => return utc(stamp).get(..10).unwrap_or(stamp).to_owned(),
    };
    if secs < 0.0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// `stamp` (RFC 3339) as `2026-05-01 12:00:00 UTC`; itself when it is not
/// a time.
pub fn utc(stamp: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(stamp) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => stamp.to_owned(),
    }
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The templates' filters: `{{ t | ago }}` and `{{ t | utc }}`.
pub fn add_filters(env: &mut minijinja::Environment<'static>) {
    env.add_filter("ago", |stamp: String| ago(&stamp, now_ms()));
    env.add_filter("utc", |stamp: String| utc(&stamp));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_long_ago_as_pages_js_does() {
        let now = super::super::gantt::ms("2026-05-01T12:00:00Z").unwrap();
        for (stamp, said) in [
            ("2026-05-01T11:59:58.000Z", "just now"),
            ("2026-05-01T11:59:30Z", "30 s ago"),
            ("2026-05-01T11:57:00Z", "3 min ago"),
            ("2026-05-01T09:00:00Z", "3 h ago"),
            ("2026-04-28T12:00:00Z", "3 d ago"),
            ("2026-03-01T08:00:00Z", "2026-03-01"),
            ("2026-05-01T12:05:00Z", "in 5 min"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(ago(stamp, now), said, "{stamp}");
        }
        assert_eq!(utc("2026-05-01T12:00:00.123Z"), "2026-05-01 12:00:00 UTC");
        // pages.js carries the same limits and words.
        let js = include_str!("../../assets/pages.js");
        for word in [
            "just now", "' s'", "' min'", "' h'", "' d'", "'in '", "' ago'", "2592000",
        ] {
            assert!(js.contains(word), "pages.js does not say {word}");
        }
    }
}
