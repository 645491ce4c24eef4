//! Event ids: where a stream stands, written so that a reconnect with
//! `Last-Event-ID` can go on from the store alone.
//!
//! A run's stream: `E` or `E;S:O;S:O…` — `E` the `seq` of the run's last
//! event row delivered (table `events`, numbered per run from 1), then for
//! each step whose log was open then (started, not yet ended) its step
//! number `S` (`steps.seq`) and the bytes `O` of its log file delivered. A
//! step that had ended by `E` had its whole log delivered before its end;
//! one not started yet has delivered nothing.
//!
//! The all-runs stream: `sK;RUN=E;RUN=E…` — every run whose session is
//! numbered `K` or below (`runs.listed`: sessions in the order they reached
//! the store) and is not listed was delivered to its end; a listed run was
//! delivered up to its event `E`. So an id names only the runs going on
//! when it was sent, however many ended before. (An id of before, `T;…`,
//! said the same of runs started before the time `T`, and had to list every
//! run of the last 10 s: 8 KB each when 300 runs were replayed.)

use std::collections::BTreeMap;

/// Where a run's stream stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunCursor {
    /// The last event row delivered (0: none).
    pub seq: i64,
    /// Open step logs: step number → bytes delivered.
    pub open: BTreeMap<i64, u64>,
}

impl std::fmt::Display for RunCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.seq)?;
        for (step, offset) in &self.open {
            write!(f, ";{step}:{offset}")?;
        }
        Ok(())
    }
}

impl RunCursor {
    /// Reads an id this module wrote; `None` for anything else.
    pub fn parse(text: &str) -> Option<RunCursor> {
        let mut parts = text.trim().split(';');
        let seq = parts.next()?.parse().ok().filter(|s: &i64| *s >= 0)?;
        let mut open = BTreeMap::new();
        for p in parts {
            let (step, offset) = p.split_once(':')?;
            open.insert(step.parse().ok()?, offset.parse().ok()?);
        }
        Some(RunCursor { seq, open })
    }
}

/// Where the all-runs stream stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalCursor {
    /// Runs not in `runs` whose session is numbered up to this were
    /// delivered in full.
    pub since: Since,
    /// Runs in view: run id → its last event row delivered.
    pub runs: BTreeMap<String, i64>,
}

/// What the first part of an all-runs id says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// Sessions numbered up to this (`runs.listed`).
    Listed(i64),
    /// An id of an older wfc: runs started before this time (ms).
    Time(i64),
}

impl Default for Since {
    fn default() -> Since {
        Since::Listed(0)
    }
}

impl std::fmt::Display for GlobalCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.since {
            Since::Listed(k) => write!(f, "s{k}")?,
            Since::Time(t) => write!(f, "{t}")?,
        }
        for (run, seq) in &self.runs {
            write!(f, ";{run}={seq}")?;
        }
        Ok(())
    }
}

impl GlobalCursor {
    /// Reads an id this module wrote (or an older wfc's); `None` for
    /// anything else.
    pub fn parse(text: &str) -> Option<GlobalCursor> {
        let mut parts = text.trim().split(';');
        let first = parts.next()?;
        let since = match first.strip_prefix('s') {
            Some(k) => Since::Listed(k.parse().ok().filter(|k: &i64| *k >= 0)?),
            None => Since::Time(first.parse().ok()?),
        };
        let mut runs = BTreeMap::new();
        for p in parts {
            let (run, seq) = p.split_once('=')?;
            let ok = !run.is_empty() && run.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            runs.insert(ok.then(|| run.to_owned())?, seq.parse().ok()?);
        }
        Some(GlobalCursor { since, runs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_as_written() {
        let c = RunCursor {
            seq: 12,
            open: [(3, 450), (5, 0)].into(),
        };
        assert_eq!(c.to_string(), "12;3:450;5:0");
        assert_eq!(RunCursor::parse("12;3:450;5:0"), Some(c));
        assert_eq!(
            RunCursor::parse("7"),
            Some(RunCursor {
                seq: 7,
                ..Default::default()
            })
        );
        for bad in ["", "x", "-1", "3;4", "3;a:1", "3;1:-2"] {
            assert_eq!(RunCursor::parse(bad), None, "{bad}");
        }
        let g = GlobalCursor {
            since: Since::Listed(1000),
            runs: [("20240501-120000-1a2b3c4d".to_owned(), 9)].into(),
        };
        assert_eq!(g.to_string(), "s1000;20240501-120000-1a2b3c4d=9");
        assert_eq!(GlobalCursor::parse(&g.to_string()), Some(g));
        assert_eq!(GlobalCursor::parse("1;a b=1"), None);
        assert_eq!(GlobalCursor::parse("s-1"), None);
        // An older wfc's id: a time.
        assert_eq!(
            GlobalCursor::parse("1714564800000;r1=3"),
            Some(GlobalCursor {
                since: Since::Time(1_714_564_800_000),
                runs: [("r1".to_owned(), 3)].into(),
            })
        );
    }
}
