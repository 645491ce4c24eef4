//! Estimates over the graph: the critical path, a list-scheduled total for N
//! workers, and the lower bound `max(critical path, total work / N)`.
//!
//! **The scheduling rule** (shared with the interpreter through
//! [`priorities`]): when a worker is free, start the ready step with the
//! longest *remaining path* — its own estimate plus the longest chain of
//! estimates of the steps that wait for it — ties going to the step that
//! comes first in the plan. A `for each … parallel N` loop never has more
//! than N iterations running at once.

use super::reduce::depths;
use super::rows::Rows;
use super::{Graph, GroupKind, InstanceId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use wfc_language::ir::StepKind;

/// [`Schedule::jobs_source`] when nothing set `jobs`: the CPU count.
pub const CPU_COUNT: &str = "CPU count";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    pub jobs: usize,
    /// Where `jobs` came from: "workflow concurrency", "workers" (`--jobs`)
    /// or [`CPU_COUNT`].
    pub jobs_source: String,
    /// `jobs` is the CPU count, which caps only what nothing in the file
    /// sizes: the steps of a `for each … parallel N` are bounded by their
    /// `N` alone (see [`sized_by_file`]).
    pub default_cap: bool,
    /// Each instance's estimate (ms).
    pub estimate_ms: Vec<u64>,
    /// Longest remaining path from each instance, its own estimate included (ms).
    pub priority: Vec<u64>,
    /// Stage of each instance: 0 for steps that wait for nothing, else one
    /// more than the deepest dependency. Steps of one stage can run together.
    pub stage: Vec<usize>,
    /// The longest path by estimate, in order.
    pub critical_path: Vec<InstanceId>,
    pub critical_ms: u64,
    /// Estimated total with `jobs` workers (list scheduling).
    pub total_ms: u64,
    /// `max(critical_ms, ceil(work_ms / jobs))`.
    pub lower_bound_ms: u64,
    /// Sum of every estimate (one worker).
    pub serial_ms: u64,
    /// When each instance starts in the simulated schedule.
    pub start_ms: Vec<u64>,
}

/// The longest remaining path from each node, its own estimate included:
/// the priority of the list scheduler (here and in the interpreter).
/// `dependents`: the instances that wait for each one ([`Graph::dependents`]).
pub fn priorities(dependents: &Rows, est: &[u64]) -> Vec<u64> {
    let (_, order) = depths(dependents);
    let mut prio: Vec<u64> = est.to_vec();
    for &v in order.iter().rev() {
        let after = dependents.row(v).map(|w| prio[w]).max().unwrap_or(0);
        prio[v] = est[v] + after;
    }
    prio
}

/// The critical path: from the root with the highest priority, follow the
/// dependent with the highest priority (ties: the earliest in the plan).
pub fn critical_path(dependents: &Rows, prio: &[u64]) -> Vec<InstanceId> {
    let n = dependents.len();
    let indeg = dependents.in_degrees();
    let best = |it: &mut dyn Iterator<Item = InstanceId>| it.max_by_key(|&v| (prio[v], Reverse(v)));
    let mut path = Vec::new();
    let mut cur = best(&mut (0..n).filter(|&v| indeg[v] == 0));
    while let Some(v) = cur {
        path.push(v);
        cur = best(&mut dependents.row(v));
    }
    path
}

/// A limit on concurrently running iterations: (iteration of each member, limit).
pub struct Limit {
    pub iteration: Vec<(InstanceId, usize)>,
    pub limit: usize,
}

