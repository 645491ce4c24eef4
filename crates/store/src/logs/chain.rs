//! A step's logs read as one ([`Chain`]): files and chunks in the store's
//! database alike, with where their stderr lines start and when they came.

use super::{chunks, Source, ERR, TIMES};
use rustc_hash::FxHashSet;
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A step's logs read as one, in order, each as long as it was when opened
/// (a log written meanwhile is read up to there); a file that is gone
/// reads as empty.
pub struct Chain {
    parts: Vec<Part>,
    pos: u64,
    /// The store the chunks are read from (opened with the first of them).
    db: Option<crate::Store>,
}

struct Part {
    kind: Kind,
    len: u64,
}

enum Kind {
    File(File, PathBuf),
    Chunks { run: String, log: String },
}

impl Chain {
    /// The logs `sources`, in order.
    pub fn open(sources: &[Source]) -> io::Result<Chain> {
        let mut chain = Chain {
            parts: Vec::with_capacity(sources.len()),
            pos: 0,
            db: None,
        };
        for s in sources {
            match s {
                Source::File(p) => match File::open(p) {
                    Ok(f) => {
                        let len = f.metadata()?.len();
                        chain.parts.push(Part {
                            kind: Kind::File(f, p.clone()),
                            len,
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                },
                Source::Chunks { dir, run, log } => {
                    if chain.db.is_none() {
                        chain.db = Some(crate::Store::at(dir).map_err(io::Error::other)?);
                    }
                    let len = chunks::length(chain.db()?, run, log).map_err(io::Error::other)?;
                    chain.parts.push(Part {
                        kind: Kind::Chunks {
                            run: run.clone(),
                            log: log.clone(),
                        },
                        len,
                    });
                }
            }
        }
        Ok(chain)
    }

    /// The log files `paths`, in order.
    pub fn files(paths: &[PathBuf]) -> io::Result<Chain> {
        let sources: Vec<Source> = paths.iter().cloned().map(Source::File).collect();
        Chain::open(&sources)
    }

    /// The logs read no further than offset `end` of them all.
    pub fn up_to(mut self, end: u64) -> Chain {
        let mut left = end;
        for p in &mut self.parts {
            p.len = p.len.min(left);
            left -= p.len;
        }
        self
    }

    /// The bytes of every log.
    pub fn len(&self) -> u64 {
        self.parts.iter().map(|p| p.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn db(&self) -> io::Result<&crate::db::Db> {
        self.db
            .as_ref()
            .map(|s| &*s.conn)
            .ok_or_else(|| io::Error::other("no store"))
    }

    /// The parts overlapping `[from, to)`, with where each starts.
    fn overlapping(&self, from: u64, to: u64) -> impl Iterator<Item = (u64, &Part)> {
        self.parts
            .iter()
            .scan(0u64, |base, p| {
                let at = *base;
                *base += p.len;
                Some((at, p))
            })
            .filter(move |(base, p)| base + p.len > from && *base < to)
    }

    /// The offsets in `[from, to)` of the lines that came from stderr. A
    /// file's `.err` is read a line at a time, chunks a range at a time:
    /// the memory is what the range holds.
    pub fn stderr_in(&self, from: u64, to: u64) -> FxHashSet<u64> {
        let mut out = FxHashSet::default();
        for (base, p) in self.overlapping(from, to) {
            let (lo, hi) = (from.saturating_sub(base), (to - base).min(p.len));
            match &p.kind {
                Kind::File(_, path) => {
                    for at in side_lines(path, ERR).filter_map(|l| l.trim().parse::<u64>().ok()) {
                        if at >= hi {
                            break;
                        }
                        if at >= lo {
                            out.insert(base + at);
                        }
                    }
                }
                Kind::Chunks { run, log } => {
                    if let Ok(db) = self.db() {
                        let got = chunks::stderr_in(db, run, log, lo, hi).unwrap_or_default();
                        out.extend(got.into_iter().map(|at| base + at));
                    }
                }
            }
        }
        out
    }

    /// When the lines from offset `from` to `to` came: `(offset, ms since
    /// the epoch)` marks in order, the first at or before `from` when
    /// there is one; a line's time is that of the last mark at or before
    /// it ([`super::time_of`]).
    pub fn times_in(&self, from: u64, to: u64) -> Vec<(u64, i64)> {
        let mut out: Vec<(u64, i64)> = Vec::new();
        let mut before: Option<(u64, i64)> = None;
        let mut base = 0u64;
        for p in &self.parts {
            if base >= to {
                break;
            }
            let hi = (to - base).min(p.len);
            let marks: Vec<(u64, i64)> = match &p.kind {
                Kind::File(_, path) => side_lines(path, TIMES)
                    .filter_map(|l| {
                        let (at, ms) = l.split_once(' ')?;
                        Some((at.parse::<u64>().ok()?, ms.trim().parse::<i64>().ok()?))
                    })
                    .take_while(|m| m.0 < hi)
                    .collect(),
                Kind::Chunks { run, log } => self
                    .db()
                    .ok()
                    .and_then(|db| {
                        let lo = from.saturating_sub(base).min(hi);
                        chunks::times_in(db, run, log, lo, hi).ok()
                    })
                    .unwrap_or_default(),
            };
            for (at, ms) in marks {
                let at = base + at;
                if at <= from {
                    before = Some((at, ms));
                } else {
                    out.push((at, ms));
                }
            }
            base += p.len;
        }
        before.into_iter().chain(out).collect()
    }
}

/// The lines of log `log`'s side file (its name and `ext`), read one at a
/// time; none if it has none.
fn side_lines(log: &Path, ext: &str) -> impl Iterator<Item = String> {
    let mut name = log.as_os_str().to_owned();
    name.push(ext);
    File::open(name)
        .ok()
        .into_iter()
        .flat_map(|f| io::BufReader::new(f).lines().map_while(Result::ok))
}

impl Read for Chain {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Chain { parts, pos, db } = self;
        let mut base = 0;
        for p in parts {
            if *pos < base + p.len {
                let within = *pos - base;
                let want = buf.len().min((p.len - within) as usize);
                let got = match &mut p.kind {
                    Kind::File(f, _) => {
                        f.seek(SeekFrom::Start(within))?;
                        f.read(&mut buf[..want])?
                    }
                    Kind::Chunks { run, log } => {
                        let db = db.as_ref().ok_or_else(|| io::Error::other("no store"))?;
                        chunks::read_at(&db.conn, run, log, within, &mut buf[..want])
                            .map_err(io::Error::other)?
                    }
                };
                *pos += got as u64;
                return Ok(got);
            }
            base += p.len;
        }
        Ok(0)
    }
}

impl Seek for Chain {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}
