//! How far calls may nest, and how many steps they may inline: checked
//! before inlining, so a plan never recurses deeper than [`MAX_DEPTH`] nor
//! builds more than [`MAX_STEPS`] steps (two calls per level over 30
//! levels would be a billion). Each workflow is measured once (by its
//! checked IR, shared by every call of it), so this pass is linear in the
//! workflows, however many instances they would inline.

use crate::errors;
use rustc_hash::FxHashMap;
use std::sync::Arc;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::Workflow;
use wfc_language::span::Span;

/// The deepest nesting of calls a plan inlines: a call of a workflow that
/// calls another is 2 deep. No real workflow comes near it.
pub const MAX_DEPTH: usize = 64;
/// The most steps (joins included) the calls of one workflow may inline.
pub const MAX_STEPS: usize = 50_000;

/// A callee's size once its own calls are inlined: its steps and how deep
/// its calls nest below it.
#[derive(Clone, Copy)]
struct Size {
    steps: usize,
    height: usize,
}

/// One call on the way down: the call step's name, the place to report
/// (in the root file), and the workflow it calls.
struct Hop {
    call: String,
    span: Span,
    callee: String,
}

struct Measure<'a> {
    root: &'a str,
    sizes: FxHashMap<*const Workflow, Size>,
}

/// E0236 when `wf`'s calls nest deeper than [`MAX_DEPTH`], E0237 when they
/// would inline more than [`MAX_STEPS`] steps.
pub(super) fn check(wf: &Workflow) -> Result<(), Diagnostic> {
    let mut m = Measure {
        root: &wf.name,
        sizes: FxHashMap::default(),
    };
    let mut chain = Vec::new();
    let size = m.size(wf, None, &mut chain)?;
    if size.steps <= MAX_STEPS {
        return Ok(());
    }
    // The call of `wf` that inlines the most: the place to report.
    let (step, callee, steps) = calls(wf)
        .map(|(s, c)| (s, c, m.sizes[&Arc::as_ptr(c)].steps))
        .rev() // (the first of equals)
        .max_by_key(|&(_, _, n)| n)
        .expect("steps beyond the bound come from a call");
    Err(errors::calls_too_many_steps(
        step.span,
        &step.name,
        &callee.name,
        steps,
        size.steps,
        MAX_STEPS,
    ))
}

fn calls(
    wf: &Workflow,
) -> impl DoubleEndedIterator<Item = (&wfc_language::ir::Step, &Arc<Workflow>)> {
    wf.steps
        .iter()
        .filter_map(|s| Some((s, s.call.as_ref()?.callee.as_ref()?)))
}

impl Measure<'_> {
    /// `wf`'s size, `chain` the calls that lead to it; `site` the root
    /// file's call step once the chain entered another file (spans there
    /// point into that file's text).
    fn size(
        &mut self,
        wf: &Workflow,
        site: Option<Span>,
        chain: &mut Vec<Hop>,
    ) -> Result<Size, Diagnostic> {
        let mut size = Size {
            steps: wf.steps.len(),
            height: 0,
        };
        for (step, callee) in calls(wf) {
            let span = site.unwrap_or(step.span);
            chain.push(Hop {
                call: step.name.clone(),
                span,
                callee: callee.name.clone(),
            });
            if chain.len() > MAX_DEPTH {
                return Err(too_deep(self.root, chain));
            }
            let inner_site = site.or(callee.file.is_some().then_some(step.span));
            let inner = match self.sizes.get(&Arc::as_ptr(callee)) {
                Some(&s) => {
                    if chain.len() + s.height > MAX_DEPTH {
                        self.deepest(callee, inner_site, chain);
                        return Err(too_deep(self.root, chain));
                    }
                    s
                }
                None => {
                    let s = self.size(callee, inner_site, chain)?;
                    self.sizes.insert(Arc::as_ptr(callee), s);
                    s
                }
            };
            chain.pop();
            size.steps = size.steps.saturating_add(inner.steps);
            size.height = size.height.max(inner.height + 1);
        }
        Ok(size)
    }

    /// Extends `chain` down `wf`'s deepest calls (all measured) until it
    /// is one call deeper than the bound.
    fn deepest(&self, wf: &Workflow, site: Option<Span>, chain: &mut Vec<Hop>) {
        let mut at = wf;
        let mut site = site;
        while chain.len() <= MAX_DEPTH {
            let Some((step, callee)) =
                calls(at).max_by_key(|(_, c)| self.sizes.get(&Arc::as_ptr(c)).map(|s| s.height))
            else {
                return;
            };
            chain.push(Hop {
                call: step.name.clone(),
                span: site.unwrap_or(step.span),
                callee: callee.name.clone(),
            });
            site = site.or(callee.file.is_some().then_some(step.span));
            at = callee;
        }
    }
}

fn too_deep(root: &str, chain: &[Hop]) -> Diagnostic {
    let last = chain.last().expect("a call");
    let workflows: Vec<&str> = std::iter::once(root)
        .chain(chain.iter().map(|h| h.callee.as_str()))
        .collect();
    errors::calls_too_deep(last.span, &last.call, &workflows, MAX_DEPTH)
}
