//! The step page's log: numbered lines (`#L120` links to one), a window
//! of them — the last [`LINES`], those around `?line=N`, or those before
//! a cursor (`?before=OFFSET&first=LINE`, what scrolling up fetches) —
//! and the whole log searched on the server (`?q=`, a GET form that works
//! without script; "first error", `?error=1`, redirects to its line).
//! Every read is bounded: a window is a page of [`LINES`] lines, a search
//! [`MATCHES`] matches within the store's budget, a line's number counted
//! over at most `COUNT_MAX` bytes (a line found over `LINE_MAX`).

use super::run_log::{ansi, LogLine, Seg};
use super::runs::encode;
use serde::{Deserialize, Serialize};
use std::io;
use wfc_store::logs::read::{self, Chain, Lines};
use wfc_store::logs::search::{self, Budget, Cursor, Pattern};
use wfc_store::logs::Source;

/// Log lines a window shows.
pub const LINES: usize = 200;
/// Lines before `?line=N` its window shows.
const CONTEXT: u64 = 50;
/// Bytes of log text a window shows at most.
const LOG_BYTES: usize = 256 << 10;
/// Matches a page of results lists.
pub const MATCHES: usize = 100;
/// The tail's first line is numbered when it starts within this many bytes
/// (the lines before it are counted; past it, the lines have no number).
const COUNT_MAX: u64 = 256 << 20;
/// How far into a log `?line=N` looks for line N.
const LINE_MAX: u64 = 1 << 30;
/// How long "first error" looks, over budgets of the store's size.
const FIRST_ERROR_ROUNDS: usize = 5;

/// The step page's query.
#[derive(Deserialize, Default, Debug)]
pub struct StepQuery {
    pub q: Option<String>,
    pub regex: Option<String>,
    pub ignore_case: Option<String>,
    /// The next page of results (a search cursor).
    pub after: Option<String>,
    /// The line to open at.
    pub line: Option<String>,
    /// Lines before this offset, the first of which ends before line `first`.
    pub before: Option<String>,
    pub first: Option<String>,
    /// Open at the first error line.
    pub error: Option<String>,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

impl StepQuery {
    fn searching(&self) -> bool {
        self.q.as_deref().is_some_and(|q| !q.is_empty())
    }

    pub fn line(&self) -> Option<u64> {
        self.line.as_deref()?.parse().ok().filter(|&n| n >= 1)
    }

    /// The search's part of the query, for links that keep the results.
    fn search_params(&self) -> String {
        let mut s = String::new();
        if let Some(q) = self.q.as_deref().filter(|q| !q.is_empty()) {
            s.push_str(&format!("q={}", encode(q)));
            if on(&self.regex) {
                s.push_str("&regex=1");
            }
            if on(&self.ignore_case) {
                s.push_str("&ignore_case=1");
            }
            if let Some(a) = &self.after {
                s.push_str(&format!("&after={}", encode(a)));
            }
            s.push('&');
        }
        s
    }
}

/// One numbered line of the window.
#[derive(Serialize)]
pub struct Numbered {
    /// Its number from 1 (`None`: too far into a huge log to count).
    pub n: Option<u64>,
    #[serde(flatten)]
    pub line: LogLine,
}

/// The log as the page shows it.
#[derive(Serialize, Default)]
pub struct Window {
    pub lines: Vec<Numbered>,
    /// Where the lines before these are (the no-script link, and what
    /// scrolling up fetches).
    pub earlier: Option<String>,
    /// Where the lines after these are, when these are not the last.
    pub later: Option<String>,
    /// The line asked for, highlighted.
    pub hit: Option<u64>,
    /// What the page says of the window (a line past the log's end).
    pub note: Option<String>,
}

/// A match as the results list it.
#[derive(Serialize)]
pub struct Hit {
    pub line: u64,
    pub href: String,
    pub segs: Vec<Seg>,
}

/// The search's results.
#[derive(Serialize, Default)]
pub struct Results {
    pub q: String,
    pub regex: bool,
    pub ignore_case: bool,
    pub hits: Vec<Hit>,
    /// The next page's link.
    pub next: Option<String>,
    /// A refused pattern's reason.
    pub error: Option<String>,
    /// Searched from a cursor (a later page).
    pub later_page: bool,
}

/// The step's window of lines, as `q` asks, with `base` its page's path.
pub fn window(sources: &[Source], q: &StepQuery, base: &str) -> io::Result<Window> {
    let mut chain = Chain::open(sources)?;
    let mut w = Window::default();
    let (lines, first) = if let Some(n) = q.line() {
        let from = n.saturating_sub(CONTEXT).max(1);
        // Counted over at most LINE_MAX bytes: a request's work stays bounded.
        let mut counted = Chain::open(sources)?.up_to(LINE_MAX);
        match search::line_start(&mut counted, Cursor::START, from)? {
            Some(at) => {
                w.hit = Some(n);
                (read::page(&mut chain, at, LINES, LOG_BYTES)?, Some(from))
            }
            None => {
                w.note = Some(if chain.len() > LINE_MAX {
                    format!("Line {n} is past the log's first GiB, too far to open here (download the log): its last lines are shown.")
                } else {
                    format!("The log has no line {n}: its last lines are shown.")
                });
                tail(&mut chain)?
            }
        }
    } else if let (Some(b), Some(f)) = (&q.before, &q.first) {
        let before = b.parse::<u64>().map_err(|_| bad("before"))?;
        let first = f.parse::<u64>().map_err(|_| bad("first"))?;
        let lines = read::tail_before(Chain::open(sources)?, before, LINES, LOG_BYTES)?;
        let n = lines.lines.len() as u64;
        (lines, first.checked_sub(n).filter(|&f| f >= 1))
    } else {
        tail(&mut chain)?
    };
    let err = chain.stderr_in(lines.start, lines.end);
    let marks = chain.times_in(lines.start, lines.end);
    let count = lines.lines.len() as u64;
    w.lines = (lines.lines.iter().zip(&lines.offsets).enumerate())
        .map(|(i, (l, at))| Numbered {
            n: first.map(|f| f + i as u64),
            line: LogLine::of(l)
                .stderr(err.contains(at))
                .at(wfc_store::logs::time_of(&marks, *at)),
        })
        .collect();
    let search = q.search_params();
    if lines.start > 0 {
        if let Some(f) = first {
            w.earlier = Some(format!("{base}?{search}before={}&first={f}", lines.start));
        }
    }
    if lines.end < chain.len() {
        if let Some(f) = first {
            let next = f + count;
            w.later = Some(format!("{base}?{search}line={}#L{next}", next + CONTEXT));
        }
    }
    Ok(w)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("`{what}` is not a number"),
    )
}

