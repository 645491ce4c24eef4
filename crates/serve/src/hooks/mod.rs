//! `POST /hooks/<path>`: the served workflows' `on webhook "/<path>"`
//! triggers (outside `/api/v1`).
//!
//! A hook with `secret NAME` takes no API key: the body must be signed
//! with the secret's value, `X-Hub-Signature-256: sha256=<hex>` the
//! HMAC-SHA256 of the raw body, and that is checked (in constant time)
//! before anything else is read or created. A hook without a secret needs
//! an operator key, as the API's starts do. Then the hook's rate, then the
//! params: the JSON body by name, or through the trigger's `params { … }`
//! (`request.json`, `request.headers`, `request.query`), bound exactly as
//! a `--params-file`. The run records the trigger `webhook`.
//!
//! `request.headers` holds no credential: every header whose name says it
//! carries one ([`carries_credential`]) is left out, so no key, token or
//! signature reaches a param (which a `read` key could read back). A
//! delivery the sender retries ([`DELIVERY_IDS`]) within a day starts
//! nothing the second time: the first run's id is answered, `202` with
//! `"replay": true` (and `Wfc-Replay: true`). Two deliveries of one id that
//! come together are taken one after the other, so only the first starts a
//! run. A hook's `when` that does not hold answers `202` "ignored"
//! ([`crate::ignored`]) and starts nothing.

mod claim;
pub mod deliver;
pub mod failed;
mod signature;

use crate::auth::{self, Gate};
use crate::catalog::Catalog;
use crate::problem::{Code, Problem, ProblemBody};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use deliver::{Answer, Refusal, Request, Who};
use governor::DefaultKeyedRateLimiter;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use wfc_language::ir::Webhook;
use wfc_launch::Checked as ServedWorkflow;
use wfc_launch::Launcher;

/// Where hooks are served.
pub const PREFIX: &str = "/hooks";

/// The trigger a webhook's runs record.
pub const TRIGGER: &str = "webhook";

/// The header holding a signed hook's signature.
pub const SIGNATURE: &str = "x-hub-signature-256";

/// Whether a header named `name` (lower case) carries a credential:
/// `authorization`, `cookie`, and any name with a part such as `token`,
/// `secret`, `signature`, `key`, `auth`, `session` or `password`
/// (`x-gitlab-token`, `x-api-key`, `x-hub-signature-256`).
pub fn carries_credential(name: &str) -> bool {
    const PARTS: [&str; 16] = [
        "auth",
        "authorization",
        "cookie",
        "token",
        "secret",
        "signature",
        "sig",
        "key",
        "apikey",
        "password",
        "passwd",
        "credential",
        "credentials",
        "session",
        "jwt",
        "bearer",
    ];
    const WITHIN: [&str; 6] = [
        "token",
        "secret",
        "signature",
        "password",
        "credential",
        "auth",
    ];
    name.split(['-', '_']).any(|part| PARTS.contains(&part))
        || WITHIN.iter().any(|w| name.contains(w))
}

/// Headers that name one delivery of a sender that retries: GitHub,
/// Gitea, Gogs, GitLab, Bitbucket, and the generic `Idempotency-Key` and
/// `X-Request-Id`, in this order: a proxy on the way may set its own
/// `X-Request-Id` on each request, so a sender's own id comes first.
pub const DELIVERY_IDS: [&str; 7] = [
    "x-github-delivery",
    "x-gitea-delivery",
    "x-gogs-delivery",
    "x-gitlab-event-uuid",
    "x-request-uuid",
    "idempotency-key",
    "x-request-id",
];

/// How many failed deliveries a hook keeps per second, and in a burst.
const KEEP_RATE: u32 = 5;
const KEEP_BURST: u32 = 20;

/// What the hook handler reads.
#[derive(Clone)]
pub struct Hooks {
    pub catalog: Arc<Catalog>,
    pub launcher: Launcher,
    /// API keys, for hooks without a secret.
    pub gate: Gate,
    /// Requests per second per hook path.
    pub limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Failed deliveries kept per second per hook path ([`failed`]).
    keeping: Arc<DefaultKeyedRateLimiter<String>>,
    /// Hook paths claimed by two files, already logged.
    refused: Arc<Mutex<BTreeSet<String>>>,
    /// Deliveries being started now, each behind its own lock: a retry
    /// that comes meanwhile waits for it, then finds its run.
    delivering: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// The largest body a delivery may have (`--max-body`).
    max_body: usize,
}