/// Simulates list scheduling; returns (makespan, start times).
///
/// A ready step that its loop's limit blocks is parked with that limit,
/// not put back each time a worker frees (which made a `parallel N` loop
/// over n items quadratic): it comes back when its iteration starts, or
/// when the limit has room and it would be the next step chosen.
/// Steps that only wait (`free`: a `sleep`, a gate) take no worker, as in
/// the run.
pub fn list_schedule(
    dependents: &Rows,
    est: &[u64],
    prio: &[u64],
    jobs: usize,
    limits: &[Limit],
    free: &[bool],
) -> (u64, Vec<u64>) {
    let n = dependents.len();
    let jobs = jobs.max(1);
    let mut waiting = dependents.in_degrees();
    // Per instance: (limit index, iteration) of every limited loop it is in.
    let mut in_limits: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut running_in: Vec<Vec<usize>> = Vec::with_capacity(limits.len());
    let mut active: Vec<usize> = vec![0; limits.len()];
    let mut park = Parked::new(n, limits.len());
    for (li, l) in limits.iter().enumerate() {
        let iters = l.iteration.iter().map(|&(_, it)| it + 1).max().unwrap_or(0);
        running_in.push(vec![0; iters]);
        park.by_iteration.push(vec![Vec::new(); iters]);
        for &(v, it) in &l.iteration {
            in_limits[v].push((li, it));
        }
    }
    let mut ready: BinaryHeap<(u64, Reverse<InstanceId>)> = (0..n)
        .filter(|&v| waiting[v] == 0)
        .map(|v| (prio[v], Reverse(v)))
        .collect();
    let mut running: BinaryHeap<Reverse<(u64, InstanceId)>> = BinaryHeap::new();
    let mut start = vec![0u64; n];
    let mut now = 0u64;
    let mut end = 0u64;
    let mut working = 0usize;
    loop {
        loop {
            let top_free = ready.peek().is_some_and(|&(_, Reverse(v))| free[v]);
            if working >= jobs && !top_free {
                break;
            }
            // Parked steps of limits with room compete with the ready ones.
            let mut open = std::mem::take(&mut park.open);
            open.retain(|&li| active[li] < limits[li].limit && park.any(li));
            for &li in &open {
                if let Some(top) = park.top(li) {
                    if ready.peek().is_none_or(|&r| top > r) {
                        park.release(top.1 .0, &mut ready);
                    }
                }
            }
            park.open = open;
            let Some((p, Reverse(v))) = ready.pop() else {
                break;
            };
            let blocker = in_limits[v]
                .iter()
                .find(|&&(li, it)| running_in[li][it] == 0 && active[li] >= limits[li].limit);
            if let Some(&(li, it)) = blocker {
                park.park(v, p, li, it);
                continue;
            }
            for &(li, it) in &in_limits[v] {
                if running_in[li][it] == 0 {
                    active[li] += 1;
                    // Its iteration runs: its parked steps are free of `li`.
                    for w in std::mem::take(&mut park.by_iteration[li][it]) {
                        park.release(w, &mut ready);
                    }
                }
                running_in[li][it] += 1;
            }
            start[v] = now;
            working += usize::from(!free[v]);
            running.push(Reverse((now + est[v], v)));
        }
        let Some(Reverse((t, v))) = running.pop() else {
            break;
        };
        now = t;
        end = end.max(t);
        let mut finished = vec![v];
        while let Some(&Reverse((t2, w))) = running.peek() {
            if t2 != t {
                break;
            }
            running.pop();
            finished.push(w);
        }
        for v in finished {
            working -= usize::from(!free[v]);
            for &(li, it) in &in_limits[v] {
                running_in[li][it] -= 1;
                if running_in[li][it] == 0 {
                    active[li] -= 1;
                    park.open.push(li);
                }
            }
            for w in dependents.row(v) {
                waiting[w] -= 1;
                if waiting[w] == 0 {
                    ready.push((prio[w], Reverse(w)));
                }
            }
        }
        park.open.sort_unstable();
        park.open.dedup();
    }
    (end, start)
}

/// Ready steps blocked by a loop's limit, each parked with the first limit
/// that blocked it; released (once) back to the ready heap.
struct Parked {
    /// Per limit, its parked steps, best first (released ones stay until seen).
    heap: Vec<BinaryHeap<(u64, Reverse<InstanceId>)>>,
    /// Per limit and iteration, the steps parked there.
    by_iteration: Vec<Vec<Vec<InstanceId>>>,
    /// Each step's priority while parked.
    parked: Vec<Option<u64>>,
    /// Limits that may have room and parked steps.
    open: Vec<usize>,
}

impl Parked {
    fn new(n: usize, limits: usize) -> Parked {
        Parked {
            heap: vec![BinaryHeap::new(); limits],
            by_iteration: Vec::with_capacity(limits),
            parked: vec![None; n],
            open: Vec::new(),
        }
    }

