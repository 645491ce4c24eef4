//! Who calls: the `Authorization: Bearer KEY` of every API request, checked
//! against the keys file (read again when it changes, so `wfc keys revoke`
//! takes effect at once, on open streams too: [`Access`]), each key's
//! rate limit, and a limit on guessing ([`Guesses`]).

use crate::keys::{self, KeyFile, Role};
use crate::problem::{Code, Problem};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// The caller of a request, for the handlers (never the key itself).
#[derive(Clone, Debug)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// `Ok` when the caller may start, cancel, decide or resume runs.
    pub fn operator(&self) -> Result<(), Problem> {
        if self.role == Role::Operator {
            return Ok(());
        }
        Err(Problem::new(
            Code::Forbidden,
            format!(
                "key `{}` has the role `read`; this needs an `operator` key (`wfc keys add NAME --role operator`)",
                self.name
            ),
        ))
    }
}

/// The keys file, read again whenever its modification time changes.
/// A file that cannot be read or parsed leaves the last keys read in
/// force (said in the log once per change of the file); only a server
/// that never read it answers with the error.
pub struct KeyCache {
    path: PathBuf,
    cached: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    modified: Option<SystemTime>,
    keys: Option<Arc<KeyFile>>,
    /// The modification time the last failed read was said for.
    said: Option<Option<SystemTime>>,
}

impl KeyCache {
    pub fn new(path: PathBuf) -> KeyCache {
        KeyCache {
            path,
            cached: Mutex::default(),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The keys as the file has them now.
    pub fn current(&self) -> Result<Arc<KeyFile>, String> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(keys) = cached.keys.as_ref().filter(|_| cached.modified == modified) {
            if modified.is_some() {
                return Ok(keys.clone());
            }
        }
        match keys::read(&self.path) {
            Ok(file) => {
                let file = Arc::new(file);
                cached.modified = modified;
                cached.keys = Some(file.clone());
                cached.said = None;
                Ok(file)
            }
            Err(e) => {
                let Some(last) = cached.keys.clone() else {
                    return Err(e);
                };
                if cached.said != Some(modified) {
                    cached.said = Some(modified);
                    tracing::error!(error = %e, "the keys file cannot be read; the keys read last stay in force");
                }
                Ok(last)
            }
        }
    }

    /// Whether the key whose hash is `sha256` is still in the file.
    pub fn knows(&self, sha256: &str) -> bool {
        self.current()
            .is_ok_and(|k| keys::find(&k, sha256).is_some())
    }
}

/// What let a request in, to ask again while its answer lasts: a stream
/// asks before everything it sends, so revoking a key (or, for a
/// dashboard session, logging out) ends its open streams at once.
#[derive(Clone)]
pub struct Access(Arc<dyn Fn() -> bool + Send + Sync>);

impl Access {
    pub fn new(still: impl Fn() -> bool + Send + Sync + 'static) -> Access {
        Access(Arc::new(still))
    }

    /// The API key whose hash is `sha256`, while it is in `keys`.
    pub fn key(keys: Arc<KeyCache>, sha256: String) -> Access {
        Access::new(move || keys.knows(&sha256))
    }

