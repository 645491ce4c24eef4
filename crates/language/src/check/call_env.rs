//! What a workflow may call: the workflows of its own file and the modules
//! its file imports. The module checker (and, across files, the loader)
//! fills it with the callees already checked, so a call step is typed
//! against its callee's params and outputs.

use crate::diag::{self, check as dc, Diagnostic};
use crate::ir::Workflow;
use crate::syntax::ast::CallTarget;
use std::sync::Arc;

/// The callables in scope for one workflow.
#[derive(Clone, Debug, Default)]
pub struct CallEnv {
    /// The workflows of the same file, in file order.
    pub local: Vec<Callable>,
    /// The imported modules, in import order.
    pub modules: Vec<ModuleEntry>,
}

/// A workflow that may be called.
#[derive(Clone, Debug)]
pub struct Callable {
    pub name: String,
    /// Its checked IR; `None` while it cannot be called (it is in a call
    /// cycle with the caller, reported on its own).
    pub ir: Option<Arc<Workflow>>,
}

/// An imported module: what `import "PATH" [as NAME]` bound.
#[derive(Clone, Debug)]
pub struct ModuleEntry {
    /// The name it is called by (`notify`, `rel`).
    pub name: String,
    /// Its workflows, in file order (the first is the module's default).
    pub workflows: Vec<Callable>,
    /// It failed to load (reported at the import): calls into it resolve
    /// to [`Resolved::Blocked`].
    pub broken: bool,
    /// Its file's directory relative to the importing file's (`lib` for
    /// `import "lib/deploy.wf"`), when another: its steps' relative `file`s
    /// are read there. `None` for std modules.
    pub dir: Option<String>,
}

/// What a call target resolved to.
#[derive(Debug)]
pub enum Resolved {
    Found {
        /// The module it came through (`None`: this file).
        module: Option<String>,
        ir: Arc<Workflow>,
        /// The module's [`ModuleEntry::dir`].
        dir: Option<String>,
    },
    /// Known, but not callable (in a call cycle): reported elsewhere.
    Blocked,
    Unknown(Diagnostic),
}

impl CallEnv {
    /// Resolves `call W`, `call M` or `call M.W`: a workflow of this file
    /// first, then a module's default workflow.
    pub fn resolve(&self, target: &CallTarget) -> Resolved {
        let found = |module: Option<&ModuleEntry>, c: &Callable| match &c.ir {
            Some(ir) => Resolved::Found {
                module: module.map(|m| m.name.clone()),
                ir: ir.clone(),
                dir: module.and_then(|m| m.dir.clone()),
            },
            None => Resolved::Blocked,
        };
        match target.parts.as_slice() {
            [one] => {
                if let Some(c) = self.local.iter().find(|c| c.name == *one.name) {
                    return found(None, c);
                }
                if let Some(m) = self.modules.iter().find(|m| m.name == *one.name) {
                    return match m.workflows.first().filter(|_| !m.broken) {
                        Some(c) => found(Some(m), c),
                        None => Resolved::Blocked,
                    };
                }
                let known = self.known();
                let sugg = diag::did_you_mean(&one.name, known.iter().copied());
                Resolved::Unknown(dc::unknown_call_target(one.span, &one.name, sugg, &known))
            }
            [m, w] => {
                let Some(module) = self.modules.iter().find(|x| x.name == *m.name) else {
                    let names: Vec<&str> = self.modules.iter().map(|x| x.name.as_str()).collect();
                    let sugg = diag::did_you_mean(&m.name, names.iter().copied());
                    return Resolved::Unknown(dc::unknown_call_target(
                        m.span, &m.name, sugg, &names,
                    ));
                };
                if module.broken {
                    return Resolved::Blocked;
                }
                match module.workflows.iter().find(|c| c.name == *w.name) {
                    Some(c) => found(Some(module), c),
                    None => {
                        let names: Vec<&str> =
                            module.workflows.iter().map(|c| c.name.as_str()).collect();
                        let sugg = diag::did_you_mean(&w.name, names.iter().copied());
                        Resolved::Unknown(dc::unknown_module_workflow(
                            w.span,
                            &module.name,
                            &w.name,
                            sugg,
                            &names,
                        ))
                    }
                }
            }
            _ => Resolved::Blocked,
        }
    }

    /// Every name a one-part target may take.
    fn known(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.local.iter().map(|c| c.name.as_str()).collect();
        v.extend(self.modules.iter().map(|m| m.name.as_str()));
        v
    }
}
