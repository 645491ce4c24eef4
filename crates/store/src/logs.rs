//! Step logs: one file per step instance, `logs/RUN/STEP.log` under the
//! state directory (compensation and handler steps: `logs/RUN/GRAPH.STEP.log`;
//! a name that is not a safe file name as it is gets a digest of itself,
//! `l[a_b]~5b1f0c2d9e8a.log` for `l[a/b]`, so no two steps share a file),
//! every attempt's lines after a `── attempt N · TIME ──` line (`── attempt N
//! (session S, resumed) · TIME ──` in a resumed session: attempts are
//! counted per session, so each session has its own `attempt 1`); a step
//! that prints nothing has no file.
//!
//! [`LogOutput`] is the [`LineOutput`] the runner gives each step's live
//! lines to: it appends them to the step's file, opened at the first line
//! (one `write` per line, so a crash loses at most the line being written) and passes them on to the
//! terminal display when there is one. Lines arrive already masked.
//! The store keeps each step's log path (`steps.log_path`, relative to the
//! state directory).
//!
//! Which lines came from stderr is kept beside the log, in `STEP.log.err`:
//! the byte offset in the log of each such line's start, one decimal a
//! line, written before the line (a reader never sees a stderr line it
//! cannot tell as such). A step that writes nothing on stderr has no such
//! file; a log written before it existed reads as all stdout. When lines
//! came is kept the same way, in `STEP.log.t`: `OFFSET MS` for a line that
//! came a second or more after the last one marked (at most a write a
//! second a step; a line's time is its last mark's, to the second).

mod chain;
pub mod chunks;
pub mod read;
pub mod search;

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use wfc_contract::time::timestamp;
use wfc_contract::LineOutput;
use wfc_contract::{GraphName, StepKey};
use wfc_contract::{LineSink, Stream};

/// The log files of one run, relative to the state directory: `logs/RUN/`
/// made once, since every step of the run shares it. (A step's path is made
/// three times a step — the attempt's start and end, the step's sink — so
/// the run id's check and the prefix's allocation are not repeated.)
#[derive(Clone, Debug)]
pub struct LogPaths {
    prefix: String,
}

impl LogPaths {
    pub fn new(run_id: &str) -> Self {
        LogPaths {
            prefix: format!("logs/{}/", safe(run_id)),
        }
    }

    /// The run's log folder, `logs/RUN`.
    pub fn dir(&self) -> &str {
        self.prefix.trim_end_matches('/')
    }

    /// `step`'s log file.
    pub fn of(&self, step: &StepKey) -> String {
        let mut path = String::new();
        self.write(step, &mut path);
        path
    }

    /// `step`'s log file, in `path` (emptied first: a buffer kept for it
    /// allocates nothing).
    pub fn write(&self, step: &StepKey, path: &mut String) {
        let name = safe(&step.name);
        path.clear();
        path.reserve(self.prefix.len() + name.len() + 16);
        path.push_str(&self.prefix);
        if step.graph != GraphName::Main {
            path.push_str(step.graph.id());
            path.push('.');
        }
        path.push_str(&name);
        path.push_str(".log");
    }
}

/// Names longer than this many bytes are cut (with a digest of the whole
/// name added): a file name has at most 255 bytes.
const LONGEST: usize = 160;

/// A file-name-safe version of a name: `/`, `\` and control characters
/// become `_`, a leading `.` gets a `_` before it, a long name is cut. A
/// name changed so ends in `~` and 12 hex digits of its digest, which keeps
/// names apart that became alike (`l[a/b]`, `l[a\b]`; `l[a_b]` stays as it
/// is). Step names never hold `~` outside a loop item's brackets, and an
/// instance name ends with `]`, so no name that is kept as it is looks like
/// one that was changed.
fn safe(name: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c == '/' || c == '\\' || c.is_control();
    // Most names are ASCII: checked a byte at a time (the char test decodes
    // UTF-8 and asks Unicode; three times a step).
    let clean = if name.is_ascii() {
        name.bytes().all(|b| !unsafe_char(char::from(b)))
    } else {
        !name.contains(unsafe_char)
    };
    if clean && !name.starts_with('.') && name.len() <= LONGEST {
        return Cow::Borrowed(name);
    }
    let mut s = String::with_capacity(name.len().min(LONGEST) + 16);
    if name.starts_with('.') {
        s.push('_');
    }
    for c in name.chars() {
        if s.len() + c.len_utf8() > LONGEST {
            break;
        }
        s.push(if unsafe_char(c) { '_' } else { c });
    }
    let digest = super::hex(super::fnv(name.as_bytes()));
    s.push('~');
    s.push_str(&digest[..12]);
    Cow::Owned(s)
}

