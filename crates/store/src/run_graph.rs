//! The graph a run's page draws, recorded with the run's plan.
//!
//! A run is drawn from ITS plan, not from the workflow file as it is now.
//! Next to the fingerprints (`{"steps": […]}` in `plans.plan`, see
//! [`super::reuse`]), new runs store a compact graph under the top-level key
//! `"graph"`: every main-graph instance with its kind, its dependencies (as
//! indices), its estimate, whether it is on the plan's critical path and its
//! innermost group; the groups (`parallel`, `sequence`, `for_each`, with
//! `wait any|all`); the handlers' step names. Readers of the fingerprints
//! look at `"steps"` only, so the extra key changes nothing for them.
//!
//! Runs recorded before have no graph: [`read`] rebuilds one from the
//! fingerprints' `def.depends_on`, without estimates or critical path.

use crate::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wfc_language::ir::{HandlerKind, Wait};
use wfc_plan::{GroupKind, Plan};

/// A run's graph, as [`read`] gives it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunGraph {
    /// Main-graph instances in plan order.
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub groups: Vec<GroupInfo>,
    /// The critical path's estimate; `None` for a run recorded without a graph.
    #[serde(default)]
    pub critical_ms: Option<u64>,
    /// Each handler (`on_failure`, `on_success`, `finally`) with its steps.
    #[serde(default)]
    pub handlers: Vec<(String, Vec<String>)>,
}

/// One main-graph instance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub kind: String,
    /// Indices into [`RunGraph::nodes`] of what it waits for.
    #[serde(default)]
    pub deps: Vec<usize>,
    /// The plan's estimate; `None`: not known (a run recorded without a graph).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
    /// Index into [`RunGraph::groups`] of its innermost group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// Its compensation's steps (`on failure rollback`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollback: Vec<String>,
}

/// A `parallel` or `sequence` block, or a `for each` loop.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub name: String,
    /// `parallel`, `sequence` or `for_each`.
    pub kind: String,
    /// `any` or `all` for a parallel block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<String>,
}

/// The graph of `plan`, borrowed from it for writing.
#[derive(Serialize)]
struct Borrowed<'a> {
    nodes: Vec<BorrowedNode<'a>>,
    groups: Vec<GroupInfo>,
    critical_ms: u64,
    handlers: Vec<(&'static str, Vec<&'a str>)>,
}

#[derive(Serialize)]
struct BorrowedNode<'a> {
    name: &'a str,
    kind: &'static str,
    deps: Vec<usize>,
    estimate_ms: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    critical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rollback: Vec<&'a str>,
}

/// Writes the graph of `plan` as JSON (the value of the `"graph"` key).
/// Linear in the plan: one small object per instance.
pub fn write(plan: &Plan, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let g = &plan.main;
    let sch = &plan.schedule;
    let mut critical = vec![false; g.len()];
    for &i in &sch.critical_path {
        if let Some(c) = critical.get_mut(i) {
            *c = true;
        }
    }
    let nodes = (g.steps.iter().enumerate())
        .map(|(i, s)| BorrowedNode {
            name: &s.name,
            kind: s.kind.name(),
            deps: s.deps.iter().map(|d| d.on()).collect(),
            estimate_ms: sch.estimate_ms.get(i).copied().unwrap_or(0),
            critical: critical[i],
            group: s.group,
            rollback: (s.rollback.iter())
                .flat_map(|rb| rb.steps.iter().map(|r| r.name.as_str()))
                .collect(),
        })
        .collect();
    let groups = (g.groups.iter())
        .map(|grp| {
            let (kind, wait) = match &grp.kind {
                GroupKind::Parallel { wait } => (
                    "parallel",
                    Some(match wait {
                        Wait::All => "all",
                        Wait::Any => "any",
                    }),
                ),
                GroupKind::Sequence => ("sequence", None),
                GroupKind::ForEach { .. } => ("for_each", None),
            };
            GroupInfo {
                name: grp.name.clone(),
                kind: kind.to_owned(),
                wait: wait.map(str::to_owned),
            }
        })
        .collect();
    let handlers = [
        HandlerKind::Failure,
        HandlerKind::Success,
        HandlerKind::Finally,
    ]
    .into_iter()
    .filter_map(|kind| {
        let h = plan.handler(kind)?;
        let name = match kind {
            HandlerKind::Failure => "on_failure",
            HandlerKind::Success => "on_success",
            HandlerKind::Finally => "finally",
        };
        Some((name, h.steps.iter().map(|s| s.name.as_str()).collect()))
    })
    .collect();
    let graph = Borrowed {
        nodes,
        groups,
        critical_ms: sch.critical_ms,
        handlers,
    };
    serde_json::to_writer(out, &graph).map_err(std::io::Error::other)
}

