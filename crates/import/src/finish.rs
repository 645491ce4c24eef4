//! The written workflow in canonical layout (the language's formatter), and
//! checked by the language's checker: what `wfc import` prints passes `wfc
//! fmt --check` and `wfc check`, or the importer has a defect.

use crate::literal::Piece;
use crate::model::Workflow;
use crate::ImportError;
use wfc_language::{analysis, fmt};

pub fn finish(name: &str, wf: &mut Workflow) -> Result<String, ImportError> {
    loop {
        let text = wf.write();
        let formatted = fmt::format_source(&text).map_err(|diags| defect(&diags, &text))?;
        let checked = analysis::analyze_lean(format!("{name}.wf"), formatted.clone());
        if !checked.has_errors() {
            return Ok(formatted);
        }
        let diags = checked.diagnostics();
        if !integers_in_arithmetic(wf, &diags, &formatted) {
            return Err(defect(&diags, &formatted));
        }
    }
}

/// E0168: an `env` value from a `string` param read in shell arithmetic,
/// where bash evaluates it as code. GitHub inputs have no `int` type (and
/// wfc's export writes its `int` params as `string` inputs), so a
/// `string` input whose default is a whole number and that a command reads
/// in arithmetic is an `int`: retyped so, the checker lets the value in,
/// checked to be a number. Whether some param was retyped (then check again).
fn integers_in_arithmetic(
    wf: &mut Workflow,
    diags: &[wfc_language::diag::Diagnostic],
    text: &str,
) -> bool {
    let mut retyped = false;
    for d in diags.iter().filter(|d| d.code == "E0168") {
        let Some(span) = d.primary_span() else {
            continue;
        };
        let Some(var) = text.get(span.start as usize..span.end as usize) else {
            continue;
        };
        let params: Vec<String> = wf
            .env_values(var)
            .into_iter()
            .filter_map(|t| match t.0.as_slice() {
                [Piece::Expr(p)] => Some(p.clone()),
                _ => None,
            })
            .collect();
        for p in wf.params.iter_mut().filter(|p| params.contains(&p.name)) {
            let whole = p
                .default
                .as_deref()
                .and_then(|d| d.strip_prefix('"')?.strip_suffix('"'))
                .filter(|d| d.parse::<i64>().is_ok());
            if let (Some(n), "string") = (whole.map(str::to_owned), p.ty.as_str()) {
                p.ty = "int".into();
                p.default = Some(n);
                retyped = true;
            }
        }
    }
    retyped
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