impl Hooks {
    /// Hooks of `catalog`'s workflows, each limited to `rate` requests per second with
    /// bursts of `burst`, and to bodies of `max_body` bytes.
    pub fn new(
        catalog: Arc<Catalog>,
        launcher: Launcher,
        gate: Gate,
        (rate, burst): (u32, u32),
        max_body: usize,
    ) -> Hooks {
        Hooks {
            catalog,
            launcher,
            gate,
            limiter: auth::limiter(rate, burst),
            keeping: auth::limiter(KEEP_RATE, KEEP_BURST),
            refused: Arc::default(),
            delivering: Arc::default(),
            max_body,
        }
    }
}

/// The hook routes, with bodies read up to `Hooks::max_body` bytes: one
/// larger to a served hook is refused by [`receive`], and kept.
pub fn router(hooks: Hooks) -> Router {
    let max_body = hooks.max_body;
    crate::problem::traced(
        Router::new()
            .route(&format!("{PREFIX}/{{*path}}"), post(receive))
            .with_state(hooks)
            .layer(axum::extract::DefaultBodyLimit::max(max_body))
            .layer(axum::middleware::from_fn(crate::problem::plain_errors)),
    )
}

/// A served hook: its workflow and its trigger.
pub struct Found {
    workflow: ServedWorkflow,
    hook: Webhook,
}

impl Hooks {
    /// The hook on `path`: the first file's (by name) when two files
    /// declare it; the later one is refused and logged, once.
    fn find(&self, path: &str) -> Option<Found> {
        let mut found: Option<Found> = None;
        for (workflow, hook) in self.catalog.hooked(path) {
            match &found {
                None => found = Some(Found { workflow, hook }),
                Some(first) => self.refuse_duplicate(path, first, &workflow),
            }
        }
        found
    }

    fn refuse_duplicate(&self, path: &str, first: &Found, later: &ServedWorkflow) {
        let what = format!("{path} {} {}", later.file, later.ir.name);
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        if refused.insert(what) {
            tracing::warn!(
                hook = %path,
                served_by = %format!("{} ({})", first.workflow.ir.name, first.workflow.file),
                refused = %format!("{} ({})", later.ir.name, later.file),
                "two workflows declare one webhook path; the first file's is served"
            );
        }
    }
}

/// A started run, as the API answers a start.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = HookStarted)]
pub struct StartedRun {
    id: String,
    /// The run's URL in the API (also in `Location`).
    url: String,
    /// A redelivery: the run is the one the first delivery started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    replay: bool,
}

/// What a delivery is answered with `202`: the run it started (or, for a
/// redelivery, started before), or why its `when` turned it down.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum HookAnswer<'a> {
    Started(StartedRun),
    Ignored(crate::ignored::IgnoredAnswer<'a>),
}

/// The header that marks a redelivery's answer.
pub const REPLAY: &str = "wfc-replay";

/// A delivery to a served workflow's `on webhook "/PATH"` trigger. A hook
/// with `secret NAME` takes no key: the raw body's HMAC-SHA256 with the
/// secret's value, `X-Hub-Signature-256: sha256=<hex>`; one without a
/// secret takes an operator key. The params are the JSON body by name, or
/// what the trigger's `params { … }` reads from `request.json`,
/// `request.headers` and `request.query`. A delivery id the sender repeats
/// (`X-GitHub-Delivery`, …) within a day starts nothing again: the first
/// run is answered with `"replay": true` and `Wfc-Replay: true`.
#[utoipa::path(post, path = "/hooks/{path}", operation_id = "deliverWebhook", tag = "webhooks",
    params(("path" = String, Path, description = "the path the trigger declares, without its leading `/` (it may hold more `/`)")),
    request_body(content = Object, description = "the delivery: a JSON object (params by name, or what the trigger's `params` reads)", content_type = "application/json"),
    responses(
        (status = 202, body = HookAnswer, description = "a run started (`Location`, and `Wfc-Replay: true` for a redelivery), or `ignored`: the trigger's `when` is false"),
        (status = 400, body = ProblemBody, description = "a malformed query string or body (`API005`), params that do not bind (`API004` with the diagnostics), a `lock` key that cannot be computed (`API050`)"),
        (status = 401, body = ProblemBody, description = "a signed hook: no signature or a wrong one (`API040`); an unsigned one: no key or an unknown one (`API001`)"),
        (status = 403, body = ProblemBody, description = "an unsigned hook called with a `read` key (`API002`)"),
        (status = 404, body = ProblemBody, description = "no served workflow has this webhook (`API003`)"),
        (status = 409, body = ProblemBody, description = "the workflow's webhook triggers are paused (`API102`), or `lock … { on busy skip }` is held (`API101`)"),
        (status = 413, body = ProblemBody, description = "a body over `--max-body` (`API010`)"),
        (status = 429, body = ProblemBody, description = "the hook's rate (`API043`) or, unsigned, the key's (`API007`); see `Retry-After`"),
        (status = 500, body = ProblemBody, description = "the run store failed (`API009`)"),
        (status = 503, body = ProblemBody, description = "`--max-runs` runs are going, or the server is stopping (`API008`, `Retry-After`)")),
    security((), ("bearer" = [])))]
