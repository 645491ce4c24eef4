//! The deliveries that started nothing ([`wfc_store::failed_deliveries`]):
//! kept as they are answered, listed by `GET /workflows/{name}/deliveries`
//! and on `/triggers`, and sent again by an operator with `POST
//! /deliveries/{id}/redeliver` once the cause is fixed.
//!
//! What is kept of a request: its query, its headers but those that carry
//! a credential (a signed hook's signature is kept, never shown: a
//! redelivery is checked again, as the first delivery was), its raw body
//! up to [`MAX_BODY`]. Not kept when the hook's params could fill a
//! `secret` param from it: a secret is never written. Keeping is bounded
//! per hook in rows ([`wfc_store::failed_deliveries::KEPT`]) and in rate
//! (`Hooks::keeping`): a flood of refused requests costs no more writes.

use super::deliver::{Answer, Request, Who};
use super::{carries_credential, Found, Hooks, SIGNATURE};
use crate::api::{with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wfc_store::failed_deliveries::{self as failed, FailedDelivery, KeptRequest};

/// The largest body kept for a redelivery.
pub const MAX_BODY: usize = 64 * 1024;

impl Hooks {
    /// Keeps `request` to `found`'s hook, answered `status` with `code` for
    /// `reason`, if this hook has not kept too many this second. A store
    /// that fails is logged (the answer stands).
    pub(super) async fn keep_failed(
        &self,
        found: &Found,
        request: &Request,
        status: StatusCode,
        code: &str,
        reason: &str,
    ) {
        let kept = match unkept_because(found, request) {
            Some(why) => Err(why),
            None => Ok(kept_request(found, request)),
        };
        self.keep(found, request, (status, code, reason), kept)
            .await;
    }

    /// Keeps that a request to `found`'s hook was refused for a body of
    /// `size` bytes (`None`: unknown, read past the limit) over
    /// `--max-body`: listed, its body never read whole, so not kept.
    pub(super) async fn keep_too_large(&self, found: &Found, request: &Request, size: Option<u64>) {
        let size = size.map_or_else(String::new, |n| format!(" {n} bytes,"));
        let reason = format!(
            "its body is{size} over `--max-body` ({} bytes)",
            self.max_body
        );
        let code = Code::TooLarge;
        let (status, id) = (code.status(), code.id());
        let not_kept = Err("its body was not read: it is over `--max-body`".to_owned());
        self.keep(found, request, (status, id, &reason), not_kept)
            .await;
    }

    /// Keeps a request refused as `answered` (its status, code and why),
    /// with what is kept of it (or why nothing is).
    async fn keep(
        &self,
        found: &Found,
        request: &Request,
        answered: (StatusCode, &str, &str),
        kept: Result<KeptRequest, String>,
    ) {
        let (status, code, reason) = answered;
        if self.keeping.check_key(&request.path).is_err() {
            tracing::debug!(hook = %request.path, "too many failed deliveries this second: not kept");
            return;
        }
        let (kept, not_kept) = match kept {
            Ok(k) => (Some(k), None),
            Err(why) => (None, Some(why)),
        };
        let d = FailedDelivery {
            id: new_id(),
            at: 0,
            hook: request.path.clone(),
            workflow: found.workflow.ir.name.clone(),
            file: found.workflow.file.clone(),
            status: status.as_u16(),
            code: code.to_owned(),
            reason: reason.to_owned(),
            delivery: super::delivery_key(&request.path, &request.headers)
                .and_then(|k| k.split_once(' ').map(|(_, id)| id.to_owned())),
            request: kept,
            not_kept,
        };
        let dir = self.launcher.state_dir().to_path_buf();
        let done = tokio::task::spawn_blocking(move || {
            let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
            failed::record(&store, &d).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        if let Err(e) = done {
            tracing::warn!(hook = %request.path, "cannot keep a failed delivery in the run store: {e}");
        }
    }
}

/// Why `request` is not kept, if it is not: too big, or it may carry a
/// secret param's value.
fn unkept_because(found: &Found, request: &Request) -> Option<String> {
    if request.body.len() > MAX_BODY {
        return Some(format!(
            "its body is {} bytes, over the {} KiB kept",
            request.body.len(),
            MAX_BODY / 1024
        ));
    }
    let params = &found.workflow.ir.params;
    let secret = |i: usize| params[i].is_tainted().then(|| params[i].name.clone());
    let filled = if found.hook.params.is_empty() {
        // The body's fields bind params by name.
        let fields =
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&request.body)
                .unwrap_or_default();
        (0..params.len()).find_map(|i| secret(i).filter(|name| fields.contains_key(name)))
    } else {
        found.hook.params.iter().find_map(|tp| secret(tp.param))
    };
    filled.map(|name| {
        format!(
            "it may carry the value of the secret param `{name}`, and a secret is never written"
        )
    })
}

/// What is kept of `request`: its query, its headers but credentials
/// (a signed hook's signature is kept: a redelivery is checked again), its body.
fn kept_request(found: &Found, request: &Request) -> KeptRequest {
    let signed = found.hook.secret.is_some();
    let headers = request
        .headers
        .iter()
        .filter(|(k, _)| !carries_credential(k.as_str()) || (signed && k.as_str() == SIGNATURE))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    KeptRequest {
        query: request.query.clone(),
        headers,
        body: request.body.to_vec(),
    }
}

/// A new delivery's id: 16 random hex digits.
fn new_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A delivery that started nothing, as listed.
#[derive(Serialize, ToSchema)]
pub struct FailedDeliveryItem {
    /// What `POST /deliveries/{id}/redeliver` names.
    pub id: String,
    /// When it came (RFC 3339).
    pub at: String,
    /// The hook's path: `/push`.
    pub hook: String,
    pub workflow: String,
    /// The status it was answered.
    pub status: u16,
    /// The API's code: `API040` a bad signature, `API100` its `when` turned it down, …
    pub code: String,
    pub reason: String,
    /// The sender's delivery id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// Whether its request was kept, so that it can be redelivered.
    pub redeliverable: bool,
    /// Why it was not kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_kept: Option<String>,
}

impl From<FailedDelivery> for FailedDeliveryItem {
    fn from(d: FailedDelivery) -> Self {
        FailedDeliveryItem {
            redeliverable: d.redeliverable(),
            at: wfc_store::pause::when(d.at),
            id: d.id,
            hook: d.hook,
            workflow: d.workflow,
            status: d.status,
            code: d.code,
            reason: d.reason,
            delivery: d.delivery,
            not_kept: d.not_kept,
        }
    }
}

/// How many to answer.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 50, at most 1000).
    pub limit: Option<i64>,
}

/// The deliveries to workflow `name`'s webhooks that started no run, newest
/// first: refused (a signature, a key, a rate, a pause, a bad body), or
/// turned down by the hook's `when`; the newest 50 of each hook are kept.
#[utoipa::path(get, path = "/api/v1/workflows/{name}/deliveries", operation_id = "failedDeliveries", tag = "webhooks",
    params(("name" = String, Path, description = "The workflow"), DeliveriesQuery),
    responses((status = 200, body = Vec<FailedDeliveryItem>), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Path(name): Path<String>,
    Query(q): Query<DeliveriesQuery>,
) -> Result<Json<Vec<FailedDeliveryItem>>, Problem> {
    if !wfc_store::exists(app.launcher.state_dir()) {
        return Ok(Json(Vec::new()));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    with_store(&app, move |s| {
        let found = failed::of_workflow(s, &name, limit).map_err(Problem::store)?;
        Ok(Json(found.into_iter().map(Into::into).collect()))
    })
    .await
}

/// Sends a kept delivery to its hook again, as the first was (a signed
/// hook's signature is checked again; a hook without a secret takes the
/// operator as its caller), answered as the hook answers. A delivery
/// without a sender's id is given one (`redelivery-ID`), so that it starts
/// at most one run however often it is redelivered within a day.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/redeliver", operation_id = "redeliver", tag = "webhooks",
    params(("id" = String, Path, description = "the failed delivery (`GET /workflows/{name}/deliveries`)")),
    responses(
        (status = 202, body = super::HookAnswer, description = "as the hook answers: a run started (or started before: `replay`), or `ignored`"),
        (status = 403, body = ProblemBody, description = "a `read` key (`API002`)"),
        (status = 404, body = ProblemBody, description = "no such kept delivery, or no served hook at its path now (`API003`)"),
        (status = 409, body = ProblemBody, description = "its request was not kept (`API006`)"),
        (status = 401, body = ProblemBody, description = "the kept signature does not match the hook's secret (`API040`), among the hook's own refusals")),
    security(("bearer" = [])))]
