//! Terminal rendering through miette's graphical report handler.

use super::{Diagnostic, Severity};
use crate::span::SourceFile;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

/// Adapts a [`Diagnostic`] to miette for one render.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.inner().len();
        Some(Box::new(self.diag.labels.iter().map(move |l| {
            let start = (l.span.start as usize).min(len);
            let end = (l.span.end as usize).clamp(start, len);
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, start..end)
            } else {
                LabeledSpan::new_with_span(text, start..end)
            }
        })))
    }
}

/// Whether to colour output: never with `NO_COLOR` set, else when asked.
pub fn use_color(is_terminal: bool) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal
}

/// Renders one diagnostic as miette's graphical report (a `file:line:col`
/// header, the labelled source lines and the help line).
///
/// A label on a line longer than [`MAX_SHOWN_LINE`] characters (a generated
/// or minified file) is not drawn: the report names its `file:line:col`
/// instead. (miette pads to the label's column, and panics past column
/// 65,535.)
pub fn render(diag: &Diagnostic, file: &SourceFile, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let long = diag
        .labels
        .iter()
        .find(|l| on_long_line(file, l.span.start));
    let without_labels;
    let diag = match long {
        Some(label) => {
            let at = file.line_col(label.span.start as usize);
            let mut d = diag.clone();
            let what = if label.message.is_empty() {
                String::new()
            } else {
                format!(": {}", label.message)
            };
            d.message = format!(
                "{}\nat {}:{}:{}{what} (the line is too long to show)",
                d.message, file.name, at.line, at.column
            );
            d.labels.clear();
            without_labels = d;
            &without_labels
        }
        None => diag,
    };
    let report = Report {
        diag,
        source: NamedSource::new(&file.name, file.text.clone()),
    };
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, &report);
    out
}

/// Lines longer than this (in bytes) are not drawn in a report.
pub const MAX_SHOWN_LINE: usize = 2_000;

fn on_long_line(file: &SourceFile, offset: u32) -> bool {
    let text = file.text.as_bytes();
    let at = (offset as usize).min(text.len());
    let start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    end - start > MAX_SHOWN_LINE
}

/// Renders all diagnostics followed by a one-line summary.
pub fn render_all(diags: &[Diagnostic], file: &SourceFile, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(d, file, color));
        out.push('\n');
    }
    out
}
