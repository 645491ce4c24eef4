//! `wfc status RUN --watch`: the run's status redrawn in place as it
//! changes, until the run ends; then its final status, printed plainly.
//!
//! From the local store, each [`POLL`] folds what the run's journal holds
//! (the store otherwise gets it up to 200 ms later) and looks at the run's
//! last event and status: the run is read again and drawn when they moved,
//! and once a second for its durations. With `--server` the run's live
//! events say when it moved ([`super::remote`]). Off a terminal (or with
//! `--format json`) nothing is drawn: it waits for the end and prints the
//! status once.

use super::screen;
use super::status::{render, show, Hints, StatusArgs};
use super::Format;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wfc_store::control::{self, POLL};
use wfc_store::query::{self, RunDetail};
use wfc_store::Store;

/// How often a drawn run is drawn again when nothing moved (its durations).
const TICK: Duration = Duration::from_secs(1);

/// Whether the run can still change.
fn going(d: &RunDetail) -> bool {
    matches!(d.run.status.as_str(), "running" | "waiting" | "paused")
}

/// Whether frames are drawn (else the end is printed once).
fn drawn(args: &StatusArgs) -> bool {
    args.format == Format::Text && screen::is_tty()
}

/// One frame: what `wfc status` prints, under a line saying it is watched.
fn frame(d: &RunDetail, args: &StatusArgs, hints: &Hints) -> Vec<String> {
    let (cols, rows) = screen::size();
    let at = chrono::Utc::now().format("%H:%M:%S UTC");
    let head = format!(
        "wfc status {} --watch · {at} · Ctrl-C stops watching (not the run)\n\n",
        d.run.id
    );
    let text = render(d, args.attempts, hints);
    screen::fit(&(head + &super::say::escaped_lines(&text)), cols, rows)
}

/// The end: the run as it ended, printed as `wfc status` prints it.
fn end(d: &RunDetail, args: &StatusArgs, hints: &Hints) -> ExitCode {
    if drawn(args) {
        screen::clear();
    }
    show(d, args, hints)
}

/// Watches run `id` in the local store.
pub fn local(store: &Store, id: &str, args: &StatusArgs, hints: &Hints) -> ExitCode {
    let drawn = drawn(args);
    if drawn {
        screen::clear();
    }
    let mut seen: Option<(i64, String)> = None;
    let mut last = Instant::now() - TICK;
    loop {
        let _ = control::reap(store);
        let _ = wfc_store::tail::catch_up(store, id);
        let now = (
            last_event(store, id),
            control::run_status(store, id).ok().flatten(),
        );
        let moved = seen.as_ref() != Some(&(now.0, now.1.clone().unwrap_or_default()));
        let ended = !matches!(now.1.as_deref(), Some("running"));
        if ended || (drawn && (moved || last.elapsed() >= TICK)) {
            let detail = match query::detail(store, id) {
                Ok(Some(d)) => d,
                Ok(None) => return super::history::store_error(format!("run {id} vanished")),
                Err(e) => return super::history::store_error(e),
            };
            if ended || !going(&detail) {
                return end(&detail, args, hints);
            }
            screen::draw(&frame(&detail, args, hints), false);
            seen = Some((now.0, now.1.unwrap_or_default()));
            last = Instant::now();
        }
        std::thread::sleep(POLL);
    }
}

/// Watches run `run` on a server, from its live events.
pub fn remote(client: &super::remote::Client, args: &StatusArgs) -> ExitCode {
    let flag = client.flag();
    let hints = Hints {
        flag: &flag,
        remote: true,
    };
    let drawn = drawn(args);
    if drawn {
        screen::clear();
    }
    let ended = client.follow(&args.run, |d| {
        if drawn && going(d) {
            screen::draw(&frame(d, args, &hints), false);
        }
    });
    match ended {
        Ok(d) => end(&d, args, &hints),
        Err(f) => f.print(),
    }
}

/// The number of run `id`'s last event (0: none yet).
fn last_event(store: &Store, id: &str) -> i64 {
    wfc_store::tail::last_seq(store, id).unwrap_or(0)
}
