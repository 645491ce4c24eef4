//! The bookkeeping of one graph's execution: who waits for whom, what is
//! ready, which `wait any` blocks and `for each … parallel N` loops hold what.
//!
//! Dependency targets are *nodes*: one per step instance, plus one per
//! `parallel … wait any` block. A dependency on a member of a `wait any`
//! block is a dependency on the block's node, which resolves when the first
//! member succeeds (or when every member ended without succeeding). Each
//! step counts the distinct nodes it still waits for; when a node resolves,
//! its dependents are told. A success, or an *absent* step (its branch not
//! taken), counts every dependent down: ordering passes through an absent
//! step. A step that failed, was cancelled or did not run ends its
//! dependents as *not run*, transitively, except over edges that only order
//! (a read guarded by `default(…)`, a sequential loop's iterations), which
//! count down as for a success.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use wfc_contract::StepStatus;
use wfc_language::ir::Wait;
use wfc_plan::{Graph, GroupId, GroupKind, InstanceId};

/// Where a step instance stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for dependencies (or for a worker).
    Pending,
    Running,
    Done(StepStatus),
}

/// How a node resolved, as its dependents see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Succeeded,
    /// Its branch was not taken (a block: every member's).
    Absent,
    /// It ran and failed (a block: a member ran, none succeeded).
    Failed,
    /// It could not run, or was cancelled, without failing itself.
    NotRun,
}

impl Resolution {
    /// How a step that ended with `status` resolves.
    pub fn of(status: StepStatus) -> Resolution {
        match status {
            StepStatus::Succeeded => Resolution::Succeeded,
            StepStatus::Skipped => Resolution::Absent,
            s if s.is_failure() => Resolution::Failed,
            _ => Resolution::NotRun,
        }
    }

    /// Whether a dependency on the node is satisfied.
    pub fn satisfies(self) -> bool {
        matches!(self, Resolution::Succeeded | Resolution::Absent)
    }
}

/// Whether a step's loops let it start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    Now,
    /// Its loop already runs its `parallel N` iterations.
    Later,
    /// Its loop is broken (an iteration failed) and its iteration has not
    /// started: it must not run.
    Never,
}

/// A `wait any` block.
#[derive(Clone, Debug)]
pub struct AnyGroup {
    pub name: String,
    /// The block's group in the graph.
    pub group: GroupId,
    pub members: Vec<InstanceId>,
    pub decided: Option<Resolution>,
    /// Members that have not ended yet.
    pub open: usize,
}

/// A `for each … parallel N` loop with its limit, or a loop to stop on failure.
#[derive(Clone, Debug)]
pub struct LoopState {
    pub limit: Option<usize>,
    /// Per iteration: started, members not yet ended.
    pub started: Vec<bool>,
    pub open: Vec<usize>,
    /// Iterations started and not yet ended.
    pub active: usize,
    /// A required step of an iteration failed: no new iteration starts.
    pub broken: bool,
}

/// The topology and progress of one graph.
pub struct Topology {
    pub n: usize,
    pub state: Vec<State>,
    /// Distinct dependency nodes each step still waits for.
    pub waiting: Vec<u32>,
    /// Per node (steps, then `wait any` blocks): the steps waiting for it,
    /// and whether the edge is *hard* (see [`Topology::resolve`]).
    pub dependents: Vec<Vec<(InstanceId, bool)>>,
    /// For each step, the `wait any` block it is a member of (index into `any`).
    pub any_of: Vec<Option<usize>>,
    pub any: Vec<AnyGroup>,
    /// For each step: (loop index, iteration) of every unrolled loop holding it.
    pub loops_of: Vec<Vec<(usize, usize)>>,
    pub loops: Vec<LoopState>,
    /// The group of each of `loops`.
    pub loop_group: Vec<usize>,
    pub prio: Vec<u64>,
    pub ready: BinaryHeap<(u64, Reverse<InstanceId>)>,
    /// `wait any` blocks that [`Topology::resolve`] decided as failed (their
    /// last open member could not run): the caller fails the run for them.
    pub failed_blocks: Vec<usize>,
}