/// What [`read`] takes from the stored JSON: the graph when recorded, and
/// otherwise the fingerprints' names, kinds and dependencies.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    graph: Option<RunGraph>,
    #[serde(default)]
    steps: Vec<Fingerprint>,
}

#[derive(Deserialize)]
struct Fingerprint {
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    def: Definition,
}

#[derive(Deserialize, Default)]
struct Definition {
    #[serde(default)]
    depends_on: Vec<String>,
}

/// Run `run_id`'s graph: as recorded with its plan, or rebuilt from its
/// fingerprints for a run recorded before graphs were (no estimates, no
/// critical path). `None`: no such run, or no plan recorded.
pub fn read(store: &Store, run_id: &str) -> Option<RunGraph> {
    let conn = &store.conn;
    use crate::db::Optional;
    let v: crate::db::Value = conn
        .query_row("SELECT plan FROM plans WHERE run_id = ?1", [run_id], |r| {
            r.get(0)
        })
        .optional()
        .ok()??;
    let stored: Stored = decode(v)?;
    Some(match stored.graph {
        Some(g) => g,
        None => from_fingerprints(stored.steps),
    })
}

/// A planned step's name and kind, as the fingerprints give them.
#[derive(Deserialize)]
pub(crate) struct Planned {
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Deserialize)]
struct PlannedSteps {
    #[serde(default)]
    steps: Vec<Planned>,
}

