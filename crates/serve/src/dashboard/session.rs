//! Logging in to the dashboard. `POST /login` checks an API key as the API
//! does ([`crate::keys::verify`]) and sets a cookie holding a random session
//! id; the server maps it to the key's hash, name and role (never the
//! key). The cookie is HTTP-only and `SameSite=Strict` (and `Secure`
//! behind https); forms that act carry the session's CSRF token too. A
//! session ends at logout, after [`LIFETIME`], or when its key is revoked
//! — the key itself, found by its hash: a new key under the same name
//! (`wfc keys revoke ci; wfc keys add ci`) does not revive it. Its open
//! event streams end with it ([`Sessions::access`]).
//!
//! Logins are rate limited per client address ([`LOGINS_PER_MINUTE`], in
//! bursts of [`LOGIN_BURST`]): every attempt counts, a good key's too, so
//! guessing keys from one address is slow whatever it types; other
//! addresses are not affected.

use super::{Dash, BAD_CSRF, BAD_KEY};
use crate::auth::{Access, KeyCache};
use crate::keys::{self, Role};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Extensions;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use base64::Engine;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The cookie's name.
pub const COOKIE: &str = "wfc_session";
/// How long a session lasts after login.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Login attempts one client address may make per minute.
pub const LOGINS_PER_MINUTE: u32 = 10;
/// Attempts it may make at once before the rate applies.
pub const LOGIN_BURST: u32 = 5;

/// Who is logged in, as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub name: String,
    pub role: Role,
    /// The token every acting form carries back.
    pub csrf: String,
    /// The SHA-256 of the key that opened it (never shown).
    #[serde(skip)]
    pub key: String,
}

impl Session {
    /// The session as the API's caller: its key's name and role, so a form
    /// acts as the API would for that key.
    pub fn caller(&self) -> crate::auth::Caller {
        crate::auth::Caller {
            name: self.name.clone(),
            role: self.role,
        }
    }
}

