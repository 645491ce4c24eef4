//! Errors as RFC 9457 `application/problem+json`: a title, a status, a
//! detail, an API code (`API001`…, table in docs/serve.md) and, for a
//! workflow or params that do not check, the diagnostics with their codes.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error the API answers.
pub const MEDIA_TYPE: &str = "application/problem+json";

/// An error answer: its code says its status and title.
#[derive(Debug)]
pub struct Problem {
    pub code: Code,
    pub detail: String,
    /// A workflow's or its params' diagnostics (`wfc check --format json`'s form).
    pub diagnostics: Vec<serde_json::Value>,
    /// Seconds to wait before trying again (429, 503): `Retry-After`.
    pub retry_after: Option<u64>,
}

/// A [`Problem`] as its body shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody<'a> {
    /// Always `about:blank`: `code` says what went wrong.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: &'a str,
    /// The API's code for this kind of error (`API001`…, docs/serve.md).
    pub code: &'static str,
    /// The checker's or the params' diagnostics, with their codes and places.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: &'a [serde_json::Value],
}

/// The API's error codes, each with its status and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// No `Authorization: Bearer` key, or not a known one.
    Unauthenticated,
    /// The key's role may not do this.
    Forbidden,
    /// No such workflow, run or step.
    NotFound,
    /// The workflow or its params do not check.
    Invalid,
    /// The request itself is malformed (a bad query, a body that is not JSON).
    BadRequest,
    /// The run is not in a state that allows this.
    Conflict,
    /// The key made too many requests.
    RateLimited,
    /// The server runs as many runs as `--max-runs` allows, or is stopping.
    Busy,
    /// The run store failed.
    Store,
    /// The run cannot be resumed (it is running, it succeeded, or its file
    /// changed a step that succeeded).
    NotResumable,
    /// A `Last-Event-ID` that is not an id of the stream.
    BadEventId,
    /// The workflow's `lock` key cannot be computed for this run.
    LockKey,
    /// A webhook with a `secret` whose request is not signed with it.
    BadSignature,
    /// A webhook over its rate.
    HookRateLimited,
    /// A body over `--max-body`.
    TooLarge,
    /// `lock … { on busy skip }`: another run holds the key; nothing started.
    LockHeld,
    /// The workflow's triggers of this kind are paused (`wfc triggers pause`).
    TriggerPaused,
    /// No such artifact in the run.
    NoArtifact,
    /// An artifact's stored copy no longer has its recorded content.
    ArtifactTampered,
    /// `/readyz`: the server cannot take runs now (stopping, its state
    /// folder's lock or store lost).
    NotReady,
    /// A file path that is not a `.wf` file within a served folder (absolute,
    /// through `..`, out through a link, in a skipped folder).
    OutsideServed,
    /// No such kept version of a workflow file.
    NoVersion,
    /// The workflow file exists (a create that must not replace it).
    FileExists,
    /// A run asked to `rerun` a step its plan does not have.
    UnknownStep,
    /// A file written through a server that shares its store with others,
    /// whose served folders are its own (no `--shared-flows`).
    FolderNotShared,
    /// A log search's pattern that is empty, too long, not a regex or a
    /// regex that compiles too big.
    BadPattern,
}

