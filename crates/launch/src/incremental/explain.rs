//! `wfc explain RUN STEP`: why a step ran, was up to date, was skipped or
//! did not run, from what the run recorded: its step row, its
//! `step_inputs` row, and the latest succeeded run of the step before it.

use serde::Serialize;
use wfc_sources::Manifest;
use wfc_store::query::{self, StepRow};
use wfc_store::up_to_date::{latest, of_run, InputsRow};
use wfc_store::{reuse, Store};

/// The answer: what happened, in one line, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    pub run: String,
    pub step: String,
    /// As recorded (`succeeded`, `failed`, `skipped`, `not_run`, `pending`…).
    pub status: String,
    /// `ran`, `up_to_date`, `skipped`, `did_not_run`, `failed`, `running`.
    pub verdict: String,
    /// The run it was up to date with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub up_to_date_with: Option<String>,
    /// The run it was compared with to decide that it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub compared_with: Option<String>,
    pub reasons: Vec<String>,
}

/// Explains step `step` of run `run` (`Ok(Err(why))`: no such step).
pub fn explain(
    store: &Store,
    run: &str,
    step: &str,
) -> wfc_store::Result<Result<Explanation, String>> {
    let Some(detail) = query::detail(store, run)? else {
        return Ok(Err(format!("no run {run}")));
    };
    let Some(row) = detail
        .step_list
        .iter()
        .find(|s| s.name == step && s.graph == "main")
    else {
        let names = detail.step_list.iter().map(|s| s.name.as_str());
        let hint = wfc_language::diag::did_you_mean(step, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Ok(Err(format!("run {run} has no step `{step}`{hint}")));
    };
    let inputs = of_run(store, run, step)?;
    let mut e = Explanation {
        run: run.to_owned(),
        step: step.to_owned(),
        status: row.status.clone(),
        verdict: String::new(),
        up_to_date_with: None,
        compared_with: None,
        reasons: Vec::new(),
    };
    match (&inputs, row.status.as_str()) {
        (Some(i), "succeeded") if i.origin.is_some() => up_to_date(store, i, row, &mut e)?,
        (Some(i), _) => ran(store, run, i, &mut e)?,
        (None, status) => without_inputs(store, run, row, status, &mut e)?,
    }
    Ok(Ok(e))
}

fn up_to_date(
    store: &Store,
    i: &InputsRow,
    row: &StepRow,
    e: &mut Explanation,
) -> wfc_store::Result<()> {
    let origin = i.origin.clone().unwrap_or_default();
    let files = Manifest::from_json(&i.sources).map_or(0, |m| m.files.len());
    let deps: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&i.deps).unwrap_or_default();
    e.verdict = "up_to_date".into();
    // A step its `up to date when` check alone decided has no key.
    if !i.key.is_empty() {
        e.reasons.push(format!(
            "its {files} source file{} had the contents run {origin} saw",
            if files == 1 { "" } else { "s" }
        ));
        let mut same = "the step as resolved (its command, env and fields)".to_owned();
        let verb = if deps.is_empty() { "was" } else { "were" };
        if !deps.is_empty() {
            let names: Vec<String> = deps.keys().map(|k| format!("`{k}`")).collect();
            same.push_str(&format!(" and the files it read from {}", names.join(", ")));
        }
        e.reasons.push(format!("{same} {verb} the same as then"));
    }
    if let Some(said) = &i.checked {
        e.reasons
            .push(format!("{said}: what it makes is there already"));
    }
    let kept = wfc_store::artifacts::list(store, &e.run)?
        .into_iter()
        .filter(|a| a.graph == "main" && a.step == e.step)
        .count();
    e.reasons.push(format!(
        "so it did not run: its outputs{} were restored from run {origin}",
        if kept > 0 {
            format!(" and {kept} kept file(s)")
        } else {
            String::new()
        }
    ));
    let _ = row;
    e.up_to_date_with = Some(origin);
    Ok(())
}

