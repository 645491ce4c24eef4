//! Who calls: the `Authorization: Bearer KEY` of every API request, checked
//! against the keys file (read again when it changes, so `wfc keys revoke`
//! takes effect at once), and each key's rate limit.

use crate::keys::{self, KeyFile, Role};
use crate::problem::{Code, Problem};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

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
pub struct KeyCache {
    path: PathBuf,
    cached: Mutex<(Option<SystemTime>, Arc<KeyFile>)>,
}

impl KeyCache {
    pub fn new(path: PathBuf) -> KeyCache {
        KeyCache {
            path,
            cached: Mutex::new((None, Arc::default())),
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
        if cached.0 != modified || modified.is_none() {
            *cached = (modified, Arc::new(keys::read(&self.path)?));
        }
        Ok(cached.1.clone())
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
}

/// Lets a request with a known key through (as a [`Caller`] in its
/// extensions) within the key's rate; answers 401 or 429 otherwise.
pub async fn check(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    match authenticate(&gate, req.headers(), req.uri().path()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(p) => p.into_response(),
    }
}

/// The caller of a request to `path` with `headers`, within its key's rate.
pub fn authenticate(gate: &Gate, headers: &HeaderMap, path: &str) -> Result<Caller, Problem> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let Some(presented) = presented else {
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
    let Some(key) = keys::verify(&keys, &presented) else {
        tracing::info!(path = %path, "request with an unknown API key refused");
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

/// Whole seconds, at least one: what `Retry-After` can say.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}
