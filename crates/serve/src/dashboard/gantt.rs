//! The run page's timeline: one row per step (main graph first, then
//! rollback and handlers, as the store lists them), one bar per attempt at
//! its time since the run's start, on the real time scale: the axis ends
//! where the run is (its end, or now while it runs), so a 5 s run is drawn
//! over 5 s whatever its plan estimated. The plan's estimate shows only as
//! a faint remainder after a running attempt's bar (cut at the axis' end);
//! a finished attempt is drawn as it went. Laid out here in SVG user units;
//! the template `gantt.html` draws it (so every name is escaped there).

use serde::Serialize;
use std::collections::HashMap;
use wfc_store::query::StepRow;

/// The most rows drawn: past it, the longest steps and "N more".
pub const MAX_ROWS: usize = 300;

/// The SVG's width, the label column and each row's height (user units).
const WIDTH: f64 = 1000.0;
const LABELS: f64 = 200.0;
const ROW: f64 = 22.0;
/// Room above the first row for the axis.
const AXIS: f64 = 24.0;
/// Room right of the axis' end.
const RIGHT: f64 = 10.0;

/// The timeline as the template draws it.
#[derive(Serialize, Debug)]
pub struct Gantt {
    pub width: f64,
    pub height: f64,
    pub labels: f64,
    pub rows: Vec<Row>,
    pub ticks: Vec<Tick>,
    /// Steps with attempts left out (past [`MAX_ROWS`]).
    pub more: usize,
}

#[derive(Serialize, Debug)]
pub struct Row {
    pub name: String,
    /// The name cut to fit the label column.
    pub label: String,
    pub graph: String,
    pub y: f64,
    pub bars: Vec<Bar>,
    /// An up-to-date step (no attempt: restored, not run): the run it was
    /// restored from, said in words where its bar would be.
    pub up_to_date: Option<String>,
}

/// One attempt.
#[derive(Serialize, Debug)]
pub struct Bar {
    pub x: f64,
    pub w: f64,
    /// A running attempt's estimated remainder, drawn after its bar (cut
    /// at the axis' end); `None` for a finished one or without estimate.
    pub remainder_w: Option<f64>,
    pub number: i64,
    pub status: String,
    /// `step · attempt N · status · 1.2s (estimate 1.0s)`.
    pub title: String,
}

#[derive(Serialize, Debug)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    /// Its label's `text-anchor`: the first starts at its tick, the last
    /// ends there (never clipped by the SVG's edges), the others centre.
    pub anchor: &'static str,
}

/// An attempt placed in time: ms from the run's start, and its length.
struct Span {
    start: i64,
    length: i64,
    number: i64,
    status: String,
}

