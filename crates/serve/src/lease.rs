//! The server's lease on a store in a database (issue 72; docs/design/
//! multi-server.md): it joins the store's `servers` ([`wfc_store::servers`])
//! at start and renews its heartbeat every `heartbeat` on a connection of
//! its own (a full pool never delays it). Its lease holds while the
//! database saw a renewal within the TTL, by the database's clock.
//!
//! The server cannot see the database's clock when it cannot reach it, so
//! it judges by its own monotonic clock, which no skew or jump moves: once
//! no renewal succeeded for [`FENCE_AT`] of the TTL, before anyone else can
//! judge its lease expired, it holds none — `/readyz` says so, and what
//! acts on its behalf is told ([`Lease::on_lost`]). When the database
//! answers again it joins anew, with the next epoch: the row it had may
//! have been judged dead meanwhile, and is never renewed again.
//!
//! A SQLite store has no lease: one server per state folder, by
//! `serve.lock`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wfc_store::servers::{self, Joining};

/// The part of the TTL after which a server that could not renew stops
/// acting as if it held its lease (the rest is the margin for the
/// database's view of it to expire after it stopped).
pub const FENCE_AT: f64 = 0.6;

/// How the lease is kept.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub heartbeat: Duration,
    pub ttl: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            heartbeat: Duration::from_secs(2),
            ttl: Duration::from_secs(10),
        }
    }
}

/// This process's lease, once it has one ([`current`]).
static CURRENT: std::sync::OnceLock<Lease> = std::sync::OnceLock::new();

/// This process's lease, if its store is a database's.
pub fn current() -> Option<Lease> {
    CURRENT.get().cloned()
}

/// This server's lease, shared with what reads it.
#[derive(Clone)]
pub struct Lease {
    inner: Arc<Inner>,
}

struct Inner {
    timing: Timing,
    /// The row this process holds now, and its epoch.
    id: Mutex<String>,
    epoch: AtomicI64,
    held: AtomicBool,
    /// Told once each time the lease is lost.
    on_lost: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
    stop: AtomicBool,
    /// When the database last took a renewal (or the join).
    renewed: Mutex<Instant>,
    /// Where the runs each sweep took go, and what [`Lease::swept`] takes.
    swept: tokio::sync::mpsc::UnboundedSender<Vec<String>>,
    to_resume: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Vec<String>>>>,
}

