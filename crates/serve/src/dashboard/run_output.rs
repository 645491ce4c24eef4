//! A run's outputs on its page, a screenful each, and
//! `GET /runs/{id}/output?step=STEP&name=NAME` (no `step`: the workflow's
//! output `NAME`): one output whole, as plain text, for the session.
//!
//! A step's `stdout` keeps up to 1 MiB: the page of a step that printed
//! 20,000 lines was 1 MiB of HTML, parsed before the page answered. The
//! page shows the last [`LINES`] lines (at most [`BYTES`]) of each value
//! and links to the rest here.

use super::run_log::{ansi, Seg};
use super::session::Session;
use super::{Dash, NO_RUN, NO_STEP, STORE};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};

/// Lines of one value the page shows.
pub const LINES: usize = 40;
/// Bytes of one value the page shows (a line may be long).
pub const BYTES: usize = 4 << 10;

/// One output as the page shows it.
#[derive(Serialize, Debug, PartialEq)]
pub struct Shown {
    pub name: String,
    /// Its last lines, whole when short.
    pub text: String,
    /// `text` as the page shows it: each line's ANSI colours as classes
    /// (other escapes dropped), its newlines kept.
    pub segs: Vec<Seg>,
    /// Lines left out before `text` (0: none).
    pub cut_lines: usize,
    /// Bytes left out before `text` (0: none; then the page links to the rest).
    pub cut_bytes: usize,
}

/// A value as text (strings as they are).
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `value` as the page shows it: its last [`LINES`] lines within [`BYTES`]
/// (cut at a character, never inside one).
pub fn clip(name: &str, value: &serde_json::Value) -> Shown {
    let full = text(value);
    let body = full.strip_suffix('\n').unwrap_or(&full);
    let mut start = body.len();
    let mut lines = 0;
    while lines < LINES && start > 0 {
        // The line before `start` (past the first, `start` follows a '\n').
        let end = if start == body.len() {
            start
        } else {
            start - 1
        };
        let from = body[..end].rfind('\n').map_or(0, |i| i + 1);
        if body.len() - from > BYTES {
            break;
        }
        start = from;
        lines += 1;
    }
    if start == body.len() && !body.is_empty() {
        // One last line longer than BYTES: its end.
        start = body.len() - BYTES;
        while !body.is_char_boundary(start) {
            start += 1;
        }
    }
    Shown {
        name: name.to_owned(),
        cut_lines: body[..start].matches('\n').count(),
        cut_bytes: start,
        segs: coloured(&body[start..]),
        text: body[start..].to_owned(),
    }
}

/// `text`'s lines with their colours ([`ansi`]), a `\n` between each.
fn coloured(text: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            segs.push(Seg {
                text: "\n".to_owned(),
                class: String::new(),
            });
        }
        segs.extend(ansi(line.strip_suffix('\r').unwrap_or(line)));
    }
    segs
}

#[derive(Deserialize)]
pub struct OutputQuery {
    step: Option<String>,
    name: String,
}

/// `GET /runs/{id}/output`: the value as `text/plain`, never markup.
pub async fn output(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(typed): Path<String>,
    Query(q): Query<OutputQuery>,
) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let step = q.step.clone();
    let found = tokio::task::spawn_blocking(move || read(dir, &typed, step.as_deref(), &q.name))
        .await
        .map_err(|e| Missing::Store(e.to_string()))
        .and_then(|r| r);
    match found {
        Ok(value) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            ],
            text(&value),
        )
            .into_response(),
        Err(Missing::Run(e)) => dash.error(StatusCode::NOT_FOUND, NO_RUN, &e, Some(&session)),
        Err(Missing::Output(e)) => dash.error(StatusCode::NOT_FOUND, NO_STEP, &e, Some(&session)),
        Err(Missing::Store(e)) => {
            dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session))
        }
    }
}

enum Missing {
    Run(String),
    Output(String),
    Store(String),
}

/// The output `name` of `step` (or of the workflow) in run `typed`.
fn read(
    dir: std::path::PathBuf,
    typed: &str,
    step: Option<&str>,
    name: &str,
) -> Result<serde_json::Value, Missing> {
    let store = wfc_store::Store::open_existing(&dir)
        .map_err(|e| Missing::Store(e.to_string()))?
        .ok_or_else(|| Missing::Run("no runs recorded yet".to_owned()))?;
    let id = wfc_store::control::find_run(&store, typed).map_err(Missing::Run)?;
    let fail = |e: wfc_store::Error| Missing::Store(e.to_string());
    // One step's row, not the run's detail (a run may have 50,000 steps).
    let outputs = match step {
        None => wfc_store::query::outputs(&store, &id).map_err(fail)?,
        Some(step) => wfc_store::query::step_outputs(&store, &id, step).map_err(fail)?,
    };
    let of = step.map_or_else(|| "the workflow".to_owned(), |s| format!("step `{s}`"));
    outputs
        .as_ref()
        .and_then(|o| o.get(name))
        .cloned()
        .ok_or_else(|| Missing::Output(format!("run {id} has no output `{name}` of {of}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_value_keeps_its_last_screenful_and_says_what_it_left_out() {
        let long: String = (1..=20_000).map(|i| format!("line {i}\n")).collect();
        let s = clip("stdout", &json!(long));
        assert_eq!(s.text.lines().count(), LINES);
        assert!(s.text.starts_with("line 19961\n") && s.text.ends_with("line 20000"));
        assert_eq!(s.cut_lines, 19_960);
        assert_eq!(s.cut_bytes, long.find("line 19961\n").unwrap());

        let short = clip("n", &json!(42));
        assert_eq!(
            (short.text.as_str(), short.cut_lines, short.cut_bytes),
            ("42", 0, 0)
        );
        assert_eq!(clip("e", &json!("")).cut_bytes, 0);

        // Long lines: within BYTES, and one huge line keeps its end.
        let wide: String = (0..100)
            .map(|i| format!("{i}:{}\n", "é".repeat(300)))
            .collect();
        let s = clip("w", &json!(wide));
        assert!(s.text.len() <= BYTES && s.text.starts_with(|c: char| c.is_ascii_digit()));
        // Colours become classes; newlines stay.
        let s = clip("c", &json!("\u{1b}[31mred\u{1b}[0m\r\nplain\n"));
        let shown: Vec<(&str, &str)> = s
            .segs
            .iter()
            .map(|g| (g.text.as_str(), g.class.as_str()))
            .collect();
        assert_eq!(shown, [("red", "ansi-fg-1"), ("\n", ""), ("plain", "")]);
        let huge = "é".repeat(10_000);
        let s = clip("h", &json!(huge));
        assert!(s.text.len() <= BYTES && s.cut_bytes > 0 && s.text.chars().all(|c| c == 'é'));
    }
}