fn ran(store: &Store, run: &str, i: &InputsRow, e: &mut Explanation) -> wfc_store::Result<()> {
    e.verdict = if e.status == "succeeded" {
        "ran"
    } else {
        "failed"
    }
    .into();
    if i.forced {
        e.reasons.push("`--force` or `--rerun` asked for it".into());
        return Ok(());
    }
    if let Some(said) = &i.checked {
        e.reasons.push(said.clone());
        if i.key.is_empty() {
            return Ok(()); // Its check alone decides it.
        }
    }
    let scope = wfc_store::up_to_date::scope_of(store, run)?.unwrap_or_default();
    let Some(prev) = latest(store, &scope, &e.step, Some(run), Some(i.at))? else {
        e.reasons
            .push("no earlier run of it succeeded in this store".into());
        return Ok(());
    };
    e.compared_with = Some(prev.run_id.clone());
    let d = Manifest::from_json(&i.sources)
        .unwrap_or_default()
        .diff(&Manifest::from_json(&prev.sources).unwrap_or_default());
    if !d.is_empty() {
        e.reasons.push(format!("sources: {}", d.describe(5)));
    }
    let (a, b) = (
        reuse::recorded(store, &prev.run_id)?,
        reuse::recorded(store, run)?,
    );
    if let (Some(pa), Some(pb)) = (&a.plan, &b.plan) {
        let changes = reuse::step_changes(pa, pb, &e.step).unwrap_or_default();
        if !changes.is_empty() {
            e.reasons
                .push(format!("definition changed ({})", changes.join("; ")));
            for (k, was) in &a.params {
                match b.params.get(k) {
                    Some(now) if now != was && now.as_str() != Some(wfc_contract::MASK) => {
                        e.reasons.push(format!("param `{k}`: {was} → {now}"));
                    }
                    _ => {}
                }
            }
        }
    }
    let (was, now): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&prev.deps).unwrap_or_default(),
        serde_json::from_str(&i.deps).unwrap_or_default(),
    );
    for (dep, v) in now.as_object().into_iter().flatten() {
        match was.get(dep) {
            None => e
                .reasons
                .push(format!("it reads `{dep}`, which it did not read then")),
            Some(w) if w["artifacts"] != v["artifacts"] => e.reasons.push(format!(
                "`{dep}` kept other files than it did for run {}",
                prev.run_id
            )),
            Some(w) if w["outputs"] != v["outputs"] => e.reasons.push(format!(
                "`{dep}` gave other outputs than it did for run {}",
                prev.run_id
            )),
            Some(_) => {}
        }
    }
    if e.reasons.is_empty() {
        e.reasons.push(if prev.key == i.key {
            format!("run {} had the same inputs, but the files it kept were gone", prev.run_id)
        } else {
            format!(
                "the step as resolved differed from run {} (a value known only when it runs: an environment variable, `run.id`, a secret, …)",
                prev.run_id
            )
        });
    }
    Ok(())
}

fn without_inputs(
    store: &Store,
    run: &str,
    row: &StepRow,
    status: &str,
    e: &mut Explanation,
) -> wfc_store::Result<()> {
    let has_sources = reuse::recorded(store, run)?
        .plan
        .and_then(|p| {
            p["steps"]
                .as_array()?
                .iter()
                .find(|s| s["name"].as_str() == Some(e.step.as_str()))
                .map(|s| s["def"]["fields"].get("sources").is_some())
        })
        .unwrap_or(false);
    let why = row.error.clone().filter(|e| !e.is_empty());
    e.verdict = match status {
        "succeeded" => "ran",
        "skipped" => "skipped",
        "not_run" | "pending" | "cancelled" | "interrupted" => "did_not_run",
        "running" | "waiting" => "running",
        _ => "failed",
    }
    .into();
    if let Some(w) = why {
        e.reasons.push(w);
    }
    match (status, has_sources) {
        ("succeeded", false) => e
            .reasons
            .push("it declares no `sources`, so it runs every time".into()),
        (_, false) if e.verdict == "failed" => e
            .reasons
            .push("it declares no `sources`, so it ran as every run does".into()),
        ("pending", _) => e.reasons.push("the run ended before it started".into()),
        (_, true) if e.verdict == "failed" => e.reasons.push(
            "it ran: what decides whether a step is up to date is kept only when it succeeds"
                .into(),
        ),
        _ => {}
    }
    if row.attempts == 0 && status == "succeeded" && row.up_to_date.is_none() {
        e.reasons.push(
            "it succeeded in an earlier session of this run (`wfc resume` restored it)".into(),
        );
    }
    Ok(())
}
