//! A file as a module: each of its workflows checked in a scope of its own,
//! callees before their callers (so a call is typed against the callee's
//! checked params and outputs), and what concerns the file as a whole (two
//! workflows of one name, workflows that call each other in a cycle).

use super::call_env::{CallEnv, Callable, ModuleEntry};
use super::{check_with, Checked};
use crate::diag::{self, check as dc, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{self, CallTarget, FieldValue, Item};
use std::sync::Arc;

/// A checked file: every workflow's IR (in file order), and the
/// diagnostics of the file as a whole.
#[derive(Clone, Debug)]
pub struct Module {
    /// Never empty; the first is the file's default workflow.
    pub workflows: Vec<Checked>,
    /// Problems of the file rather than of one workflow (E0200, E0217).
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
    check_module_with(file, true, Vec::new(), None)
}

/// [`check_module`] without the tables of references: `wfc check`, `plan`, `run`.
pub fn check_module_lean(file: &ast::File) -> Module {
    check_module_with(file, false, Vec::new(), None)
}

/// Checks a file whose imports bound `modules`; `name` is the file's, when
/// it is an imported one (set on each workflow's [`crate::ir::Workflow::file`]).
pub fn check_module_with(
    file: &ast::File,
    references: bool,
    modules: Vec<ModuleEntry>,
    name: Option<Arc<str>>,
) -> Module {
    let mut diagnostics = Vec::new();
    let wfs = &file.workflows;
    for (i, w) in wfs.iter().enumerate() {
        if let Some(first) = wfs[..i].iter().find(|f| f.name.name == w.name.name) {
            diagnostics.push(dc::duplicate_workflow(
                w.name.span,
                first.name.span,
                &w.name.name,
            ));
        }
    }
    super::triggers::duplicate_hook_paths(file, &mut diagnostics);
    let calls = local_calls(file);
    let cyclic = cycles(&calls, wfs, &mut diagnostics);
    let called: Vec<bool> = (0..wfs.len())
        .map(|j| calls.iter().flatten().any(|&(k, _)| k == j))
        .collect();
    let mut checked: Vec<Option<Checked>> = vec![None; wfs.len()];
    let mut shared: Vec<Option<Arc<crate::ir::Workflow>>> = vec![None; wfs.len()];
    // Callees first: each round checks the workflows whose callees are done
    // (or are in a cycle with them, and so never callable from them).
    while checked.iter().any(Option::is_none) {
        let ready: Vec<usize> = (0..wfs.len())
            .filter(|&i| checked[i].is_none())
            .filter(|&i| {
                calls[i].iter().all(|&(j, _)| {
                    checked[j].is_some() || cyclic[i] == cyclic[j] && cyclic[i].is_some()
                })
            })
            .collect();
        // A cycle not yet broken by the rule above cannot happen (members of a
        // cycle share its number); guard anyway by taking the first left.
        let ready = if ready.is_empty() {
            vec![checked.iter().position(Option::is_none).expect("one left")]
        } else {
            ready
        };
        for i in ready {
            let env = CallEnv {
                local: (0..wfs.len())
                    .map(|j| Callable {
                        name: wfs[j].name.name.to_string(),
                        ir: shared[j]
                            .clone()
                            .filter(|_| !(cyclic[i].is_some() && cyclic[i] == cyclic[j])),
                    })
                    .collect(),
                modules: modules.clone(),
            };
            let mut c = check_with(&wfs[i], references, &env);
            c.ir.file = name.clone();
            if called[i] {
                let mut ir = c.ir.clone();
                ir.references = Vec::new();
                shared[i] = Some(Arc::new(ir));
            }
            checked[i] = Some(c);
        }
    }
    Module {
        workflows: checked.into_iter().map(|c| c.expect("checked")).collect(),
        diagnostics,
    }
}

/// For each workflow, the workflows of this file it calls: (callee, target span).
fn local_calls(file: &ast::File) -> Vec<Vec<(usize, Span)>> {
    let index = |name: &str| file.workflows.iter().position(|w| w.name.name == name);
    file.workflows
        .iter()
        .map(|w| {
            let mut targets = Vec::new();
            call_targets(&w.items, &mut targets);
            targets
                .into_iter()
                .filter_map(|t| match t.parts.as_slice() {
                    [one] => index(&one.name).map(|j| (j, t.span)),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// Every call target in `items`, at any depth (blocks, handlers, rollbacks).
pub fn call_targets<'a>(items: &'a [Item], out: &mut Vec<&'a CallTarget>) {
    for item in items {
        match item {
            Item::Step(s) => {
                out.extend(s.call.as_deref());
                for f in &s.fields {
                    if let FieldValue::Rollback(b) = &f.value {
                        call_targets(&b.items, out);
                    }
                }
            }
            Item::If(i) => {
                for b in &i.branches {
                    call_targets(&b.block.items, out);
                }
                if let Some(e) = &i.else_block {
                    call_targets(&e.items, out);
                }
            }
            Item::ForEach(f) => call_targets(&f.block.items, out),
            Item::Parallel(p) => call_targets(&p.block.items, out),
            Item::Sequence(s) => call_targets(&s.block.items, out),
            Item::Handler(h) => call_targets(&h.block.items, out),
            _ => {}
        }
    }
}

/// Numbers the call cycles (E0217, reported once per cycle with each call
/// labelled): for each workflow, the cycle it is in.
fn cycles(
    calls: &[Vec<(usize, Span)>],
    wfs: &[ast::Workflow],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<usize>> {
    let n = calls.len();
    let component = components(calls);
    // A component is a cycle if it has two workflows or one calling itself;
    // it is numbered by its first workflow.
    let mut first = vec![usize::MAX; n];
    let mut size = vec![0usize; n];
    for (i, &c) in component.iter().enumerate() {
        first[c] = first[c].min(i);
        size[c] += 1;
    }
    let cycle: Vec<Option<usize>> = (0..n)
        .map(|i| {
            let c = component[i];
            let self_call = calls[i].iter().any(|&(j, _)| j == i);
            (size[c] > 1 || self_call).then_some(first[c])
        })
        .collect();
    for i in 0..n {
        if cycle[i] != Some(i) {
            continue;
        }
        // One path around the cycle, from `i`: each step to a member that
        // leads back, until `i` again.
        let mut edges = Vec::new();
        let mut at = i;
        let mut seen = vec![false; n];
        loop {
            let back = calls[at].iter().find(|&&(j, _)| j == i);
            let on = || {
                calls[at]
                    .iter()
                    .find(|&&(j, _)| cycle[j] == Some(i) && !seen[j])
            };
            let Some(&(next, span)) = back.or_else(on) else {
                break;
            };
            seen[next] = true;
            edges.push((
                span,
                format!(
                    "`{}` calls `{}` here",
                    wfs[at].name.name, wfs[next].name.name
                ),
            ));
            at = next;
            if at == i || edges.len() > n {
                break;
            }
        }
        diagnostics.push(dc::call_cycle(wfs[i].name.span, &wfs[i].name.name, &edges));
    }
    cycle
}

/// The strongly connected components of the call graph (Tarjan's, without
/// recursion: a file may chain thousands of calls): each workflow's
/// component number. Linear in workflows and calls, where a reachability
/// matrix was cubic (a chain of 1600 workflows took 14 s to check).
fn components(calls: &[Vec<(usize, Span)>]) -> Vec<usize> {
    let n = calls.len();
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![NONE; n];
    let mut next = 0;
    let mut count = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (workflow, how many of its calls were followed)
        let mut path = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = path.last_mut() {
            if let Some(&(w, _)) = calls[v].get(*e) {
                *e += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    path.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = count;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    component
}