pub async fn redeliver(
    State(app): State<App>,
    Extension(hooks): Extension<Hooks>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    Ok(redeliver_as(&app, &hooks, caller, id)
        .await?
        .into_response())
}

/// Redelivers the kept delivery `id` as `caller` (the API's and the dashboard's).
pub async fn redeliver_as(
    app: &App,
    hooks: &Hooks,
    caller: Caller,
    id: String,
) -> Result<Answer, Problem> {
    caller.operator()?;
    let kept = with_store(app, move |s| {
        failed::find(s, &id)
            .map_err(Problem::store)?
            .ok_or_else(|| Problem::new(Code::NotFound, format!("no kept delivery {id}")))
    })
    .await?;
    let Some(request) = kept.request else {
        let why = kept.not_kept.as_deref().unwrap_or("it was not kept");
        return Err(Problem::new(
            Code::Conflict,
            format!("delivery {} cannot be sent again: {why}", kept.id),
        ));
    };
    let Some(found) = hooks.find(&kept.hook) else {
        return Err(Problem::new(
            Code::NotFound,
            format!("no served workflow has `on webhook \"{}\"` now", kept.hook),
        ));
    };
    let mut headers = HeaderMap::new();
    for (k, v) in &request.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::try_from(v)) {
            headers.append(k, v);
        }
    }
    tracing::info!(hook = %kept.hook, delivery = %kept.id, by = %caller.name, "redelivering a failed delivery");
    let request = Request {
        path: kept.hook,
        query: request.query,
        headers,
        body: Bytes::from(request.body),
        redelivery: Some(kept.id),
    };
    hooks
        .delivered(&found, request, Who::Redeliverer(caller))
        .await
}
