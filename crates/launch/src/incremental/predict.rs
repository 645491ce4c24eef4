//! `wfc plan`'s "will run" / "up to date": for each main-graph step that
//! declares `sources`, compared with its latest succeeded record in the
//! store — its sources now, its definition (the plan's fingerprint of it,
//! params folded in) against the one that run recorded, what its
//! dependencies will give against what it read then, and whether that
//! run's kept files are still there. A prediction: the run decides on the
//! step as resolved (values only known then, such as `run.id`, may still
//! make it run), and a step after one that runs is decided when that one
//! has given its outputs (it is up to date if they are the same).

use super::scope_of;
use std::collections::HashMap;
use wfc_language::check::kinds::{UP_TO_DATE_SHELL, UP_TO_DATE_SQL};
use wfc_language::ir::{sources, FieldValue, Workflow};
use wfc_plan::eval::{eval, Eval, Scope};
use wfc_plan::{InstanceId, Plan, RefTarget};
use wfc_sources::{Finder, Manifest, StatCache};
use wfc_store::up_to_date::{copies_kept, latest, InputsRow};
use wfc_store::{reuse, Store};

/// What the plan says of one step.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Predicted {
    /// It will be restored from run `run`.
    UpToDate { run: String },
    /// It will run, for these reasons.
    WillRun { reasons: Vec<String> },
    /// Decided once the steps before it have run.
    AtRunTime { reason: String },
}

impl Predicted {
    /// `up to date (run X)`, `will run: why; why`, `decided at run time: why`.
    pub fn describe(&self) -> String {
        match self {
            Predicted::UpToDate { run } => format!("up to date (run {run})"),
            Predicted::WillRun { reasons } => format!("will run: {}", reasons.join("; ")),
            Predicted::AtRunTime { reason } => format!("decided at run time: {reason}"),
        }
    }
}

/// Every main-graph step with `sources`, in plan order, with what the
/// plan says of it. `file`: the workflow file as the run would record it.
pub fn predict(store: &Store, plan: &Plan, wf: &Workflow, file: &str) -> Vec<(String, Predicted)> {
    let (scope, root) = scope_of(file, &plan.workflow);
    let cache_file = store.dir().join(wfc_run::up_to_date::CACHE_FILE);
    let mut cache = StatCache::load(&cache_file);
    let now = reuse::fingerprints_of(plan, wf, Some(file));
    let now: serde_json::Value = serde_json::from_str(&now).unwrap_or_default();
    let mut p = Predictor {
        store,
        plan,
        scope,
        finder: Finder::new(&root, &mut cache),
        now,
        recorded: HashMap::new(),
        memo: vec![None; plan.main.len()],
    };
    let out = (0..plan.main.len())
        .filter_map(|i| Some((plan.main.steps[i].name.clone(), p.step(i)?)))
        .collect();
    drop(p);
    if store.dir().exists() {
        let _ = cache.save(&cache_file);
    }
    out
}

type Memo = Option<Option<(Predicted, Option<InputsRow>)>>;

struct Predictor<'a, 'c> {
    store: &'a Store,
    plan: &'a Plan,
    scope: String,
    finder: Finder<'c>,
    now: serde_json::Value,
    /// Recorded fingerprints and params, by run.
    recorded: HashMap<String, Option<reuse::Recorded>>,
    memo: Vec<Memo>,
}

impl Predictor<'_, '_> {
    fn step(&mut self, i: InstanceId) -> Option<Predicted> {
        self.decide(i).map(|(p, _)| p)
    }

    /// `None`: the step has no `sources`.
    fn decide(&mut self, i: InstanceId) -> Option<(Predicted, Option<InputsRow>)> {
        if let Some(m) = &self.memo[i] {
            return m.clone();
        }
        let d = self.decide_now(i);
        self.memo[i] = Some(d.clone());
        d
    }

