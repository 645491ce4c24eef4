//! The written workflow in canonical layout (the language's formatter), and
//! checked by the language's checker: what `wfc import` prints passes `wfc
//! fmt --check` and `wfc check`, or the importer has a defect.

use crate::model::Workflow;
use crate::ImportError;
use wfc_language::{analysis, fmt};

pub fn finish(name: &str, wf: &Workflow) -> Result<String, ImportError> {
    let text = wf.write();
    let formatted = fmt::format_source(&text).map_err(|diags| defect(&diags, &text))?;
    let checked = analysis::analyze_lean(format!("{name}.wf"), formatted.clone());
    if checked.has_errors() {
        return Err(defect(&checked.diagnostics(), &formatted));
    }
    Ok(formatted)
}

fn defect(diags: &[wfc_language::diag::Diagnostic], text: &str) -> ImportError {
    let source = wfc_language::span::SourceFile::new("import.wf", text);
    let mut why = String::new();
    for d in diags.iter().filter(|d| d.is_error()) {
        let at = d
            .labels
            .first()
            .map(|l| source.line_col(l.span.start as usize));
        let at = at
            .map(|a| format!("{}:{}", a.line, a.column))
            .unwrap_or_default();
        why.push_str(&format!("\n  {} at {at}: {}", d.code, d.message));
    }
    ImportError::Defect(why)
}