fn open_append(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// Attempt headers not yet written, by log file: the recorder notes each
/// attempt's start, and the sink writes the `── attempt N ──` line before the
/// attempt's first output line. A step that prints nothing gets no file.
/// (Keyed by the path as a string, hashed with Fx: `Path`'s own hash walks
/// its components, twice a step on the scheduler's thread.)
#[derive(Clone, Default)]
pub struct Headers(Arc<Mutex<FxHashMap<String, Header>>>);

/// An attempt's header line, not yet written.
#[derive(Clone, Copy)]
struct Header {
    n: u32,
    session: i64,
    at: SystemTime,
}

impl Headers {
    /// Attempt `n` of session `session` of the step logging to `path`
    /// started at `at`.
    pub fn attempt(&self, path: String, n: u32, session: i64, at: SystemTime) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(path, Header { n, session, at });
        }
    }

    /// The attempt logging to `path` ended: a header not written by now
    /// never will be (most steps print nothing; kept, the headers of a
    /// big run's steps would add up: ~110 bytes each).
    pub fn ended(&self, path: &str) {
        self.take(path);
    }

    fn take(&self, path: &str) -> Option<Header> {
        self.0.lock().ok()?.remove(path)
    }

    /// What the log at `path` gets for the step's line `text`: its
    /// attempt's header line first if not written yet, then `text`, each
    /// with its `\n`; and where `text` starts in it.
    fn line(&self, path: &str, text: &str) -> (String, usize) {
        let mut line = String::with_capacity(text.len() + 64);
        if let Some(h) = self.take(path) {
            line.push_str(&header(h.n, h.session, h.at));
            line.push('\n');
        }
        let text_at = line.len();
        line.push_str(text);
        line.push('\n');
        (line, text_at)
    }
}

/// The first log that could not be written, told to the run's recorder:
/// output that did not reach its file is a record that did not, and the
/// run fails (see [`super::store_recorder`]). Set once; read on every turn
/// (one atomic load).
#[derive(Clone, Default)]
pub struct LogFailure(Arc<std::sync::OnceLock<String>>);

impl LogFailure {
    fn note(&self, path: &Path, e: &std::io::Error) {
        self.set(format!("{}: {e}", path.display()));
    }

    pub(crate) fn set(&self, why: String) {
        let _ = self.0.set(why);
    }

    /// What failed, if anything did.
    pub fn get(&self) -> Option<String> {
        self.0.get().cloned()
    }
}

/// Writes each step's lines to its log file (or, on a store in a
/// database, to the run's [`chunks::Chunks`]), then to `inner`.
pub struct LogOutput {
    /// Shared by the sinks: a step's full path is made only if it prints.
    root: Arc<Path>,
    paths: LogPaths,
    headers: Headers,
    failure: LogFailure,
    chunks: Option<chunks::Chunks>,
    inner: Option<Arc<dyn LineOutput>>,
}

impl LogOutput {
    /// Logs of run `run_id` under the state directory `root`.
    pub fn new(
        root: &Path,
        run_id: &str,
        headers: Headers,
        failure: LogFailure,
        inner: Option<Arc<dyn LineOutput>>,
    ) -> Self {
        LogOutput {
            root: Arc::from(root),
            paths: LogPaths::new(run_id),
            headers,
            failure,
            chunks: None,
            inner,
        }
    }

    /// The lines go to `chunks` (the run's, [`crate::StoreRecorder::log_chunks`])
    /// instead of files, if given.
    pub fn in_chunks(mut self, chunks: Option<chunks::Chunks>) -> Self {
        self.chunks = chunks;
        self
    }

    /// A sink that appends to the run's chunks.
    fn chunk_sink(&self, step: &StepKey, chunks: chunks::Chunks) -> LineSink {
        let rel = self.paths.of(step);
        let marked: Mutex<Option<SystemTime>> = Mutex::new(None);
        let headers = self.headers.clone();
        let inner = self.inner.as_ref().map(|o| o.sink(step));
        Arc::new(move |stream: Stream, text: &str| {
            let (line, text_at) = headers.line(&rel, text);
            let now = SystemTime::now();
            let mark = marked.lock().ok().and_then(|mut last| {
                let due =
                    last.is_none_or(|l| now.duration_since(l).is_ok_and(|d| d.as_secs() >= 1));
                due.then(|| {
                    *last = Some(now);
                    crate::ms(now)
                })
            });
            chunks.append(
                &rel,
                line.as_bytes(),
                text_at,
                stream == Stream::Stderr,
                mark,
            );
            if let Some(s) = &inner {
                s(stream, text);
            }
        })
    }
}