/// The last lines and the number of the first (counted when near enough).
fn tail(chain: &mut Chain) -> io::Result<(Lines, Option<u64>)> {
    let lines = read::tail(chain, LINES, LOG_BYTES)?;
    let first = search::line_at(chain, lines.start, COUNT_MAX)?;
    Ok((lines, first))
}

/// The search `q` asks for, if any: a page of matches over the whole log.
pub fn results(sources: &[Source], q: &StepQuery, base: &str) -> io::Result<Option<Results>> {
    if !q.searching() {
        return Ok(None);
    }
    let text = q.q.clone().unwrap_or_default();
    let mut r = Results {
        regex: on(&q.regex),
        ignore_case: on(&q.ignore_case),
        later_page: q.after.is_some(),
        ..Results::default()
    };
    let pattern = match Pattern::new(&text, r.regex, r.ignore_case) {
        Ok(p) => p,
        Err(e) => {
            r.error = Some(e.to_string());
            r.q = text;
            return Ok(Some(r));
        }
    };
    let from = match q.after.as_deref().map(Cursor::parse) {
        None => Cursor::START,
        Some(Some(c)) => c,
        Some(None) => return Err(bad("after")),
    };
    let mut chain = Chain::open(sources)?;
    let found = search::search(&mut chain, from, &pattern, MATCHES, Budget::default())?;
    let keep = q.search_params();
    r.hits = found
        .matches
        .into_iter()
        .map(|m| Hit {
            href: format!("{base}?{keep}line={}#L{}", m.line, m.line),
            line: m.line,
            segs: ansi(&m.text),
        })
        .collect();
    r.next = found.next.map(|c| {
        let mut more = StepQuery {
            after: Some(c.to_string()),
            ..StepQuery::default()
        };
        more.q = Some(text.clone());
        more.regex = q.regex.clone();
        more.ignore_case = q.ignore_case.clone();
        format!("{base}?{}", more.search_params().trim_end_matches('&'))
    });
    r.q = text;
    Ok(Some(r))
}

/// The number of the log's first error line (the run page viewer's
/// words), looked for over a few of the store's budgets.
pub fn first_error(sources: &[Source]) -> io::Result<Option<u64>> {
    let mut chain = Chain::open(sources)?;
    let pattern = Pattern::errors();
    let mut at = Cursor::START;
    for _ in 0..FIRST_ERROR_ROUNDS {
        let found = search::search(&mut chain, at, &pattern, 1, Budget::default())?;
        if let Some(m) = found.matches.first() {
            return Ok(Some(m.line));
        }
        match found.next {
            Some(n) => at = n,
            None => return Ok(None),
        }
    }
    Ok(None)
}
