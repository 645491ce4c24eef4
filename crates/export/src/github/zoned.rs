//! A schedule in a time zone other than UTC. GitHub reads cron in UTC, and
//! a zone's offset changes with daylight saving, so the pattern becomes
//! one UTC cron per offset the zone has at its times (`30 8 * * 1-5` in
//! Europe/Berlin: `30 7 * * 1-5` for winter, `30 6 * * 1-5` for summer),
//! and a job `wfc-schedule` that every job needs lets a run go on only
//! when the cron that fired (`github.event.schedule`) was written for the
//! offset the zone had at the slot's time (`TZ=ZONE date`): the other
//! cron's run is skipped, whole. Runs started otherwise always go on.
//!
//! The crons come from `wfc run`'s own fire times (croner's, for the
//! years 2025–2044 of the zone data wfc was built with), so a local time a
//! clock change skips or repeats fires as it does: 02:30 in Europe/Berlin
//! gets a third cron for the gap's end (03:00, `0 1 * * *`) that goes only
//! on the nights of the gap, and the repeated night's second cron lists it
//! as a date to skip. The minute and hour must be numbers (or lists of
//! them), and a slot that moves to another UTC day needs `*` day fields.

use chrono::{DateTime, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::span::Span;

/// The guard job's step id.
pub const STEP: &str = "wfc-schedule-check";

/// One UTC cron and what it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub cron: String,
    pub zone: String,
    /// The zone's offset it was written for, as `+0200`.
    pub offset: String,
    /// Exceptions, as UTC dates (`2026-03-29`) of the slot: when `only`
    /// is given, the cron goes on those dates alone (a clock change's gap:
    /// `wfc run` runs at its end); `skip`, dates its offset would let it
    /// go, but `wfc run` does not (a repeated time runs once).
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Line {
    /// A cron in UTC itself.
    pub fn utc(cron: &str) -> Line {
        Line {
            cron: cron.into(),
            zone: "UTC".into(),
            offset: "+0000".into(),
            only: Vec::new(),
            skip: Vec::new(),
        }
    }
}

/// The years whose fire times the export reads (the zone data's).
const FROM: i32 = 2025;
const UNTIL: i32 = 2045;

/// Fire times read at most: a pattern firing more often is refused.
const MAX_FIRES: usize = 400_000;

/// The UTC crons of `cron` read in `tz`, or why not (E0730): one per
/// offset the zone has at its times, and one per time a clock change's gap
/// moves it to, each with the dates on which `wfc run`'s own fire times
/// (croner's, read for 2025–2044) differ from what its offset says.
pub fn utc_crons(cron: &str, tz: Tz, span: Span) -> Result<Vec<Line>, Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::error(
            "E0730",
            format!("GitHub Actions reads schedules in UTC, and this one in {tz} cannot be written so: {why}"),
        )
        .primary(span, "a schedule in a time zone")
        .help("write the minute and hour as numbers, with `*` day fields for a time that is another day in UTC, or drop `timezone` and write the pattern in UTC")
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
    if numbers(minute, 59).is_none() || numbers(hour, 23).is_none() {
        return Err(refuse("its minute and hour are not numbers"));
    }
    let any_day = dom == "*" && month == "*" && dow == "*";
    let fires = fires(cron, tz).ok_or_else(|| refuse("it fires too often to be read"))?;
    // Each fire's UTC time of day and the zone's offset then: the lines.
    let mut lines: Vec<Line> = Vec::new();
    for t in &fires {
        let utc = t.with_timezone(&Utc);
        let local = t.naive_local();
        if utc.date_naive() != local.date() && !any_day {
            return Err(refuse(&format!(
                "{} is another day in UTC, and its day fields are not `*`",
                local.format("%H:%M")
            )));
        }
        let line = Line {
            cron: format!("{} {} {dom} {month} {dow}", utc.minute(), utc.hour()),
            zone: tz.to_string(),
            offset: t.offset().fix().to_string().replace(':', ""),
            only: Vec::new(),
            skip: Vec::new(),
        };
        if !lines
            .iter()
            .any(|l| l.cron == line.cron && l.offset == line.offset)
        {
            lines.push(line);
        }
    }
    exceptions(&mut lines, &fires, tz);
    Ok(lines)
}

