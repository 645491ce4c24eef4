//! `call file(EXPR)` in the scheduler: when the step is ready, the file an
//! earlier step wrote is read and checked here — its errors fail the step
//! with their codes and places in that file, and nothing of it runs — then
//! inlined and compiled with the run's workflow ([`wfc_plan::file_call`])
//! and spliced into the running graph, as a run-time loop's copies are:
//! its steps are the run's (`up.build`), in its status, logs and resume,
//! and the call step waits for them as the join of a static call does.

use super::{GraphRef, GraphRun, StepRun};
use crate::runner::Runner;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, NameTable, StepKind, FILE_FIELD, FILE_PARAMS};
use wfc_language::program::{self, Disk, Sources};
use wfc_language::span::SourceFile;
pub(super) use wfc_plan::file_call::is_file_call;
use wfc_plan::file_call::{self, Arg};
use wfc_plan::{expand, InstanceId, Value};

/// The largest file a file call reads: a generated workflow is text a
/// person could review, and a runaway generator must not fill memory.
const MAX_BYTES: u64 = 4 << 20;
/// At most this many of the file's errors are quoted in the step's error.
const SHOWN_ERRORS: usize = 20;

impl Runner<'_> {
    /// File call `v` is ready: reads, checks and splices its file (see the
    /// module docs), or fails it saying why.
    pub(super) fn call_file(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        failed: Option<(&str, &str)>,
    ) {
        let (path, args) = match self.file_call_values(g, v, failed) {
            Ok(x) => x,
            Err(e) => return self.fail_now(g, v, self.secrets.masker().mask(&e)),
        };
        match self.splice_file(g, v, &path, args) {
            Ok(()) => {}
            Err(e) => self.fail_now(g, v, self.secrets.masker().mask(&e)),
        }
    }

    /// The path and the params the call passes, evaluated.
    fn file_call_values(
        &mut self,
        g: &GraphRun,
        v: InstanceId,
        failed: Option<(&str, &str)>,
    ) -> Result<(PathBuf, Vec<Arg>), String> {
        let graph = g.graph.clone();
        let step = &graph.steps[v];
        let mut ev = self.evaluator(g, step, failed);
        let mut path = None;
        let mut args = Vec::new();
        for f in &step.fields {
            match (&*f.name, &f.value) {
                (FILE_FIELD, FieldValue::Expr(e)) => {
                    path = Some(match ev.eval(e) {
                        Ok(Value::Str(s)) if !s.is_empty() => s,
                        Ok(Value::Null) => {
                            return Err("the file's path has no value: the step that \
                                        gives it did not write it"
                                .into())
                        }
                        Ok(other) => {
                            return Err(format!(
                                "the file's path is `{}`, not a path",
                                other.literal()
                            ))
                        }
                        Err(e) => return Err(format!("evaluating the file's path: {e}")),
                    });
                }
                (FILE_PARAMS, FieldValue::Map(m)) => {
                    for (name, e) in m {
                        let value = ev
                            .eval(e)
                            .map_err(|e| format!("evaluating param `{name}`: {e}"))?;
                        args.push(Arg {
                            name: name.clone(),
                            value,
                            secret: e.tainted,
                        });
                    }
                }
                _ => {}
            }
        }
        self.secrets.add(ev.take_derived());
        let path = path.ok_or("a file call without a path")?;
        Ok((
            crate::paths::beside(self.opts.base_dir.as_deref(), path),
            args,
        ))
    }

    fn splice_file(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        path: &Path,
        args: Vec<Arg>,
    ) -> Result<(), String> {
        let source = self
            .file_ir
            .clone()
            .ok_or("the run's plan keeps no workflow for its file calls")?;
        let child = load(path)?;
        let dir = path.parent().map(|d| d.display().to_string());
        let at = g.graph.steps[v].step;
        let (plan, merged) = file_call::grow(&source, at, child, dir, args, &self.plan.params)
            .map_err(|errors| format!("the file cannot run here:\n{}", errors.join("\n")))?;
        let first = source.steps.len();
        let added = plan.main.steps.iter().filter(|s| s.step >= first).count();
        let held = expand::held(&g.graph);
        if held.saturating_add(added) > expand::MAX_STEPS {
            let max = expand::MAX_STEPS;
            return Err(format!(
                "E0413: the file would take the run over {max} steps (it holds {held}); \
                 nothing of it ran"
            ));
        }
        if let GraphRef::Plan(p) = g.graph {
            g.graph = GraphRef::Grown(Arc::new(p.clone()));
        }
        let GraphRef::Grown(grown) = &mut g.graph else {
            return Err("the run's graph cannot grow".into());
        };
        let graph = Arc::make_mut(grown);
        let old = graph.len();
        let spliced = file_call::splice(graph, v, &plan.main, first, source.blocks.len());
        let n = graph.len();
        self.timed_calls |= spliced
            .added
            .iter()
            .any(|&c| graph.steps[c].kind == StepKind::Call && graph.steps[c].timeout_ms.is_some());
        self.names = NameTable::from(&merged);
        self.file_ir = Some(Arc::new(merged));
        let mut prio = g.topo.prio.clone();
        prio.resize(n, prio[v]);
        g.outputs.resize(n, None);
        // What the file's steps give is read by the join, and maybe more.
        g.keep.resize(n, true);
        g.joins.resize(n, false);
        g.steps.extend((old..n).map(|_| StepRun::default()));
        let (topo, not_run) = g.topo.regrown(&g.graph, prio);
        g.topo = topo;
        self.report_not_run(g, not_run);
        // The file's steps that succeeded before a `wfc resume` are not run again.
        for c in spliced.added {
            let name = &g.graph.steps[c].name;
            if let Some(i) = g.restore_later.iter().position(|(n, _)| n == name) {
                let (_, value) = g.restore_later.swap_remove(i);
                self.restored_step(g, c, value);
            }
        }
        Ok(())
    }
}

