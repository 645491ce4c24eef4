//! wfc's own messages, written so that a closed stdout or stderr (`wfc run
//! w.wf 2>&1 | head -1`) never stops the run, and so that no value in them
//! acts on the terminal ([`escape`]).
//!
//! `println!` and `eprintln!` panic when the write fails: SIGPIPE is
//! ignored (Rust's runtime does so, and `wfc run` keeps it so), so a write
//! to a pipe whose reader has gone fails with EPIPE. A panic there killed
//! the task or thread that was writing — the signal handler (SIGTERM then
//! never cancelled the run) or the store's watch thread (no heartbeat, no
//! `wfc cancel`). These write what they can and drop the rest; the run's
//! own record (the store, its logs, the report) is unaffected.

mod escape;

pub use escape::{escaped, escaped_lines, NoClipboard};

use std::io::Write;

/// `text` with each line after the first started by `lead`: a multi-line
/// message (an HTTP error's body) stays under the step or field it belongs
/// to instead of running down the left margin.
pub fn hanging(text: &str, lead: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        out.push_str(lead);
        out.push_str(line);
    }
    out
}

/// Writes `line` and a newline to stderr, control characters escaped; a
/// failed write is dropped.
pub fn err(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(escaped_lines(line).as_bytes());
    let _ = e.write_all(b"\n");
}

/// Writes `line` and a newline where a run's lines go (stdout), control
/// characters escaped; a failed write is dropped.
pub fn out(line: &str) {
    painted(&escaped_lines(line));
}

/// Whether a run's lines go to stderr: its standard output carries
/// something else (`wfc run --output -`, the JSON report).
static LINES_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on [`out`] and [`painted`] (a run's lines) write to stderr.
pub fn lines_to_stderr() {
    LINES_TO_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether [`lines_to_stderr`] was called.
pub fn lines_on_stderr() -> bool {
    LINES_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes `bytes` where a run's lines go (stdout, or stderr after
/// [`lines_to_stderr`]); a failed write is dropped.
pub fn write_lines(bytes: &[u8]) {
    let _ = if lines_on_stderr() {
        std::io::stderr().lock().write_all(bytes)
    } else {
        std::io::stdout().lock().write_all(bytes)
    };
}

/// Writes `line`, whose values are escaped already and which may hold
/// wfc's own colours, and a newline where a run's lines go; a failed write
/// is dropped.
pub fn painted(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    write_lines(text.as_bytes());
}

/// Asks `question` on the terminal (stderr) with `[y/N]`: whether the
/// answer read from stdin is yes (`y`, `yes`).
pub fn ask_yes(question: &str) -> bool {
    use std::io::{BufRead, Write};
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}
