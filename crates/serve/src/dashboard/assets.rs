//! The dashboard's CSS, the run page's and the editor's scripts, the vendored htmx and
//! CodeMirror (`crates/serve/assets/`),
//! embedded in the binary: no CDN at run time. Pages link them with
//! `?v=` and their hash, so they can be cached for a year.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Each served file: its name under `/assets/`, its media type, its bytes.
const FILES: [(&str, &str, &str); 10] = [
    (
        "dashboard.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/dashboard.css"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/vendor/htmx.min.js"),
    ),
    (
        "htmx-ext-sse.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/vendor/htmx-ext-sse.min.js"),
    ),
    (
        "run.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/run.js"),
    ),
    (
        "run_view.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/run_view.js"),
    ),
    (
        "step_log.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/step_log.js"),
    ),
    (
        "pages.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/pages.js"),
    ),
    (
        "codemirror.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/vendor/codemirror.min.js"),
    ),
    (
        "editor.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/editor.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../assets/favicon.svg"),
    ),
];

/// A short hash of every asset: a new build with changed assets gets new URLs.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = Sha256::new();
        for (_, _, text) in FILES {
            hash.update(text.as_bytes());
        }
        hash.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// `GET /assets/{file}`: cached for a year (the URL changes with the file).
pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, media, text)) => (
            [
                (header::CONTENT_TYPE, *media),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *text,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
