//! The parts of a workflow's shape a secret decided. The plan folds an `if`
//! or a `for each` whose value it knows, and for `wfc run` that is right: the
//! machine that plans is the one that runs. An export is run elsewhere, so a
//! fold there would be decided by the secret of the machine that exported
//! (whatever the target's secret is), and the file would tell which way it
//! went: the branch kept, the number of iterations, or (a matrix) the items
//! themselves. Neither engine can decide it at run time without the secret's
//! value in the file (GitHub's `if:` cannot read `secrets`, Argo's `when` is
//! text substituted into the resource), so both refuse it, each with its own
//! code, at the condition.

use std::collections::{HashMap, HashSet};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockKind, Expr, ExprKind, StepId, Workflow};
use wfc_language::span::Span;
use wfc_plan::{Graph, Plan};

/// What a secret decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decided {
    /// An `if` condition: which branch runs.
    If,
    /// A `for each` list: how many iterations, and their items.
    Loop,
    /// A `for each … parallel N` count.
    Parallel,
    /// A step's `timeout` or `retry`, which the file would hold as a value.
    Setting(&'static str),
}

/// One place a secret decided, with the secret it reads.
pub(crate) struct Decision {
    pub what: Decided,
    /// The condition, list or count.
    pub span: Span,
    /// The secret param read (or the param computed from one), if a param
    /// is read (else a loop variable over a secret list).
    pub secret: Option<String>,
    /// Where it is read, when that is outside `span` (through a `let`).
    pub read_at: Option<Span>,
}

impl Decision {
    /// The words for what was decided, for a message.
    pub fn construct(&self) -> &'static str {
        match self.what {
            Decided::If => "an `if` condition",
            Decided::Loop => "a `for each` list",
            Decided::Parallel => "a `parallel` count",
            Decided::Setting("timeout") => "a `timeout`",
            Decided::Setting(_) => "a `retry`",
        }
    }
}

/// Whether the plan left `d` to the run: an `if` that reads a secret (or a
/// param computed from one) itself, not through a `let` (which the plan
/// folds). `wfc export` plans with secrets unknown to conditions
/// (`wfc_plan::plan_for_export`).
pub(crate) fn at_run_time(d: &Decision) -> bool {
    d.what == Decided::If && d.read_at.is_none() && d.secret.is_some()
}

/// Every `if` condition, `for each` list and `parallel` count of `wf` that
/// reads a secret (directly, through a `let`, or a param computed from a
/// secret) and that the plan reached: the ones inside a branch or loop the
/// plan left out decided nothing.
pub(crate) fn decisions(plan: &Plan, wf: &Workflow) -> Vec<Decision> {
    let mut planned = HashSet::new();
    planned_steps(&plan.main, &mut planned);
    for h in &plan.handlers {
        planned_steps(&h.graph, &mut planned);
    }
    let pruned: HashSet<Span> = plan.pruned.iter().map(|p| p.span).collect();
    // Reached: a step inside is in the plan, or the plan says why it is not.
    let reached = |b: usize, header: Span| {
        pruned.contains(&header)
            || pruned.contains(&wf.blocks[b].span)
            || wf.steps_in(b).iter().any(|s| planned.contains(s))
    };
    // An `if` chain is reached when one of its branches is.
    let mut chains: HashMap<usize, bool> = HashMap::new();
    for (b, block) in wf.blocks.iter().enumerate() {
        if let BlockKind::IfBranch { cond, chain, .. } = &block.kind {
            let is = chains.entry(*chain).or_default();
            *is = *is || reached(b, cond.as_ref().map_or(block.span, |c| c.span));
        }
    }
    let mut out = Vec::new();
    for (b, block) in wf.blocks.iter().enumerate() {
        match &block.kind {
            BlockKind::IfBranch {
                cond: Some(c),
                chain,
                ..
            } if c.tainted && chains[chain] => out.push(decision(wf, Decided::If, c)),
            BlockKind::ForEach { iter, parallel, .. } => {
                let count = parallel.as_ref().and_then(Option::as_ref);
                let secret_count = count.filter(|n| n.tainted);
                if !(iter.tainted || secret_count.is_some()) || !reached(b, iter.span) {
                    continue;
                }
                if iter.tainted {
                    out.push(decision(wf, Decided::Loop, iter));
                }
                if let Some(n) = secret_count {
                    out.push(decision(wf, Decided::Parallel, n));
                }
            }
            _ => {}
        }
    }
    // A step's settings are folded into its instances: a value in the file.
    for &s in &planned {
        let Some(set) = wf.steps[s].settings.as_deref() else {
            continue;
        };
        if let Some(t) = set.timeout.as_ref().filter(|t| t.tainted) {
            out.push(decision(wf, Decided::Setting("timeout"), t));
        }
        if let Some(r) = &set.retry {
            let parts = [
                Some(&r.count),
                r.backoff.as_ref(),
                r.max.as_ref(),
                r.within.as_ref(),
            ];
            if let Some(x) = parts.into_iter().flatten().find(|x| x.tainted) {
                out.push(decision(wf, Decided::Setting("retry"), x));
            }
        }
    }
    out.sort_by_key(|d| d.span);
    // A setting from `defaults` is the same place for every step.
    out.dedup_by_key(|d| d.span);
    out
}

