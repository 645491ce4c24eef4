//! A main-graph step that declares `sources`, about to start: up to date
//! (restored from the run that ran it) or to run, with what decided it
//! kept for its end (see [`crate::up_to_date`]).

use super::*;
use crate::artifacts::ArtifactSpec;
use crate::exec::StepSpec;
use crate::up_to_date::{files_hash, gave};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use wfc_contract::up_to_date::{Found, StepInputs};
use wfc_contract::ArtifactFile;
use wfc_language::ir::{sources, FieldValue};

/// What the check decided.
pub(super) enum Check {
    /// Up to date with the found run, unless its files cannot be put back
    /// ([`Runner::restore_found`]) or its `up to date when` check says no.
    UpToDate(Box<StepInputs>, Found),
    /// It runs; what decided it is recorded if it succeeds.
    Run(Box<StepInputs>),
}

/// The globs of `step`'s `sources`, evaluated (`None`: it has none).
pub(super) fn globs(
    step: &wfc_plan::PlannedStep,
    ev: &mut Evaluator,
) -> Option<Result<Vec<String>, String>> {
    let f = step.fields.iter().find(|f| f.name == sources::FIELD)?;
    let FieldValue::Expr(e) = &f.value else {
        return None;
    };
    Some(ev.eval(e).and_then(crate::up_to_date::globs_of))
}

