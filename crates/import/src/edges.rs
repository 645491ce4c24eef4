//! The edges of steps that run one after another but are no `sequence`:
//! a job's steps after one that continues on error or a status function
//! (GitHub), a task's commands after one that ignores its error (Task).
//! A `sequence` stops at a failed member; these go on where the original
//! did, each with `depends on` what must have succeeded and `after` what
//! must only have ended.

use crate::model::Item;

/// The edges into a member, or what a job needing this one waits for:
/// what must have succeeded (`depends on`), what must only have ended
/// (`after`: a step that continues on error); and, for a job, every step
/// it has, which a job with a status function waits for to end.
#[derive(Clone, Debug, Default)]
pub struct Exits {
    pub deps: Vec<String>,
    pub after: Vec<String>,
    pub ends: Vec<String>,
}

impl Exits {
    /// A job's that a name stands for (its sequence, its one step).
    pub fn named(name: &str) -> Exits {
        Exits {
            deps: vec![name.to_string()],
            after: Vec::new(),
            ends: vec![name.to_string()],
        }
    }
}

/// A member placed: its name for edges, and how it counts for the next.
pub struct Done {
    pub name: String,
    pub optional: bool,
    /// It runs only after those before it succeeded.
    pub plain: bool,
}

/// The edges of a member after `done`. A plain member `depends on` the
/// last plain member that must succeed and every member after it that
/// must, `after` the rest (a plain member's success says those before it
/// succeeded; a status member's does not). A status member is `after`
/// every member: one that did not run may have ended before those it
/// waited for.
pub fn edges(done: &[Done], plain: bool) -> Exits {
    let names = || done.iter().map(|d| d.name.clone());
    let mut out = Exits {
        ends: names().collect(),
        ..Exits::default()
    };
    if !plain {
        out.after = names().collect();
        return out;
    }
    let anchor = done.iter().rposition(|d| d.plain && !d.optional);
    for d in &done[anchor.unwrap_or(0)..] {
        match d.optional {
            false => out.deps.push(d.name.clone()),
            true => out.after.push(d.name.clone()),
        }
    }
    out
}

/// `item`'s own edges (a step's, or a raced block's `depends on`).
pub fn enter(item: &mut Item, e: &Exits) {
    match item {
        Item::Step(s) => {
            s.deps.extend(e.deps.iter().cloned());
            s.after.extend(e.after.iter().cloned());
        }
        Item::Sequence { deps, .. }
        | Item::ForEach { deps, .. }
        | Item::If { deps, .. }
        | Item::WaitAny { deps, .. } => {
            deps.extend(e.deps.iter().cloned());
            if let Some(first) = item.first_step() {
                first.after.extend(e.after.iter().cloned());
            }
        }
        Item::Group(items) => {
            // Every member waits for what must succeed (a status member
            // would not through the others); the first orders the rest.
            let deps = Exits {
                deps: e.deps.clone(),
                ..Exits::default()
            };
            items.iter_mut().for_each(|i| enter(i, &deps));
            if let Some(first) = items.first_mut().and_then(Item::first_step) {
                first.after.extend(e.after.iter().cloned());
            }
        }
    }
}

/// Every `depends on NAME` in `items` for a `NAME` of `exits` (a task
/// whose commands are no `sequence`) as what it exits by.
pub fn redirect(items: &mut [Item], exits: &std::collections::BTreeMap<String, Exits>) {
    let split = |deps: &mut Vec<String>| {
        let mut after = Vec::new();
        for d in std::mem::take(deps) {
            match exits.get(&d) {
                Some(e) => {
                    deps.extend(e.deps.iter().cloned());
                    after.extend(e.after.iter().cloned());
                }
                None => deps.push(d),
            }
        }
        after
    };
    for item in items {
        match item {
            Item::Step(s) => {
                let after = split(&mut s.deps);
                s.after.extend(after);
                redirect(&mut s.rollback, exits);
            }
            Item::Sequence { deps, items, .. }
            | Item::ForEach { deps, items, .. }
            | Item::If { deps, items, .. }
            | Item::WaitAny { deps, items, .. } => {
                let after = split(deps);
                redirect(items, exits);
                if let Some(first) = items.first_mut().and_then(Item::first_step) {
                    first.after.extend(after);
                }
            }
            Item::Group(items) => redirect(items, exits),
        }
    }
}
