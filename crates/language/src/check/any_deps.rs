//! `depends on a, any(b, c)`: the reader starts once `a` succeeded and, of
//! `b` and `c`, all have ended and one succeeded. The members' names are
//! resolved as any name of the list; here they are taken out of the plain
//! dependencies into [`ir::AnyDeps`], checked (E0360, E0361), and their
//! outputs typed `T?` for the reader (one of them may not have succeeded).

use super::{Checker, Ctx, Named};
use crate::diag::check as dc;
use crate::ir::{self, Dep, StepId};
use crate::syntax::ast::{FieldValue, IdentList};

impl<'a> Checker<'a> {
    /// Moves the deps of `names`'s `any(…)` groups (resolved in `deps`, by
    /// span) into the workflow's `depends_any` for `holder`; returns the
    /// plain ones.
    pub(super) fn split_any(
        &mut self,
        names: &IdentList,
        deps: Vec<Dep>,
        holder: ir::Node,
    ) -> Vec<Dep> {
        let groups = names.any_groups();
        if groups.is_empty() {
            return deps;
        }
        for g in groups {
            if g.len < 2 {
                self.report(dc::any_too_few(g.span));
            }
        }
        // A name written twice in the list, in a group or not.
        let mut seen: Vec<(ir::DepTarget, crate::span::Span)> = Vec::new();
        for d in &deps {
            match seen.iter().find(|(t, _)| *t == d.target()) {
                Some(&(_, first)) => {
                    let name = &names.iter().find(|n| n.span == d.span).map(|n| n.name);
                    self.report(dc::any_named_twice(d.span, name.unwrap_or(""), first));
                }
                None => seen.push((d.target(), d.span)),
            }
        }
        let mut plain = Vec::new();
        let mut members: Vec<Vec<Dep>> = vec![Vec::new(); groups.len()];
        for d in deps {
            match groups
                .iter()
                .position(|g| g.span.contains(d.span.start as usize))
            {
                Some(i) => members[i].push(d),
                None => plain.push(d),
            }
        }
        let written: Vec<&str> = names.iter().map(|n| n.name).collect();
        for (g, members) in groups.iter().zip(members) {
            if !members.is_empty() {
                let (first, end) = (g.first as usize, (g.first + g.len) as usize);
                self.wf.depends_any.push(ir::AnyDeps {
                    holder,
                    members,
                    label: format!("any({})", written[first..end].join(", ")),
                    span: g.span,
                });
            }
        }
        plain
    }

    /// Why `target`'s outputs may not exist for the reader in `ctx`: the
    /// reader (the step, or a block around it) names it in an `any(…)` of
    /// its `depends on`, and not plainly. Read from the tree, so a field
    /// read before the `depends on` is written sees it too.
    pub(super) fn any_member_read(&self, target: StepId, ctx: &Ctx) -> Option<String> {
        let is_target = |name: &str| match self.names.get(name) {
            Some(&(Named::Step(s), _)) => s == target,
            Some(&(Named::Block(b), _)) => self
                .wf
                .block_chain(self.wf.steps[target].parent)
                .contains(&b),
            None => false,
        };
        let mut lists: Vec<&IdentList> = Vec::new();
        if let Some(s) = ctx.step {
            for f in &self.step_src[s].fields {
                if let FieldValue::DependsOn(l) = &f.value {
                    lists.push(l);
                }
            }
        }
        for b in self.wf.region_chain(ctx.block) {
            if let Some(d) = &self.block_src[b].block().depends_on {
                lists.push(&d.names);
            }
        }
        let mut found = None;
        for l in lists {
            let all: Vec<_> = l.iter().collect();
            let mut in_any = vec![false; all.len()];
            for g in l.any_groups() {
                for flag in &mut in_any[g.first as usize..(g.first + g.len) as usize] {
                    *flag = true;
                }
            }
            for (n, grouped) in all.iter().zip(in_any) {
                if !is_target(n.name) {
                    continue;
                }
                if !grouped {
                    return None; // waited for plainly: it succeeded
                }
                found = Some(format!(
                    "`{}` is in an `any(…)` of this `depends on`: it may not have succeeded",
                    n.name
                ));
            }
        }
        found
    }
}