/// Run `run_id`'s main-graph steps in plan order, names and kinds only:
/// the definitions and the graph beside them are skipped, not built (a
/// `Value` of a 20,000-step plan's JSON is ~100 MB). `None`: no plan
/// recorded, or one that does not decode.
pub(crate) fn planned_steps(store: &Store, run_id: &str) -> crate::Result<Option<Vec<Planned>>> {
    use crate::db::Optional;
    let v: Option<crate::db::Value> = store
        .conn
        .query_row("SELECT plan FROM plans WHERE run_id = ?1", [run_id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(decode::<PlannedSteps>).map(|p| p.steps))
}

fn decode<T: serde::de::DeserializeOwned>(v: crate::db::Value) -> Option<T> {
    use crate::db::Value as V;
    match v {
        V::Text(t) => serde_json::from_str(&t).ok(),
        V::Blob(b) if b.starts_with(&[0x1f, 0x8b]) => {
            let gz = flate2::read::GzDecoder::new(&b[..]);
            serde_json::from_reader(std::io::BufReader::new(gz)).ok()
        }
        V::Blob(b) => serde_json::from_slice(&b).ok(),
        _ => None,
    }
}

/// The graph of a run recorded before graphs were: dependencies by name.
fn from_fingerprints(steps: Vec<Fingerprint>) -> RunGraph {
    let index: HashMap<&str, usize> = (steps.iter().enumerate())
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let nodes = (steps.iter())
        .map(|s| Node {
            name: s.name.clone(),
            kind: s.kind.clone(),
            deps: (s.def.depends_on.iter())
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect(),
            ..Node::default()
        })
        .collect();
    RunGraph {
        nodes,
        ..RunGraph::default()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The plan of `text` (one workflow, default params, 2 jobs) and its IR:
    /// for the store's tests.
    pub(crate) fn plan_of(text: &str) -> (Plan, wfc_language::ir::Workflow) {
        let a = wfc_language::analysis::analyze_lean("w.wf", text.to_owned());
        let wf = a.module.unwrap().into_first().ir;
        let plan = wfc_plan::plan(
            &wf,
            &wfc_plan::ParamInput::default(),
            wfc_plan::Options { jobs: Some(2) },
            &wfc_plan::DefaultEstimator,
        )
        .unwrap();
        (plan, wf)
    }

    const DIAMOND: &str = r#"
workflow d {
  step a: shell {
    run "true"
    estimate 1s
  }
  step b: shell {
    run "true"
    estimate 5s
    depends on a
  }
  step c: shell {
    run "true"
    estimate 1s
    depends on a
  }
  step e: shell {
    run "true"
    estimate 1s
    depends on b, c
  }
  for each r in ["x", "y"] parallel {
    step ship: shell {
      run "echo ${r}"
      depends on e
    }
  }
  on failure {
    step tell: shell { run "true" }
  }
}
"#;

    fn stored(blob: Vec<u8>) -> crate::Store {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE plans (run_id TEXT PRIMARY KEY, plan BLOB)")
            .unwrap();
        conn.execute("INSERT INTO plans VALUES ('r', ?1)", [&blob])
            .unwrap();
        crate::Store::over(conn, std::path::Path::new("")).unwrap()
    }

    #[test]
    fn the_recorded_graph_reads_back_with_estimates_and_the_critical_path() {
        let (plan, wf) = plan_of(DIAMOND);
        let conn = stored(super::super::reuse::stored_fingerprints(&plan, &wf));
        let g = read(&conn, "r").unwrap();
        let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "e", "ship[x]", "ship[y]"]);
        let at = |n: &str| &g.nodes[names.iter().position(|m| *m == n).unwrap()];
        assert_eq!(at("e").deps, [1, 2]);
        assert_eq!(at("b").estimate_ms, Some(5000));
        let critical: Vec<&str> = (g.nodes.iter().filter(|n| n.critical))
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(&critical[..3], ["a", "b", "e"], "{critical:?}");
        assert!(!at("c").critical);
        let grp = &g.groups[at("ship[y]").group.unwrap()];
        assert_eq!(grp.kind, "for_each");
        assert_eq!(
            g.handlers,
            [("on_failure".to_owned(), vec!["tell".to_owned()])]
        );
        // The fingerprints' readers see the same steps as before.
        let fp = super::super::reuse::read_plan(&conn, "r").unwrap().unwrap();
        assert_eq!(fp["steps"].as_array().unwrap().len(), 6);
        assert_eq!(super::super::reuse::gates(&fp), Vec::<String>::new());
    }

    #[test]
    fn a_run_recorded_without_a_graph_is_drawn_from_its_fingerprints() {
        let (plan, wf) = plan_of(DIAMOND);
        // What earlier builds stored: the fingerprints alone, as text.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE plans (run_id TEXT PRIMARY KEY, plan BLOB)")
            .unwrap();
        let text = super::super::reuse::fingerprints(&plan, &wf);
        assert!(!text.contains("\"graph\""));
        conn.execute("INSERT INTO plans VALUES ('r', ?1)", [&text])
            .unwrap();
        let conn = crate::Store::over(conn, std::path::Path::new("")).unwrap();
        let g = read(&conn, "r").unwrap();
        assert_eq!(g.nodes.len(), 6);
        assert_eq!(g.nodes[3].deps, [1, 2]);
        assert_eq!(g.nodes[4].deps, [3]);
        assert!(g
            .nodes
            .iter()
            .all(|n| n.estimate_ms.is_none() && !n.critical));
        assert_eq!(g.critical_ms, None);
        assert_eq!(read(&conn, "missing"), None);
    }

    /// The graph adds little to what a big plan stores.
    #[test]
    fn the_graph_of_a_big_chain_stays_small() {
        let (plan, wf) = plan_of(&wfc_testkit::shell_dag("chain", 5000));
        let with = super::super::reuse::stored_fingerprints(&plan, &wf).len();
        let mut graph = Vec::new();
        write(&plan, &mut graph).unwrap();
        assert!(graph.len() < 5000 * 120, "{} bytes of JSON", graph.len());
        let conn = stored(super::super::reuse::stored_fingerprints(&plan, &wf));
        let g = read(&conn, "r").unwrap();
        assert_eq!(g.nodes.len(), 5000);
        assert!(with < 200_000, "{with} bytes stored");
    }
}
