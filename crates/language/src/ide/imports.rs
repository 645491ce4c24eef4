//! A document as the root of a program: the files it imports, analysed by
//! the program loader ([`crate::program`]), and the call targets resolved
//! against them.
//!
//! Resolution here mirrors the checker's (`call W` a workflow of this file,
//! else `call M` a module's first workflow, `call M.W` a module's workflow)
//! but works from a target's text, so completion can use it while the text
//! around the cursor does not parse.

use super::{ByteRange, Doc};
use crate::ir::Workflow;
use crate::program::{FileKey, Unit};

/// What a document imports: the other units of its program.
pub struct Imported {
    /// The document itself, as the loader named it.
    pub key: FileKey,
    /// The document's imports, in order: the unit each loaded (see [`Imported::unit`]).
    pub(crate) imports: Vec<Option<usize>>,
    /// The program's units after the root (unit `i` is `units[i - 1]`).
    pub(crate) units: Vec<Unit>,
}

impl Imported {
    /// Unit `i` of the program (`0`, the document itself, is not kept here).
    pub fn unit(&self, i: usize) -> Option<&Unit> {
        self.units.get(i.checked_sub(1)?)
    }

    /// Every imported file, transitively.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }
}

/// A place in some file of the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// `None`: the document itself.
    pub file: Option<FileKey>,
    pub span: ByteRange,
}

/// A workflow a call may run, with the file it is written in.
pub struct Callee<'d> {
    pub workflow: &'d Workflow,
    /// `None`: the document itself.
    pub file: Option<&'d FileKey>,
    /// The text of that file (the callee's spans point into it).
    pub text: &'d str,
}

impl Callee<'_> {
    pub fn slice(&self, s: crate::span::Span) -> &str {
        self.text
            .get(s.start as usize..s.end as usize)
            .unwrap_or_default()
    }

    /// Where the file is, for a reader: its path or `std/NAME`.
    pub fn file_name(&self) -> Option<String> {
        self.file.map(FileKey::display)
    }

    pub fn place(&self, s: crate::span::Span) -> Place {
        Place {
            file: self.file.cloned(),
            span: super::span(s),
        }
    }
}

impl Doc {
    /// The unit an import of this document loaded, by the module name it binds.
    pub fn module(&self, name: &str) -> Option<&Unit> {
        let imported = self.imported.as_ref()?;
        let file = self.ast()?;
        let i = file
            .imports
            .iter()
            .position(|im| im.module_name().as_deref() == Some(name))?;
        imported.unit((*imported.imports.get(i)?)?)
    }

    /// The modules this document imports: (name, unit), in import order.
    pub fn modules(&self) -> Vec<(String, &Unit)> {
        let (Some(imported), Some(file)) = (&self.imported, self.ast()) else {
            return Vec::new();
        };
        file.imports
            .iter()
            .zip(&imported.imports)
            .filter_map(|(im, u)| Some((im.module_name()?, imported.unit((*u)?)?)))
            .collect()
    }

    /// The unit `i` that import `index` of this document loaded, with its key.
    pub fn import_target(&self, index: usize) -> Option<&Unit> {
        let imported = self.imported.as_ref()?;
        imported.unit((*imported.imports.get(index)?)?)
    }

    /// The text of another file of the program.
    pub fn file_text(&self, key: &FileKey) -> Option<&str> {
        let imported = self.imported.as_ref()?;
        imported
            .units
            .iter()
            .find(|u| u.key == *key)
            .map(|u| u.analysis.source.text.as_str())
    }

    /// The workflow a call target written `parts` (`["rel", "ship"]`) runs.
    pub fn callee(&self, parts: &[&str]) -> Option<Callee<'_>> {
        match parts {
            [name] => {
                if let Some(w) = self.irs().find(|w| w.name == *name) {
                    return Some(Callee {
                        workflow: w,
                        file: None,
                        text: self.text(),
                    });
                }
                unit_callee(self.module(name)?, None)
            }
            [module, name] => unit_callee(self.module(module)?, Some(name)),
            _ => None,
        }
    }
}

/// Workflow `name` of `unit` (its first when `None`).
fn unit_callee<'d>(unit: &'d Unit, name: Option<&str>) -> Option<Callee<'d>> {
    let module = unit.analysis.module.as_ref()?;
    let mut workflows = module.workflows.iter().map(|c| &c.ir);
    let workflow = match name {
        Some(n) => workflows.find(|w| w.name == n)?,
        None => workflows.next()?,
    };
    Some(Callee {
        workflow,
        file: Some(&unit.key),
        text: &unit.analysis.source.text,
    })
}