impl Code {
    pub fn id(self) -> &'static str {
        match self {
            Code::Unauthenticated => "API001",
            Code::Forbidden => "API002",
            Code::NotFound => "API003",
            Code::Invalid => "API004",
            Code::BadRequest => "API005",
            Code::Conflict => "API006",
            Code::RateLimited => "API007",
            Code::Busy => "API008",
            Code::Store => "API009",
            Code::NotResumable => "API020",
            Code::BadEventId => "API021",
            Code::LockKey => "API050",
            Code::BadSignature => "API040",
            Code::HookRateLimited => "API043",
            Code::TooLarge => "API010",
            Code::LockHeld => "API101",
            Code::TriggerPaused => "API102",
            Code::NoArtifact => "API120",
            Code::ArtifactTampered => "API121",
            Code::NotReady => "API130",
            Code::OutsideServed => "API140",
            Code::NoVersion => "API141",
            Code::FileExists => "API142",
            Code::UnknownStep => "API022",
            Code::FolderNotShared => "API143",
            Code::BadPattern => "API150",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::Unauthenticated | Code::BadSignature => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::NotFound | Code::NoArtifact | Code::NoVersion => StatusCode::NOT_FOUND,
            Code::ArtifactTampered => StatusCode::INTERNAL_SERVER_ERROR,
            Code::Invalid
            | Code::BadRequest
            | Code::BadEventId
            | Code::LockKey
            | Code::OutsideServed
            | Code::BadPattern => StatusCode::BAD_REQUEST,
            Code::Conflict
            | Code::NotResumable
            | Code::LockHeld
            | Code::TriggerPaused
            | Code::FileExists
            | Code::FolderNotShared => StatusCode::CONFLICT,
            Code::RateLimited | Code::HookRateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Busy | Code::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            Code::Store => StatusCode::INTERNAL_SERVER_ERROR,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnknownStep => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Code::Unauthenticated => "missing or unknown API key",
            Code::Forbidden => "the key's role does not allow this",
            Code::NotFound => "not found",
            Code::Invalid => "the workflow or its params have errors",
            Code::BadRequest => "bad request",
            Code::Conflict => "the run's state does not allow this",
            Code::RateLimited => "too many requests",
            Code::Busy => "the server cannot start a run now",
            Code::Store => "the run store failed",
            Code::NotResumable => "the run cannot be resumed",
            Code::BadEventId => "not an event id of this stream",
            Code::LockKey => "the run's lock key cannot be computed",
            Code::BadSignature => "missing or bad webhook signature",
            Code::HookRateLimited => "too many requests to this webhook",
            Code::NoArtifact => "no such artifact",
            Code::ArtifactTampered => "the artifact's stored copy was changed or removed",
            Code::TooLarge => "the request body is too large",
            Code::LockHeld => "another run holds the workflow's lock",
            Code::TriggerPaused => "the workflow's trigger is paused",
            Code::NotReady => "the server is not ready",
            Code::OutsideServed => "not a workflow file within a served folder",
            Code::NoVersion => "no such version of the file",
            Code::FileExists => "the file exists",
            Code::UnknownStep => "no such step in the workflow's plan",
            Code::FolderNotShared => "the served folders are not shared by the servers",
            Code::BadPattern => "the search pattern cannot be used",
        }
    }
}

impl Problem {
    pub fn new(code: Code, detail: impl Into<String>) -> Problem {
        Problem {
            code,
            detail: detail.into(),
            diagnostics: Vec::new(),
            retry_after: None,
        }
    }

    /// Its body.
    pub fn body(&self) -> ProblemBody<'_> {
        ProblemBody {
            kind: "about:blank",
            title: self.code.title(),
            status: self.code.status().as_u16(),
            detail: &self.detail,
            code: self.code.id(),
            diagnostics: &self.diagnostics,
        }
    }

    /// A store error (its text names no secret: the store holds none).
    pub fn store(e: impl std::fmt::Display) -> Problem {
        Problem::new(Code::Store, e.to_string())
    }

    /// A store that could not be opened: `503` with `Retry-After` when the
    /// database only has no connection to spare now, else [`Problem::store`].
    pub fn open(e: wfc_store::OpenError) -> Problem {
        if !e.is_busy() {
            return Problem::store(e);
        }
        let mut p = Problem::new(Code::Busy, format!("{e}: {}", wfc_store::NO_CONNECTION));
        p.retry_after = Some(1);
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut r = (status, body).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// Makes an error the framework answered in plain text (a query string
/// that does not parse, a body that is not UTF-8 or not JSON, a body over
/// `--max-body`) a problem like every other: its status kept, its text the
/// detail, `API010` for a body too large and `API005` for the rest.
pub async fn plain_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let answer = next.run(req).await;
    let status = answer.status();
    let problem_already = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(MEDIA_TYPE.as_bytes()));
    if !status.is_client_error() || problem_already {
        return answer;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => Code::TooLarge,
        StatusCode::BAD_REQUEST
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::LENGTH_REQUIRED => Code::BadRequest,
        _ => return answer,
    };
    let (parts, body) = answer.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let detail = if detail.is_empty() {
        code.title().to_owned()
    } else {
        detail
    };
    let body = ProblemBody {
        kind: "about:blank",
        title: code.title(),
        status: status.as_u16(),
        detail: &detail,
        code: code.id(),
        diagnostics: &[],
    };
    let mut r = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(n, _)| *n == header::RETRY_AFTER)
    {
        r.headers_mut().insert(name, value.clone());
    }
    r
}

/// The request tracing of the API and the hooks: a 503 (the server is full
/// or not ready: it sheds load as designed, and says when to come back) is
/// a warning, other 5xx and failed responses errors, as tower-http logs them.
pub fn traced<S>(router: axum::Router<S>) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    use tower_http::classify::ServerErrorsFailureClass as Class;
    let on_failure = |class: Class, latency: std::time::Duration, _: &tracing::Span| {
        let ms = latency.as_millis() as u64;
        match class {
            Class::StatusCode(c) if c == StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(
                    status = c.as_u16(),
                    latency_ms = ms,
                    "answered 503: busy or not ready"
                );
            }
            other => tracing::error!(classification = %other, latency_ms = ms, "response failed"),
        }
    };
    router.layer(tower_http::trace::TraceLayer::new_for_http().on_failure(on_failure))
}