    /// Whether the caller may still be answered.
    pub fn holds(&self) -> bool {
        (self.0)()
    }
}

/// Requests per second per key, with a burst.
pub fn limiter(per_second: u32, burst: u32) -> Arc<DefaultKeyedRateLimiter<String>> {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

/// The state the check needs.
#[derive(Clone)]
pub struct Gate {
    pub keys: Arc<KeyCache>,
    pub limiter: Arc<DefaultKeyedRateLimiter<String>>,
    pub guesses: Arc<Guesses>,
}

/// Requests with an unknown key a client address may make in
/// [`GUESS_WINDOW`]; past them, every request from it gets `429`, whatever
/// key it sends, until the window is over: guessing keys is slow, and a
/// throttled guesser cannot tell a right guess from a wrong one.
pub const GUESSES: u32 = 30;
/// See [`GUESSES`].
pub const GUESS_WINDOW: Duration = Duration::from_secs(60);

/// Unknown-key requests per client address, in fixed windows.
#[derive(Default)]
pub struct Guesses {
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Guesses {
    /// How long `client` must wait, while it is over its guesses.
    fn blocked(&self, client: IpAddr) -> Option<Duration> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let (since, n) = seen.get(&client)?;
        let left = GUESS_WINDOW.checked_sub(since.elapsed())?;
        (*n >= GUESSES).then_some(left)
    }

    /// Counts an unknown key from `client`.
    fn guessed(&self, client: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, (since, _)| since.elapsed() < GUESS_WINDOW);
        }
        let entry = seen.entry(client).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= GUESS_WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// Lets a request with a known key through (as a [`Caller`] in its
/// extensions) within the key's rate; answers 401 or 429 otherwise.
pub async fn check(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let client = client_of(req.extensions());
    match authenticate(&gate, client, req.headers(), req.uri().path()) {
        Ok(caller) => {
            let sha256 = presented(req.headers()).map_or_else(String::new, keys::hash);
            req.extensions_mut()
                .insert(Access::key(gate.keys.clone(), sha256));
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(p) => p.into_response(),
    }
}

/// The peer's address (no proxy header: a client could forge it).
pub fn client_of(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The caller of a request from `client` to `path` with `headers`, within
/// its key's rate and its address's guesses.
pub fn authenticate(
    gate: &Gate,
    client: IpAddr,
    headers: &HeaderMap,
    path: &str,
) -> Result<Caller, Problem> {
    if let Some(wait) = gate.guesses.blocked(client) {
        let mut p = Problem::new(
            Code::RateLimited,
            format!(
                "too many requests with unknown API keys from this address; wait {} s",
                retry_after_secs(wait)
            ),
        );
        p.retry_after = Some(retry_after_secs(wait));
        return Err(p);
    }
    let Some(presented) = presented(headers) else {
        return Err(Problem::new(
            Code::Unauthenticated,
            "send an API key as `Authorization: Bearer KEY` (`wfc keys add NAME` makes one)",
        ));
    };
    let keys = match gate.keys.current() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the keys file");
            return Err(Problem::store(e));
        }
    };
    let Some(key) = keys::verify(&keys, presented) else {
        gate.guesses.guessed(client);
        tracing::info!(path = %path, client = %client, "request with an unknown API key refused");
        return Err(Problem::new(
            Code::Unauthenticated,
            "the API key is not known (revoked, or mistyped)",
        ));
    };
    if let Err(not_until) = gate.limiter.check_key(&key.name) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let mut p = Problem::new(
            Code::RateLimited,
            format!(
                "key `{}` made too many requests; wait before the next",
                key.name
            ),
        );
        p.retry_after = Some(retry_after_secs(wait));
        return Err(p);
    }
    Ok(Caller {
        name: key.name.clone(),
        role: key.role,
    })
}

/// The key of `Authorization: Bearer KEY`, if any.
fn presented(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// Whole seconds, at least one: what `Retry-After` can say.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_file_that_stops_parsing_leaves_the_last_keys_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(keys::FILE);
        let cache = KeyCache::new(path.clone());
        assert!(cache.current().unwrap().keys.is_empty(), "no file: no keys");
        let key = keys::add(&path, "ci", Role::Read).unwrap();
        let sha = keys::hash(&key);
        assert!(cache.knows(&sha));
        std::fs::write(&path, "{ not json").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(later))
            .unwrap();
        assert!(cache.knows(&sha), "a broken file locked everyone out");
        assert!(
            KeyCache::new(path.clone()).current().is_err(),
            "a new reader is told"
        );
        std::fs::remove_file(&path).unwrap();
        assert!(!cache.knows(&sha), "removing the file revokes every key");
    }
}
