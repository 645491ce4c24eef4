//! `wfc top`: every run going on in the store, live — running ones and
//! those waiting for a person, each with its running and waiting steps
//! (what it waits for), how many of its steps ended, and the runs that
//! ended last ([`wfc_store::live`]: bounded reads, so a run of 50,000
//! steps costs a poll what a page does).
//!
//! On a terminal it takes the alternate screen and redraws every second
//! ([`screen`]), folding each running run's journal first so the view is
//! the present; `q`, Esc or Ctrl-C quit and give the terminal back as it
//! was. Off a terminal (or with `--once`) it prints the view once.

use super::history::{dur, store_error, StoreArgs};
use super::say::escaped;
use super::screen;
use clap::Args;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use std::process::ExitCode;
use std::time::Duration;
use wfc_store::live::{self, LiveRun};
use wfc_store::query::RunRow;
use wfc_store::{control, Store};

#[derive(Args)]
pub struct TopArgs {
    /// Print the view once and exit (what it does off a terminal).
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs shown going on, steps shown per run, and runs shown that ended.
const RUNS: usize = 50;
const STEPS: usize = 8;
const ENDED: usize = 10;
/// How often the view is read again.
const EVERY: Duration = Duration::from_secs(1);

pub fn run(args: TopArgs) -> ExitCode {
    let store = match args.store.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let place = args.store.dir().display().to_string();
    if args.once || !screen::is_tty() {
        return match read(&store) {
            Ok((going, ended)) => {
                print!(
                    "{}",
                    super::say::escaped_lines(&view(&place, &going, &ended, wfc_store::now_ms()))
                );
                ExitCode::SUCCESS
            }
            Err(e) => store_error(e),
        };
    }
    let _screen = match Screen::take() {
        Ok(s) => s,
        Err(e) => return store_error(format!("cannot take the terminal: {e}")),
    };
    loop {
        let (going, ended) = match read(&store) {
            Ok(x) => x,
            Err(e) => {
                drop(_screen);
                return store_error(e);
            }
        };
        let (cols, rows) = screen::size();
        let text = view(&place, &going, &ended, wfc_store::now_ms());
        let text = super::say::escaped_lines(&text);
        screen::draw(&screen::fit(&text, cols, rows), true);
        if quit_within(EVERY) {
            return ExitCode::SUCCESS;
        }
    }
}

/// What the view shows, read now: the runs' journals folded first.
fn read(store: &Store) -> wfc_store::Result<(Vec<LiveRun>, Vec<RunRow>)> {
    let _ = control::reap(store);
    let mut going = live::going(store, RUNS, STEPS)?;
    let mut folded = false;
    for g in &going {
        folded |= wfc_store::tail::catch_up(store, &g.run.id).unwrap_or(false);
    }
    if folded {
        going = live::going(store, RUNS, STEPS)?;
    }
    Ok((going, live::ended(store, ENDED)?))
}

/// Whether a quitting key came within `wait` (a resize or another key
/// ends the wait too: the view is drawn again).
fn quit_within(wait: Duration) -> bool {
    if !event::poll(wait).unwrap_or(false) {
        return false;
    }
    match event::read() {
        Ok(Event::Key(KeyEvent {
            code, modifiers, ..
        })) => {
            matches!(code, KeyCode::Char('q' | 'Q') | KeyCode::Esc)
                || (code == KeyCode::Char('c') && modifiers.contains(KeyModifiers::CONTROL))
        }
        _ => false,
    }
}

/// The terminal in raw mode on the alternate screen, cursor hidden, for as
/// long as it lives; given back as it was when dropped.
struct Screen;

impl Screen {
    fn take() -> std::io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let screen = Screen;
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            cursor::Hide
        )?;
        Ok(screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(
            std::io::stdout(),
            cursor::Show,
            terminal::LeaveAlternateScreen
        );
        let _ = terminal::disable_raw_mode();
    }
}

/// `2026-11-26 03:40:01` of a stamp.
fn when(stamp: &str) -> String {
    stamp.get(..19).unwrap_or(stamp).replace('T', " ")
}

/// The view as text: the runs going on with their live steps, then the
/// last ends. Names are escaped here (so the columns are as wide as what
/// is printed), the rest by the caller.
fn view(place: &str, going: &[LiveRun], ended: &[RunRow], now_ms: i64) -> String {
    let waiting = going.iter().filter(|g| g.run.status == "waiting").count();
    let at = wfc_store::stamp(now_ms);
    let mut o = format!(
        "wfc top · {place} · {} running, {waiting} waiting · {} UTC · q quits\n\n",
        going.len() - waiting,
        at.get(11..19).unwrap_or(&at)
    );
    let w = going
        .iter()
        .map(|g| g.run.workflow.chars().count())
        .chain(ended.iter().map(|r| r.workflow.chars().count()))
        .max()
        .unwrap_or(8)
        .max(8);
    let idw = going
        .iter()
        .map(|g| g.run.id.len())
        .chain(ended.iter().map(|r| r.id.len()))
        .max()
        .unwrap_or(20)
        .max(20);
    if going.is_empty() {
        o.push_str("No run is going on.\n");
    } else {
        o.push_str(&format!(
            "{:<idw$}  {:<w$}  {:<8}  {:<19}  {:>9}  STEPS\n",
            "RUN", "WORKFLOW", "STATUS", "STARTED (UTC)", "DURATION"
        ));
    }
    for g in going {
        let r = &g.run;
        let failed = match g.failed {
            0 => String::new(),
            n => format!(" ({n} failed)"),
        };
        o.push_str(&format!(
            "{:<idw$}  {:<w$}  {:<8}  {:<19}  {:>9}  {} of {} ended{failed}\n",
            r.id,
            escaped(&r.workflow),
            r.status,
            when(&r.started_at),
            dur(r.duration_seconds),
            g.ended,
            r.steps
        ));
        for s in &g.steps {
            let took = s
                .started_ms
                .map(|t| dur((now_ms - t).max(0) as f64 / 1000.0))
                .unwrap_or_default();
            let mark = if s.status == "waiting" { "‖" } else { "▶" };
            let why = s
                .detail
                .as_deref()
                .and_then(|d| d.lines().next())
                .map(|d| format!("  {d}"))
                .unwrap_or_default();
            let line = format!(
                "  {mark} {}  {}  {}  {took}{why}",
                escaped(&s.name),
                s.kind,
                s.status
            );
            o.push_str(line.trim_end());
            o.push('\n');
        }
        if g.more_steps > 0 {
            o.push_str(&format!("  … {} more running or waiting\n", g.more_steps));
        }
    }
    if !ended.is_empty() {
        o.push_str(&format!(
            "\nENDED LAST\n{:<idw$}  {:<w$}  {:<11}  {:<19}  {:>9}  NOTE\n",
            "RUN", "WORKFLOW", "STATUS", "ENDED (UTC)", "DURATION"
        ));
        for r in ended {
            let note = r
                .failed_step
                .as_deref()
                .map(|s| format!("failed at {}", escaped(s)))
                .unwrap_or_default();
            let line = format!(
                "{:<idw$}  {:<w$}  {:<11}  {:<19}  {:>9}  {note}",
                r.id,
                escaped(&r.workflow),
                r.status,
                when(r.ended_at.as_deref().unwrap_or_default()),
                dur(r.duration_seconds)
            );
            o.push_str(line.trim_end());
            o.push('\n');
        }
    }
    o
}