impl Topology {
    pub fn new(g: &Graph, prio: Vec<u64>) -> Topology {
        let n = g.steps.len();
        let mut any = Vec::new();
        let mut any_index = vec![None; g.groups.len()];
        let mut loops = Vec::new();
        let mut loop_group = Vec::new();
        let mut loops_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (gi, grp) in g.groups.iter().enumerate() {
            match &grp.kind {
                GroupKind::Parallel { wait: Wait::Any } => {
                    any_index[gi] = Some(any.len());
                    any.push(AnyGroup {
                        name: grp.name.clone(),
                        group: gi,
                        members: grp.members.clone(),
                        decided: None,
                        open: grp.members.len(),
                    });
                }
                GroupKind::ForEach {
                    iterations: Some(its),
                    parallel,
                    ..
                } => {
                    let li = loops.len();
                    loop_group.push(gi);
                    for (it, members) in its.iter().enumerate() {
                        for &m in members {
                            loops_of[m].push((li, it));
                        }
                    }
                    loops.push(LoopState {
                        limit: match parallel {
                            Some(Some(k)) => Some((*k as usize).max(1)),
                            _ => None,
                        },
                        started: vec![false; its.len()],
                        open: its.iter().map(Vec::len).collect(),
                        active: 0,
                        broken: false,
                    });
                }
                _ => {}
            }
        }
        let any_of: Vec<Option<usize>> = g
            .steps
            .iter()
            .map(|s| {
                s.wait_any
                    .and_then(|gi| any_index.get(gi).copied().flatten())
            })
            .collect();
        let mut dependents = vec![Vec::new(); n + any.len()];
        let mut waiting = vec![0u32; n];
        let mut nodes: Vec<(usize, bool)> = Vec::new();
        for (v, s) in g.steps.iter().enumerate() {
            nodes.clear();
            for d in &s.deps {
                // An `after` step waits for the member itself to end (a
                // race's loser is cancelled), not for the race to be decided.
                let own_end = s.finally && d.why == wfc_plan::EdgeKind::After;
                let node = match any_of[d.on()] {
                    Some(a) if any_of[v] != Some(a) && !own_end => n + a,
                    _ => d.on(),
                };
                // An edge that only orders is satisfied however the step
                // ended: a sequential loop's next iteration runs after an
                // optional failure in the last; a guarded read runs with
                // its fallback.
                let hard = !d.why.orders_only();
                nodes.push((node, hard));
            }
            // One entry per node; hard if any edge to it is.
            nodes.sort_unstable_by_key(|&(node, hard)| (node, !hard));
            nodes.dedup_by_key(|&mut (node, _)| node);
            waiting[v] = nodes.len() as u32;
            for &(node, hard) in &nodes {
                dependents[node].push((v, hard));
            }
        }
        let ready = (0..n)
            .filter(|&v| waiting[v] == 0)
            .map(|v| (prio[v], Reverse(v)))
            .collect();
        Topology {
            n,
            state: vec![State::Pending; n],
            waiting,
            dependents,
            any_of,
            any,
            loops_of,
            loops,
            loop_group,
            prio,
            ready,
            failed_blocks: Vec::new(),
        }
    }

    /// The topology of `g`, a grown copy of the graph this topology was
    /// built for (a run-time loop unrolled: instances appended, edges added
    /// to the loop's templates), with where every old instance, `wait any`
    /// block and loop stands carried over. Returns it with the new instances
    /// that a failure upstream already ended as not run (with its cause), as
    /// [`Topology::resolve`].
    pub fn regrown(&self, g: &Graph, prio: Vec<u64>) -> (Topology, Vec<(InstanceId, usize)>) {
        let mut t = Topology::new(g, prio);
        t.state[..self.n].copy_from_slice(&self.state);
        // A block's members may have changed (an unrolled loop's templates
        // gave way to their copies): its open members are counted again.
        for (a, old) in t.any.iter_mut().zip(&self.any) {
            a.decided = old.decided;
        }
        for a in &mut t.any {
            a.open = a
                .members
                .iter()
                .filter(|&&m| !matches!(t.state[m], State::Done(_)))
                .count();
        }
        for (li, group) in t.loop_group.iter().enumerate() {
            if let Some(old) = self.loop_group.iter().position(|x| x == group) {
                t.loops[li] = self.loops[old].clone();
            }
        }
        // Tell every dependent again how each node resolved: old pending
        // steps count down exactly as they did, new ones catch up.
        let mut not_run = Vec::new();
        for v in 0..self.n {
            let State::Done(status) = self.state[v] else {
                continue;
            };
            if t.any_of[v].is_none() {
                not_run.extend(t.resolve(v, Resolution::of(status)));
            }
        }
        for a in 0..t.any.len() {
            if let Some(how) = t.any[a].decided {
                not_run.extend(t.resolve(t.n + a, how));
            }
        }
        t.ready = (0..t.n)
            .filter(|&v| t.state[v] == State::Pending && t.waiting[v] == 0)
            .map(|v| (t.prio[v], Reverse(v)))
            .collect();
        (t, not_run)
    }

