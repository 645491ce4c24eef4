//! One delivery, from who may send it to the run it starts: the check of
//! the sender (a signature, or an operator key), the hook's rate, a pause,
//! the delivery id's claim, the `when`, the params, the start. A sent
//! request and a redelivery of a kept one go through the same steps.

use super::claim::Claim;
use super::{carries_credential, Found, Hooks, TRIGGER};
use crate::auth::{self, Caller};
use crate::problem::{Code, Problem};
use axum::body::Bytes;
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use std::collections::BTreeMap;
use wfc_language::ir::Webhook;
use wfc_launch::Checked as ServedWorkflow;
use wfc_plan::trigger_params::{self, TriggerInputs};
use wfc_plan::ParamInput;

/// A request to a hook, as sent or as kept.
pub struct Request {
    /// The hook's path: `/push`.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// A redelivery of the failed delivery of this id: its delivery key
    /// when the sender named none, so that it starts one run at most.
    pub redelivery: Option<String>,
}

/// Who sends it.
pub enum Who {
    /// The sender, from this address: a signed hook checks the signature,
    /// another the request's key.
    Sender(std::net::IpAddr),
    /// An operator sending a kept request again: a signed hook still
    /// checks the kept signature; another takes the operator as its caller.
    Redeliverer(Caller),
}

/// What a delivery that was not refused did.
pub enum Answer {
    /// It started run `id`, or (`replay`) an earlier delivery of its id did.
    Started { id: String, replay: bool },
    /// The hook's `when` turned it down, for this reason.
    Ignored(String),
}

/// A refused delivery: its answer, and the reason kept with it when the
/// answer's detail does not say it all (a signature's refusal tells the
/// sender how to sign, the record which check failed).
pub struct Refusal {
    pub problem: Problem,
    pub reason: Option<String>,
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Refusal {
        Refusal {
            problem,
            reason: None,
        }
    }
}

impl Hooks {
    /// Delivers `request` to `found`'s hook as `who`.
    pub(super) async fn attempt(
        &self,
        found: &Found,
        request: &Request,
        who: Who,
    ) -> Result<Answer, Refusal> {
        let Found { workflow, hook } = found;
        let path = &request.path;
        let headers = &request.headers;
        // Who may call comes before anything is read or created.
        let redeliverer = match (hook.secret, who) {
            (Some(secret), who) => {
                super::signature::verify(workflow, secret, headers, &request.body, path)?;
                match who {
                    Who::Redeliverer(c) => Some(c.name),
                    Who::Sender(_) => None,
                }
            }
            (None, Who::Sender(client)) => {
                let at = format!("{}{path}", super::PREFIX);
                let caller = auth::authenticate(&self.gate, client, headers, &at)?;
                caller.operator()?;
                None
            }
            (None, Who::Redeliverer(caller)) => {
                caller.operator()?;
                Some(caller.name)
            }
        };
        if let Err(not_until) = self.limiter.check_key(path) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut p = Problem::new(
                Code::HookRateLimited,
                format!("webhook {path} has had too many requests; wait before the next"),
            );
            p.retry_after = Some(auth::retry_after_secs(wait));
            return Err(p.into());
        }
        let query = query_of(request.query.as_deref())?;
        let delivery = super::delivery_key(path, headers).or_else(|| {
            let id = request.redelivery.as_ref()?;
            Some(format!("{path} redelivery-{id}"))
        });
        if let Some(reason) =
            crate::ignored::paused(&self.launcher, &workflow.ir.name, "webhook").await
        {
            self.keep_ignored(workflow, path, &delivery, &reason).await;
            return Err(Problem::new(Code::TriggerPaused, reason).into());
        }
        let _delivering = match &delivery {
            Some(key) => match self.claim(key).await? {
                Claim::Started(id) => {
                    tracing::info!(run = %id, hook = %path, "a delivery seen before started nothing");
                    return Ok(Answer::Started { id, replay: true });
                }
                Claim::Ours(guard) => Some(guard),
            },
            None => None,
        };
        let inputs = inputs(workflow, headers, query, &request.body)?;
        if let Err(reason) =
            wfc_plan::trigger_when::decide(&workflow.ir, hook.when.as_ref(), &inputs)
        {
            self.keep_ignored(workflow, path, &delivery, &reason).await;
            return Ok(Answer::Ignored(reason));
        }
        let params = params(workflow, hook, inputs)?;
        let compiled = crate::launch::compile(workflow.clone(), params).await?;
        tracing::trace!(target: "wfc::timing", "hook: compiled");
        let started_by = match &redeliverer {
            Some(name) => format!("{path} (redelivered by {name})"),
            None => path.clone(),
        };
        let mut run = wfc_launch::Run::from(compiled)
            .triggered_by(TRIGGER)
            .started_by(started_by);
        run.delivery = delivery.clone();
        let started = match self.launcher.start(run).await {
            Ok(started) => started,
            // Another server's start of this delivery was recorded first: its
            // run is the answer, as for a redelivery.
            Err(wfc_launch::LaunchError::Conflict(e))
                if e.starts_with(wfc_store::deliveries::DELIVERY_TAKEN) =>
            {
                let key = delivery.unwrap_or_default();
                if let Claim::Started(id) = self.claim_seen(&key).await? {
                    tracing::info!(run = %id, hook = %path, "another server started this delivery's run");
                    return Ok(Answer::Started { id, replay: true });
                }
                return Err(Problem::new(Code::Conflict, e).into());
            }
            Err(e) => return Err(Problem::from(e).into()),
        };
        tracing::trace!(target: "wfc::timing", "hook: started");
        tracing::info!(run = %started.id, hook = %path, "run started by a webhook");
        Ok(Answer::Started {
            id: started.id,
            replay: false,
        })
    }

    /// Keeps a firing its `when` or a pause turned down, as
    /// `/workflows/{name}/ignored` lists them.
    async fn keep_ignored(
        &self,
        workflow: &ServedWorkflow,
        path: &str,
        delivery: &Option<String>,
        reason: &str,
    ) {
        let mut firing = crate::ignored::firing(
            &workflow.file,
            &workflow.ir.name,
            format!("{TRIGGER} {path}"),
            reason.to_owned(),
        );
        firing.delivery = delivery
            .as_deref()
            .and_then(|k| k.split_once(' '))
            .map(|(_, id)| id.to_owned());
        crate::ignored::record(&self.launcher, firing).await;
    }
}

/// The query's fields, or `400` when it is malformed.
fn query_of(query: Option<&str>) -> Result<BTreeMap<String, String>, Problem> {
    let uri: axum::http::Uri = match query {
        Some(q) => format!("/?{q}").parse(),
        None => "/".parse(),
    }
    .map_err(|e| Problem::new(Code::BadRequest, format!("a malformed query string: {e}")))?;
    axum::extract::Query::<BTreeMap<String, String>>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| Problem::new(Code::BadRequest, format!("a malformed query string: {e}")))
}

/// What a request hands the hook's `when` and `params { … }`: the body as
/// JSON (`null` when empty), the headers that carry no credential, the query.
pub(super) fn inputs(
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
