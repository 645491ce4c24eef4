//! `wfc run --output report.json`: the machine-readable account of a run
//! (schema `wfc-run/1`, documented in docs/run.md).
//!
//! [`ReportWriter`] is a [`Recorder`]: it collects every step's attempts and
//! final state as the run goes and writes the file when the run ends. What
//! it receives is already masked.

use super::mask::Masker;
use serde_json::{json, Map, Value as J};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wfc_contract::{
    timestamp, Attempt, GraphName, Recorder, RunEnd, RunInfo, StepEnd, StepKey, StepStatus,
};
use wfc_plan::Value;

/// A value as JSON with every string masked (`null` for none).
pub fn masked_json(v: Option<&Value>, masker: &Masker) -> J {
    let Some(v) = v else {
        return J::Null;
    };
    let j = v.to_json();
    if masker.is_empty() {
        return j;
    }
    mask_json(j, masker)
}

fn mask_json(j: J, masker: &Masker) -> J {
    match j {
        J::String(s) => J::String(masker.mask(&s)),
        J::Array(xs) => J::Array(xs.into_iter().map(|x| mask_json(x, masker)).collect()),
        J::Object(m) => J::Object(
            m.into_iter()
                .map(|(k, v)| (masker.mask(&k), mask_json(v, masker)))
                .collect(),
        ),
        other => other,
    }
}