/// `cron`'s fire times in `tz` over the years read, as `wfc run` has them.
fn fires(cron: &str, tz: Tz) -> Option<Vec<DateTime<Tz>>> {
    let pattern = wfc_language::ir::parse_cron(cron).ok()?;
    let start = Utc.with_ymd_and_hms(FROM, 1, 1, 0, 0, 0).single()?;
    let end = Utc.with_ymd_and_hms(UNTIL, 1, 1, 0, 0, 0).single()?;
    let mut at = start.with_timezone(&tz);
    let mut out = Vec::new();
    while let Ok(next) = pattern.find_next_occurrence(&at, false) {
        if next.with_timezone(&Utc) >= end {
            break;
        }
        if out.len() == MAX_FIRES {
            return None;
        }
        out.push(next);
        at = next;
    }
    Some(out)
}

/// Fills each line's exceptions: on every day of the years read, whether
/// the line's cron would go by its offset against whether `wfc run` fires
/// then. A line that goes on fewer days than its offset says is written
/// with the days it goes (`only`), else with the days it must not (`skip`).
fn exceptions(lines: &mut [Line], fires: &[DateTime<Tz>], tz: Tz) {
    let fired: std::collections::HashSet<i64> = fires.iter().map(|t| t.timestamp()).collect();
    let first = NaiveDate::from_ymd_opt(FROM, 1, 1).expect("a date");
    let end = NaiveDate::from_ymd_opt(UNTIL, 1, 1).expect("a date");
    for line in lines.iter_mut() {
        let mut parts = line.cron.split_whitespace();
        let (Some(m), Some(h)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(m), Ok(h)) = (m.parse::<u32>(), h.parse::<u32>()) else {
            continue;
        };
        // GitHub fires the line's cron on the days its own fields say.
        let utc_cron = wfc_language::ir::parse_cron(&line.cron).ok();
        let (mut goes, mut wrong_go, mut by_offset) = (Vec::new(), Vec::new(), 0usize);
        let mut day = first;
        while day < end {
            let t = Utc.from_utc_datetime(&day.and_hms_opt(h, m, 0).expect("a time"));
            let offset = tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .to_string()
                .replace(':', "");
            let says = offset == line.offset;
            let fires = fired.contains(&t.timestamp());
            by_offset += usize::from(says);
            if fires {
                goes.push(day.to_string());
            }
            if says
                && !fires
                && utc_cron
                    .as_ref()
                    .is_some_and(|c| c.is_time_matching(&t).unwrap_or(false))
            {
                wrong_go.push(day.to_string());
            }
            day = day.succ_opt().expect("a date");
        }
        if goes.len() * 2 < by_offset {
            line.only = goes;
        } else {
            line.skip = wrong_go;
        }
    }
}

/// The guard job over every schedule's `lines` (UTC ones included).
pub fn guard(lines: &[Line], runs_on: &str) -> Json {
    let table: Vec<String> = lines
        .iter()
        .map(|l| {
            let (only, skip) = (l.only.join(","), l.skip.join(","));
            format!("{}|{}|{}|{only}|{skip}", l.cron, l.zone, l.offset)
        })
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
/// slot's time (today's, or yesterday's when GitHub starts it late), or
/// for the slot's date among its exceptions (`only`, `skip`).
const CHECK: &str = r#"go=true
if [ "$WF_EVENT" = schedule ]; then
  go=false
  while IFS='|' read -r cron zone offset only skip; do
    [ "$cron" = "$WF_SCHEDULE" ] || continue
    read -r minute hour _ <<< "$cron"
    at=$(date -u -d "today $hour:$minute" +%s)
    [ "$at" -gt "$(date -u +%s)" ] && at=$((at - 86400))
    day=$(date -u -d "@$at" +%F)
    if [ -n "$only" ]; then
      case ",$only," in *",$day,"*) go=true ;; esac
      continue
    fi
    case ",$skip," in *",$day,"*) continue ;; esac
    [ "$(TZ="$zone" date -d "@$at" +%z)" = "$offset" ] && go=true
  done <<< "$WF_CRONS"
fi
echo "go=$go" >> "$GITHUB_OUTPUT"
"#;

/// Every job but the guard `id` needs it and runs only on its `go`.
pub fn gate_jobs(jobs: &mut Map<String, Json>, id: &str) {
    gate_on(jobs, id, "go");
}

/// Every job but the guard `id` needs it and runs only when its output
/// `output` is `true`.
pub fn gate_on(jobs: &mut Map<String, Json>, id: &str, output: &str) {
    super::trigger_params::need_all(jobs, id);
    for (name, job) in jobs.iter_mut() {
        let Some(job) = job.as_object_mut().filter(|_| name != id) else {
            continue;
        };
        let go = format!("needs.{id}.outputs.{output} == 'true'");
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
