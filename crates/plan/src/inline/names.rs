//! Instance names of inlined steps: a loop's item goes right after the
//! name it repeats. A call `d` inside `for each r` gives `d[eu].up`, and a
//! loop inside the callee `d.up[eu][1]` (outer loops first, as everywhere).

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use wfc_language::ir::{BlockKind, Workflow};

/// How many loops enclose each join (call step), by name, found once.
#[derive(Default)]
pub(crate) struct JoinLoops(RefCell<FxHashMap<String, usize>>);

impl JoinLoops {
    fn depth(&self, wf: &Workflow, join: &str) -> usize {
        if let Some(&d) = self.0.borrow().get(join) {
            return d;
        }
        let d = wf.step_named(join).map_or(0, |s| {
            wf.block_chain(wf.steps[s].parent)
                .into_iter()
                .filter(|&b| matches!(wf.blocks[b].kind, BlockKind::ForEach { .. }))
                .count()
        });
        self.0.borrow_mut().insert(join.to_string(), d);
        d
    }

    /// `name` with the loop suffixes (`eu`, outermost first) placed after
    /// the part of the name each loop repeats.
    pub(crate) fn instance_name(&self, wf: &Workflow, name: &str, suffixes: &[&str]) -> String {
        let mut out = String::with_capacity(name.len() + 8 * suffixes.len());
        let mut used = 0;
        // (Step names are identifiers: a `.` is only ever an inlined call's.)
        let mut parts = name.split('.').peekable();
        let mut prefix_end = 0;
        while let Some(part) = parts.next() {
            out.push_str(part);
            prefix_end += part.len();
            let upto = if parts.peek().is_some() {
                self.depth(wf, &name[..prefix_end])
                    .clamp(used, suffixes.len())
            } else {
                suffixes.len()
            };
            for s in &suffixes[used..upto] {
                out.push('[');
                out.push_str(s);
                out.push(']');
            }
            used = upto;
            if parts.peek().is_some() {
                out.push('.');
                prefix_end += 1;
            }
        }
        out
    }
}