impl LineOutput for LogOutput {
    fn sink(&self, step: &StepKey) -> LineSink {
        if let Some(c) = &self.chunks {
            return self.chunk_sink(step, c.clone());
        }
        let rel = self.paths.of(step);
        let root = self.root.clone();
        // Opened at the first line: most short steps print nothing.
        let file: Mutex<Option<OpenLog>> = Mutex::new(None);
        let headers = self.headers.clone();
        let failure = self.failure.clone();
        let inner = self.inner.as_ref().map(|o| o.sink(step));
        Arc::new(move |stream: Stream, text: &str| {
            let (line, text_at) = headers.line(&rel, text);
            let text_at = text_at as u64;
            if let Ok(mut f) = file.lock() {
                if f.is_none() {
                    let path = root.join(&rel);
                    match open_append(&path) {
                        Ok(log) => *f = Some(OpenLog::new(log)),
                        Err(e) => failure.note(&path, &e),
                    }
                }
                if let Some(log) = f.as_mut() {
                    let at = log.len + text_at;
                    let now = SystemTime::now();
                    let due = log.marked.is_none_or(|last| {
                        now.duration_since(last).is_ok_and(|d| d.as_secs() >= 1)
                    });
                    if due {
                        let ms = now
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_millis());
                        let path = root.join(format!("{rel}{TIMES}"));
                        if side_line(&mut log.times, &path, format_args!("{at} {ms}"), &failure) {
                            log.marked = Some(now);
                        }
                    }
                    if stream == Stream::Stderr {
                        let path = root.join(format!("{rel}{ERR}"));
                        side_line(&mut log.err, &path, format_args!("{at}"), &failure);
                    }
                    match log.file.write_all(line.as_bytes()) {
                        Ok(()) => log.len += line.len() as u64,
                        Err(e) => failure.note(&root.join(&rel), &e),
                    }
                }
            }
            if let Some(s) = &inner {
                s(stream, text);
            }
        })
    }
}

/// A step's log as its sink writes it: the file, its length (where the
/// next line starts), its side files once a line went to them, and when
/// the last line was marked with its time.
struct OpenLog {
    file: File,
    len: u64,
    err: Option<File>,
    times: Option<File>,
    marked: Option<SystemTime>,
}

impl OpenLog {
    fn new(file: File) -> OpenLog {
        let len = file.metadata().map_or(0, |m| m.len());
        OpenLog {
            file,
            len,
            err: None,
            times: None,
            marked: None,
        }
    }
}

/// Appends `text` and a newline to the side file at `path`, opened at its
/// first line; whether it was written (a failure is the run's).
fn side_line(
    file: &mut Option<File>,
    path: &Path,
    text: std::fmt::Arguments,
    failure: &LogFailure,
) -> bool {
    if file.is_none() {
        match open_append(path) {
            Ok(f) => *file = Some(f),
            Err(e) => failure.note(path, &e),
        }
    }
    let Some(f) = file.as_mut() else {
        return false;
    };
    match writeln!(f, "{text}") {
        Ok(()) => true,
        Err(e) => {
            failure.note(path, &e);
            false
        }
    }
}

/// What a log's stderr file adds to its name.
pub const ERR: &str = ".err";
/// What a log's times file adds to its name.
pub const TIMES: &str = ".t";

/// The time (ms) of the line at `offset`, from [`read::Chain::times_in`]'s marks
/// (`None` before the first).
pub fn time_of(marks: &[(u64, i64)], offset: u64) -> Option<i64> {
    let i = marks.partition_point(|m| m.0 <= offset);
    i.checked_sub(1).map(|i| marks[i].1)
}

/// The line before the first output line of attempt `n` of session
/// `session`, started at `at` (without its `\n`). A resumed session counts
/// its attempts from 1 again, so its header says which session it is:
/// `── attempt 1 (session 2, resumed) · TIME ──`.
pub fn header(n: u32, session: i64, at: SystemTime) -> String {
    if session > 1 {
        format!(
            "── attempt {n} (session {session}, resumed) · {} ──",
            timestamp(at)
        )
    } else {
        format!("── attempt {n} · {} ──", timestamp(at))
    }
}

