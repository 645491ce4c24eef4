//! `W0960`, `W0961`: the literal URL of an `http` (or `webhook`) step is
//! one reqwest can send a request to, parsed by the same `url` crate.

use crate::{literal, Report};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Step, StepKind};
use wfc_language::span::SourceFile;

/// The fields that hold a URL, per kind.
pub fn url_fields(kind: StepKind) -> &'static [&'static str] {
    match kind {
        StepKind::Http => wfc_language::check::kinds::HTTP_METHODS,
        StepKind::Webhook => &["url"],
        _ => &[],
    }
}

pub(crate) fn check(_source: &SourceFile, step: &Step, report: &mut Report) {
    for field in url_fields(step.kind) {
        let Some((text, span)) = literal(step, field) else {
            continue;
        };
        match url::Url::parse(text) {
            Err(e) => report.push(
                Diagnostic::warning("W0960", format!("`{text}` is not a URL: {e}"))
                    .primary(span, "not a URL")
                    .help("write an absolute URL with its scheme and host: `https://example.com/path`"),
            ),
            Ok(u) if !matches!(u.scheme(), "http" | "https") => report.push(
                Diagnostic::warning(
                    "W0961",
                    format!(
                        "step `{}` sends its request over `{}`: it speaks only http and https",
                        step.name,
                        u.scheme()
                    ),
                )
                .primary(span, format!("a `{}` URL", u.scheme()))
                .help("use an `http://` or `https://` URL, or a `shell` step with a client for this scheme"),
            ),
            Ok(_) => {}
        }
    }
}
