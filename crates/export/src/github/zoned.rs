//! A schedule in a time zone other than UTC. GitHub reads cron in UTC, and
//! a zone's offset changes with daylight saving, so the pattern becomes
//! one UTC cron per offset the zone has at its times (`30 8 * * 1-5` in
//! Europe/Berlin: `30 7 * * 1-5` for winter, `30 6 * * 1-5` for summer),
//! and a job `wfc-schedule` that every job needs lets a run go on only
//! when the cron that fired (`github.event.schedule`) was written for the
//! offset the zone had at the slot's time (`TZ=ZONE date`): the other
//! cron's run is skipped, whole. Runs started otherwise always go on.
//!
//! Exact only where it is honest: the minute and hour must be numbers (or
//! lists of them), a slot that moves to another UTC day needs `*` day
//! fields, and a local time a clock change skips or repeats (02:30 in
//! Europe/Berlin) is refused: `wfc run` runs it once, at the end of the
//! gap, which a UTC cron cannot say. The zone's offsets are read for the
//! years 2025–2044 from the zone data wfc was built with.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::span::Span;

/// The guard job's step id.
pub const STEP: &str = "wfc-schedule-check";

/// One UTC cron and what it stands for: (cron, zone, offset as `+0200`).
pub type Line = (String, String, String);

/// The UTC crons of `cron` read in `tz`, or why not (E0730).
pub fn utc_crons(cron: &str, tz: Tz, span: Span) -> Result<Vec<Line>, Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::error(
            "E0730",
            format!("GitHub Actions reads schedules in UTC, and this one in {tz} cannot be written so: {why}"),
        )
        .primary(span, "a schedule in a time zone")
        .help("write the minute and hour as numbers, at a time no clock change skips or repeats, or drop `timezone` and write the pattern in UTC")
    };
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields[..] else {
        return Err(refuse("not 5 fields"));
    };
    let numbers = |f: &str, max: u32| -> Option<Vec<u32>> {
        f.split(',')
            .map(|n| n.parse::<u32>().ok().filter(|n| *n <= max))
            .collect()
    };
    let (Some(minutes), Some(hours)) = (numbers(minute, 59), numbers(hour, 23)) else {
        return Err(refuse("its minute and hour are not numbers"));
    };
    let any_day = dom == "*" && month == "*" && dow == "*";
    let mut lines: Vec<Line> = Vec::new();
    for &h in &hours {
        for &m in &minutes {
            let mut offsets: Vec<i32> = Vec::new();
            let mut day = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
            let end = NaiveDate::from_ymd_opt(2045, 1, 1).expect("a date");
            while day < end {
                let local = day.and_hms_opt(h, m, 0).expect("a time");
                match tz.from_local_datetime(&local) {
                    chrono::LocalResult::Single(t) => {
                        let o = t.offset().fix().local_minus_utc();
                        if !offsets.contains(&o) {
                            offsets.push(o);
                        }
                    }
                    _ => {
                        return Err(refuse(&format!(
                            "{h:02}:{m:02} is skipped or repeated when the clocks change ({day})"
                        )))
                    }
                }
                day = day.succ_opt().expect("a date");
            }
            offsets.sort_unstable();
            for o in offsets {
                let at = i64::from(h * 60 + m) - i64::from(o / 60);
                if !(0..1440).contains(&at) && !any_day {
                    return Err(refuse(&format!(
                        "{h:02}:{m:02} is another day in UTC, and its day fields are not `*`"
                    )));
                }
                let at = at.rem_euclid(1440);
                let utc = format!("{} {} {dom} {month} {dow}", at % 60, at / 60);
                let sign = if o < 0 { '-' } else { '+' };
                let offset = format!("{sign}{:02}{:02}", o.abs() / 3600, o.abs() % 3600 / 60);
                lines.push((utc, tz.to_string(), offset));
            }
        }
    }
    Ok(lines)
}

/// The guard job over every schedule's `lines` (UTC ones included).
pub fn guard(lines: &[Line], runs_on: &str) -> Json {
    let table: Vec<String> = lines
        .iter()
        .map(|(c, z, o)| format!("{c}|{z}|{o}"))
        .collect();
    json!({
        "runs-on": runs_on,
        "outputs": { "go": format!("${{{{ steps.{STEP}.outputs.go }}}}") },
        "steps": [{
            "id": STEP,
            "env": {
                "WF_EVENT": "${{ github.event_name }}",
                "WF_SCHEDULE": "${{ github.event.schedule }}",
                "WF_CRONS": table.join("\n"),
            },
            "run": CHECK,
            "shell": "bash",
        }],
    })
}

/// Whether the cron that fired was written for the zone's offset at the
/// slot's time (today's, or yesterday's when GitHub starts it late).
const CHECK: &str = r#"go=true
if [ "$WF_EVENT" = schedule ]; then
  go=false
  while IFS='|' read -r cron zone offset; do
    [ "$cron" = "$WF_SCHEDULE" ] || continue
    read -r minute hour _ <<< "$cron"
    at=$(date -u -d "today $hour:$minute" +%s)
    [ "$at" -gt "$(date -u +%s)" ] && at=$((at - 86400))
    [ "$(TZ="$zone" date -d "@$at" +%z)" = "$offset" ] && go=true
  done <<< "$WF_CRONS"
fi
echo "go=$go" >> "$GITHUB_OUTPUT"
"#;

/// Every job but the guard `id` needs it and runs only on its `go`.
pub fn gate_jobs(jobs: &mut Map<String, Json>, id: &str) {
    for (name, job) in jobs.iter_mut() {
        let Some(job) = job.as_object_mut().filter(|_| name != id) else {
            continue;
        };
        let needs = job.entry("needs").or_insert_with(|| json!([]));
        if let Json::Array(n) = needs {
            n.insert(0, json!(id));
        }
        let go = format!("needs.{id}.outputs.go == 'true'");
        let cond = match job.get("if").and_then(Json::as_str) {
            Some(c) => {
                let inner = c
                    .trim()
                    .strip_prefix("${{")
                    .and_then(|c| c.strip_suffix("}}"))
                    .unwrap_or(c)
                    .trim();
                format!("${{{{ {go} && ({inner}) }}}}")
            }
            None => format!("${{{{ {go} }}}}"),
        };
        job.insert("if".into(), json!(cond));
    }
}
