//! How often each step was on its run's critical path: the longest chain
//! of dependencies by the durations the run actually took. The deps come
//! from the run's recorded plan fingerprints (each step's `def` names its
//! `depends_on`), the durations from its `steps` rows.

use crate::params;
use crate::Store;
use std::collections::{BTreeMap, HashMap};

/// Per step name: the runs it was on the critical path of, and how many
/// runs were measured.
pub struct Shares {
    pub runs: usize,
    pub on_path: BTreeMap<String, usize>,
}

/// The critical paths of `workflow`'s succeeded runs started at `since_ms`
/// or later, at most the `last` most recent.
pub fn shares(store: &Store, workflow: &str, last: usize, since_ms: i64) -> crate::Result<Shares> {
    let conn = &store.conn;
    let mut q = conn.prepare(
        "SELECT id FROM runs WHERE workflow = ?1 AND started_at >= ?3 AND status = 'succeeded'
          ORDER BY started_at DESC LIMIT ?2",
    )?;
    let ids: Vec<String> = q
        .query_map(params![workflow, last as i64, since_ms], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut durations = conn.prepare(
        "SELECT name, COALESCE(duration_ms, 0) FROM steps WHERE run_id = ?1 AND graph = 'main'",
    )?;
    let mut out = Shares {
        runs: 0,
        on_path: BTreeMap::new(),
    };
    for id in ids {
        let Some(plan) = crate::reuse::read_plan(store, &id)? else {
            continue;
        };
        let took: HashMap<String, i64> = durations
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let steps = deps_of(&plan);
        if steps.is_empty() {
            continue;
        }
        out.runs += 1;
        for name in &steps {
            out.on_path.entry(name.0.clone()).or_insert(0);
        }
        let weights: Vec<i64> = steps
            .iter()
            .map(|(n, _)| took.get(n).copied().unwrap_or(0))
            .collect();
        for i in longest_path(&steps, &weights) {
            *out.on_path.entry(steps[i].0.clone()).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// The recorded plan's steps: name and the names it depends on.
fn deps_of(plan: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    let Some(steps) = plan["steps"].as_array() else {
        return Vec::new();
    };
    steps
        .iter()
        .filter_map(|s| {
            let name = s["name"].as_str()?.to_owned();
            let deps = s["def"]["depends_on"]
                .as_array()
                .map(|ds| {
                    ds.iter()
                        .filter_map(|d| d.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Some((name, deps))
        })
        .collect()
}

/// The indices of the steps on the longest path by `weights` (a DAG:
/// Kahn's order, so a chain of thousands of steps needs no deep stack).
pub fn longest_path(steps: &[(String, Vec<String>)], weights: &[i64]) -> Vec<usize> {
    let index: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let deps: Vec<Vec<usize>> = steps
        .iter()
        .map(|(_, ds)| {
            ds.iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect()
        })
        .collect();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents = vec![Vec::new(); steps.len()];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..steps.len()).filter(|&i| waiting[i] == 0).collect();
    let mut finish = vec![0i64; steps.len()];
    let mut via: Vec<Option<usize>> = vec![None; steps.len()];
    while let Some(i) = ready.pop() {
        // The dependency that finished last decides when this step could start.
        let before = deps[i]
            .iter()
            .copied()
            .max_by_key(|&d| (finish[d], usize::MAX - d));
        via[i] = before;
        finish[i] = before.map_or(0, |d| finish[d]) + weights[i].max(0);
        for &n in &dependents[i] {
            waiting[n] -= 1;
            if waiting[n] == 0 {
                ready.push(n);
            }
        }
    }
    let end = (0..steps.len()).max_by_key(|&i| (finish[i], usize::MAX - i));
    let mut path = Vec::new();
    let mut at = end;
    while let Some(i) = at {
        path.push(i);
        at = via[i];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, deps: &[&str]) -> (String, Vec<String>) {
        (name.into(), deps.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn a_diamond_s_long_branch_is_the_path() {
        let steps = [
            step("a", &[]),
            step("long", &["a"]),
            step("short", &["a"]),
            step("z", &["long", "short"]),
        ];
        let mut path = longest_path(&steps, &[10, 500, 20, 5]);
        path.sort_unstable();
        assert_eq!(path, vec![0, 1, 3]);
        let mut path = longest_path(&steps, &[10, 5, 20, 5]);
        path.sort_unstable();
        assert_eq!(path, vec![0, 2, 3]);
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let steps: Vec<_> = (0..20_000)
            .map(|i| {
                let deps = if i == 0 {
                    vec![]
                } else {
                    vec![format!("s{}", i - 1)]
                };
                (format!("s{i}"), deps)
            })
            .collect();
        assert_eq!(longest_path(&steps, &vec![1; 20_000]).len(), 20_000);
    }
}
