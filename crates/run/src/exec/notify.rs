//! The `slack` and `webhook` executors: one POST (or other method) each.
//!
//! `slack` posts `{"text": message}` (plus `"channel"` when given) to an
//! incoming-webhook URL; any 2xx answer means delivered (output `delivered`).
//! The webhook URL is a credential: error messages never include it.
//!
//! `webhook` sends a request (default method `POST`) with optional headers and
//! a text or JSON body; any 2xx succeeds. Outputs: `status`, `body`.
//! Other answers fail with the status and the start of the body.

use super::http::{send, status_message, Body};
use super::{Executor, Outcome, Status};

/// An evaluated `slack` step.
#[derive(Clone, Debug, PartialEq)]
pub struct SlackSpec {
    /// The incoming-webhook URL (normally a secret).
    pub webhook: String,
    pub message: String,
    pub channel: Option<String>,
}

/// An evaluated `webhook` step.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSpec {
    pub url: String,
    /// Default `POST`.
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

impl WebhookSpec {
    /// A `POST` with no headers and no body.
    pub fn new(url: impl Into<String>) -> Self {
        WebhookSpec {
            url: url.into(),
            method: "POST".to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }
}

pub(crate) async fn slack(ex: &Executor, spec: &SlackSpec) -> Outcome {
    let mut payload = serde_json::json!({ "text": spec.message });
    if let Some(ch) = &spec.channel {
        payload["channel"] = ch.clone().into();
    }
    let hide_url = |m: String| {
        if spec.webhook.is_empty() {
            m
        } else {
            m.replace(&spec.webhook, "<slack webhook>")
        }
    };
    let body = Body::Json(payload);
    let mut outcome = match send(ex, "POST", &spec.webhook, &[], Some(&body)).await {
        Err(e) => Outcome::failed(format!("posting to Slack failed: {}", hide_url(e.into()))),
        Ok(r) if (200..300).contains(&r.status) => Outcome::new(Status::Succeeded),
        Ok(r) => Outcome::failed(status_message("the Slack webhook refused the message", &r)),
    };
    outcome.output("delivered", outcome.status == Status::Succeeded);
    outcome
}

pub(crate) async fn webhook(ex: &Executor, spec: &WebhookSpec) -> Outcome {
    let method = if spec.method.is_empty() {
        "POST"
    } else {
        &spec.method
    };
    match send(ex, method, &spec.url, &spec.headers, spec.body.as_ref()).await {
        Err(e) => Outcome::unsent(e),
        Ok(r) => {
            let mut outcome = if (200..300).contains(&r.status) {
                Outcome::new(Status::Succeeded)
            } else {
                Outcome::failed(status_message(
                    &format!(
                        "webhook {} {}: expected a 2xx status",
                        method.to_uppercase(),
                        spec.url
                    ),
                    &r,
                ))
            };
            outcome.output("status_code", r.status);
            outcome.output("body", r.body);
            outcome
        }
    }
}