    /// Whether `v` may start now under its loops' limits.
    pub fn loop_admits(&self, v: InstanceId) -> Admit {
        for &(li, it) in &self.loops_of[v] {
            let l = &self.loops[li];
            if l.started[it] {
                continue;
            }
            if l.broken {
                return Admit::Never;
            }
            if l.limit.is_some_and(|k| l.active >= k) {
                return Admit::Later;
            }
        }
        Admit::Now
    }

    /// Marks `v` started (its iterations become active).
    pub fn start(&mut self, v: InstanceId) {
        self.state[v] = State::Running;
        for &(li, it) in &self.loops_of[v] {
            let l = &mut self.loops[li];
            if !l.started[it] {
                l.started[it] = true;
                l.active += 1;
            }
        }
    }

    /// Marks `v` ended; returns whether a loop slot was freed.
    pub fn end(&mut self, v: InstanceId, status: StepStatus) -> bool {
        let was_open = !matches!(self.state[v], State::Done(_));
        self.state[v] = State::Done(status);
        let mut freed = false;
        if was_open {
            for &(li, it) in &self.loops_of[v] {
                let l = &mut self.loops[li];
                l.open[it] = l.open[it].saturating_sub(1);
                if l.open[it] == 0 && l.started[it] {
                    l.active = l.active.saturating_sub(1);
                    freed = true;
                }
            }
        }
        freed
    }

    /// Stops new iterations of every loop holding `v`.
    pub fn break_loops(&mut self, v: InstanceId) {
        for &(li, _) in &self.loops_of[v] {
            self.loops[li].broken = true;
        }
    }

    /// Stops new iterations of the loops holding `v` inside `wait any` block
    /// `a`: a failed member fails its iteration, but not the loops around
    /// the block, which only a failed block fails.
    pub fn break_loops_in(&mut self, g: &Graph, v: InstanceId, a: usize) {
        let block = self.any[a].group;
        for &(li, _) in &self.loops_of[v] {
            if wfc_plan::expand::within(g, self.loop_group[li], block) {
                self.loops[li].broken = true;
            }
        }
    }

    /// Tells the dependents of `node` how it resolved. Returns the steps
    /// that ended as not run as a result (transitively), with the node that
    /// caused it; steps that became ready go to `ready`.
    pub fn resolve(&mut self, node: usize, how: Resolution) -> Vec<(InstanceId, usize)> {
        let mut not_run = Vec::new();
        let mut work = vec![(node, how)];
        while let Some((node, how)) = work.pop() {
            let deps = std::mem::take(&mut self.dependents[node]);
            for &(w, hard) in &deps {
                if self.state[w] != State::Pending {
                    continue;
                }
                if how.satisfies() || !hard {
                    self.waiting[w] = self.waiting[w].saturating_sub(1);
                    if self.waiting[w] == 0 {
                        self.ready.push((self.prio[w], Reverse(w)));
                    }
                    continue;
                }
                self.end(w, StepStatus::NotRun);
                not_run.push((w, node));
                // A member's own dependents are in its block (the others
                // wait for the block's node): they cannot run either.
                work.push((w, Resolution::NotRun));
                if let Some((node, how)) = self.member_ended(w, StepStatus::NotRun) {
                    if how == Resolution::Failed {
                        self.failed_blocks.push(node - self.n);
                    }
                    work.push((node, how));
                }
            }
            self.dependents[node] = deps;
        }
        not_run
    }

    /// Records that a `wait any` member ended; returns the block's node and
    /// resolution when this decides the block.
    pub fn member_ended(
        &mut self,
        v: InstanceId,
        status: StepStatus,
    ) -> Option<(usize, Resolution)> {
        let a = self.any_of[v]?;
        let g = &mut self.any[a];
        g.open = g.open.saturating_sub(1);
        if g.decided.is_some() {
            return None;
        }
        if status == StepStatus::Succeeded {
            g.decided = Some(Resolution::Succeeded);
            return Some((self.n + a, Resolution::Succeeded));
        }
        self.settle(a)
    }

    /// Decides `wait any` block `a` if it is undecided and has no open
    /// member left: failed if a member failed or was cancelled, not run if
    /// a member could not run, else absent.
    pub fn settle(&mut self, a: usize) -> Option<(usize, Resolution)> {
        let g = &mut self.any[a];
        if g.decided.is_none() && g.open == 0 {
            let ended = |f: fn(StepStatus) -> bool| {
                g.members
                    .iter()
                    .any(|&m| matches!(self.state[m], State::Done(s) if f(s)))
            };
            let how = if ended(|s| s.is_failure() || s == StepStatus::Cancelled) {
                Resolution::Failed
            } else if ended(|s| s == StepStatus::NotRun) {
                Resolution::NotRun
            } else {
                Resolution::Absent
            };
            g.decided = Some(how);
            return Some((self.n + a, how));
        }
        None
    }
}