/// What tells apart a header line (one [`header`] wrote, in any session,
/// or a wfc before sessions were shown wrote): its attempt number and
/// start time, `(N, "TIME")`. `None` for any other line.
pub fn header_key(line: &str) -> Option<(u32, &str)> {
    let inner = line.strip_prefix("── attempt ")?.strip_suffix(" ──")?;
    let (head, time) = inner.rsplit_once(" · ")?;
    let digits = head
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(head.len());
    let rest = &head[digits..];
    if !(rest.is_empty() || rest.starts_with(" (session ") && rest.ends_with(", resumed)")) {
        return None;
    }
    Some((head[..digits].parse().ok()?, time))
}

/// Where a step's log is kept: a file in the state folder, or chunks in
/// the store's database ([`chunks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(std::path::PathBuf),
    Chunks {
        /// The state folder the store was opened for (what reopens it).
        dir: std::path::PathBuf,
        run: String,
        /// The log's name, `steps.log_path`.
        log: String,
    },
}

impl From<std::path::PathBuf> for Source {
    fn from(path: std::path::PathBuf) -> Source {
        Source::File(path)
    }
}

/// Where log `log` (`steps.log_path`) of run `run` is: its file when there
/// is one (a store's logs before it kept them in its database, a run
/// recorded to SQLite); else its chunks, when the store keeps logs in
/// its database (PostgreSQL) or holds chunks of it (a history copied
/// from PostgreSQL); else the file, not written yet.
pub fn source(store: &crate::Store, run: &str, log: &str) -> Source {
    let path = store.dir().join(log);
    let chunks = || Source::Chunks {
        dir: store.dir().to_path_buf(),
        run: run.to_owned(),
        log: log.to_owned(),
    };
    if path.exists() {
        Source::File(path)
    } else if store.dialect() != crate::db::Dialect::Sqlite
        || chunks::holds(&store.conn, run, log).unwrap_or(false)
    {
        chunks()
    } else {
        Source::File(path)
    }
}

/// A step's log, as the store records it.
#[derive(Clone, Debug)]
pub struct StepLog {
    /// The step's instance name.
    pub name: String,
    /// Its graph (`main`, `rollback`, `on_failure`, …).
    pub graph: String,
    pub source: Source,
}

/// The logs of run `id`'s steps (of `step` only, if given), in the order
/// the steps started.
pub fn step_logs(
    store: &crate::Store,
    id: &str,
    step: Option<&str>,
) -> crate::Result<Vec<StepLog>> {
    let mut q = store.conn.prepare(
        "SELECT name, graph, log_path FROM steps WHERE run_id = ?1 AND log_path IS NOT NULL
           AND (CAST(?2 AS TEXT) IS NULL OR name = ?2) ORDER BY started_at, seq",
    )?;
    let rows = q.query_map(crate::params![id, step], |r| {
        Ok((
            r.get::<String>(0)?,
            r.get::<String>(1)?,
            r.get::<String>(2)?,
        ))
    })?;
    let rows: Vec<_> = rows.collect::<crate::Result<_>>()?;
    drop(q);
    Ok(rows
        .into_iter()
        .map(|(name, graph, log)| StepLog {
            name,
            graph,
            source: source(store, id, &log),
        })
        .collect())
}