    fn park(&mut self, v: InstanceId, p: u64, li: usize, it: usize) {
        self.parked[v] = Some(p);
        self.heap[li].push((p, Reverse(v)));
        self.by_iteration[li][it].push(v);
    }

    fn release(&mut self, v: InstanceId, ready: &mut BinaryHeap<(u64, Reverse<InstanceId>)>) {
        if let Some(p) = self.parked[v].take() {
            ready.push((p, Reverse(v)));
        }
    }

    /// The best step still parked with limit `li`.
    fn top(&mut self, li: usize) -> Option<(u64, Reverse<InstanceId>)> {
        let h = &mut self.heap[li];
        while let Some(&(p, Reverse(v))) = h.peek() {
            if self.parked[v] == Some(p) {
                return Some((p, Reverse(v)));
            }
            h.pop();
        }
        None
    }

    fn any(&mut self, li: usize) -> bool {
        self.top(li).is_some()
    }
}

/// Everything above, for one graph.
pub fn schedule(g: &Graph, jobs: usize, jobs_source: &str) -> Schedule {
    let dependents = g.dependents();
    let est: Vec<u64> = g.steps.iter().map(|s| s.estimate.ms).collect();
    let prio = priorities(&dependents, &est);
    let (stage, _) = depths(&dependents);
    let critical_path = critical_path(&dependents, &prio);
    let critical_ms = critical_path.first().map_or(0, |&v| prio[v]);
    let limits: Vec<Limit> = g
        .groups
        .iter()
        .filter_map(|grp| match &grp.kind {
            GroupKind::ForEach {
                iterations: Some(its),
                parallel: Some(Some(n)),
                ..
            } => Some(Limit {
                iteration: its
                    .iter()
                    .enumerate()
                    .flat_map(|(i, members)| members.iter().map(move |&m| (m, i)))
                    .collect(),
                limit: *n as usize,
            }),
            _ => None,
        })
        .collect();
    let default_cap = jobs_source == CPU_COUNT;
    let free: Vec<bool> = (0..g.len())
        .map(|v| {
            matches!(g.steps[v].kind, StepKind::Sleep | StepKind::Gate)
                || (default_cap && sized_by_file(g, v))
        })
        .collect();
    let (total_ms, start_ms) = list_schedule(&dependents, &est, &prio, jobs, &limits, &free);
    let serial_ms: u64 = est.iter().sum();
    let jobs = jobs.max(1);
    // Waiting takes no worker: only work is shared among the jobs.
    let work_ms: u64 = (est.iter().zip(&free))
        .filter(|(_, &f)| !f)
        .map(|(e, _)| e)
        .sum();
    let lower_bound_ms = critical_ms.max(work_ms.div_ceil(jobs as u64));
    Schedule {
        jobs,
        jobs_source: jobs_source.to_string(),
        default_cap,
        estimate_ms: est,
        priority: prio,
        stage,
        critical_path,
        critical_ms,
        total_ms,
        lower_bound_ms,
        serial_ms,
        start_ms,
    }
}

/// Whether instance `v` is inside a `for each … parallel N` whose `N` the
/// file writes: that number, not the CPU count, bounds it.
pub fn sized_by_file(g: &Graph, v: InstanceId) -> bool {
    let mut cur = g.steps[v].group;
    while let Some(gi) = cur {
        if let GroupKind::ForEach {
            parallel: Some(Some(_)),
            ..
        } = g.groups[gi].kind
        {
            return true;
        }
        cur = g.groups[gi].parent;
    }
    false
}

impl Schedule {
    /// How many of group `grp`'s steps run at once: one for a sequential
    /// loop or a `sequence`; a loop's `parallel N` (less when `jobs`, set
    /// by `concurrency` or `--jobs`, is smaller); else `jobs`.
    pub fn group_concurrency(&self, g: &Graph, grp: usize) -> usize {
        match &g.groups[grp].kind {
            GroupKind::ForEach { parallel: None, .. } | GroupKind::Sequence => 1,
            GroupKind::ForEach {
                parallel: Some(Some(n)),
                ..
            } if self.default_cap => *n as usize,
            GroupKind::ForEach {
                parallel: Some(Some(n)),
                ..
            } => (*n as usize).min(self.jobs),
            _ => self.jobs,
        }
    }
}
