//! `--server URL` (or `$WFC_SERVER`): `wfc status | logs | history | cancel |
//! approve | reject` ask a `wfc serve` over its REST API instead of the
//! local run store, and print what the local command prints (the same
//! printers, fed the API's JSON read into the store's structs).
//!
//! The API key comes from `$WFC_API_KEY` or the file `--api-key-file`
//! names — never from a flag holding it, which `ps` and shell histories
//! would show — and travels only in the `Authorization` header. An error
//! answer (problem+json) prints as `error[API0xx]: detail`; so do the
//! client's own failures, API060–API062 (docs/serve.md).

pub mod commands;
mod follow;

use clap::Args;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The environment variable holding the API key.
pub const KEY_VAR: &str = "WFC_API_KEY";
/// The environment variable naming the server.
pub const SERVER_VAR: &str = "WFC_SERVER";

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The flags of a command that can ask a server.
#[derive(Args, Clone, Debug, Default)]
pub struct ServerArgs {
    /// Ask the `wfc serve` at URL instead of the local run store (the API
    /// key comes from $WFC_API_KEY or --api-key-file).
    #[arg(long, value_name = "URL", env = SERVER_VAR)]
    pub server: Option<String>,
    /// A file holding the API key for --server (instead of $WFC_API_KEY).
    #[arg(long, value_name = "FILE", env = "WFC_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
}

impl ServerArgs {
    /// A client when `--server` is given: `None` for the local store,
    /// `Some(Err(code))` when it cannot be made (printed).
    pub fn client(&self) -> Option<Result<Client, ExitCode>> {
        let server = self.server.as_deref().filter(|s| !s.trim().is_empty())?;
        Some(Client::new(server, self.api_key_file.as_deref()).map_err(|f| f.print()))
    }
}

/// A failed request, as printed: `error[CODE]: detail`.
#[derive(Debug)]
pub struct Failure {
    /// An API code (`API003`…) or the client's own (`API060`…).
    pub code: String,
    pub detail: String,
}

/// The server cannot be reached (refused, no such host, timed out).
pub const UNREACHABLE: &str = "API060";
/// The answer is not one the API gives (not a wfc server, or another version).
pub const UNEXPECTED: &str = "API061";
/// No API key, an unreadable key file, or a URL that is not one.
pub const BAD_SETUP: &str = "API062";

impl Failure {
    fn new(code: &str, detail: impl Into<String>) -> Self {
        Failure {
            code: code.to_owned(),
            detail: detail.into(),
        }
    }

    /// Prints it; the exit code of README's table: 2 for what was asked
    /// wrongly (no such run or step, a bad request or setup), else 1.
    pub fn print(&self) -> ExitCode {
        crate::cli::say::err(&format!("error[{}]: {}", self.code, self.detail));
        match self.code.as_str() {
            "API003" | "API004" | "API005" | BAD_SETUP => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

/// A client of one server, with its key.
pub struct Client {
    base: Url,
    /// The URL as given: what messages and hints show.
    shown: String,
    key: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    fn new(server: &str, key_file: Option<&std::path::Path>) -> Result<Client, Failure> {
        let base = Url::parse(server)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| {
                Failure::new(
                    BAD_SETUP,
                    format!("--server `{server}` is not an http:// or https:// URL"),
                )
            })?;
        let key = match key_file {
            Some(path) => std::fs::read_to_string(path).map_err(|e| {
                Failure::new(
                    BAD_SETUP,
                    format!("cannot read the API key file {}: {e}", path.display()),
                )
            })?,
            None => std::env::var(KEY_VAR).unwrap_or_default(),
        };
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(Failure::new(
                BAD_SETUP,
                format!("no API key for {server}: set ${KEY_VAR} or pass --api-key-file FILE"),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| Failure::new(BAD_SETUP, format!("cannot make an HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(BAD_SETUP, format!("cannot start a runtime: {e}")))?;
        Ok(Client {
            base,
            shown: server.trim_end_matches('/').to_owned(),
            key,
            http,
            runtime,
        })
    }

    /// ` --server URL` for the commands a printer suggests, unless the
    /// server came from `$WFC_SERVER` (the next command finds it there too).
    pub fn flag(&self) -> String {
        match std::env::var(SERVER_VAR) {
            Ok(s) if s.trim_end_matches('/') == self.shown => String::new(),
            _ => format!(" --server {}", wfc_store::control::shell_word(&self.shown)),
        }
    }

    /// `/api/v1/` and `path`'s segments (each escaped as a path segment).
    fn url(&self, path: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(["api", "v1"]).extend(path);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// GET `path`, read as JSON.
    pub fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, Failure> {
        let url = self.url(path, query);
        let body = self.send(self.http.get(url.clone()), &url)?;
        json(&body, &url)
    }

    /// GET `path`, as text.
    pub fn text(&self, path: &[&str]) -> Result<String, Failure> {
        let url = self.url(path, &[]);
        self.send(self.http.get(url.clone()), &url)
    }

    /// POST to `path` with no body, the answer read as JSON.
    pub fn post<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, Failure> {
        let url = self.url(path, &[]);
        let body = self.send(self.http.post(url.clone()), &url)?;
        json(&body, &url)
    }

    /// `POST` with a JSON body; the answer as `T`.
    pub fn post_json<T: DeserializeOwned>(
        &self,
        path: &[&str],
        body: &serde_json::Value,
    ) -> Result<T, Failure> {
        let url = self.url(path, &[]);
        let request = self.http.post(url.clone()).json(body);
        let answer = self.send(request, &url)?;
        json(&answer, &url)
    }

    /// Sends a request with the key; the body of a 2xx answer, else the
    /// problem it holds.
    fn send(&self, request: reqwest::RequestBuilder, url: &Url) -> Result<String, Failure> {
        let request = request.bearer_auth(&self.key);
        self.runtime.block_on(async {
            let answer = request
                .send()
                .await
                .map_err(|e| self.unreachable(&e, url))?;
            let status = answer.status();
            let body = answer.text().await.map_err(|e| self.unreachable(&e, url))?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(problem(status, &body, url))
            }
        })
    }

    fn unreachable(&self, e: &reqwest::Error, url: &Url) -> Failure {
        // The innermost cause says it best ("Connection refused (os error 111)").
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let what = if e.is_timeout() {
            format!("no answer within {} s", TIMEOUT.as_secs())
        } else {
            cause.to_string()
        };
        Failure::new(
            UNREACHABLE,
            format!(
                "cannot reach the wfc server at {} ({}): {what}",
                self.shown,
                url.path()
            ),
        )
    }
}

/// The failure an error answer describes: its problem+json's code and
/// detail, or what came instead.
fn problem(status: StatusCode, body: &str, url: &Url) -> Failure {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|p| p[k].as_str())
            .map(str::to_owned)
    };
    match (field("code"), field("detail")) {
        (Some(code), Some(detail)) => Failure { code, detail },
        _ => Failure::new(
            UNEXPECTED,
            format!(
                "{} answered {status} without a problem+json body: is it a wfc server?",
                url.path()
            ),
        ),
    }
}

fn json<T: DeserializeOwned>(body: &str, url: &Url) -> Result<T, Failure> {
    serde_json::from_str(body).map_err(|e| {
        Failure::new(
            UNEXPECTED,
            format!(
                "{} answered what this wfc does not read ({e}): is the server's version this one's?",
                url.path()
            ),
        )
    })
}
