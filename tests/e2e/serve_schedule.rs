//! `on schedule` in the real `wfc serve`: 6-field schedules firing every
//! 2 s, `overlap skip` and `queue` read from the start and end times the
//! steps write; a schedule added to a served file fires and one removed
//! stops; and a restart on the same store, where the slots missed while
//! down follow `catch up` and no slot fires twice (the store's runs and its
//! `schedule_fires` say so).

use super::serve::Server;
use super::WFC;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wfc_store::testing;

/// Every 2 s, a step of 3 s that writes `START END RUN TRIGGER` (ms) at its end.
fn every_2s(overlap: &str) -> String {
    format!(
        r#"workflow tick {{
  on schedule "*/2 * * * * *" {{ overlap {overlap} }}
  step work: shell {{ run "s=$(date +%s%3N); sleep 3; echo $s $(date +%s%3N) ${{run.id}} ${{run.trigger}} >> @DIR/times.txt" }}
}}
"#
    )
}

/// A finished run as its step wrote it.
#[derive(Debug)]
struct Span {
    start: i64,
    end: i64,
    run: String,
    trigger: String,
}

fn spans(path: &Path) -> Vec<Span> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<Span> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            Span {
                start: f[0].parse().unwrap(),
                end: f[1].parse().unwrap(),
                run: f[2].to_owned(),
                trigger: f[3].to_owned(),
            }
        })
        .collect();
    out.sort_by_key(|s| s.start);
    out
}

/// Waits (at most `within`) until `check` holds.
fn wait_for(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Each run's status and trigger in the store.
fn stored(state: &Path, run: &str) -> (String, String) {
    let store = wfc_store::Store::open(state).unwrap();
    let row = testing::row(
        &store,
        "SELECT r.status, t.trigger FROM runs r JOIN run_triggers t ON t.run_id = r.id
          WHERE r.id = $1",
        &[run.into()],
    );
    let text = |v: &testing::Value| v.text().unwrap().to_owned();
    row.ok()
        .flatten()
        .map(|r| (text(&r[0]), text(&r[1])))
        .unwrap_or_default()
}

fn scheduled_runs(state: &Path) -> i64 {
    let store = wfc_store::Store::open(state).unwrap();
    let sql = "SELECT COUNT(*) FROM run_triggers WHERE trigger = 'schedule'";
    testing::one(&store, sql, &[]).unwrap().int().unwrap()
}

/// The schedule's `done_until` and `fired` in the store.
fn fires(state: &Path) -> Vec<(String, i64, i64)> {
    let store = wfc_store::Store::open(state).unwrap();
    let sql = "SELECT schedule, done_until, fired FROM schedule_fires";
    testing::rows(&store, sql, &[])
        .unwrap()
        .iter()
        .map(|r| {
            let int = |i: usize| r[i].int().unwrap();
            (r[0].text().unwrap().to_owned(), int(1), int(2))
        })
        .collect()
}

/// A server over a 2-second schedule with `overlap`, once two runs
/// finished; their spans.
fn two_runs(overlap: &str) -> (Server, Vec<Span>) {
    let wf = every_2s(overlap);
    let server = Server::start(&[("tick.wf", wf.as_str())], &[]);
    let times = server.path("times.txt");
    assert!(
        wait_for(Duration::from_secs(15), || spans(&times).len() >= 2),
        "two runs did not finish: {}",
        server.log.lock().unwrap()
    );
    let runs = spans(&times);
    (server, runs)
}

#[test]
fn overlap_skip_passes_slots_while_the_previous_run_runs() {
    let (server, runs) = two_runs("skip");
    for pair in runs.windows(2) {
        assert!(pair[1].start >= pair[0].end, "runs overlap: {runs:?}");
        assert!(pair[1].start - pair[0].start >= 2_000, "{runs:?}");
    }
    for r in &runs {
        assert_eq!(r.trigger, "schedule");
        // The step's line comes just before its run's end reaches the store.
        let state = server.path("state");
        let ended = wait_for(Duration::from_secs(10), || {
            stored(&state, &r.run).0 != "running"
        });
        assert!(ended, "run {} did not end", r.run);
        assert_eq!(
            stored(&state, &r.run),
            ("succeeded".to_owned(), "schedule".to_owned())
        );
    }
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("slot passed over"), "{log}");
}

#[test]
fn overlap_queue_runs_back_to_back() {
    let (server, runs) = two_runs("queue");
    let (a, b) = (&runs[0], &runs[1]);
    // The queued slot came while the first ran: it starts at that end.
    assert!(b.start >= a.end, "runs overlap: {runs:?}");
    assert!(b.start - a.end < 1_500, "not back to back: {runs:?}");
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("slot queued behind the previous run"), "{log}");
}