pub async fn receive(
    State(hooks): State<Hooks>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    let path = format!("/{path}");
    tracing::trace!(target: "wfc::timing", "hook: received");
    let Some(found) = hooks.find(&path) else {
        return Err(Problem::new(
            Code::NotFound,
            format!("no served workflow has `on webhook \"{path}\"`"),
        ));
    };
    let mut request = Request {
        path,
        query,
        headers,
        body: Bytes::new(),
        redelivery: None,
    };
    request.body = match body {
        Ok(body) => body,
        Err(refused) if refused.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let said = (request.headers.get(header::CONTENT_LENGTH))
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
            hooks.keep_too_large(&found, &request, said).await;
            return Err(Problem::new(
                Code::TooLarge,
                format!("the body is over --max-body ({} bytes)", hooks.max_body),
            ));
        }
        Err(refused) => return Err(Problem::new(Code::BadRequest, refused.body_text())),
    };
    let who = Who::Sender(auth::client_of(&extensions));
    Ok(hooks.deliver(&found, request, who).await)
}

impl Hooks {
    /// Delivers `request` to `found`'s hook as `who`: the answer, a
    /// delivery that started nothing kept first ([`failed`]).
    pub async fn deliver(&self, found: &Found, request: Request, who: Who) -> Response {
        match self.delivered(found, request, who).await {
            Ok(answer) => answer.into_response(),
            Err(problem) => problem.into_response(),
        }
    }

    /// [`Hooks::deliver`]'s outcome.
    pub async fn delivered(
        &self,
        found: &Found,
        request: Request,
        who: Who,
    ) -> Result<Answer, Problem> {
        match self.attempt(found, &request, who).await {
            Ok(started @ Answer::Started { .. }) => Ok(started),
            Ok(Answer::Ignored(reason)) => {
                let status = StatusCode::ACCEPTED;
                self.keep_failed(found, &request, status, crate::ignored::CODE, &reason)
                    .await;
                Ok(Answer::Ignored(reason))
            }
            Err(Refusal { problem, reason }) => {
                let reason = reason.as_deref().unwrap_or(&problem.detail);
                let (status, code) = (problem.code.status(), problem.code.id());
                self.keep_failed(found, &request, status, code, reason)
                    .await;
                Err(problem)
            }
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Started { id, replay } => started_answer(id, replay),
            Answer::Ignored(reason) => crate::ignored::answer(&reason),
        }
    }
}

/// `202` with the run's id and its URL (also in `Location`); a `replay`
/// says so in the body and in [`REPLAY`].
fn started_answer(id: String, replay: bool) -> Response {
    let url = format!("{}/runs/{id}", crate::api::PREFIX);
    let answer = StartedRun {
        id,
        url: url.clone(),
        replay,
    };
    let mut response = (
        StatusCode::ACCEPTED,
        [(header::LOCATION, url)],
        Json(answer),
    )
        .into_response();
    if replay {
        let value = axum::http::HeaderValue::from_static("true");
        response.headers_mut().insert(REPLAY, value);
    }
    response
}

/// The delivery a request is, if its sender names one: the hook's path and
/// the id (one per hook: two hooks may see the same id).
fn delivery_key(path: &str, headers: &HeaderMap) -> Option<String> {
    DELIVERY_IDS.iter().find_map(|name| {
        let id = headers.get(*name)?.to_str().ok()?.trim();
        (!id.is_empty() && id.len() <= 200).then(|| format!("{path} {id}"))
    })
}
