//! Loading a file with what it imports, for `check`, `plan`, `run` and
//! `list`; and showing the errors of imported files at their own path.

use wfc_language::diag::{render, Diagnostic};
use wfc_language::program::{self, Disk, Program};

/// Loads `name` (a path as given, or `<stdin>`) with its imports, checked
/// without the editor's reference tables.
pub fn load(name: &str, text: String) -> Program {
    program::load(std::path::Path::new(name), text, &Disk, false)
}

/// The errors of every imported file of `p`, each rendered against its own
/// file (the root's own diagnostics are the caller's to show).
pub fn imported_errors(p: &Program, color: bool) -> String {
    let mut out = String::new();
    for u in &p.units[1..] {
        let errors: Vec<Diagnostic> = u
            .analysis
            .diagnostics()
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if !errors.is_empty() {
            out.push_str(&render::render_all(&errors, &u.analysis.source, color));
        }
    }
    out
}