/// Lays out `steps` of a run started at `run_start_ms`; `estimates` by
/// step name (ms); a running attempt lasts until `now_ms`.
pub fn build(
    run_start_ms: i64,
    steps: &[StepRow],
    estimates: &HashMap<String, u64>,
    now_ms: i64,
) -> Gantt {
    let mut placed: Vec<(&StepRow, Vec<Span>)> = steps
        .iter()
        .filter(|s| !s.attempt_log.is_empty() || s.up_to_date.is_some())
        .map(|s| {
            let spans = s
                .attempt_log
                .iter()
                .map(|a| {
                    let start = ms(&a.started_at).unwrap_or(run_start_ms);
                    let length = match a.duration_seconds {
                        Some(d) => (d * 1000.0) as i64,
                        None if a.status == "running" => now_ms - start,
                        None => 0,
                    };
                    Span {
                        start: start - run_start_ms,
                        length: length.max(0),
                        number: a.number,
                        status: a.status.clone(),
                    }
                })
                .collect();
            (s, spans)
        })
        .collect();
    let more = placed.len().saturating_sub(MAX_ROWS);
    if more > 0 {
        // The longest steps stay, in their order.
        let mut by_length: Vec<(usize, i64)> = placed
            .iter()
            .enumerate()
            .map(|(i, (_, spans))| (i, spans.iter().map(|s| s.length).sum()))
            .collect();
        by_length.sort_by_key(|&(i, len)| (std::cmp::Reverse(len), i));
        let mut keep = vec![false; placed.len()];
        for &(i, _) in &by_length[..MAX_ROWS] {
            keep[i] = true;
        }
        let mut i = 0;
        placed.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    let estimate_of = |s: &StepRow| estimates.get(&s.name).map(|&e| e as i64);
    // The real time scale: where the attempts are, estimates left out but
    // for a little room (a quarter of the run so far at most) where running
    // attempts' remainders show.
    let real = placed
        .iter()
        .flat_map(|(_, spans)| spans.iter().map(|p| p.start + p.length))
        .max()
        .unwrap_or(0)
        .max(1);
    let remainder = placed
        .iter()
        .flat_map(|(s, spans)| {
            let est = estimate_of(s).unwrap_or(0);
            spans
                .iter()
                .filter(|p| p.status == "running")
                .map(move |p| p.start + est.max(p.length) - real)
        })
        .max()
        .unwrap_or(0)
        .clamp(0, real / 4);
    let end = real + remainder;
    let right = WIDTH - RIGHT;
    let scale = (right - LABELS) / end as f64;
    let rows = placed
        .into_iter()
        .enumerate()
        .map(|(i, (s, spans))| {
            let est = estimate_of(s);
            let bars = spans
                .into_iter()
                .map(|p| {
                    let x = LABELS + p.start.max(0) as f64 * scale;
                    // A bar of zero length still shows.
                    let w = (p.length as f64 * scale).max(2.0);
                    let remainder_w = est
                        .filter(|&e| p.status == "running" && e > p.length)
                        .map(|e| ((e - p.length) as f64 * scale).min(right - x - w))
                        .filter(|&r| r >= 1.0);
                    Bar {
                        x,
                        w,
                        remainder_w,
                        title: title(&s.name, &p, est),
                        number: p.number,
                        status: p.status,
                    }
                })
                .collect();
            Row {
                label: label_of(&s.name),
                name: s.name.clone(),
                graph: s.graph.clone(),
                y: AXIS + i as f64 * ROW,
                bars,
                up_to_date: s.up_to_date.clone(),
            }
        })
        .collect::<Vec<_>>();
    Gantt {
        width: WIDTH,
        height: AXIS + rows.len() as f64 * ROW + 4.0,
        labels: LABELS,
        ticks: ticks(end, scale),
        rows,
        more,
    }
}

/// Names past 28 characters end in `…`.
fn label_of(name: &str) -> String {
    match name.char_indices().nth(27) {
        Some((at, _)) if name.chars().count() > 28 => format!("{}…", &name[..at]),
        _ => name.to_owned(),
    }
}

fn title(step: &str, p: &Span, estimate: Option<i64>) -> String {
    let mut t = format!(
        "{step} · attempt {} · {} · {}",
        p.number,
        p.status,
        seconds(p.length)
    );
    if let Some(e) = estimate {
        t.push_str(&format!(" (estimate {})", seconds(e)));
    }
    t
}

fn seconds(ms: i64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

/// Ticks 1, 2 or 5 × 10ⁿ seconds apart, at most 10 of them.
fn ticks(end_ms: i64, scale: f64) -> Vec<Tick> {
    let mut step = 1i64;
    'find: for magnitude in [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000] {
        for m in [1, 2, 5] {
            step = m * magnitude;
            if end_ms / step <= 10 {
                break 'find;
            }
        }
    }
    let last = end_ms / step;
    (0..=last)
        .map(|k| {
            let at = k * step;
            let x = LABELS + at as f64 * scale;
            Tick {
                x,
                label: label(at),
                anchor: if k == 0 {
                    "start"
                } else if k == last && x > WIDTH - RIGHT - 30.0 {
                    "end"
                } else {
                    "middle"
                },
            }
        })
        .collect()
}

/// `0`, `250ms`, `1.5s`, `2m`, `1h30m`.
fn label(ms: i64) -> String {
    match ms {
        0 => "0".into(),
        m if m < 1000 => format!("{m}ms"),
        m if m < 60_000 => format!("{}s", m as f64 / 1000.0),
        m if m < 3_600_000 => format!("{}m{}", m / 60_000, secs_part(m % 60_000)),
        m => format!("{}h{}", m / 3_600_000, mins_part(m % 3_600_000)),
    }
}

fn secs_part(ms: i64) -> String {
    if ms == 0 {
        String::new()
    } else {
        format!("{}s", ms / 1000)
    }
}

fn mins_part(ms: i64) -> String {
    if ms == 0 {
        String::new()
    } else {
        format!("{}m", ms / 60_000)
    }
}

/// Ms since the epoch of a store timestamp (RFC 3339).
pub fn ms(stamp: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(stamp)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_store::query::AttemptRow;

    fn step(name: &str, attempts: &[(&str, &str, f64)]) -> StepRow {
        StepRow {
            name: name.into(),
            graph: "main".into(),
            rollback_of: None,
            kind: "shell".into(),
            status: "succeeded".into(),
            attempts: attempts.len() as i64,
            started_at: None,
            duration_seconds: None,
            exit_code: None,
            error: None,
            waiting: None,
            cpu_seconds: None,
            peak_memory_bytes: None,
            outputs: serde_json::Value::Null,
            log: None,
            attempt_log: attempts
                .iter()
                .enumerate()
                .map(|(i, (at, status, d))| AttemptRow {
                    session: 1,
                    number: i as i64 + 1,
                    status: (*status).into(),
                    started_at: (*at).into(),
                    duration_seconds: Some(*d),
                    exit_code: None,
                    error: None,
                    cpu_seconds: None,
                    peak_memory_bytes: None,
                })
                .collect(),
            up_to_date: None,
        }
    }

    #[test]
    fn one_bar_per_attempt_at_its_time_with_the_estimate() {
        let start = ms("2024-05-01T12:00:00.000Z").unwrap();
        let steps = [
            step(
                "flaky",
                &[
                    ("2024-05-01T12:00:00.000Z", "failed", 1.0),
                    ("2024-05-01T12:00:02.000Z", "succeeded", 2.0),
                ],
            ),
            step("<b>", &[("2024-05-01T12:00:00.000Z", "succeeded", 4.0)]),
        ];
        let est = HashMap::from([("flaky".to_owned(), 1000)]);
        let g = build(start, &steps, &est, start);
        assert_eq!(g.rows.len(), 2);
        let bars = &g.rows[0].bars;
        assert_eq!(bars.len(), 2);
        assert_eq!((bars[0].number, bars[0].status.as_str()), (1, "failed"));
        assert_eq!(bars[0].x, LABELS);
        // 4 s across 790 units: the second attempt starts at 2 s.
        assert!((bars[1].x - (LABELS + 395.0)).abs() < 1e-6, "{bars:?}");
        assert_eq!(
            bars[1].title,
            "flaky · attempt 2 · succeeded · 2.0s (estimate 1.0s)"
        );
        // Finished attempts: no estimate drawn.
        assert!(g
            .rows
            .iter()
            .all(|r| r.bars.iter().all(|b| b.remainder_w.is_none())));
        assert_eq!(g.ticks.first().unwrap().label, "0");
        assert_eq!(g.ticks.last().unwrap().label, "4s");
        assert_eq!(g.ticks.last().unwrap().anchor, "end");
        assert_eq!(g.ticks[0].anchor, "start");
    }

    #[test]
    fn a_short_run_is_drawn_on_its_real_scale_with_a_running_remainder() {
        let start = ms("2024-05-01T12:00:00.000Z").unwrap();
        let mut running = step("slow", &[("2024-05-01T12:00:01.000Z", "running", 0.0)]);
        running.attempt_log[0].duration_seconds = None;
        let steps = [
            step("quick", &[("2024-05-01T12:00:00.000Z", "succeeded", 1.0)]),
            running,
        ];
        // Estimates of 10 minutes: the axis still ends at now (5 s).
        let est = HashMap::from([("quick".to_owned(), 600_000), ("slow".to_owned(), 600_000)]);
        let g = build(start, &steps, &est, start + 5000);
        let quick = &g.rows[0].bars[0];
        // 5 s so far and a quarter of it for the remainders: 6.25 s.
        assert!((quick.w - 790.0 / 6.25).abs() < 1e-6, "{quick:?}");
        assert!(quick.remainder_w.is_none());
        let slow = &g.rows[1].bars[0];
        assert!((slow.w - 790.0 * 4.0 / 6.25).abs() < 1e-6, "{slow:?}");
        // The remainder is cut at the axis' end.
        let r = slow.remainder_w.unwrap_or(0.0);
        assert!(
            r >= 1.0 && slow.x + slow.w + r <= WIDTH - RIGHT + 1e-6,
            "{slow:?}"
        );
        assert_eq!(g.ticks.last().unwrap().label, "6s");
    }

    #[test]
    fn past_the_row_limit_the_longest_steps_stay_in_order() {
        let start = ms("2024-05-01T12:00:00.000Z").unwrap();
        let steps: Vec<StepRow> = (0..MAX_ROWS + 5)
            .map(|i| {
                step(
                    &format!("s{i}"),
                    &[("2024-05-01T12:00:00.000Z", "succeeded", i as f64)],
                )
            })
            .collect();
        let g = build(start, &steps, &HashMap::new(), start);
        assert_eq!((g.rows.len(), g.more), (MAX_ROWS, 5));
        assert_eq!(g.rows[0].name, "s5");
        assert_eq!(g.rows.last().unwrap().name, format!("s{}", MAX_ROWS + 4));
    }

    #[test]
    fn tick_labels() {
        assert_eq!(label(90_000), "1m30s");
        assert_eq!(label(5_400_000), "1h30m");
        assert_eq!(ticks(45_000, 1.0).len(), 10);
        assert_eq!(label_of(&"é".repeat(30)), format!("{}…", "é".repeat(27)));
        assert_eq!(label_of("short"), "short");
    }
}