/// The live sessions by id, and the login attempts by client address.
pub struct Sessions {
    live: Mutex<HashMap<String, (Session, Instant)>>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for Sessions {
    fn default() -> Sessions {
        let per_minute = NonZeroU32::new(LOGINS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(LOGIN_BURST).unwrap_or(NonZeroU32::MIN);
        Sessions {
            live: Mutex::default(),
            logins: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
        }
    }
}

impl Sessions {
    /// `Err(wait)` when `client` has used up its login attempts for now.
    fn login_attempt(&self, client: IpAddr) -> Result<(), Duration> {
        // Addresses whose limit has fully come back hold nothing: forget them.
        if self.logins.len() > 10_000 {
            self.logins.retain_recent();
        }
        self.logins
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// A new session for the stored key `key`; its id for the cookie.
    fn open(&self, key: &keys::StoredKey) -> Result<String, getrandom::Error> {
        let id = random()?;
        let session = Session {
            name: key.name.clone(),
            role: key.role,
            csrf: random()?,
            key: key.sha256.clone(),
        };
        let mut all = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        all.retain(|_, (_, until)| *until > now);
        all.insert(id.clone(), (session, now + LIFETIME));
        Ok(id)
    }

    fn get(&self, id: &str) -> Option<Session> {
        let mut all = self.live.lock().unwrap_or_else(|e| e.into_inner());
        match all.get(id) {
            Some((s, until)) if *until > Instant::now() => Some(s.clone()),
            Some(_) => {
                all.remove(id);
                None
            }
            None => None,
        }
    }

    /// While session `id` lasts and its key is known: what a stream the
    /// session opened asks before it sends.
    pub fn access(self: &Arc<Self>, id: &str, keys: Arc<KeyCache>) -> Access {
        let (sessions, id) = (self.clone(), id.to_owned());
        Access::new(move || sessions.get(&id).is_some_and(|s| keys.knows(&s.key)))
    }

    fn close(&self, id: &str) {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

/// 32 random bytes, URL-safe base64.
fn random() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The session id a request's cookie holds.
fn cookie_id(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, COOKIE)
}

/// The value of cookie `wanted` of the request.
fn cookie<'h>(headers: &'h HeaderMap, wanted: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, id)| id)
}

/// The cookie holding the page a request without a session asked for
/// (hex), read back by `POST /login` only (its `Path`).
const NEXT: &str = "wfc_next";

/// Whether `target` may be gone to after logging in: a path of this
/// server (`/…`, never `//host` or `/\host`, which browsers read as
/// another origin), no control characters, not the login pages.
pub fn safe_next(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && target.len() <= 2048
        && !target.chars().any(char::is_control)
        && !["/login", "/logout", "/assets/"]
            .iter()
            .any(|p| target.starts_with(p))
}

/// `303` to `/login`; for a page a browser asked for (a `GET` of HTML),
/// remembering it in [`NEXT`] for ten minutes, so logging in goes there.
fn to_login(req: &Request) -> Response {
    let html = (req.headers().get(header::ACCEPT))
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    if req.method() != axum::http::Method::GET || !html || target == "/" || !safe_next(target) {
        return Redirect::to("/login").into_response();
    }
    let hex: String = target.bytes().map(|b| format!("{b:02x}")).collect();
    let remember = format!("{NEXT}={hex}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=600");
    ([(header::SET_COOKIE, remember)], Redirect::to("/login")).into_response()
}

/// The page [`NEXT`] remembers, if it is one to go to.
fn remembered(headers: &HeaderMap) -> Option<String> {
    let hex = cookie(headers, NEXT)?;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok().filter(|t| safe_next(t))
}

/// Lets a request with a live session through (the [`Session`] in its
/// extensions); sends any other to `/login`. The session's key must still
/// be in the keys file, and its role is the one the file says now.
pub async fn require(State(dash): State<Dash>, mut req: Request, next: Next) -> Response {
    let Some(id) = cookie_id(req.headers()).map(str::to_owned) else {
        return to_login(&req);
    };
    let Some(mut session) = dash.sessions.get(&id) else {
        return to_login(&req);
    };
    let current = dash
        .gate
        .keys
        .current()
        .ok()
        .and_then(|k| keys::find(&k, &session.key).map(|k| (k.name.clone(), k.role)));
    let Some((name, role)) = current else {
        dash.sessions.close(&id);
        return to_login(&req);
    };
    session.name = name;
    session.role = role;
    req.extensions_mut().insert(session);
    req.extensions_mut().insert(SessionId(id));
    next.run(req).await
}

/// The id of the request's session (for logout and streams).
#[derive(Clone)]
pub struct SessionId(pub String);

#[derive(Deserialize)]
pub struct LoginQuery {
    /// The page to go to once logged in (a path of this server).
    next: Option<String>,
    /// Come from the Log out button: the page says so.
    #[serde(default)]
    out: Option<String>,
}

/// `GET /login[?next=/PATH]`: the form (`next` kept in it when it is a
/// path of this server).
pub async fn login_form(
    State(dash): State<Dash>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let next = q.next.filter(|n| safe_next(n));
    dash.render(
        "login.html",
        "login",
        None,
        minijinja::context! { error => (), next, logged_out => q.out.is_some() },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    key: String,
    /// The page to go to once logged in; else the one the `wfc_next` cookie remembers,
    /// else `/`.
    #[serde(default)]
    next: String,
}

/// `POST /login`: a known key opens a session and goes to the page asked
/// for (the form's `next`, or the one the `wfc_next` cookie remembers) or `/`; any other
/// gets the form again with [`BAD_KEY`]. Past its client address's rate,
/// a 429 page with `Retry-After` whatever the key.
pub async fn login(
    State(dash): State<Dash>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // The peer's address (no proxy header: a client could forge it).
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.ip());
    if let Err(wait) = dash.sessions.login_attempt(client) {
        tracing::warn!(client = %client, "dashboard login refused: too many attempts");
        let secs = crate::auth::retry_after_secs(wait);
        let detail = format!("too many login attempts from this address; try again in {secs} s");
        let code = crate::problem::Code::RateLimited.id();
        let page = dash.error(StatusCode::TOO_MANY_REQUESTS, code, &detail, None);
        return ([(header::RETRY_AFTER, secs.to_string())], page).into_response();
    }
    let known = match dash.gate.keys.current() {
        Ok(k) => keys::verify(&k, form.key.trim()).cloned(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the keys file");
            None
        }
    };
    let Some(key) = known else {
        tracing::info!("dashboard login with an unknown API key refused");
        let error = minijinja::context! {
            code => BAD_KEY,
            detail => "the API key is not known (revoked, or mistyped)",
        };
        let next = Some(form.next.clone()).filter(|n| safe_next(n));
        let page = dash.render(
            "login.html",
            "login",
            None,
            minijinja::context! { error, next },
        );
        return (StatusCode::UNAUTHORIZED, page).into_response();
    };
    let id = match dash.sessions.open(&key) {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a session id");
            return (StatusCode::INTERNAL_SERVER_ERROR, "cannot open a session").into_response();
        }
    };
    tracing::info!(key = %key.name, "dashboard login");
    // Behind a TLS-terminating proxy the request says it came over https.
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let to = Some(form.next)
        .filter(|n| safe_next(n))
        .or_else(|| remembered(&headers))
        .unwrap_or_else(|| "/".to_owned());
    let forget = format!("{NEXT}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
    (
        axum::response::AppendHeaders([(header::SET_COOKIE, cookie), (header::SET_COOKIE, forget)]),
        Redirect::to(&to),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (with its CSRF token) and clears the cookie.
pub async fn logout(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Extension(SessionId(id)): Extension<SessionId>,
    Form(form): Form<ActForm>,
) -> Response {
    if let Some(refused) = forged(&dash, &session, &form.csrf) {
        return refused;
    }
    dash.sessions.close(&id);
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login?out=1")).into_response()
}

/// Whether `token` is the session's CSRF token (compared in constant time).
pub fn csrf_ok(session: &Session, token: &str) -> bool {
    !token.is_empty() && bool::from(session.csrf.as_bytes().ct_eq(token.as_bytes()))
}

/// The `403` `API081` page for a form whose `token` is not the session's
/// CSRF token; `None` when it is (the form may act).
pub fn forged(dash: &Dash, session: &Session, token: &str) -> Option<Response> {
    (!csrf_ok(session, token)).then(|| {
        dash.error(
            StatusCode::FORBIDDEN,
            BAD_CSRF,
            "the form's CSRF token is missing or not this session's: reload the page",
            Some(session),
        )
    })
}
