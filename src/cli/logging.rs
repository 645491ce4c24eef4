//! wfc's own messages on stderr, and `WFC_TIMINGS`.
//!
//! The crates below the CLI report through `tracing`: notes and warnings
//! for the person at the terminal (`wfc: warning: …`), and, under the
//! target [`TIMING`], the phases of a command — an event marks the end of a
//! phase, a span times one — and the CPU time of helper threads as they end
//! (an event with a `thread` field). `wfc serve` and `wfc mcp` log the same
//! events in their own format (`wfc_serve::init_logs`); every other command
//! installs [`init`].
//!
//! The subscriber is this file's own, not `tracing-subscriber`'s registry:
//! a terminal shows messages, not span trees, and the registry's slabs cost
//! every command ~0.7 MiB of resident memory.
//!
//! A write that fails (a closed stderr: `wfc run w.wf 2>&1 | head -1`) is
//! dropped, never a panic: the run goes on and its record is unaffected.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The target of phase timings and thread CPU times.
pub const TIMING: &str = "wfc::timing";

/// When the process started (for the timings' first column).
static START: OnceLock<Instant> = OnceLock::new();
/// The timings' state, when `WFC_TIMINGS` is set.
static TIMINGS: OnceLock<Timings> = OnceLock::new();

/// Starts the clock of `WFC_TIMINGS`: first thing in `main`.
pub fn start_clock() {
    START.get_or_init(Instant::now);
}

/// Sends wfc's events to stderr: `info` and above from wfc's crates,
/// warnings from the others, and with `WFC_TIMINGS` set the timings.
/// `verbosity`: -1 (`-q`) errors only; 1 (`-v`) wfc's debug messages; 2 or
/// more (`-vv`) everything of wfc's and the libraries' notes.
pub fn init(verbosity: i8) {
    let start = *START.get_or_init(Instant::now);
    let timings = std::env::var_os("WFC_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
    if timings {
        let _ = TIMINGS.set(Timings {
            start,
            last: Mutex::new(start),
            threads: Mutex::default(),
            spans: Mutex::default(),
            next: AtomicU64::new(1),
        });
    }
    let _ = tracing::subscriber::set_global_default(Plain { timings, verbosity });
}

/// With `WFC_TIMINGS`: the CPU time of wfc (all its threads) and of its
/// reaped children, then the calling (main) thread's and each ended
/// thread's that noted it.
pub fn print_cpu() {
    let Some(t) = TIMINGS.get() else {
        return;
    };
    let mut threads = format!("main {:.1}", thread_cpu_ms());
    for (name, ms) in t.threads.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = write!(threads, ", {name} {ms:.1}");
    }
    use nix::sys::resource::{getrusage, UsageWho};
    let cpu = |who| {
        getrusage(who).map_or(0.0, |u| {
            let t =
                |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 * 1e3 + tv.tv_usec() as f64 / 1e3;
            t(u.user_time()) + t(u.system_time())
        })
    };
    let (own, children) = (cpu(UsageWho::RUSAGE_SELF), cpu(UsageWho::RUSAGE_CHILDREN));
    line(&format!(
        "wfc: timing: cpu {own:.1} ms wfc, {children:.1} ms steps"
    ));
    line(&format!("wfc: timing: threads (cpu ms): {threads}"));
}

struct Timings {
    start: Instant,
    /// The previous mark.
    last: Mutex<Instant>,
    /// CPU time of the threads that ended, by name.
    threads: Mutex<Vec<(String, f64)>>,
    /// Timed spans open, by id: name and start.
    spans: Mutex<HashMap<u64, (&'static str, Instant)>>,
    next: AtomicU64,
}

impl Timings {
    /// `wfc: timing: SINCE_START ms +DELTA ms  WHAT`; a mark's delta is the
    /// time since the previous mark, a span's its own length.
    fn print(&self, what: &str, span: Option<Duration>) {
        let now = Instant::now();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let delta = match span {
            Some(d) => d,
            None => now - std::mem::replace(&mut *last, now),
        };
        line(&format!(
            "wfc: timing: {:>9.3} ms {:>+9.3} ms  {what}",
            ms(now - self.start),
            ms(delta)
        ));
    }
}

/// The calling thread's CPU time so far, in ms.
fn thread_cpu_ms() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_or(0.0, |t| t.tv_sec() as f64 * 1e3 + t.tv_nsec() as f64 / 1e6)
}

/// Writes `text` and a newline to stderr (above a live display); a failed
/// write is dropped.
fn line(text: &str) {
    super::progress::above(text);
}

/// An event's message (a terminal shows the message alone: wfc's crates
/// say in it what a person needs; the fields are for a server's log).
#[derive(Default)]
struct Message {
    text: String,
    thread: Option<String>,
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.text.push_str(value),
            "thread" => self.thread = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        }
    }
}

/// The subscriber: wfc's messages as plain lines, and the timings.
struct Plain {
    timings: bool,
    verbosity: i8,
}

impl Plain {
    /// The most verbose level shown of `target`. A run's start and end are
    /// the server's log lines; at a terminal the run shows itself.
    fn level(&self, target: &str) -> LevelFilter {
        if target.starts_with(TIMING) {
            return if self.timings {
                LevelFilter::TRACE
            } else {
                LevelFilter::OFF
            };
        }
        let wfc = target.starts_with("wfc");
        match self.verbosity {
            ..=-1 => LevelFilter::ERROR,
            0 if target.starts_with("wfc_launch::own") => LevelFilter::WARN,
            0 if wfc => LevelFilter::INFO,
            0 => LevelFilter::WARN,
            1 if wfc => LevelFilter::DEBUG,
            1 => LevelFilter::WARN,
            _ if wfc => LevelFilter::TRACE,
            _ => LevelFilter::INFO,
        }
    }
}

impl Subscriber for Plain {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        *meta.level() <= self.level(meta.target())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(if self.timings || self.verbosity >= 2 {
            LevelFilter::TRACE
        } else if self.verbosity == 1 {
            LevelFilter::DEBUG
        } else {
            LevelFilter::INFO
        })
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        // Only timed spans are enabled (see `enabled`).
        let Some(t) = TIMINGS.get() else {
            return Id::from_u64(u64::MAX);
        };
        let id = t.next.fetch_add(1, Ordering::Relaxed);
        t.spans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (attrs.metadata().name(), Instant::now()));
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut m = Message::default();
        event.record(&mut m);
        if event.metadata().target() == TIMING {
            let Some(t) = TIMINGS.get() else {
                return;
            };
            match m.thread {
                Some(name) => t
                    .threads
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name, thread_cpu_ms())),
                None => t.print(&m.text, None),
            }
            return;
        }
        let prefix = match *event.metadata().level() {
            Level::ERROR => "wfc: error: ",
            Level::WARN => "wfc: warning: ",
            _ => "wfc: ",
        };
        line(&format!("{prefix}{}", m.text));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}

    fn try_close(&self, id: Id) -> bool {
        if let Some(t) = TIMINGS.get() {
            let span = t
                .spans
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id.into_u64());
            if let Some((name, at)) = span {
                t.print(name, Some(at.elapsed()));
            }
        }
        true
    }
}
