//! What a person sees while a run goes: live progress on a terminal, plain
//! lines elsewhere, and a summary table at the end.
//!
//! - **Terminal** (stdout is a TTY): an `indicatif` display — one line per
//!   running step with its elapsed time and attempt, an overall bar of the
//!   main graph below them; step output and step results scroll above.
//! - **Plain** (CI logs, pipes): one line per event, each prefixed with the
//!   step's name (`build     | compiling…`), nothing redrawn.
//!
//! Both are the same [`Display`]: a [`Recorder`] for the run's events and a
//! [`LineOutput`] for the steps' output lines (called from worker threads,
//! hence the lock). Everything shown is already masked. Names, errors and
//! values are shown escaped ([`say::escaped`]); a step's output lines as
//! the step wrote them, without clipboard accesses ([`say::NoClipboard`]).

use super::say::{self, escaped, escaped_lines};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wfc_contract::LineOutput;
use wfc_contract::{
    Attempt, GraphName, Recorder, RunEnd, RunInfo, RunStatus, StepEnd, StepKey, StepStatus,
};
use wfc_contract::{LineSink, Stream};

/// At most this many rows in the summary table; beyond, only the steps that
/// did not succeed are listed.
const FULL_TABLE: usize = 40;

/// The run's display; clone it to hand it out as recorder and line output.
#[derive(Clone)]
pub struct Display {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    live: Option<Live>,
    color: bool,
    /// `-q`: only the run's last line (and its outputs) are shown.
    quiet: bool,
    /// Width the step names are padded to in plain lines.
    width: usize,
    rows: Vec<Row>,
    /// Each row's place in `rows`, by graph then name: looked up (twice a
    /// step) without building a key.
    index: FxHashMap<GraphName, FxHashMap<String, usize>>,
    /// More steps than the summary table lists in full: the rows of steps
    /// that succeeded are dropped as they end (the table would not show
    /// them), and only counted here.
    large: bool,
    succeeded_dropped: usize,
    main_total: usize,
    main_done: usize,
    /// Plain lines of this turn not written yet (see [`Inner::say_later`]).
    held: String,
    /// The workflow's outputs (masked), shown after the run's last line.
    outputs: Vec<(String, serde_json::Value)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(l) = self.live.take() {
            l.clear();
        }
        self.write_held();
    }
}

struct Live {
    multi: MultiProgress,
    overall: ProgressBar,
    bars: HashMap<(GraphName, String), ProgressBar>,
}

