//! One call that runs the front end on a file: parse, then check.
//!
//! The CLI, the plan compiler and the language server all start here, so
//! they report exactly the same diagnostics.

use crate::check::{self, Module};
use crate::diag::{self, Diagnostic};
use crate::span::{SourceFile, Span};
use crate::syntax::{self, ast, Parsed};

pub struct Analysis {
    pub source: SourceFile,
    pub parsed: Parsed,
    /// Every workflow of the file, checked; `None` when the file did not parse.
    pub module: Option<Module>,
    /// Problems with the file's imports (see [`crate::program`]).
    pub import_diagnostics: Vec<Diagnostic>,
    /// The checker's errors inside blocks whose header did not parse, which
    /// `module` leaves out ([`crate::syntax::Bodies`]).
    pub body_diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Parse and check diagnostics together, sorted by position.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.parsed.diagnostics.clone();
        all.extend(self.import_diagnostics.iter().cloned());
        all.extend(self.body_diagnostics.iter().cloned());
        let recovered = !self.parsed.diagnostics.is_empty();
        if let Some(m) = &self.module {
            all.extend(
                m.all_diagnostics()
                    .into_iter()
                    .filter(|d| !recovered || !self.caused_by_recovery(d)),
            );
        }
        diag::sort(&mut all);
        all
    }

    /// Checker reports that only follow from syntax-error recovery: reports
    /// inside an item it repaired, uses of names the items it left out
    /// declared, and params whose only uses were in them.
    fn caused_by_recovery(&self, d: &Diagnostic) -> bool {
        let p = &self.parsed;
        d.code == "W0100" || held_back(d, &p.recovered_spans, &p.recovered_names)
    }

    /// Checks, with `check`, the tree that keeps the blocks whose header did
    /// not parse, for the errors in their bodies that `module` cannot see (a
    /// `True` in a loop written `for t in xs`): reported in the same round
    /// as the header's. Only errors inside the blocks count, and none that
    /// follows from the rewritten header (a use of the loop's variable).
    pub fn check_bodies(&mut self, check: impl FnOnce(&ast::File) -> Module) {
        let Some(b) = &self.parsed.bodies else {
            return;
        };
        let within = |d: &Diagnostic| {
            d.primary_span().is_some_and(|s| {
                b.blocks
                    .iter()
                    .any(|r| r.start <= s.start && s.end <= r.end)
            })
        };
        self.body_diagnostics = check(&b.file)
            .all_diagnostics()
            .into_iter()
            .filter(|d| {
                d.is_error() && within(d) && !held_back(d, &b.recovered_spans, &b.recovered_names)
            })
            .collect();
    }

    pub fn has_errors(&self) -> bool {
        self.parsed.diagnostics.iter().any(Diagnostic::is_error)
            || self.import_diagnostics.iter().any(Diagnostic::is_error)
            || self.module.as_ref().is_some_and(Module::has_errors)
    }

    /// The file's default (first) workflow, checked.
    pub fn first(&self) -> Option<&check::Checked> {
        self.module.as_ref().map(Module::first)
    }
}

/// Whether `d` lies in one of `spans` or names one of `names`.
fn held_back(d: &Diagnostic, spans: &[Span], names: &[String]) -> bool {
    let inside = d
        .primary_span()
        .is_some_and(|s| spans.iter().any(|r| r.start <= s.start && s.end <= r.end));
    inside || names.iter().any(|n| d.message.contains(&format!("`{n}`")))
}

/// Parses and checks, with the table of references (for the language server).
pub fn analyze(name: impl Into<String>, text: impl Into<String>) -> Analysis {
    analyze_with(name, text, check::check_module)
}

/// [`analyze`] without the table of references (see [`check::check_lean`]):
/// for `wfc check`, `plan` and `run`.
pub fn analyze_lean(name: impl Into<String>, text: impl Into<String>) -> Analysis {
    analyze_with(name, text, check::check_module_lean)
}

fn analyze_with(
    name: impl Into<String>,
    text: impl Into<String>,
    check: fn(&crate::syntax::ast::File) -> Module,
) -> Analysis {
    let source = SourceFile::new(name, text);
    tracing::trace!(target: "wfc::timing", "source read");
    let parsed = syntax::parse(&source.text);
    tracing::trace!(target: "wfc::timing", "parse");
    let module = parsed.file.as_ref().map(check);
    let mut a = Analysis {
        source,
        parsed,
        module,
        import_diagnostics: Vec::new(),
        body_diagnostics: Vec::new(),
    };
    a.check_bodies(check);
    a
}

/// Parses only: the checking is left to the caller (the program loader,
/// which checks a file once its imports are checked).
pub fn parse_only(name: impl Into<String>, text: impl Into<String>) -> Analysis {
    let source = SourceFile::new(name, text);
    tracing::trace!(target: "wfc::timing", "source read");
    let parsed = syntax::parse(&source.text);
    tracing::trace!(target: "wfc::timing", "parse");
    Analysis {
        source,
        parsed,
        module: None,
        import_diagnostics: Vec::new(),
        body_diagnostics: Vec::new(),
    }
}