fn secs(d: std::time::Duration) -> J {
    json!((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

#[derive(Default)]
struct StepRecord {
    graph: &'static str,
    rollback_of: Option<String>,
    name: String,
    kind: &'static str,
    attempts: Vec<J>,
    /// What its attempts used so far (CPU added up, the largest peak).
    usage: Option<wfc_contract::Usage>,
    end: Option<J>,
    /// Up to date with this run (a step with `sources`, not run).
    up_to_date: Option<String>,
}

/// `cpu_seconds` and `peak_memory_bytes` of `u` (`null` when not known).
fn usage_json(u: Option<wfc_contract::Usage>) -> (J, J) {
    match u {
        Some(u) => (
            json!((u.cpu.as_secs_f64() * 1e6).round() / 1e6),
            json!(u.peak_memory),
        ),
        None => (J::Null, J::Null),
    }
}

/// Collects the report; writes it to `path` when the run ends. The shared
/// [`ReportWriter::report`] gives the JSON to tests and to the CLI.
#[derive(Clone, Default)]
pub struct ReportWriter {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    path: Option<PathBuf>,
    run: Map<String, J>,
    steps: Vec<StepRecord>,
    index: HashMap<(GraphName, String), usize>,
    report: Option<J>,
    write_error: Option<String>,
}

impl ReportWriter {
    /// A writer to `path` (`None`: keep the report in memory only).
    pub fn new(path: Option<PathBuf>) -> Self {
        let w = ReportWriter::default();
        w.inner.lock().expect("report lock").path = path;
        w
    }

    /// The finished report (after the run ended).
    pub fn report(&self) -> Option<J> {
        self.inner.lock().expect("report lock").report.clone()
    }

    /// Whether the report can be written to `path` (`Err`: why not),
    /// checked before a run starts so nothing runs for a report that cannot
    /// be kept. A file that is not there is created and removed again; one
    /// that is there is opened for writing and left as it is.
    pub fn check_writable(path: &Path) -> Result<(), String> {
        if path == Path::new(STDOUT) {
            return Ok(());
        }
        if path.is_dir() {
            return Err("it is a directory".into());
        }
        let why = |e: std::io::Error| e.to_string();
        if path.exists() {
            return std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map(drop)
                .map_err(why);
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(why)?;
        let _ = std::fs::remove_file(path);
        Ok(())
    }

    /// Why the file could not be written, if it could not.
    pub fn write_error(&self) -> Option<String> {
        self.inner.lock().expect("report lock").write_error.clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock().expect("report lock"))
    }
}

/// The report path that means standard output (`--output -`).
pub const STDOUT: &str = "-";

/// Writes the report to `path`, or to standard output for [`STDOUT`].
fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    if path == Path::new(STDOUT) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        return out.flush();
    }
    std::fs::write(path, text)
}

impl Inner {
    fn step(&mut self, key: &StepKey) -> &mut StepRecord {
        let k = (key.graph.clone(), key.name.clone());
        let i = match self.index.get(&k) {
            Some(&i) => i,
            None => {
                self.steps.push(StepRecord {
                    graph: key.graph.id(),
                    rollback_of: match &key.graph {
                        GraphName::Rollback(of) => Some(of.clone()),
                        _ => None,
                    },
                    name: key.name.clone(),
                    kind: key.kind,
                    ..StepRecord::default()
                });
                self.index.insert(k, self.steps.len() - 1);
                self.steps.len() - 1
            }
        };
        &mut self.steps[i]
    }
}

impl Recorder for ReportWriter {
    fn run_started(&mut self, run: &RunInfo) -> Result<(), wfc_contract::RecordError> {
        self.with(|r| {
            r.run.insert("schema".into(), json!("wfc-run/1"));
            r.run.insert("run_id".into(), json!(run.run_id));
            r.run.insert("workflow".into(), json!(run.workflow));
            r.run.insert("file".into(), json!(run.file));
            r.run.insert("jobs".into(), json!(run.jobs));
            r.run.insert(
                "params".into(),
                J::Object(run.params.iter().cloned().collect()),
            );
            r.run
                .insert("started_at".into(), json!(timestamp(run.started_at)));
        });
        Ok(())
    }

    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        self.with(|r| {
            let map = outputs.iter().cloned().collect();
            r.run.insert("outputs".into(), J::Object(map));
        });
    }

    fn attempt_ended(&mut self, step: &StepKey, a: &Attempt) {
        self.with(|r| {
            let (cpu, peak) = usage_json(a.usage);
            let record = r.step(step);
            record.usage = wfc_contract::Usage::and(record.usage, a.usage);
            record.attempts.push(json!({
                "number": a.number,
                "status": a.status.name(),
                "started_at": timestamp(a.started_at),
                "ended_at": timestamp(a.started_at + a.duration),
                "duration_seconds": secs(a.duration),
                "exit_code": a.exit_code,
                "error": a.error,
                "cpu_seconds": cpu,
                "peak_memory_bytes": peak,
            }));
        });
    }

    fn step_ended(&mut self, step: &StepKey, e: &StepEnd) {
        self.with(|r| {
            let record = r.step(step);
            let (cpu, peak) = usage_json(record.usage);
            record.end = Some(json!({
                "status": e.status.name(),
                "optional": e.optional,
                "attempts": e.attempts,
                "started_at": e.started_at.map(timestamp),
                "ended_at": e.started_at.map(|t| timestamp(t + e.duration)),
                "duration_seconds": secs(e.duration),
                "exit_code": e.exit_code,
                "error": e.error,
                "cpu_seconds": cpu,
                "peak_memory_bytes": peak,
                "outputs": e.outputs,
            }));
            if let (Some(J::Object(end)), Some(run)) = (&mut record.end, &record.up_to_date) {
                end.insert("up_to_date".into(), json!(run));
            }
        });
    }

    fn step_inputs(&mut self, step: &StepKey, inputs: &wfc_contract::up_to_date::StepInputs) {
        let origin = inputs.origin.clone();
        self.with(|r| r.step(step).up_to_date = origin);
    }

    fn step_restored(&mut self, step: &StepKey) {
        self.with(|r| {
            r.step(step).end = Some(json!({
                "status": StepStatus::Succeeded.name(),
                "restored": true,
                "attempts": 0,
            }));
        });
    }

    fn run_ended(&mut self, end: &RunEnd) -> Result<(), wfc_contract::RecordError> {
        self.with(|r| {
            let mut out = std::mem::take(&mut r.run);
            out.insert("status".into(), json!(end.status.name()));
            out.insert("exit_code".into(), json!(end.status.exit_code()));
            out.insert("ended_at".into(), json!(timestamp(end.ended_at)));
            out.insert("duration_seconds".into(), secs(end.duration));
            out.insert(
                "failed".into(),
                match &end.failed {
                    Some((s, e)) => json!({ "step": s, "error": e }),
                    None => J::Null,
                },
            );
            let steps: Vec<J> = r
                .steps
                .iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(s.name));
                    m.insert("kind".into(), json!(s.kind));
                    m.insert("graph".into(), json!(s.graph));
                    if let Some(of) = &s.rollback_of {
                        m.insert("rollback_of".into(), json!(of));
                    }
                    if let Some(J::Object(end)) = &s.end {
                        m.extend(end.clone());
                    }
                    m.insert("attempt_log".into(), J::Array(s.attempts.clone()));
                    J::Object(m)
                })
                .collect();
            out.insert("steps".into(), J::Array(steps));
            let report = J::Object(out);
            if let Some(path) = &r.path {
                let text = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
                if let Err(e) = write_report(path, &text) {
                    r.write_error = Some(format!("cannot write {}: {e}", path.display()));
                }
            }
            r.report = Some(report);
        });
        Ok(())
    }
}