impl Lease {
    /// Joins the store of state folder `dir`, if it is a database's, and
    /// keeps the lease from a thread of its own; `None` on a SQLite store.
    pub fn start(
        dir: &std::path::Path,
        timing: Timing,
        listen: &str,
    ) -> Result<Option<Lease>, String> {
        if !wfc_store::remote::is_bound(dir) {
            return Ok(None);
        }
        let store = wfc_store::Store::open(dir).map_err(|e| e.to_string())?;
        // A connection of its own, for as long as the server runs.
        let store = store.reopen().map_err(|e| e.to_string())?;
        let listen = listen.to_owned();
        let joining = move || Joining {
            id: new_id(),
            host: wfc_store::store_recorder::hostname(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            listen: listen.clone(),
        };
        let first = joining();
        let epoch = servers::join(&store, &first).map_err(|e| e.to_string())?;
        tracing::info!(server = %first.id, epoch, "joined the store's servers");
        // (Measures this machine's clock against the database's before any
        // schedule asks: `servers::clock_offset_ms`.)
        let _ = servers::renew(&store, &first.id);
        if servers::clock_offset_ms().abs() > 1_000 {
            tracing::warn!(
                offset_ms = servers::clock_offset_ms(),
                "this machine's clock is off the database's: schedules follow the database's"
            );
        }
        servers::set_this(Some(first.id.clone()));
        let (swept, to_resume) = tokio::sync::mpsc::unbounded_channel();
        let lease = Lease {
            inner: Arc::new(Inner {
                timing,
                id: Mutex::new(first.id),
                epoch: AtomicI64::new(epoch),
                held: AtomicBool::new(true),
                on_lost: Mutex::new(Vec::new()),
                stop: AtomicBool::new(false),
                renewed: Mutex::new(Instant::now()),
                swept,
                to_resume: Mutex::new(Some(to_resume)),
            }),
        };
        let _ = CURRENT.set(lease.clone());
        // Before the server resumes its interrupted runs (`recover`): what
        // a dead server left (its old self, restarted) is among them.
        let host = wfc_store::store_recorder::hostname();
        // (Its runs wait for `recover`, which claims them: not sent on.)
        lease.sweep(&store, timing.ttl, &host, false);
        let kept = lease.clone();
        std::thread::Builder::new()
            .name("wfc-lease".into())
            .spawn(move || kept.keep(store, &joining))
            .map_err(|e| e.to_string())?;
        let watched = lease.clone();
        std::thread::Builder::new()
            .name("wfc-lease-fence".into())
            .spawn(move || watched.fence())
            .map_err(|e| e.to_string())?;
        Ok(Some(lease))
    }

    /// Whether the server holds its lease now (by its own clock).
    pub fn held(&self) -> bool {
        self.inner.held.load(Ordering::Acquire)
    }

    /// The row this process holds (or held last) and its epoch.
    pub fn id(&self) -> (String, i64) {
        let id = self.inner.id.lock().unwrap_or_else(|e| e.into_inner());
        (id.clone(), self.inner.epoch.load(Ordering::Acquire))
    }

    /// How long ago the database last took this server's renewal.
    pub fn age(&self) -> Duration {
        self.inner
            .renewed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    pub fn timing(&self) -> Timing {
        self.inner.timing
    }

    /// The runs of dead servers this server's sweeps took, a batch a
    /// sweep ([`wfc_store::sweep`]), for it to resume (`None` once taken).
    pub fn swept(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Vec<String>>> {
        self.inner
            .to_resume
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Whether this server leads `role` — what one server does for all
    /// of the store's (`on change` triggers) — claiming it if its leader
    /// is not alive (its lease expired, or it left). Asked when there is
    /// something to do, so idle servers ask nothing; a server without its
    /// lease leads nothing.
    pub fn leads(&self, dir: &std::path::Path, role: &str) -> Result<bool, String> {
        if !self.held() {
            return Ok(false);
        }
        let store = wfc_store::Store::open(dir).map_err(|e| e.to_string())?;
        servers::lead(&store, role, &self.id().0).map_err(|e| e.to_string())
    }

    /// Calls `f` each time the lease is lost.
    pub fn on_lost(&self, f: impl Fn() + Send + Sync + 'static) {
        let mut all = self.inner.on_lost.lock().unwrap_or_else(|e| e.into_inner());
        all.push(Box::new(f));
    }

    /// Gives the lease up (the server stops): others see it gone at once.
    pub fn leave(&self, dir: &std::path::Path) {
        self.inner.stop.store(true, Ordering::Release);
        // Nothing of its runs is written from here once its row says it
        // left: another server may take them at once.
        self.inner.held.store(false, Ordering::Release);
        servers::set_this(None);
        let (id, _) = self.id();
        if let Ok(store) = wfc_store::Store::open(dir) {
            if let Err(e) = servers::leave(&store, &id) {
                tracing::warn!(error = %e, "the server could not give up its lease");
            }
        }
    }

    /// The renewal loop.
    fn keep(&self, mut store: wfc_store::Store, joining: &dyn Fn() -> Joining) {
        let Timing { heartbeat, ttl } = self.inner.timing;
        let fence_after = ttl.mul_f64(FENCE_AT);
        let mut renewed = Instant::now();
        let host = wfc_store::store_recorder::hostname();
        while !self.inner.stop.load(Ordering::Acquire) {
            std::thread::sleep(heartbeat);
            if self.inner.stop.load(Ordering::Acquire) {
                return;
            }
            if self.held() {
                self.sweep(&store, ttl, &host, true);
                self.settle(&store);
            }
            let (id, _) = self.id();
            let renewal = servers::renew(&store, &id);
            if renewal.is_err() {
                // (Its connection may be broken: the next try takes a new one.)
                if let Ok(again) = store.reopen() {
                    store = again;
                }
            }
            match renewal {
                Ok(true) if self.held() => {
                    renewed = Instant::now();
                    *self.inner.renewed.lock().unwrap_or_else(|e| e.into_inner()) = renewed;
                }
                // Lost, or judged gone while unreachable: a new row (the
                // old one given up, if it was still alive).
                Ok(alive) => {
                    self.lost(&format!("its lease {id} is no longer alive in the store"));
                    if alive {
                        let _ = servers::leave(&store, &id);
                    }
                    let next = joining();
                    match servers::join(&store, &next) {
                        Ok(epoch) => {
                            tracing::info!(server = %next.id, epoch, "joined the store's servers again");
                            servers::set_this(Some(next.id.clone()));
                            *self.inner.id.lock().unwrap_or_else(|e| e.into_inner()) = next.id;
                            self.inner.epoch.store(epoch, Ordering::Release);
                            self.inner.held.store(true, Ordering::Release);
                            renewed = Instant::now();
                            *self.inner.renewed.lock().unwrap_or_else(|e| e.into_inner()) = renewed;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "the server cannot join the store again yet")
                        }
                    }
                }
                Err(e) if renewed.elapsed() >= fence_after => {
                    self.lost(&format!(
                        "no renewal for {:.1} s ({e})",
                        renewed.elapsed().as_secs_f64()
                    ));
                }
                Err(e) => tracing::warn!(error = %e, "the server's lease was not renewed"),
            }
        }
    }

    /// Self-fencing, on a thread of its own: a renewal cut off by the
    /// network blocks the renewal loop until the connection breaks, and
    /// the lease must be given up before anyone can judge it expired.
    fn fence(&self) {
        let Timing { heartbeat, ttl } = self.inner.timing;
        let fence_after = ttl.mul_f64(FENCE_AT);
        let tick = (heartbeat.min(fence_after) / 4).max(Duration::from_millis(5));
        while !self.inner.stop.load(Ordering::Acquire) {
            std::thread::sleep(tick);
            let age = self.age();
            if self.held() && age >= fence_after {
                self.lost(&format!(
                    "no renewal for {:.1} s (the database does not answer)",
                    age.as_secs_f64()
                ));
            }
        }
    }

    /// Sweeps the store's servers ([`wfc_store::sweep`]), logging what it
    /// did; with `send`, hands the runs it took to [`Lease::swept`]'s
    /// receiver.
    fn sweep(&self, store: &wfc_store::Store, ttl: Duration, host: &str, send: bool) {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let s = match wfc_store::sweep::sweep(store, ttl_ms, host) {
            Ok(s) => s,
            Err(e) => return tracing::warn!(error = %e, "the sweep of dead servers failed"),
        };
        for id in &s.dead {
            tracing::warn!(server = %id, "server {id} is dead: its lease expired (or its process is gone)");
        }
        if !s.runs.is_empty() {
            tracing::warn!(runs = ?s.runs, "took over {} run(s) of servers that died or left", s.runs.len());
            if send {
                let _ = self.inner.swept.send(s.runs);
            }
        }
    }

    /// Applies the ends this server's runs could not write when they
    /// ended ([`wfc_store::control::settle`]).
    fn settle(&self, store: &wfc_store::Store) {
        match wfc_store::control::settle(store) {
            Ok(ids) => {
                for id in ids {
                    tracing::info!(run = %id, "run {id}'s end, kept while the store could not take it, is recorded");
                }
            }
            Err(e) => tracing::debug!(error = %e, "the runs' kept ends wait for the store"),
        }
    }

    /// The lease is lost: said once, and told to whoever acts for it.
    fn lost(&self, why: &str) {
        if self.inner.held.swap(false, Ordering::AcqRel) {
            servers::set_this(None);
            tracing::error!(
                "the server lost its lease on the store: {why}; it stops acting until it joins again"
            );
            for f in self
                .inner
                .on_lost
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
            {
                f();
            }
        }
    }
}

/// A fresh random id, 32 hex digits.
fn new_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // (No randomness: the time and pid still tell process starts apart.)
        let t = wfc_store::now_ms() as u128 ^ (u128::from(std::process::id()) << 64);
        b = t.to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}