/// Reads and checks the workflow file at `path`: its first workflow, or
/// its errors (and its imports'), one line each with their places.
fn load(path: &Path) -> Result<wfc_language::ir::Workflow, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("reading {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "{shown} is {} bytes, more than a file call reads ({MAX_BYTES})",
            meta.len()
        ));
    }
    let text = Disk
        .read(path)
        .map_err(|e| format!("reading {shown}: {e}"))?;
    let program = program::load(path, text, &Disk, false);
    let mut lines = Vec::new();
    for u in &program.units {
        let errors = u
            .analysis
            .diagnostics()
            .into_iter()
            .filter(Diagnostic::is_error);
        lines.extend(errors.map(|d| one_line(&d, &u.analysis.source)));
    }
    // (The parser and the checker may say the same thing at one place.)
    let mut seen = std::collections::HashSet::new();
    lines.retain(|l| seen.insert(l.clone()));
    if !lines.is_empty() {
        let more = lines.len().saturating_sub(SHOWN_ERRORS);
        lines.truncate(SHOWN_ERRORS);
        if more > 0 {
            lines.push(format!(
                "… and {more} more (`wfc check {shown}` lists them)"
            ));
        }
        return Err(format!(
            "{shown} has errors; nothing of it ran:\n{}",
            lines.join("\n")
        ));
    }
    let root = program.root();
    let checked = root
        .analysis
        .first()
        .ok_or_else(|| format!("{shown} has no workflow"))?;
    let mut ir = checked.ir.clone();
    // Its spans point into this file: messages name it, and the plan puts
    // the call step's place in theirs.
    ir.file = Some(Arc::from(shown.to_string()));
    Ok(ir)
}

/// `FILE:LINE:COL: CODE message`, as compilers print one error per line.
fn one_line(d: &Diagnostic, file: &SourceFile) -> String {
    match d.primary_span() {
        Some(s) => {
            let at = file.line_col(s.start as usize);
            format!(
                "{}:{}:{}: {} {}",
                file.name, at.line, at.column, d.code, d.message
            )
        }
        None => format!("{}: {} {}", file.name, d.code, d.message),
    }
}
