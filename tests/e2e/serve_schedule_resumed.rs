//! `on schedule` after `kill -9` of the real `wfc serve`: the restart
//! resumes the scheduled run that was going on, and that run is the
//! schedule's previous run for `overlap` — the slot `catch up` owes and the
//! slots that come while it runs are passed over (`skip`) or wait for its
//! end (`queue`). Read from the start and end lines the step writes with
//! its run's id: no two runs ever go on at once.

use super::serve::Server;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every 3 s, catching up one missed slot, a step of 5 s that writes
/// `MS RUN start` and `MS RUN end` to trace.txt.
fn every_3s(overlap: &str) -> String {
    format!(
        r#"workflow s {{
  on schedule "*/3 * * * * *" {{ overlap {overlap}  catch up 1 }}
  step a: shell {{ run "echo $(date +%s%3N) $WFC_RUN_ID start >> @DIR/trace.txt; sleep 5; echo $(date +%s%3N) $WFC_RUN_ID end >> @DIR/trace.txt" }}
}}
"#
    )
}

/// One line of the trace: when, which run, `start` or `end`.
fn trace(path: &Path) -> Vec<(i64, String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f.len() == 3).then(|| (f[0].parse().unwrap(), f[1].to_owned(), f[2].to_owned()))
        })
        .collect()
}

/// The runs' spans that started at `since` or later, by start: `(run,
/// start, end)`, a run still going ending at `i64::MAX`.
fn spans(lines: &[(i64, String, String)], since: i64) -> Vec<(String, i64, i64)> {
    let mut out: Vec<(String, i64, i64)> = lines
        .iter()
        .filter(|(at, _, what)| what == "start" && *at >= since)
        .map(|(at, run, _)| {
            let end = lines
                .iter()
                .find(|(e, r, what)| what == "end" && r == run && e >= at)
                .map_or(i64::MAX, |(e, _, _)| *e);
            (run.clone(), *at, end)
        })
        .collect();
    out.sort_by_key(|s| s.1);
    out
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Waits (at most `within`) until `check` gives a value.
fn wait_for<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(v) = check() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// What a restart after `kill -9` mid-run did.
struct Restarted {
    /// The run killed, then resumed.
    resumed: String,
    /// The runs' spans from the restart on (the resumed run's first).
    spans: Vec<(String, i64, i64)>,
    log: String,
}

/// Kills the server with -9 while the first scheduled run runs, lets a
/// slot pass while it is down, starts it again, and waits for the resumed
/// run's end and a slot after it.
fn kill_mid_run_and_restart(overlap: &str) -> Restarted {
    let wf = every_3s(overlap);
    let mut server = Server::start(&[("s.wf", wf.as_str())], &[]);
    let path = server.path("trace.txt");
    let (started, resumed) = wait_for(Duration::from_secs(15), || {
        trace(&path).first().map(|(at, run, _)| (*at, run.clone()))
    })
    .unwrap_or_else(|| panic!("no slot fired: {}", server.log.lock().unwrap()));
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    // The next slot passes while the server is down: catch up owes it.
    while now_ms() < started + 3_500 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let restart = now_ms();
    server.restart(&[], &server.path("flows"));
    let ended = wait_for(Duration::from_secs(20), || {
        let lines = trace(&path);
        lines
            .iter()
            .find(|(at, run, what)| *at >= restart && run == &resumed && what == "end")
            .map(|(at, _, _)| *at)
    });
    let log = server.log.lock().unwrap().clone();
    let ended = ended.unwrap_or_else(|| panic!("the resumed run did not end: {log}"));
    // A slot after its end (3 s apart) and the start of its run.
    while now_ms() < ended + 3_500 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let spans = spans(&trace(&path), restart);
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains(&format!("resuming run {resumed}")), "{log}");
    assert_eq!(
        spans.first().map(|s| &s.0),
        Some(&resumed),
        "{spans:?}\n{log}"
    );
    for pair in spans.windows(2) {
        assert!(
            pair[1].1 >= pair[0].2,
            "{} started while {} ran: {spans:?}\n{log}",
            pair[1].0,
            pair[0].0
        );
    }
    Restarted {
        resumed,
        spans,
        log,
    }
}

#[test]
fn overlap_skip_passes_the_caught_up_slot_over_while_the_resumed_run_runs() {
    let Restarted {
        resumed,
        spans,
        log,
    } = kill_mid_run_and_restart("skip");
    assert!(
        log.contains("slots missed while the server was down") && log.contains("catching_up=1"),
        "{log}"
    );
    // The caught-up slot and those during the resumed run: passed over.
    assert!(
        log.lines()
            .any(|l| l.contains("slot passed over") && l.contains(&resumed)),
        "{log}"
    );
    // After it, the schedule fires again.
    assert!(
        spans.len() >= 2,
        "no slot fired after the resumed run: {spans:?}\n{log}"
    );
}

#[test]
fn overlap_queue_starts_the_caught_up_slot_when_the_resumed_run_ends() {
    let Restarted {
        resumed,
        spans,
        log,
    } = kill_mid_run_and_restart("queue");
    assert!(
        log.lines()
            .any(|l| l.contains("slot queued behind the previous run") && l.contains(&resumed)),
        "{log}"
    );
    let (first, next) = (&spans[0], spans.get(1));
    let next = next.unwrap_or_else(|| panic!("the queued slot did not run: {spans:?}\n{log}"));
    assert!(
        next.1 >= first.2 && next.1 - first.2 < 1_500,
        "the queued run did not start at the resumed run's end: {spans:?}\n{log}"
    );
}