/// The lines of `page` (of `chain`) that came from stderr.
#[cfg(test)]
pub(crate) fn stderr_lines<'a>(chain: &read::Chain, page: &'a read::Lines) -> Vec<&'a str> {
    let err = chain.stderr_in(page.start, page.end);
    (page.lines.iter().zip(&page.offsets))
        .filter(|(_, at)| err.contains(at))
        .map(|(l, _)| l.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_safe_and_per_graph() {
        let k = |graph, name: &str| StepKey {
            graph,
            name: name.into(),
            kind: "shell",
        };
        let r1 = LogPaths::new("r1");
        let digest = |n: &str| crate::hex(crate::fnv(n.as_bytes()))[..12].to_owned();
        assert_eq!(
            r1.of(&k(GraphName::Main, "ship[eu/west]")),
            format!("logs/r1/ship[eu_west]~{}.log", digest("ship[eu/west]"))
        );
        assert_eq!(
            r1.of(&k(GraphName::Main, "ship[eu_west]")),
            "logs/r1/ship[eu_west].log"
        );
        // Written into a buffer that held a longer path before.
        let mut path = String::from("logs/r1/a-much-longer-name-than-the-next.log");
        r1.write(&k(GraphName::Rollback("ship".into()), "unship"), &mut path);
        assert_eq!(path, "logs/r1/rollback.unship.log");
        assert_eq!(
            LogPaths::new("r/2").of(&k(
                GraphName::Handler(wfc_contract::Handler::Finally),
                ".hidden\tstep"
            )),
            format!(
                "logs/r_2~{}/finally._.hidden_step~{}.log",
                digest("r/2"),
                digest(".hidden\tstep")
            )
        );
    }

    #[test]
    fn names_made_alike_keep_apart_and_long_ones_are_cut() {
        let r = LogPaths::new("r");
        let of = |name: &str| {
            r.of(&StepKey {
                graph: GraphName::Main,
                name: name.into(),
                kind: "shell",
            })
        };
        let names = ["l[a/b]", "l[a\\b]", "l[a_b]", "l[a\nb]", "l[a\rb]"];
        let mut paths: Vec<String> = names.iter().map(|n| of(n)).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), names.len(), "{paths:?}");
        let long = format!("l[{}]", "é".repeat(400));
        let path = of(&long);
        let file = path.rsplit('/').next().unwrap();
        assert!(file.len() < 200, "{file}");
        assert_ne!(of(&format!("l[{}x]", "é".repeat(400))), path);
    }

    #[test]
    fn lines_are_appended() {
        let dir = tempfile::tempdir().unwrap();
        let headers = Headers::default();
        let out = LogOutput::new(
            dir.path(),
            "r",
            headers.clone(),
            LogFailure::default(),
            None,
        );
        let key = StepKey {
            graph: GraphName::Main,
            name: "a".into(),
            kind: "shell",
        };
        let rel = LogPaths::new("r").of(&key);
        let path = dir.path().join(&rel);
        let sink = out.sink(&key);
        assert!(!path.exists(), "no output, no file");
        headers.attempt(rel.clone(), 1, 1, SystemTime::UNIX_EPOCH);
        sink(Stream::Stdout, "hello");
        sink(Stream::Stderr, "oops");
        // A resumed session's attempt 1: its header says so.
        let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(60);
        headers.attempt(rel, 1, 2, later);
        sink(Stream::Stdout, "again");
        sink(Stream::Stderr, "worse");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "── attempt 1 · 1970-01-01T00:00:00.000Z ──\nhello\noops\n\
             ── attempt 1 (session 2, resumed) · 1970-01-01T00:01:00.000Z ──\nagain\nworse\n"
        );
        // The stderr lines, by where they start, read back as a page does.
        let mut chain = read::Chain::files(std::slice::from_ref(&path)).unwrap();
        let page = read::page(&mut chain, 0, 100, usize::MAX).unwrap();
        assert_eq!(stderr_lines(&chain, &page), ["oops", "worse"]);
        // Lines that came within a second share the first one's mark.
        let marks = chain.times_in(page.start, page.end);
        assert_eq!(marks.len(), 1, "{marks:?}");
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!((now - marks[0].1).abs() < 60_000, "{marks:?}");
        for at in &page.offsets[1..] {
            assert_eq!(time_of(&marks, *at), Some(marks[0].1));
        }
        assert_eq!(
            time_of(&marks, 0),
            None,
            "the header line is before the first mark"
        );
        // A second file read after the first: its offsets follow the first's.
        let other = dir.path().join("other.log");
        std::fs::write(&other, "x\ny\n").unwrap();
        std::fs::write(dir.path().join("other.log.err"), "2\n").unwrap();
        let both = read::Chain::files(&[path.clone(), other]).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        let err = both.stderr_in(0, u64::MAX);
        assert!(err.contains(&(len + 2)) && err.len() == 3, "{err:?}");
    }

    #[test]
    fn header_lines_are_told_from_output() {
        let at = SystemTime::UNIX_EPOCH;
        let t = "1970-01-01T00:00:00.000Z";
        assert_eq!(header_key(&header(3, 1, at)), Some((3, t)));
        assert_eq!(header_key(&header(1, 2, at)), Some((1, t)));
        assert_ne!(header(1, 1, at), header(1, 2, at));
        for other in [
            "── attempt  · x ──",
            "── attempt 1 ──",
            "── attempt 1 (retry) · x ──",
            "── attempt x · y ──",
            "attempt 1 · x",
        ] {
            assert_eq!(header_key(other), None, "{other}");
        }
    }
}