impl Runner<'_> {
    /// Decides step `v` (main graph, declares `sources`, about to run as
    /// `spec`). Anything that cannot be read makes it run.
    pub(super) fn check_up_to_date(
        &mut self,
        g: &GraphRun,
        v: InstanceId,
        spec: &StepSpec,
        artifacts: Option<&ArtifactSpec>,
        globs: Result<Vec<String>, String>,
    ) -> Option<Check> {
        let inc = self.opts.incremental.clone()?;
        let step = &g.graph.steps[v];
        let manifest = match globs.and_then(|gl| inc.manifest(&gl)) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(
                    "step `{}`: its sources cannot be read, so it runs: {e}",
                    step.name
                );
                return None;
            }
        };
        let mut deps: Vec<(&str, &str)> = Vec::new();
        let mut deps_json = serde_json::Map::new();
        // Its direct dependencies, and the steps whose outputs it reads
        // (a dependency implied through another is in no edge).
        let mut from: Vec<InstanceId> = step.deps.iter().map(|d| d.on()).collect();
        for r in step
            .reads
            .iter()
            .filter(|r| !r.main || g.name == GraphName::Main)
        {
            match &r.target {
                wfc_plan::RefTarget::One(i) => from.push(*i),
                wfc_plan::RefTarget::List(is) => from.extend(is),
                wfc_plan::RefTarget::Absent => {}
            }
        }
        from.sort_unstable();
        from.dedup();
        for d in from.into_iter().filter(|&d| d < g.steps.len()) {
            let name = g.graph.steps[d].name.as_str();
            let (out, files) = match g.steps[d].gave.as_deref() {
                Some((o, f)) => (o.as_str(), f.as_str()),
                None => ("unknown", "unknown"),
            };
            deps.push((name, files));
            deps_json.insert(
                name.to_owned(),
                serde_json::json!({ "outputs": out, "artifacts": files }),
            );
        }
        let declared = format!("{:?}", step.outputs);
        let key = inc.key(spec, artifacts, &declared, &manifest, &deps);
        let forced = inc.forced(&step.name);
        let inputs = Box::new(StepInputs {
            scope: inc.scope.clone(),
            key,
            sources: manifest.to_json(),
            deps: serde_json::Value::Object(deps_json).to_string(),
            gave: String::new(),
            origin: None,
            forced,
            checked: None,
        });
        if forced {
            return Some(Check::Run(inputs));
        }
        let found = match inc.lookup.find(&inc.scope, &step.name, &inputs.key) {
            Ok(Some(f)) => f,
            Ok(None) => return Some(Check::Run(inputs)),
            Err(e) => {
                tracing::warn!(
                    "step `{}`: the store cannot say whether it is up to date, so it runs: {e}",
                    step.name
                );
                return Some(Check::Run(inputs));
            }
        };
        Some(Check::UpToDate(inputs, found))
    }

    /// A step whose `up to date when` check decides alone (it declares no
    /// `sources`): what to record, and the last run in which it succeeded,
    /// whose outputs it takes if the check says yes (`None`: it runs, the
    /// check unasked). `None` when the run is not recorded.
    pub(super) fn check_alone(
        &mut self,
        g: &GraphRun,
        v: InstanceId,
    ) -> Option<(Box<StepInputs>, Option<Found>)> {
        let inc = self.opts.incremental.clone()?;
        let name = &g.graph.steps[v].name;
        let mut inputs = Box::new(StepInputs {
            scope: inc.scope.clone(),
            forced: inc.forced(name),
            ..StepInputs::default()
        });
        if inputs.forced {
            return Some((inputs, None));
        }
        match inc.lookup.last(&inc.scope, name) {
            Ok(Some(found)) => Some((inputs, Some(found))),
            Ok(None) => {
                inputs.checked =
                    Some("`up to date when` not asked: no earlier run of it succeeded".to_owned());
                Some((inputs, None))
            }
            Err(e) => {
                inputs.checked = Some(format!(
                    "`up to date when` not asked: the run store failed: {e}"
                ));
                Some((inputs, None))
            }
        }
    }

    /// Ends `v` up to date with `found`, its files put back (`Some`: they
    /// cannot be, and it runs with `inputs`). `started`: it holds its
    /// slots already (its check ran).
    pub(super) fn restore_found(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        inputs: Box<StepInputs>,
        found: Found,
        started: bool,
    ) -> Option<Box<StepInputs>> {
        match self.put_back(&found) {
            Ok(files) => {
                if !started {
                    self.mark_started(g, v);
                }
                self.ended_up_to_date(g, v, inputs, found, files);
                None
            }
            Err(e) => {
                tracing::warn!(
                    "step `{}` is up to date with run {}, but {e}: it runs",
                    g.graph.steps[v].name,
                    found.run_id
                );
                Some(inputs)
            }
        }
    }

    /// `--from`: ends `v` as the last run that had it succeeded ended it —
    /// its outputs restored, its files put back — or fails it (E0806)
    /// when no run did.
    pub(super) fn take_earlier(&mut self, g: &mut GraphRun, v: InstanceId) {
        let name = g.graph.steps[v].name.clone();
        let Some(inc) = self.opts.incremental.clone() else {
            let why = format!("E0806: `{name}` cannot be taken from an earlier run: this run is not recorded (`--from` needs the run store)");
            return self.fail_now(g, v, why);
        };
        let found = match inc.lookup.last(&inc.scope, &name) {
            Ok(Some(f)) => f,
            Ok(None) => {
                let why = format!("E0806: no earlier run of this workflow has `{name}` succeeded, with its files kept, to take it from (`--from`): run it first, or start from it");
                return self.fail_now(g, v, why);
            }
            Err(e) => {
                let why = format!("E0806: `{name}` cannot be taken from an earlier run: the run store failed: {e}");
                return self.fail_now(g, v, why);
            }
        };
        let files = match self.put_back(&found) {
            Ok(f) => f,
            Err(e) => {
                let why = format!(
                    "E0806: `{name}` cannot be taken from run {}: {e}",
                    found.run_id
                );
                return self.fail_now(g, v, why);
            }
        };
        let (out, kept) = gave(&found.outputs, &files);
        let inputs = Box::new(StepInputs {
            scope: inc.scope.clone(),
            gave: serde_json::json!({ "outputs": out, "artifacts": kept }).to_string(),
            ..StepInputs::default()
        });
        self.up_to_date_step(g, v, inputs, found, files);
    }

    /// Puts the found run's files back where they were (unless already
    /// there unchanged) and links their copies into this run's folder.
    fn put_back(&self, found: &Found) -> Result<Vec<ArtifactFile>, String> {
        let mut files = Vec::new();
        for (file, copy) in &found.artifacts {
            let dest = Path::new(&file.path);
            let there = crate::artifacts::hash(dest).ok().map(|(_, sha)| sha);
            if there.as_deref() != Some(file.sha256.as_str()) {
                copy_checked(copy, dest, &file.sha256)
                    .map_err(|e| format!("`{}` cannot be put back: {e}", file.path))?;
            }
            if let Some(folder) = &self.opts.artifacts {
                let kept = wfc_contract::artifacts::stored(folder, &file.sha256);
                if !kept.exists() {
                    std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
                    if std::fs::hard_link(copy, &kept).is_err() {
                        copy_checked(copy, &kept, &file.sha256).map_err(|e| e.to_string())?;
                    }
                }
            }
            files.push(file.clone());
        }
        Ok(files)
    }

    /// Ends `v` as up to date: succeeded with the found run's outputs and
    /// files, without an attempt.
    pub(super) fn up_to_date_step(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        inputs: Box<StepInputs>,
        found: Found,
        files: Vec<ArtifactFile>,
    ) {
        self.mark_started(g, v);
        self.ended_up_to_date(g, v, inputs, found, files);
    }

    /// Ends `v`, started, as up to date (see [`Self::up_to_date_step`]).
    fn ended_up_to_date(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        mut inputs: Box<StepInputs>,
        found: Found,
        files: Vec<ArtifactFile>,
    ) {
        inputs.origin = Some(found.run_id.clone());
        if !found.gave.is_empty() {
            inputs.gave = found.gave.clone();
        }
        g.steps[v].inputs = Some(inputs);
        let result = AttemptResult {
            status: Status::Succeeded,
            error: None,
            exit_code: None,
            duration: Duration::ZERO,
            outputs: Some(Value::from_json(&found.outputs)),
            kept: files,
            usage: None,
            class: None,
        };
        g.steps[v].last = Some(Box::new(Last {
            result,
            recorded: found.outputs,
            secrets: self.secrets.count(),
        }));
        self.handle(g, Event::Done { id: v });
    }

    /// At a main-graph step's end, with incremental runs on: what it gave
    /// (for its dependents' keys) and, for a step with `sources` that
    /// succeeded, what decided it, recorded just before its end.
    pub(super) fn note_gave(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        status: StepStatus,
        recorded: &serde_json::Value,
        kept: &[ArtifactFile],
    ) {
        if g.name != GraphName::Main || self.opts.incremental.is_none() {
            return;
        }
        let (out, files) = match status {
            StepStatus::Succeeded => gave(recorded, kept),
            _ => (status.name().to_owned(), files_hash(&[])),
        };
        if let Some(mut inputs) = g.steps[v].inputs.take() {
            if status == StepStatus::Succeeded {
                if inputs.origin.is_none() {
                    inputs.gave =
                        serde_json::json!({ "outputs": out, "artifacts": files }).to_string();
                }
                let key = self.key(g, v);
                self.recorder.step_inputs(&key, &inputs);
            }
        }
        g.steps[v].gave = Some(Box::new((out, files)));
    }
}

/// Copies `from` to `to` whole or not at all, checking the content's SHA-256.
fn copy_checked(from: &Path, to: &Path, sha256: &str) -> std::io::Result<()> {
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wfc-artifact-")
        .tempfile_in(dir)?;
    let mut src = std::fs::File::open(from)?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n])?;
    }
    let got = crate::artifacts::hex(&h.finalize());
    if got != sha256 {
        return Err(std::io::Error::other(format!(
            "the kept copy changed since it was kept (SHA-256 {got}, not {sha256})"
        )));
    }
    tmp.as_file().sync_all()?;
    tmp.persist(to).map_err(|e| e.error)?;
    Ok(())
}
