//! Preflight checks: what a workflow file needs of the machine it will run
//! on, checked before it runs (`wfc check --level strict|paranoid`,
//! `wfc doctor`; docs/preflight.md).
//!
//! The checker (`wfc-language`) reads the file alone, and the language
//! server runs it on every keystroke: it never looks at `PATH`, runs a
//! process or opens a connection. These checks do, so they live here, above
//! the interpreter whose clients they reuse ([`wfc_run::exec::probe`]).
//! Every finding is a warning [`Diagnostic`] with a code (`W0960`–`W0974`),
//! the place in the file and a fix, reported with the checker's.
//!
//! - [`Level::Strict`]: `http` URLs parse and are http(s) ([`urls`]);
//!   timeouts and retry backoffs are neither 0 nor over [`limits::LONGEST`];
//!   the commands `shell` steps start and the interpreters of `python`,
//!   `node` and `shell` steps are on `PATH` ([`commands`]); ShellCheck over
//!   literal `run` text when it is installed ([`shellcheck`]).
//! - [`Level::Paranoid`]: also reaches out, each for at most
//!   [`reach::WAIT`]: the Docker engine, `sql` databases, SMTP servers, the
//!   DNS names of `http` hosts ([`reach`]).

pub mod commands;
pub mod limits;
pub mod reach;
pub mod shellcheck;
pub mod urls;

use std::ffi::OsString;
use std::path::PathBuf;
use wfc_language::analysis::Analysis;
use wfc_language::diag::{self, Diagnostic};
use wfc_language::ir::{ExecutorKind, ExprKind, Step, StepKind};
use wfc_language::span::{SourceFile, Span};

/// How much `wfc check` checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The same as [`Level::Standard`]: names, types and the graph are one
    /// pass of the checker, with nothing cheaper to leave out.
    Basic,
    /// The file alone: what `wfc check` always did.
    #[default]
    Standard,
    /// And the machine: `PATH`, ShellCheck, sane URLs and durations.
    Strict,
    /// And what steps reach: Docker, databases, SMTP, DNS.
    Paranoid,
}

/// What the checks look at besides the file.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The `PATH` to search (`None`: the process's).
    pub path: Option<OsString>,
    /// The folder the workflow will run in (relative `sqlite:` paths).
    pub base: Option<PathBuf>,
}

/// One thing a check looked at, and whether it was fine (for `wfc doctor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub what: String,
    pub ok: bool,
}

/// What the checks found.
#[derive(Debug, Default)]
pub struct Report {
    /// Warnings, in the order of their places.
    pub diagnostics: Vec<Diagnostic>,
    /// What could not be checked, said once (ShellCheck not installed).
    pub notes: Vec<String>,
    /// Everything looked at, found or not.
    pub checked: Vec<Checked>,
}

impl Report {
    fn push(&mut self, d: Diagnostic) {
        let key = (d.code, d.primary_span());
        // A `defaults` value is every step's: report its place once.
        if !self
            .diagnostics
            .iter()
            .any(|x| (x.code, x.primary_span()) == key)
        {
            self.diagnostics.push(d);
        }
    }

    fn saw(&mut self, what: impl Into<String>, ok: bool) {
        let what = what.into();
        if !self.checked.iter().any(|c| c.what == what) {
            self.checked.push(Checked { what, ok });
        }
    }
}

/// Runs the checks `level` adds to the checker's on `analysis` (none below
/// [`Level::Strict`]).
pub fn check(analysis: &Analysis, level: Level, opts: &Options) -> Report {
    let mut report = Report::default();
    if level < Level::Strict {
        return report;
    }
    let steps = steps(analysis);
    let path = commands::SearchPath::new(opts.path.clone());
    for step in &steps {
        urls::check(&analysis.source, step, &mut report);
        limits::check(step, &mut report);
        commands::check(&analysis.source, step, &path, &mut report);
    }
    let env: Vec<&str> = analysis
        .module
        .iter()
        .flat_map(|m| &m.workflows)
        .flat_map(|w| &w.ir.env)
        .map(|(k, _)| k.as_str())
        .collect();
    shellcheck::check(&analysis.source, &steps, &env, &path, &mut report);
    if level >= Level::Paranoid {
        reach::check(&steps, opts, &mut report);
    }
    diag::sort(&mut report.diagnostics);
    report
}

/// Every step of every workflow of the file that runs on this machine.
fn steps(analysis: &Analysis) -> Vec<&Step> {
    let Some(module) = &analysis.module else {
        return Vec::new();
    };
    module
        .workflows
        .iter()
        .flat_map(|w| &w.ir.steps)
        .filter(|s| s.kind != StepKind::Invalid && runs_here(s))
        .collect()
}

/// Not a step sent to another machine (`executor slurm`).
fn runs_here(step: &Step) -> bool {
    step.settings
        .as_ref()
        .and_then(|s| s.executor.as_ref())
        .is_none_or(|e| e.kind == ExecutorKind::Local)
}

/// A field's value when it is a literal string, and its place.
fn literal<'a>(step: &'a Step, field: &str) -> Option<(&'a str, Span)> {
    let f = step.field(field)?;
    match &f.value {
        wfc_language::ir::FieldValue::Expr(e) => match &e.kind {
            ExprKind::Str(s) => Some((s.as_str(), e.span)),
            _ => None,
        },
        _ => None,
    }
}

/// The place of `value[offset..offset + len]` in the file, where `value` is
/// the string literal at `span`: exact when the literal holds the value as
/// written (no escapes), else the whole literal.
fn place_in(source: &SourceFile, span: Span, value: &str, offset: usize, len: usize) -> Span {
    let written = source.text.get(span.range()).unwrap_or_default();
    match written.find(value) {
        Some(at) if !value.is_empty() && written[..at].bytes().all(|b| b == b'"') => {
            let start = span.start as usize + at + offset;
            Span::new(start, start + len)
        }
        _ => span,
    }
}