/// The refusal of `d` with `code`; `when` says why the target cannot
/// decide an `if` at run time. Names the secret, never its value or the
/// outcome.
pub(crate) fn refusal(code: &'static str, d: &Decision, when: &str) -> Diagnostic {
    let secret = d
        .secret
        .as_deref()
        .map_or("a secret".to_owned(), |s| format!("the secret `{s}`"));
    let help = match d.what {
        Decided::If => format!("{when}: decide it inside a step (pass the secret as an `env` value, `env {{ TOKEN = token }}`, and test it in the command), or make the condition read params that are not secret"),
        Decided::Loop => "the file would hold the iterations (in a matrix, the items): loop over a list that is not secret, or go over the secret list inside one step (pass it as an `env` value)".into(),
        Decided::Parallel => "the file would hold the count: give `parallel` a count that is not secret".into(),
        Decided::Setting(name) => format!("the file would hold the value: give `{name}` a value that is not secret"),
    };
    let (would, label) = match d.what {
        Decided::Setting(_) => ("write", "a value from a secret"),
        _ => ("decide it with", "decided by a secret"),
    };
    let mut diag = Diagnostic::error(
        code,
        format!(
            "{} reads {secret}: the export would {would} this machine's value",
            d.construct()
        ),
    )
    .primary(d.span, label)
    .help(help);
    if let Some(at) = d.read_at {
        diag = diag.secondary(at, "the secret read here");
    }
    diag
}

/// Whether `d`'s place lies inside one of `decisions`' conditions: a
/// refusal of a part of the same condition for another reason says less
/// and goes. Only a part: a condition inlined from a call has the call
/// step's place, which the call's other refusals share.
pub(crate) fn covered(d: &Diagnostic, decisions: &[Decision]) -> bool {
    d.primary_span().is_some_and(|at| {
        decisions.iter().any(|x| {
            // At the condition itself: the job or task that would decide
            // it at run time cannot (through a `let`), which says less.
            let guard = at == x.span && x.what == Decided::If;
            guard || (at != x.span && x.span.start <= at.start && at.end <= x.span.end)
        })
    })
}

fn decision(wf: &Workflow, what: Decided, e: &Expr) -> Decision {
    let mut read = None;
    e.walk(&mut |x| {
        if let (None, ExprKind::Param(p)) = (&read, &x.kind) {
            if wf.params[*p].is_tainted() {
                read = Some((wf.params[*p].name.clone(), x.span));
            }
        }
    });
    let inside = |at: Span| e.span.start <= at.start && at.end <= e.span.end;
    Decision {
        what,
        span: e.span,
        read_at: read.as_ref().map(|r| r.1).filter(|&at| !inside(at)),
        secret: read.map(|r| r.0),
    }
}

fn planned_steps(g: &Graph, out: &mut HashSet<StepId>) {
    for s in &g.steps {
        out.insert(s.step);
        if let Some(r) = &s.rollback {
            planned_steps(r, out);
        }
    }
}
