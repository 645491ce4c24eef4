//! A file as a module: each of its workflows checked in a scope of its own,
//! and what concerns the file as a whole (two workflows of one name).
//!
//! Imports will extend this: a module is what an `import` binds, and a
//! `call` looks a workflow up in one.

use super::{check_lean, check_with, Checked};
use crate::diag::{self, check as dc, Diagnostic};
use crate::syntax::ast;

/// A checked file: every workflow's IR (in file order), and the
/// diagnostics of the file as a whole.
#[derive(Clone, Debug)]
pub struct Module {
    /// Never empty; the first is the file's default workflow.
    pub workflows: Vec<Checked>,
    /// Problems of the file rather than of one workflow (E0200).
    pub diagnostics: Vec<Diagnostic>,
}

impl Module {
    /// The file's default workflow: its first.
    pub fn first(&self) -> &Checked {
        &self.workflows[0]
    }

    /// [`Module::first`], by value.
    pub fn into_first(self) -> Checked {
        self.workflows
            .into_iter()
            .next()
            .expect("a module has a workflow")
    }

    /// The workflow named `name` (the first of that name).
    pub fn workflow(&self, name: &str) -> Option<&Checked> {
        self.workflows.iter().find(|c| c.ir.name == name)
    }

    /// The workflow named `name`, by value.
    pub fn into_workflow(self, name: &str) -> Option<Checked> {
        self.workflows.into_iter().find(|c| c.ir.name == name)
    }

    /// The names of the file's workflows, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.workflows.iter().map(|c| c.ir.name.as_str()).collect()
    }

    /// Every diagnostic of the file: its own and each workflow's, sorted.
    pub fn all_diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.diagnostics.clone();
        for c in &self.workflows {
            all.extend(c.diagnostics.iter().cloned());
        }
        diag::sort(&mut all);
        all
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
            || self.workflows.iter().any(|c| c.has_errors())
    }
}

/// Checks every workflow of a file, with the tables of references (for the
/// language server).
pub fn check_module(file: &ast::File) -> Module {
    module(file, |w| check_with(w, true))
}

/// [`check_module`] without the tables of references: `wfc check`, `plan`, `run`.
pub fn check_module_lean(file: &ast::File) -> Module {
    module(file, check_lean)
}

fn module(file: &ast::File, check: impl Fn(&ast::Workflow) -> Checked) -> Module {
    let mut diagnostics = Vec::new();
    for (i, w) in file.workflows.iter().enumerate() {
        if let Some(first) = file.workflows[..i]
            .iter()
            .find(|f| f.name.name == w.name.name)
        {
            diagnostics.push(dc::duplicate_workflow(
                w.name.span,
                first.name.span,
                &w.name.name,
            ));
        }
    }
    Module {
        workflows: file.workflows.iter().map(check).collect(),
        diagnostics,
    }
}