#[test]
fn a_schedule_added_to_a_served_file_fires_and_one_removed_stops() {
    let server = Server::start(&[], &[]);
    let file = server.path("flows/beat.wf");
    let ticks = server.path("ticks.txt");
    let beat = |schedule: &str| {
        format!(
            "workflow beat {{\n  {schedule}\n  step mark: shell {{ run \"echo ${{run.id}} >> {}\" }}\n}}\n",
            ticks.display()
        )
    };
    std::fs::write(&file, beat("on schedule \"* * * * * *\"")).unwrap();
    let lines = || {
        std::fs::read_to_string(&ticks)
            .unwrap_or_default()
            .lines()
            .count()
    };
    assert!(
        wait_for(Duration::from_secs(10), || lines() >= 1),
        "{}",
        server.log.lock().unwrap()
    );
    std::fs::write(&file, beat("")).unwrap();
    let log = server.log.clone();
    assert!(wait_for(Duration::from_secs(10), || log
        .lock()
        .unwrap()
        .contains("schedule no longer served")));
    std::thread::sleep(Duration::from_millis(300));
    let after = lines();
    std::thread::sleep(Duration::from_millis(2_200));
    assert_eq!(lines(), after, "a removed schedule fired");
}

/// A second `wfc serve` on `server`'s folder and store; killed when dropped.
struct Again {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Again {
    fn start(server: &Server) -> Again {
        let mut child = Command::new(WFC)
            .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(server.path("state"))
            .arg(server.path("flows"))
            .current_dir(server.dir.path())
            .envs(server.env.iter().map(|(k, v)| (k, v)))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let kept = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let listening = wait_for(Duration::from_secs(20), || {
            log.lock().unwrap().contains("listening on")
        });
        assert!(listening, "{}", log.lock().unwrap());
        Again { child, log }
    }
}

impl Drop for Again {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM, and the exit.
fn stop(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || child
            .try_wait()
            .unwrap()
            .is_some()),
        "the server did not stop"
    );
}

/// Fires slot S1 with the server up, stops it across S2 and S3, restarts
/// it, and waits for `runs` runs in all (then a second more, for any
/// extra one): the runs' lines, the restarted server's log, the store's fires.
fn restart_across_two_slots(catch_up: u32, runs: usize) -> Restarted {
    let mut server = Server::start(&[], &[]);
    let ticks = server.path("ticks.txt");
    // Three slots from 3 s on, written once the server runs: it starts
    // from now, whatever its start cost.
    let now = now_s();
    let (s1, s2, s3) = (now + 3, now + 5, now + 6);
    let wf = format!(
        "workflow tick {{\n  on schedule \"{} * * * * *\" {{ catch up {catch_up} }}\n  step mark: shell {{ run \"echo ${{run.id}} >> {}\" }}\n}}\n",
        [s1, s2, s3].map(|s| (s % 60).to_string()).join(","),
        ticks.display()
    );
    std::fs::write(server.path("flows/tick.wf"), wf).unwrap();
    let lines = || {
        std::fs::read_to_string(&ticks)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(
        wait_for(Duration::from_secs(10), || lines().len() == 1),
        "S1 did not fire: {}",
        server.log.lock().unwrap()
    );
    stop(&mut server.child);
    assert!(now_s() < s2, "stopped too late for the test");
    // Past S3, then up again.
    while now_s() <= s3 {
        std::thread::sleep(Duration::from_millis(100));
    }
    let again = Again::start(&server);
    let log = again.log.clone();
    assert!(wait_for(Duration::from_secs(10), || log
        .lock()
        .unwrap()
        .contains("missed=")));
    wait_for(Duration::from_secs(10), || lines().len() >= runs);
    std::thread::sleep(Duration::from_millis(1_000));
    let state = server.path("state");
    let log = again.log.lock().unwrap().clone();
    Restarted {
        lines: lines(),
        log,
        fires: fires(&state),
        runs: scheduled_runs(&state),
        s3_ms: s3 * 1_000,
    }
}

/// What [`restart_across_two_slots`] saw.
struct Restarted {
    /// One per run: its id.
    lines: Vec<String>,
    /// The restarted server's log.
    log: String,
    /// `schedule_fires`: schedule, done until, fired.
    fires: Vec<(String, i64, i64)>,
    /// Runs in the store with the trigger `schedule`.
    runs: i64,
    s3_ms: i64,
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn a_restart_catches_up_the_latest_missed_slot_once() {
    let Restarted {
        lines,
        log,
        fires,
        runs,
        s3_ms,
    } = restart_across_two_slots(1, 2);
    assert_eq!(lines.len(), 2, "S1, then one catch-up: {lines:?}\n{log}");
    assert_eq!(runs, 2, "no slot ran twice");
    assert_ne!(lines[0], lines[1]);
    assert!(
        log.contains("missed=2") && log.contains("skipped=1"),
        "{log}"
    );
    // S3 is the one caught up, recorded as fired: S1 and S3.
    assert_eq!(fires.len(), 1, "{fires:?}");
    assert_eq!((fires[0].1, fires[0].2), (s3_ms, 2), "{fires:?}");
}

#[test]
fn a_restart_with_catch_up_0_runs_no_missed_slot() {
    let Restarted {
        lines,
        log,
        fires,
        runs,
        s3_ms,
    } = restart_across_two_slots(0, 1);
    assert_eq!(lines.len(), 1, "only S1: {lines:?}\n{log}");
    assert_eq!(runs, 1);
    assert!(
        log.contains("missed=2") && log.contains("skipped=2"),
        "{log}"
    );
    assert_eq!(fires.len(), 1, "{fires:?}");
    assert!(fires[0].1 >= s3_ms && fires[0].2 == 1, "{fires:?}");
}
