//! A job's steps as `.wf` items. GitHub runs them one after another, each
//! only when every step before it succeeded, unless its `if:` calls a
//! status function (`always()`, `failure()`) or a step before it continues
//! on error. A job whose steps all run so is a `sequence` (or its one
//! step); in any other, each step has edges of its own: `depends on` what
//! must have succeeded, `after` what must only have ended, and its status
//! condition over the `.status` of the steps before it.

use super::expr::{self, Ex};
use super::when::{self, Before, Guard, On};
use super::Ctx;
use crate::edges::{edges, enter, Done, Exits};
use crate::model::Item;

/// One step of a job (or a block wfc's export raced in one), with its `if:`.
pub(super) struct Member {
    pub item: Item,
    pub guard: Guard,
    pub optional: bool,
}

fn name_of(item: &Item) -> String {
    match item {
        Item::Step(s) => s.name.clone(),
        Item::WaitAny { name, .. } | Item::Sequence { name, .. } => name.clone(),
        _ => String::new(),
    }
}

/// `item` behind its stand-in (a refused condition, named after `base`)
/// and inside its condition, with `e` its edges.
pub(super) fn guarded(
    ctx: &mut Ctx,
    mut item: Item,
    g: &Guard,
    cond: Option<String>,
    e: &Exits,
    base: &str,
) -> Vec<Item> {
    let mut body = Vec::new();
    match &g.refused {
        Some(src) => {
            let name = ctx.names.give(&format!("{base}-condition")).name;
            let mut stand = Item::Step(Box::new(when::stand_in_step(name.clone(), src)));
            enter(&mut stand, e);
            enter(&mut item, &Exits::named(&name));
            body.push(stand);
        }
        None => enter(&mut item, e),
    }
    body.push(item);
    match cond {
        Some(cond) => vec![Item::If {
            cond,
            deps: Vec::new(),
            comments: Vec::new(),
            items: body,
        }],
        None => body,
    }
}

/// The `.wf` condition of `g` with `before` ending as it reads: `None`
/// when it always holds; `false` warned (W0909).
pub(super) fn condition(
    ctx: &mut Ctx,
    g: &Guard,
    before: &mut Before,
    on: On,
) -> Result<Option<String>, String> {
    let Some(cond) = &g.cond else {
        return Ok(None);
    };
    let resolved = expr::resolve(cond, before)?;
    if resolved == Ex::Bool(false) {
        when::never(ctx, g, on);
    }
    when::text(&resolved)
}

/// A job's members as its items (several: written as they stand, or in
/// the job's loop) and its exits. `job`: the job's name, its sequence's.
pub(super) fn compose(ctx: &mut Ctx, job: &str, members: Vec<Member>) -> (Vec<Item>, Exits) {
    let in_order = members.iter().all(|m| !m.guard.status)
        && members.iter().rev().skip(1).all(|m| !m.optional);
    let single = members.len() == 1;
    let mut items = Vec::new();
    let mut done: Vec<Done> = Vec::new();
    let mut steps: Vec<(String, bool, bool)> = Vec::new();
    for m in members {
        let base = name_of(&m.item);
        let no_jobs = |_: &str| None;
        let mut before = Before {
            steps: steps.clone(),
            jobs: &no_jobs,
        };
        let mut g = m.guard;
        let cond = match condition(ctx, &g, &mut before, On::Step) {
            Ok(c) => c,
            Err(why) => {
                when::refuse(ctx, &mut g, &why, On::Step);
                None
            }
        };
        let e = match in_order {
            true => Exits::default(),
            false => edges(&done, !g.status),
        };
        m.item.step_names(false, &mut steps);
        done.push(Done {
            name: base.clone(),
            optional: m.optional,
            plain: !g.status,
        });
        items.extend(guarded(ctx, m.item, &g, cond, &e, &base));
    }
    let exits = match done.iter().any(|d| d.optional) || !in_order {
        true => edges(&done, true),
        false if single => edges(&done, true),
        false => Exits::named(job),
    };
    if in_order && !single {
        items = vec![Item::Sequence {
            name: job.to_string(),
            deps: Vec::new(),
            items,
        }];
    }
    (items, exits)
}
