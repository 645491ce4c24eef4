//! The `http` executor: one request, checked against `expect`.
//!
//! Any method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, or another
//! token), headers, and a body: text (sent as is) or JSON (serialized, with
//! `content-type: application/json` unless a header sets one). Redirects are
//! followed (up to 10). The step succeeds when the status is one of `expect`,
//! or any 2xx when `expect` is empty; otherwise the message gives the status and
//! the first 200 characters of the body.
//!
//! Outputs: `status` (int), `body` (string; the first
//! [`super::ExecOptions::body_cap`] bytes, UTF-8 lossy), `json` (the body parsed
//! as JSON, or null), `headers` (map of lower-case name → value; repeated
//! headers joined with `, `).

use super::{error_chain, excerpt, Executor, Outcome, Status};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;

/// A request body.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Sent as is.
    Text(String),
    /// Serialized; sets `content-type: application/json` unless given.
    Json(serde_json::Value),
}

/// An evaluated `http` step.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpSpec {
    /// `GET`, `POST`, … (case-insensitive).
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Accepted statuses; empty means any 2xx.
    pub expect: Vec<u16>,
}

impl HttpSpec {
    /// A request with no headers, no body, expecting 2xx.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        HttpSpec {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            expect: Vec::new(),
        }
    }
}

/// A response as read: status, headers as outputs, body (capped).
pub(crate) struct Response {
    pub status: u16,
    pub headers: serde_json::Map<String, serde_json::Value>,
    pub body: String,
}

pub(crate) async fn run(ex: &Executor, spec: &HttpSpec) -> Outcome {
    let response = match send(
        ex,
        &spec.method,
        &spec.url,
        &spec.headers,
        spec.body.as_ref(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Outcome::unsent(e),
    };
    let ok = if spec.expect.is_empty() {
        (200..300).contains(&response.status)
    } else {
        spec.expect.contains(&response.status)
    };
    let mut outcome = if ok {
        Outcome::new(Status::Succeeded)
    } else {
        let wanted = match spec.expect.as_slice() {
            [] => "2xx".to_owned(),
            [one] => one.to_string(),
            many => {
                let v: Vec<String> = many.iter().map(u16::to_string).collect();
                format!("one of {}", v.join(", "))
            }
        };
        Outcome::failed(status_message(
            &format!(
                "{} {}: expected status {wanted}",
                spec.method.to_uppercase(),
                spec.url
            ),
            &response,
        ))
    };
    let json = serde_json::from_str::<serde_json::Value>(&response.body).unwrap_or_default();
    outcome.output("status_code", response.status);
    outcome.output("body", response.body);
    outcome.output("json", json);
    outcome.output("headers", response.headers);
    outcome
}

/// `PREFIX, got STATUS: BODY-EXCERPT`.
pub(crate) fn status_message(prefix: &str, r: &Response) -> String {
    let mut m = format!("{prefix}, got {}", r.status);
    if !r.body.trim().is_empty() {
        m.push_str(": ");
        m.push_str(&excerpt(&r.body, 200));
    }
    m
}

/// Why a request got no response: a message, and whether the request was
/// sent and the connection failed (no answer) rather than never made.
pub(crate) struct Unsent {
    message: String,
    connection: bool,
}

impl From<String> for Unsent {
    fn from(message: String) -> Unsent {
        Unsent {
            message,
            connection: false,
        }
    }
}

impl From<Unsent> for String {
    fn from(u: Unsent) -> String {
        u.message
    }
}

impl Outcome {
    /// A request that got no response.
    pub(crate) fn unsent(u: Unsent) -> Outcome {
        let class = u
            .connection
            .then_some(wfc_language::ir::ErrorClass::Connection);
        let mut o = Outcome::failed(u);
        o.class = class;
        o
    }
}

/// Sends one request and reads the response; errors are messages.
pub(crate) async fn send(
    ex: &Executor,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&Body>,
) -> Result<Response, Unsent> {
    let unanswered = |message: String| Unsent {
        message,
        connection: true,
    };
    let method = Method::from_bytes(method.to_uppercase().as_bytes())
        .map_err(|_| format!("`{method}` is not an HTTP method"))?;
    if url.trim().is_empty() {
        // Typically a param or secret whose `env("…")` default found no variable.
        return Err(
            "the URL is empty: is the param or secret that gives it set (e.g. its environment variable)?"
                .to_owned()
                .into(),
        );
    }
    // Errors name the URL as the step gave it, which the run's masker
    // knows: reqwest's own errors are taken without theirs, since it
    // rewrites a URL (`/../` resolved, the host in lower case, a default
    // port dropped) into a form no masker of the given text would match.
    let what = format!("{method} {url}");
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("{what}: `{k}` is not a valid header name"))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| format!("{what}: the value of header `{k}` is not valid in HTTP"))?;
        map.append(name, value);
    }
    let mut req = ex.http().request(method, url);
    match body {
        Some(Body::Text(t)) => req = req.body(t.clone()),
        Some(Body::Json(j)) => {
            if !map.contains_key(CONTENT_TYPE) {
                map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            req = req.body(j.to_string());
        }
        None => {}
    }
    let mut resp = req
        .headers(map)
        .send()
        .await
        .map_err(|e| unanswered(format!("{what}: {}", error_chain(&e.without_url()))))?;
    let status = resp.status().as_u16();
    let mut out_headers = serde_json::Map::new();
    for (name, value) in resp.headers() {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out_headers.get_mut(name.as_str()) {
            Some(serde_json::Value::String(s)) => {
                s.push_str(", ");
                s.push_str(&v);
            }
            _ => {
                out_headers.insert(name.as_str().to_owned(), v.into());
            }
        }
    }
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = ex.opts.body_cap.saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room < chunk.len() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(unanswered(format!(
                    "{what}: reading the response body failed: {}",
                    error_chain(&e.without_url())
                )))
            }
        }
    }
    Ok(Response {
        status,
        headers: out_headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}
