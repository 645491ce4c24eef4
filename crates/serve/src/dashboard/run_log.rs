//! A step's log on the run page: its lines as the viewer shows them (each
//! attempt's `── attempt N · TIME ──` header as a separator, ANSI colours
//! as classes on text spans: a value never becomes markup), and
//! `GET /runs/{id}/steps/{step}/log.txt`: the whole log, every attempt, as
//! plain text for the session (the API's `/api/v1/runs/{id}/logs/{step}`
//! needs a Bearer key, which a browser does not have).
//!
//! The store writes a step's stdout and stderr to one file, line by line,
//! and beside it where each stderr line starts (`STEP.log.err`): the
//! viewer marks those lines (`stderr`), live ones from the SSE `log`
//! event's `stream`.

use super::session::Session;
use super::{Dash, NO_RUN, NO_STEP, STORE};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Serialize;
use wfc_store::logs::read::Chain;

/// A piece of a line in one colour and weight.
#[derive(Serialize, Debug, PartialEq)]
pub struct Seg {
    pub text: String,
    /// `ansi-fg-1 ansi-bold`…, empty when plain.
    pub class: String,
}

/// One line of the viewer.
#[derive(Serialize, Debug, PartialEq)]
pub struct LogLine {
    /// An attempt's header line (`── attempt 2 · TIME ──`): a separator.
    pub attempt: bool,
    /// The line without its escape sequences (the search's text).
    pub text: String,
    pub segs: Vec<Seg>,
    /// Written on stderr.
    pub stderr: bool,
    /// When it came, in ms since the epoch (to the second; `None`: not known).
    pub at: Option<i64>,
}

impl LogLine {
    pub fn of(line: &str) -> LogLine {
        let attempt = wfc_store::logs::header_key(line).is_some();
        let segs = ansi(line);
        LogLine {
            attempt,
            text: segs.iter().map(|s| s.text.as_str()).collect(),
            segs,
            stderr: false,
            at: None,
        }
    }

    /// The line, with when it came.
    pub fn at(mut self, at: Option<i64>) -> LogLine {
        self.at = at.filter(|_| !self.attempt);
        self
    }

    /// The line, marked as written on stderr when `err`.
    pub fn stderr(mut self, err: bool) -> LogLine {
        self.stderr = err && !self.attempt;
        self
    }
}

/// The SGR state: foreground and background colour (0–15), bold.
#[derive(Clone, Copy, Default, PartialEq)]
struct Style {
    fg: Option<u8>,
    bg: Option<u8>,
    bold: bool,
}

impl Style {
    fn class(self) -> String {
        let mut c = Vec::new();
        if let Some(f) = self.fg {
            c.push(format!("ansi-fg-{f}"));
        }
        if let Some(b) = self.bg {
            c.push(format!("ansi-bg-{b}"));
        }
        if self.bold {
            c.push("ansi-bold".to_owned());
        }
        c.join(" ")
    }