impl Live {
    /// Takes the display off the terminal: every bar still there (a step
    /// a cancel cut short ends after the run) stops ticking and is erased,
    /// so no spinner is left behind.
    fn clear(self) {
        if let Ok(mut shown) = SHOWN.lock() {
            *shown = None;
        }
        for (_, b) in self.bars {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
        super::term_echo::restore();
    }
}

/// The live display on the terminal, if one is drawn: what wfc writes
/// there from elsewhere (the note a Ctrl-C prints) goes above it.
static SHOWN: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Writes `line` to stderr from outside the run's events (a Ctrl-C's
/// note): above the live display when there is one (a line written under
/// it would move it and leave its old lines behind); else on a line of its
/// own, after the `^C` the terminal echoed.
pub fn note(line: &str) {
    let shown = SHOWN.lock().ok().and_then(|s| s.clone());
    match shown {
        Some(m) => m.suspend(|| say::err(line)),
        None => say::err(&format!("\n{line}")),
    }
}

/// Writes `line` to stderr above the live display when there is one (a
/// line written under it would be left among its old lines by the next
/// redraw): how wfc's own messages (`logging`) reach a terminal while a
/// run is shown, such as `wfc cancel`'s notice from another process.
pub fn above(line: &str) {
    let shown = SHOWN.lock().ok().and_then(|s| s.clone());
    match shown {
        Some(m) => m.suspend(|| say::err(line)),
        None => say::err(line),
    }
}

struct Row {
    graph: GraphName,
    name: String,
    status: Option<StepStatus>,
    attempts: u32,
    duration: Duration,
    optional: bool,
    /// Succeeded in an earlier session of the run (`wfc resume`).
    restored: bool,
    /// Up to date with this run: not run (a step with `sources`).
    up_to_date: Option<String>,
    /// Taken from that run by `--from` (not up to date: not looked at).
    taken: bool,
}

impl Display {
    /// `live`: draw with indicatif (stdout is a terminal). `names`: every
    /// instance name, to align plain lines.
    pub fn new(live: bool, color: bool, names: &[&str]) -> Self {
        let width = names
            .iter()
            .map(|n| escaped(n).chars().count())
            .max()
            .unwrap_or(4)
            .min(24);
        let quiet = super::quiet();
        let live = (live && !quiet).then(|| {
            let target = if say::lines_on_stderr() {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::stdout()
            };
            let multi = MultiProgress::with_draw_target(target);
            // Drawn from the run's start on, below its `run …` line (a bar
            // added now would draw `0/0 steps` before it).
            let overall = ProgressBar::hidden();
            overall.set_style(
                ProgressStyle::with_template(
                    "{bar:30.cyan/blue} {pos}/{len} steps · {elapsed} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = Some(multi.clone());
            }
            super::term_echo::off();
            Live {
                multi,
                overall,
                bars: HashMap::new(),
            }
        });
        Display {
            inner: Arc::new(Mutex::new(Inner {
                live,
                color,
                quiet,
                width,
                rows: Vec::new(),
                index: FxHashMap::default(),
                large: names.len() > FULL_TABLE,
                succeeded_dropped: 0,
                main_total: 0,
                main_done: 0,
                held: String::new(),
                outputs: Vec::new(),
            })),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Inner {
    fn paint(&self, code: &str, text: &str) -> String {
        let mut out = String::new();
        self.paint_into(&mut out, code, text);
        out
    }

    /// [`Inner::paint`] appended to `out`.
    fn paint_into(&self, out: &mut String, code: &str, text: &str) {
        if self.color {
            out.push_str("\x1b[");
            out.push_str(code);
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(text);
        }
    }

    /// Prints a line above the live display, or plainly after the lines
    /// held so far.
    fn say(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        self.say_always(line);
    }

    /// [`Inner::say`], under `-q` too: the run's result.
    fn say_always(&mut self, line: &str) {
        match &self.live {
            Some(l) => l.multi.suspend(|| say::painted(line)),
            None => {
                self.hold(line);
                self.write_held();
            }
        }
    }

    /// [`Inner::say`] at the end of the scheduler's turn ([`Recorder::flush`]),
    /// when plain: a turn's step lines (one step's end, the next one's start)
    /// go out in one `write`, not one each.
    fn say_later(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        if self.live.is_some() {
            return self.say(line);
        }
        self.hold(line);
    }

    fn hold(&mut self, line: &str) {
        self.held.push_str(line);
        self.held.push('\n');
    }

    fn write_held(&mut self) {
        if !self.held.is_empty() {
            say::write_lines(self.held.as_bytes());
            self.held.clear();
        }
    }

    /// `name   |`, with room for the rest of a line.
    fn prefix(&self, key: &StepKey) -> String {
        let name = escaped(&key.name);
        let pad = self.width.saturating_sub(name.chars().count());
        let mut p = String::with_capacity(name.len() + pad + 48);
        p.push_str(&name);
        p.extend(std::iter::repeat_n(' ', pad));
        p.push_str(" |");
        p
    }

    fn row(&mut self, key: &StepKey) -> &mut Row {
        let found = self
            .index
            .get(&key.graph)
            .and_then(|m| m.get(key.name.as_str()));
        let i = match found {
            Some(&i) => i,
            None => {
                self.rows.push(Row {
                    graph: key.graph.clone(),
                    name: key.name.clone(),
                    status: None,
                    attempts: 0,
                    duration: Duration::ZERO,
                    optional: false,
                    restored: false,
                    up_to_date: None,
                    taken: false,
                });
                let i = self.rows.len() - 1;
                let names = self.index.entry(key.graph.clone()).or_default();
                names.insert(key.name.clone(), i);
                i
            }
        };
        &mut self.rows[i]
    }

    /// A step has ended with `status`: it counts on the overall bar (main
    /// graph), and a large run forgets its row if it succeeded.
    fn count_done(&mut self, step: &StepKey, status: StepStatus) {
        if self.large && status == StepStatus::Succeeded {
            self.drop_row(step);
        }
        if step.graph == GraphName::Main {
            self.main_done += 1;
            // A loop over a run-time list adds steps the plan did not count.
            self.main_total = self.main_total.max(self.main_done);
            if let Some(l) = &self.live {
                l.overall.set_length(self.main_total as u64);
                l.overall.set_position(self.main_done as u64);
            }
        }
    }

    /// Forgets a succeeded step's row (see `large`).
    fn drop_row(&mut self, key: &StepKey) {
        let names = self.index.get_mut(&key.graph);
        let Some(i) = names.and_then(|m| m.remove(key.name.as_str())) else {
            return;
        };
        self.rows.swap_remove(i);
        if let Some(moved) = self.rows.get(i) {
            let names = self.index.get_mut(&moved.graph);
            if let Some(at) = names.and_then(|m| m.get_mut(moved.name.as_str())) {
                *at = i;
            }
        }
        self.succeeded_dropped += 1;
    }

    /// [`Inner::status_word`] appended to `out`.
    fn status_into(&self, out: &mut String, s: StepStatus, optional: bool) {
        if optional && s.is_failure() {
            out.push_str(&self.status_word(s, optional));
            return;
        }
        let (code, word) = status_look(s);
        self.paint_into(out, code, word);
    }

    fn status_word(&self, s: StepStatus, optional: bool) -> String {
        let (code, word) = status_look(s);
        let word = if optional && s.is_failure() {
            format!("{word} (optional)")
        } else {
            word.to_owned()
        };
        self.paint(code, &word)
    }
}

impl Recorder for Display {
    fn run_started(&mut self, run: &RunInfo) -> Result<(), wfc_contract::RecordError> {
        self.with(|d| {
            d.main_total = run.steps;
            d.say(&format!(
                "{} {} · {} · {} · {}",
                d.paint("1", "run"),
                run.run_id,
                run.workflow,
                wfc_language::words::count(run.steps as u64, "step"),
                wfc_language::words::count(run.jobs as u64, "job")
            ));
            if let Some(l) = &d.live {
                l.overall.set_length(run.steps as u64);
                let overall = l.multi.add(l.overall.clone());
                overall.enable_steady_tick(Duration::from_millis(200));
            }
        });
        Ok(())
    }

    fn attempt_started(&mut self, step: &StepKey, attempt: u32, _at: std::time::SystemTime) {
        self.with(|d| {
            d.row(step).attempts = attempt;
            let label = if attempt > 1 {
                format!("attempt {attempt}")
            } else {
                String::new()
            };
            match &mut d.live {
                Some(l) => {
                    let k = (step.graph.clone(), step.name.clone());
                    let bar = l.bars.entry(k).or_insert_with(|| {
                        let b = l
                            .multi
                            .insert_before(&l.overall, ProgressBar::new_spinner());
                        b.set_style(
                            // `wide_msg`: a long wait's reason is cut at
                            // the terminal's width; a wrapped line would
                            // be left behind by the redraw.
                            ProgressStyle::with_template(
                                "{spinner} {prefix} {elapsed:>4} {wide_msg}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        b.set_prefix(escaped(&step.name).into_owned());
                        b.enable_steady_tick(Duration::from_millis(120));
                        b
                    });
                    bar.set_message(label);
                }
                None => {
                    let mut line = d.prefix(step);
                    line.push(' ');
                    match attempt {
                        1 => d.paint_into(&mut line, "2", "started"),
                        _ => d.paint_into(&mut line, "2", &format!("started ({label})")),
                    }
                    d.say_later(&line);
                }
            }
        });
    }

    fn attempt_ended(&mut self, step: &StepKey, a: &Attempt) {
        if a.status == StepStatus::Succeeded || a.status == StepStatus::Cancelled {
            return;
        }
        self.with(|d| {
            let p = d.prefix(step);
            let err = escaped_lines(a.error.as_deref().unwrap_or("failed"));
            let err = say::hanging(&err, &format!("{p}   "));
            d.say_later(&format!(
                "{p} {} {err}",
                d.paint("33", &format!("attempt {} failed:", a.number))
            ));
        });
    }

    fn waiting(&mut self, step: &StepKey, why: &str) {
        let why = &*escaped_lines(why);
        self.with(|d| {
            if let Some(l) = &d.live {
                if let Some(b) = l.bars.get(&(step.graph.clone(), step.name.clone())) {
                    b.set_message(why.to_owned());
                }
            }
            let p = d.prefix(step);
            let why = say::hanging(why, &format!("{p}   "));
            d.say_later(&format!("{p} {}", d.paint("2", &why)));
        });
    }

    fn step_skipped(&mut self, _step: &StepKey, _reason: &str) {}

    fn step_ended(&mut self, step: &StepKey, e: &StepEnd) {
        self.with(|d| {
            {
                let row = d.row(step);
                row.status = Some(e.status);
                row.attempts = e.attempts;
                row.duration = e.duration;
                row.optional = e.optional;
            }
            if let Some(l) = &mut d.live {
                if let Some(b) = l.bars.remove(&(step.graph.clone(), step.name.clone())) {
                    b.finish_and_clear();
                    l.multi.remove(&b);
                }
            }
            // Read before `count_done`, which may drop the row.
            let (origin, taken) = (d.row(step).up_to_date.clone(), d.row(step).taken);
            d.count_done(step, e.status);
            let mut line = d.prefix(step);
            line.push(' ');
            if let Some(run) = origin.filter(|_| e.status == StepStatus::Succeeded) {
                if taken {
                    let word = d.paint("32", "✓ from run");
                    line.push_str(&format!("{word} {run} (`--from`): not run"));
                } else {
                    let word = d.paint("32", "✓ up to date");
                    line.push_str(&format!("{word} (run {run}): not run"));
                }
            } else {
                d.status_into(&mut line, e.status, e.optional);
            }
            if e.started_at.is_some() && !line.ends_with("not run") {
                line.push_str(" in ");
                human_into(&mut line, e.duration);
            }
            if e.status != StepStatus::Succeeded {
                if let Some(err) = &e.error {
                    line.push_str(": ");
                    let lead = format!("{}   ", d.prefix(step));
                    line.push_str(&say::hanging(&escaped_lines(err), &lead));
                }
            }
            d.say_later(&line);
        });
    }

    fn step_inputs(&mut self, step: &StepKey, inputs: &wfc_contract::up_to_date::StepInputs) {
        let origin = inputs.origin.clone();
        // `--from` records no key; a step its check alone decided has one
        // empty too, with what the check said.
        let taken = origin.is_some() && inputs.key.is_empty() && inputs.checked.is_none();
        self.with(|d| {
            let row = d.row(step);
            row.up_to_date = origin;
            row.taken = taken;
        });
    }

    fn step_restored(&mut self, step: &StepKey) {
        self.with(|d| {
            {
                let row = d.row(step);
                row.status = Some(StepStatus::Succeeded);
                row.restored = true;
            }
            d.count_done(step, StepStatus::Succeeded);
            let p = d.prefix(step);
            let word = d.paint("32", "✓ restored");
            d.say(&format!(
                "{p} {word}: succeeded in an earlier session, not run again"
            ));
        });
    }

    fn phase(&mut self, name: &str) {
        self.with(|d| d.say(&d.paint("1", &format!("── {name} ──"))));
    }

    fn run_ended(&mut self, end: &RunEnd) -> Result<(), wfc_contract::RecordError> {
        self.with(|d| {
            if let Some(l) = d.live.take() {
                l.clear();
            }
            d.say(&summary_table(d));
            let (code, word) = match end.status {
                RunStatus::Succeeded => ("1;32", "succeeded"),
                RunStatus::Failed => ("1;31", "failed"),
                RunStatus::Cancelled => ("1;33", "cancelled"),
            };
            let mut line = format!(
                "{} in {}",
                d.paint(code, &format!("run {word}")),
                human(end.duration)
            );
            if let Some((s, e)) = &end.failed {
                let e = say::hanging(&escaped_lines(e), "    ");
                line.push_str(&format!(" — `{}`: {e}", escaped(s)));
            }
            if end.status == RunStatus::Succeeded {
                // A success with work left undone says so.
                let main = d.rows.iter().filter(|r| r.graph == GraphName::Main);
                let count = |f: &dyn Fn(StepStatus) -> bool| {
                    main.clone().filter(|r| r.status.is_some_and(f)).count()
                };
                let failed = count(&|s| s.is_failure());
                let not_run = count(&|s| s == StepStatus::NotRun);
                let mut notes = Vec::new();
                if failed > 0 {
                    notes.push(format!(
                        "{} failed",
                        wfc_language::words::count(failed as u64, "optional step")
                    ));
                }
                if not_run > 0 {
                    notes.push(format!(
                        "{} not run",
                        wfc_language::words::count(not_run as u64, "step")
                    ));
                }
                if !notes.is_empty() {
                    line.push_str(&format!(" ({})", notes.join(", ")));
                }
            }
            d.say_always(&line);
            if !d.outputs.is_empty() {
                d.say_always(&outputs_block(&d.outputs));
            }
        });
        Ok(())
    }

    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        self.with(|d| d.outputs = outputs.to_vec());
    }

    fn flush(&mut self) -> Result<(), wfc_contract::RecordError> {
        self.with(Inner::write_held);
        Ok(())
    }
}

impl LineOutput for Display {
    fn sink(&self, step: &StepKey) -> LineSink {
        let this = self.clone();
        let key = step.clone();
        Arc::new(move |stream: Stream, text: &str| {
            this.with(|d| {
                let p = d.prefix(&key);
                let text = say::NoClipboard::line(text);
                let text = if stream == Stream::Stderr && d.color {
                    d.paint("2", &text)
                } else {
                    text.into_owned()
                };
                d.say(&format!("{p} {text}"));
            });
        })
    }
}

fn summary_table(d: &Inner) -> String {
    let total = d.rows.len() + d.succeeded_dropped;
    let rows: Vec<&Row> = if total <= FULL_TABLE {
        d.rows.iter().collect()
    } else {
        d.rows
            .iter()
            .filter(|r| r.status != Some(StepStatus::Succeeded))
            .collect()
    };
    let name = |r: &Row| match &r.graph {
        GraphName::Main => escaped(&r.name).into_owned(),
        GraphName::Rollback(of) => format!("{} (rollback of {})", escaped(&r.name), escaped(of)),
        g => format!("{} ({})", escaped(&r.name), g.id().replace('_', " ")),
    };
    let w = rows
        .iter()
        .map(|r| name(r).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "\n{:<w$}  {:<22}  {:>8}  {:>9}\n",
        "STEP", "STATUS", "ATTEMPTS", "DURATION"
    );
    for r in &rows {
        let status = r.status.map_or("running".to_owned(), |s| {
            let plain = match s {
                StepStatus::Failed | StepStatus::TimedOut if r.optional => {
                    format!("{} (optional)", s.name())
                }
                StepStatus::Succeeded if r.restored => "succeeded (earlier)".to_owned(),
                StepStatus::Succeeded if r.taken => "from run".to_owned(),
                StepStatus::Succeeded if r.up_to_date.is_some() => "up to date".to_owned(),
                _ => s.name().to_owned(),
            };
            let code = match s {
                StepStatus::Succeeded => "32",
                StepStatus::Failed | StepStatus::TimedOut => "31",
                StepStatus::Cancelled => "33",
                _ => "2",
            };
            // Pad before painting so escape codes do not break the columns.
            d.paint(code, &format!("{plain:<22}"))
        });
        out.push_str(&format!(
            "{:<w$}  {status}  {:>8}  {:>9}\n",
            name(r),
            r.attempts,
            human(r.duration)
        ));
    }
    let shown = rows.len();
    if shown < total {
        out.push_str(&format!(
            "({} more steps succeeded; --output FILE writes the full report)\n",
            total - shown
        ));
    }
    out
}

/// `120ms`, `3.4s`, `2m05s`, `1h02m`.
pub fn human(d: Duration) -> String {
    let mut out = String::new();
    human_into(&mut out, d);
    out
}

/// [`human`] appended to `out`.
fn human_into(out: &mut String, d: Duration) {
    use std::fmt::Write as _;
    let ms = d.as_millis();
    let _ = if ms < 1000 {
        write!(out, "{ms}ms")
    } else if ms < 60_000 {
        write!(out, "{:.1}s", d.as_secs_f64())
    } else if ms < 3_600_000 {
        write!(out, "{}m{:02}s", ms / 60_000, ms % 60_000 / 1000)
    } else {
        write!(out, "{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000)
    };
}

/// A status's colour code and word.
fn status_look(s: StepStatus) -> (&'static str, &'static str) {
    match s {
        StepStatus::Succeeded => ("32", "✓ succeeded"),
        StepStatus::Failed => ("31", "✗ failed"),
        StepStatus::TimedOut => ("31", "✗ timed out"),
        StepStatus::Cancelled => ("33", "⊘ cancelled"),
        StepStatus::Skipped => ("2", "- skipped"),
        StepStatus::NotRun => ("2", "· not run"),
    }
}

/// `outputs:` and one `  NAME = VALUE` line per output (strings bare, other
/// values as JSON).
fn outputs_block(outputs: &[(String, serde_json::Value)]) -> String {
    let w = outputs.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut o = String::from("outputs:");
    for (name, v) in outputs {
        let text = match v {
            serde_json::Value::String(s) => escaped_lines(s).into_owned(),
            other => escaped_lines(&other.to_string()).into_owned(),
        };
        o.push_str(&format!("\n  {name:w$} = {text}"));
    }
    o
}
