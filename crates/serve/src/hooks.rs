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

use crate::auth::{self, Gate};
use crate::catalog::Catalog;
use crate::problem::{Code, Problem, ProblemBody};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::DefaultKeyedRateLimiter;
use hmac::{Hmac, KeyInit, Mac};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use wfc_language::ir::Webhook;
use wfc_launch::Checked as ServedWorkflow;
use wfc_launch::Launcher;
use wfc_plan::trigger_params::{self, TriggerInputs};
use wfc_plan::ParamInput;
use wfc_plan::Value;

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

/// What the hook handler reads.
#[derive(Clone)]
pub struct Hooks {
    pub catalog: Arc<Catalog>,
    pub launcher: Launcher,
    /// API keys, for hooks without a secret.
    pub gate: Gate,
    /// Requests per second per hook path.
    pub limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Hook paths claimed by two files, already logged.
    refused: Arc<Mutex<BTreeSet<String>>>,
    /// Deliveries being started now, each behind its own lock: a retry
    /// that comes meanwhile waits for it, then finds its run.
    delivering: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Hooks {
    /// Hooks of `catalog`'s workflows, each limited to `rate` requests per second with
    /// bursts of `burst`.
    pub fn new(
        catalog: Arc<Catalog>,
        launcher: Launcher,
        gate: Gate,
        rate: u32,
        burst: u32,
    ) -> Hooks {
        Hooks {
            catalog,
            launcher,
            gate,
            limiter: auth::limiter(rate, burst),
            refused: Arc::default(),
            delivering: Arc::default(),
        }
    }
}

/// The hook routes, with bodies limited to `max_body` bytes.
pub fn router(hooks: Hooks, max_body: usize) -> Router {
    crate::problem::traced(
        Router::new()
            .route(&format!("{PREFIX}/{{*path}}"), post(receive))
            .with_state(hooks)
            .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
            .layer(axum::extract::DefaultBodyLimit::max(max_body))
            .layer(axum::middleware::from_fn(crate::problem::plain_errors)),
    )
}

/// A served hook: its workflow and its trigger.
struct Found {
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
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let path = format!("/{path}");
    tracing::trace!(target: "wfc::timing", "hook: received");
    let Some(Found { workflow, hook }) = hooks.find(&path) else {
        return Err(Problem::new(
            Code::NotFound,
            format!("no served workflow has `on webhook \"{path}\"`"),
        ));
    };
    // Who may call comes before anything is read or created.
    match hook.secret {
        Some(secret) => verify_signature(&workflow, secret, &headers, &body, &path)?,
        None => {
            let client = auth::client_of(&extensions);
            let caller =
                auth::authenticate(&hooks.gate, client, &headers, &format!("{PREFIX}{path}"))?;
            caller.operator()?;
        }
    }
    if let Err(not_until) = hooks.limiter.check_key(&path) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let mut p = Problem::new(
            Code::HookRateLimited,
            format!("webhook {path} has had too many requests; wait before the next"),
        );
        p.retry_after = Some(auth::retry_after_secs(wait));
        return Err(p);
    }
    let query = query
        .map_err(|e| Problem::new(Code::BadRequest, format!("a malformed query string: {e}")))?
        .0;
    let delivery = delivery_key(&path, &headers);
    if let Some(reason) =
        crate::ignored::paused(&hooks.launcher, &workflow.ir.name, "webhook").await
    {
        let mut firing = crate::ignored::firing(
            &workflow.file,
            &workflow.ir.name,
            format!("{TRIGGER} {path}"),
            reason.clone(),
        );
        firing.delivery = delivery
            .as_deref()
            .and_then(|k| k.split_once(' '))
            .map(|(_, id)| id.to_owned());
        crate::ignored::record(&hooks.launcher, firing).await;
        return Err(Problem::new(Code::TriggerPaused, reason));
    }
    let _delivering = match &delivery {
        Some(key) => match hooks.claim(key).await? {
            Claim::Started(id) => {
                tracing::info!(run = %id, hook = %path, "a delivery seen before started nothing");
                return Ok(started_answer(id, true));
            }
            Claim::Ours(guard) => Some(guard),
        },
        None => None,
    };
    let inputs = inputs(&workflow, &headers, query, &body)?;
    let when = hook.when.as_ref();
    if let Err(reason) = wfc_plan::trigger_when::decide(&workflow.ir, when, &inputs) {
        let mut firing = crate::ignored::firing(
            &workflow.file,
            &workflow.ir.name,
            format!("{TRIGGER} {path}"),
            reason.clone(),
        );
        firing.delivery = delivery
            .as_deref()
            .and_then(|k| k.split_once(' '))
            .map(|(_, id)| id.to_owned());
        crate::ignored::record(&hooks.launcher, firing).await;
        return Ok(crate::ignored::answer(&reason));
    }
    let params = params(&workflow, &hook, inputs)?;
    let compiled = crate::launch::compile(workflow, params).await?;
    tracing::trace!(target: "wfc::timing", "hook: compiled");
    let mut run = wfc_launch::Run::from(compiled)
        .triggered_by(TRIGGER)
        .started_by(path.clone());
    run.delivery = delivery.clone();
    let started = match hooks.launcher.start(run).await {
        Ok(started) => started,
        // Another server's start of this delivery was recorded first: its
        // run is the answer, as for a redelivery.
        Err(wfc_launch::LaunchError::Conflict(e))
            if e.starts_with(wfc_store::deliveries::DELIVERY_TAKEN) =>
        {
            let key = delivery.unwrap_or_default();
            if let Claim::Started(id) = hooks.claim_seen(&key).await? {
                tracing::info!(run = %id, hook = %path, "another server started this delivery's run");
                return Ok(started_answer(id, true));
            }
            return Err(Problem::new(Code::Conflict, e));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::trace!(target: "wfc::timing", "hook: started");
    tracing::info!(run = %started.id, hook = %path, "run started by a webhook");
    Ok(started_answer(started.id, false))
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

/// Whether a delivery may start a run.
enum Claim<G = Delivering> {
    /// It did already: that run.
    Started(String),
    /// This request starts it; the guard lets a retry in once dropped.
    Ours(G),
}

/// A delivery being started, until dropped.
struct Delivering {
    map: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    key: String,
    _taken: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Delivering {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // The map's and this guard's: no one else waits for the key.
        if map
            .get(&self.key)
            .is_some_and(|m| Arc::strong_count(m) <= 2)
        {
            map.remove(&self.key);
        }
    }
}

impl Hooks {
    /// Claims delivery `key`: `Started` when a recorded run came from it
    /// within a day. While another request is starting it, this one waits
    /// for that start to be recorded (or to fail) first.
    async fn claim(&self, key: &str) -> Result<Claim, Problem> {
        let lock = self
            .delivering
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        let guard = Delivering {
            map: self.delivering.clone(),
            key: key.to_owned(),
            _taken: lock.lock_owned().await,
        };
        Ok(match self.claim_seen(key).await? {
            Claim::Started(id) => Claim::Started(id),
            Claim::Ours(()) => Claim::Ours(guard),
        })
    }

    /// The run delivery `key` started, if the store has one.
    async fn claim_seen(&self, key: &str) -> Result<Claim<()>, Problem> {
        let dir = self.launcher.state_dir().to_path_buf();
        let owned = key.to_owned();
        let seen = tokio::task::spawn_blocking(move || {
            match wfc_store::Store::open_existing(&dir).map_err(Problem::store)? {
                Some(store) => {
                    wfc_store::deliveries::run_of(&store, &owned).map_err(Problem::store)
                }
                None => Ok(None),
            }
        })
        .await
        .map_err(Problem::store)??;
        Ok(match seen {
            Some(id) => Claim::Started(id),
            None => Claim::Ours(()),
        })
    }
}

/// `Ok` when `X-Hub-Signature-256` is the HMAC-SHA256 of `body` under the
/// value of the secret param `secret`. The refusal is logged without the
/// signature or the body.
fn verify_signature(
    workflow: &ServedWorkflow,
    secret: usize,
    headers: &HeaderMap,
    body: &[u8],
    path: &str,
) -> Result<(), Problem> {
    let refused = |why: &str| {
        tracing::warn!(hook = %path, why, "webhook request refused: not signed with its secret");
        Problem::new(
            Code::BadSignature,
            format!("sign the body: `{SIGNATURE}: sha256=HEX`, the HMAC-SHA256 of the raw body with the hook's secret"),
        )
    };
    let key = match trigger_params::defaults(&workflow.ir).get(secret) {
        Some(Some(Value::Str(k))) if !k.is_empty() => k.clone(),
        // An empty key would let anyone sign: nothing is accepted.
        _ => {
            let name = &workflow.ir.params[secret].name;
            tracing::error!(hook = %path, secret = %name, "the hook's secret has no value on the server (set its environment variable); every request is refused");
            return Err(refused("the secret has no value"));
        }
    };
    let Some(given) = headers.get(SIGNATURE) else {
        return Err(refused("no signature header"));
    };
    let hex = given
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("sha256="))
        .and_then(decode_hex);
    let Some(given) = hex else {
        return Err(refused("a malformed signature header"));
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .map_err(|_| refused("the secret cannot be a key"))?;
    mac.update(body);
    // Constant time, whatever the length given.
    mac.verify_slice(&given)
        .map_err(|_| refused("a signature that does not match"))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a request hands the hook's `when` and `params { … }`: the body as
/// JSON (`null` when empty), the headers that carry no credential, the query.
fn inputs(
    workflow: &ServedWorkflow,
    headers: &HeaderMap,
    query: BTreeMap<String, String>,
    body: &[u8],
) -> Result<TriggerInputs, Problem> {
    let text = std::str::from_utf8(body).map_err(|_| {
        Problem::new(
            Code::BadRequest,
            "the body is not UTF-8 text; send a JSON object",
        )
    })?;
    let json = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(text).map_err(|e| {
            invalid(
                workflow,
                vec![wfc_plan::errors::bad_params_file(
                    "<request body>",
                    &format!("invalid JSON: {e}"),
                )],
            )
        })?
    };
    // Header names are lower case already (`http` keeps them so); no
    // credential ever reaches a param.
    let headers = headers
        .iter()
        .filter(|(k, _)| !carries_credential(k.as_str()))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    Ok(TriggerInputs {
        json,
        headers,
        query,
        changed: Vec::new(),
    })
}

/// `400 API004` with `diags`.
fn invalid(workflow: &ServedWorkflow, diags: Vec<wfc_language::diag::Diagnostic>) -> Problem {
    let mut p = Problem::new(Code::Invalid, "bad params");
    p.diagnostics = diags
        .iter()
        .map(|d| crate::catalog::to_value(d, &workflow.source))
        .collect();
    p
}

/// The run's params: the body's fields that name params (the others are
/// left out: a real event has dozens), or what the hook's `params { … }`
/// make of the request; bound as a `--params-file` is.
fn params(
    workflow: &ServedWorkflow,
    hook: &Webhook,
    inputs: TriggerInputs,
) -> Result<ParamInput, Problem> {
    if hook.params.is_empty() {
        return Ok(match inputs.json {
            serde_json::Value::Null => ParamInput::default(),
            serde_json::Value::Object(fields) => {
                let known = |k: &String| workflow.ir.params.iter().any(|p| &p.name == k);
                let values: serde_json::Map<_, _> =
                    fields.into_iter().filter(|(k, _)| known(k)).collect();
                ParamInput {
                    values: (!values.is_empty()).then(|| ("<request body>".to_owned(), values)),
                    ..ParamInput::default()
                }
            }
            // Not an object: refused as a params file that is not one.
            other => crate::launch::params_text(Some(other.to_string())),
        });
    }
    let object = trigger_params::evaluate(&workflow.ir, &hook.params, &inputs)
        .map_err(|d| invalid(workflow, d))?;
    Ok(crate::launch::params_values(object))
}