    /// Applies SGR parameters `p` (`1;31`); unknown ones are ignored.
    fn apply(&mut self, p: &str) {
        let nums: Vec<u16> = p.split(';').map(|n| n.parse().unwrap_or(0)).collect();
        let mut i = 0;
        while i < nums.len() {
            match nums[i] {
                0 => *self = Style::default(),
                1 => self.bold = true,
                22 => self.bold = false,
                n @ 30..=37 => self.fg = Some((n - 30) as u8),
                n @ 90..=97 => self.fg = Some((n - 90 + 8) as u8),
                39 => self.fg = None,
                n @ 40..=47 => self.bg = Some((n - 40) as u8),
                n @ 100..=107 => self.bg = Some((n - 100 + 8) as u8),
                49 => self.bg = None,
                // 256 colours and true colour: the first 16 kept, the rest skipped.
                n @ (38 | 48) => {
                    let colour = match nums.get(i + 1) {
                        Some(5) => {
                            i += 2;
                            nums.get(i).filter(|&&c| c < 16).map(|&c| c as u8)
                        }
                        Some(2) => {
                            i += 4;
                            None
                        }
                        _ => None,
                    };
                    if n == 38 {
                        self.fg = colour;
                    } else {
                        self.bg = colour;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// `line` cut where its SGR escape sequences (`ESC [ … m`) change the
/// style; every other escape or control sequence is dropped.
pub fn ansi(line: &str) -> Vec<Seg> {
    let mut segs: Vec<Seg> = Vec::new();
    let mut style = Style::default();
    let mut text = String::new();
    let mut chars = line.chars().peekable();
    let flush = |text: &mut String, style: Style, segs: &mut Vec<Seg>| {
        if !text.is_empty() {
            segs.push(Seg {
                text: std::mem::take(text),
                class: style.class(),
            });
        }
    };
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            if !c.is_control() || c == '\t' {
                text.push(c);
            }
            continue;
        }
        if chars.peek() != Some(&'[') {
            // ESC and one character (or ESC alone).
            chars.next();
            continue;
        }
        chars.next();
        let mut params = String::new();
        let mut last = None;
        for d in chars.by_ref() {
            if ('\u{40}'..='\u{7e}').contains(&d) {
                last = Some(d);
                break;
            }
            params.push(d);
        }
        if last == Some('m') {
            let mut next = style;
            next.apply(&params);
            if next != style {
                flush(&mut text, style, &mut segs);
                style = next;
            }
        }
    }
    flush(&mut text, style, &mut segs);
    segs
}

/// `GET /runs/{id}/steps/{step}/log.txt`: the step's whole log, streamed
/// from disk as `text/plain` (an attachment), with the session.
pub async fn download(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path((typed, step)): Path<(String, String)>,
) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let asked = step.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<_, (StatusCode, &str, String)> {
        let store = wfc_store::Store::open_existing(&dir)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e.to_string()))?
            .ok_or((
                StatusCode::NOT_FOUND,
                NO_RUN,
                "no runs recorded yet".to_owned(),
            ))?;
        let id = wfc_store::control::find_run(&store, &typed)
            .map_err(|e| (StatusCode::NOT_FOUND, NO_RUN, e))?;
        let logs = wfc_store::logs::step_logs(&store, &id, Some(&asked))
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e.to_string()))?;
        if logs.is_empty() {
            let e = format!("run {id} has no log of a step `{asked}`");
            return Err((StatusCode::NOT_FOUND, NO_STEP, e));
        }
        let sources: Vec<_> = logs.into_iter().map(|l| l.source).collect();
        let chain = Chain::open(&sources)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e.to_string()))?;
        Ok((id, chain))
    })
    .await
    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e.to_string()))
    .and_then(|r| r);
    match found {
        Ok((id, chain)) => {
            let len = chain.len();
            let file: String = format!("{id}-{step}.log")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                    (header::CONTENT_LENGTH, len.to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'".to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                ],
                axum::body::Body::from_stream(crate::api::logs::whole(chain)),
            )
                .into_response()
        }
        Err((status, code, e)) => dash.error(status, code, &e, Some(&session)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_classes_and_other_escapes_go() {
        let segs = ansi("a\u{1b}[1;31m<b>red</b>\u{1b}[0m \u{1b}[2Kz\u{7}");
        assert_eq!(
            segs,
            vec![
                Seg {
                    text: "a".into(),
                    class: String::new()
                },
                Seg {
                    text: "<b>red</b>".into(),
                    class: "ansi-fg-1 ansi-bold".into()
                },
                Seg {
                    text: " z".into(),
                    class: String::new()
                },
            ]
        );
        let l = LogLine::of("\u{1b}[38;5;10mok\u{1b}[38;2;1;2;3m!");
        assert_eq!(l.text, "ok!");
        assert_eq!(l.segs[0].class, "ansi-fg-10");
        assert_eq!(l.segs[1].class, "");
        assert!(LogLine::of("── attempt 2 · 2024-05-01T12:00:00.000Z ──").attempt);
        assert!(!LogLine::of("── attempt two ──").attempt);
    }
}