    fn decide_now(&mut self, i: InstanceId) -> Option<(Predicted, Option<InputsRow>)> {
        let step = &self.plan.main.steps[i];
        let check = step
            .fields
            .iter()
            .find(|f| [UP_TO_DATE_SHELL, UP_TO_DATE_SQL].contains(&f.name.as_str()))
            .map(|f| f.name.clone());
        let Some(globs) = self.globs(i) else {
            // Its check alone decides, as it starts (never at plan time:
            // `wfc plan` runs nothing), when a run to take outputs from exists.
            let check = check?;
            let will = |r: String| Some((Predicted::WillRun { reasons: vec![r] }, None));
            return match wfc_store::up_to_date::last(self.store, &self.scope, &step.name) {
                Ok(Some(_)) => {
                    let reason = format!("its `{check}` check decides as it starts");
                    Some((Predicted::AtRunTime { reason }, None))
                }
                Ok(None) => will("no earlier run".into()),
                Err(e) => will(format!("the store cannot be read: {e}")),
            };
        };
        let name = step.name.clone();
        let will = |r: Vec<String>| Predicted::WillRun { reasons: r };
        let row = match latest(self.store, &self.scope, &name, None, None) {
            Ok(Some(r)) => r,
            Ok(None) => return Some((will(vec!["no earlier run".into()]), None)),
            Err(e) => return Some((will(vec![format!("the store cannot be read: {e}")]), None)),
        };
        let mut reasons = Vec::new();
        match globs.and_then(|g| self.finder.manifest(&g).map_err(|e| e.to_string())) {
            Ok(m) => {
                let before = Manifest::from_json(&row.sources).unwrap_or_default();
                let d = m.diff(&before);
                if !d.is_empty() {
                    reasons.push(format!("sources: {}", d.describe(3)));
                }
            }
            Err(e) => reasons.push(format!("its sources cannot be read: {e}")),
        }
        reasons.extend(self.definition(&row, &name));
        let mut later = Vec::new();
        let deps: serde_json::Value = serde_json::from_str(&row.deps).unwrap_or_default();
        for d in inputs_of(self.plan, i) {
            let dep = self.plan.main.steps[d].name.clone();
            match self.decide(d) {
                None => later.push(format!("`{dep}` (no `sources`: it always runs)")),
                Some((Predicted::UpToDate { .. }, Some(r))) => {
                    let gave: serde_json::Value = serde_json::from_str(&r.gave).unwrap_or_default();
                    if deps.get(&dep) != Some(&gave) {
                        reasons.push(format!(
                            "`{dep}` gives other outputs or files than it gave run {}",
                            row.run_id
                        ));
                    }
                }
                Some(_) => later.push(format!("`{dep}`")),
            }
        }
        match copies_kept(self.store, &row.run_id, &name) {
            Ok(Err(why)) => reasons.push(why),
            Err(e) => reasons.push(format!("the store cannot be read: {e}")),
            Ok(Ok(_)) => {}
        }
        let origin = row.origin.clone().unwrap_or_else(|| row.run_id.clone());
        let p = if !reasons.is_empty() {
            will(reasons)
        } else if !later.is_empty() {
            Predicted::AtRunTime {
                reason: format!(
                    "after {} run: up to date if {} what {} run {origin}",
                    later.join(", "),
                    if later.len() == 1 {
                        "it gives"
                    } else {
                        "they give"
                    },
                    if later.len() == 1 {
                        "it gave"
                    } else {
                        "they gave"
                    },
                ),
            }
        } else if let Some(check) = check {
            Predicted::AtRunTime {
                reason: format!(
                    "up to date with run {origin} if its `{check}` check says so as it starts"
                ),
            }
        } else {
            Predicted::UpToDate { run: origin }
        };
        Some((p, Some(row)))
    }

    /// How the step's definition changed since `row`'s run (params named).
    fn definition(&mut self, row: &InputsRow, name: &str) -> Vec<String> {
        let store = self.store;
        let rec = self
            .recorded
            .entry(row.run_id.clone())
            .or_insert_with(|| reuse::recorded(store, &row.run_id).ok());
        let Some(rec) = rec.as_ref() else {
            return vec![format!("run {} has no recorded plan", row.run_id)];
        };
        let Some(plan) = &rec.plan else {
            return vec![format!("run {} has no recorded plan", row.run_id)];
        };
        let changes = reuse::step_changes(plan, &self.now, name).unwrap_or_default();
        if changes.is_empty() {
            return Vec::new();
        }
        let mut out = vec![format!("definition changed ({})", changes.join("; "))];
        for p in self.plan.params.iter().filter(|p| !p.secret) {
            let now = p.value.to_json();
            match rec.params.get(&p.name) {
                Some(was) if *was != now => {
                    out.push(format!("param `{}`: {was} → {now}", p.name));
                }
                _ => {}
            }
        }
        out
    }

    /// The step's `sources`, evaluated at plan time (`None`: it has none).
    fn globs(&self, i: InstanceId) -> Option<Result<Vec<String>, String>> {
        let step = &self.plan.main.steps[i];
        let f = step.fields.iter().find(|f| f.name == sources::FIELD)?;
        let FieldValue::Expr(e) = &f.value else {
            return None;
        };
        let mut params = Vec::new();
        for p in &self.plan.params {
            if params.len() <= p.id {
                params.resize(p.id + 1, None);
            }
            params[p.id] = Some(p.value.clone());
        }
        let loops: Vec<_> = step.items.iter().map(|(b, _, v)| (*b, v.clone())).collect();
        let scope = Scope {
            params: &params,
            loops: &loops,
            pruned: &|_| false,
        };
        Some(match eval(e, &scope) {
            Eval::Known(v) => wfc_run::up_to_date::globs_of(v),
            Eval::Unknown => Err("the globs are known only when the run starts".into()),
            Eval::Error(e) => Err(e),
        })
    }
}

/// The steps step `i` takes something from: its dependencies and the
/// steps whose outputs it reads (as a run counts them).
pub fn inputs_of(plan: &Plan, i: InstanceId) -> Vec<InstanceId> {
    let step = &plan.main.steps[i];
    let mut from: Vec<InstanceId> = step.deps.iter().map(|d| d.on()).collect();
    for r in &step.reads {
        match &r.target {
            RefTarget::One(x) => from.push(*x),
            RefTarget::List(xs) => from.extend(xs),
            RefTarget::Absent => {}
        }
    }
    from.sort_unstable();
    from.dedup();
    from.retain(|&d| d < plan.main.len());
    from
}
