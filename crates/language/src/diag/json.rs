//! Diagnostics as JSON, for machines (`wfc check --format json`).

use super::{Diagnostic, Severity};
use crate::span::SourceFile;
use serde::Serialize;

#[derive(Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub primary: bool,
    /// Byte offset and length into the file.
    pub offset: u32,
    pub length: u32,
    /// 1-based line and column of the label's start.
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<JsonLabel>,
}

pub fn to_json(diag: &Diagnostic, file: &SourceFile) -> JsonDiagnostic {
    JsonDiagnostic {
        file: file.name.clone(),
        code: diag.code,
        severity: diag.severity,
        message: diag.message.clone(),
        help: diag.help.clone(),
        labels: diag
            .labels
            .iter()
            .map(|l| {
                let start = file.line_col(l.span.start as usize);
                let end = file.line_col(l.span.end as usize);
                JsonLabel {
                    message: l.message.clone(),
                    primary: l.primary,
                    offset: l.span.start,
                    length: l.span.end - l.span.start,
                    line: start.line,
                    column: start.column,
                    end_line: end.line,
                    end_column: end.column,
                }
            })
            .collect(),
    }
}
