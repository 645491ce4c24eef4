//! Values GitHub's expressions cannot compute (`json(x.stdout).primary`,
//! `len(train.outputs.accuracy)`, a `json` body over outputs, a gate's
//! arithmetic): a step `wfc-values` before the step's own computes them
//! with `jq` ([`crate::jq`]; ubuntu runners have it) and gives each as a
//! step output `vN`, which the step reads in `env:` (or its `if:`) like any
//! other value. The jq program and every value it reads are in that step's
//! `env:`; its script is fixed text. Each output is written in the
//! `NAME<<DELIM` form with a random delimiter, so no value ends early or
//! adds another output.

use super::values::{now, reads_now, unsupported, Values};
use crate::jq::{self, Jq, Leaf, Leaves};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind};

/// The id of the step computing the values.
pub const STEP: &str = "wfc-values";

/// The step's script: one jq run, its whole output appended at once.
const RUN: &str = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
jq -nj --arg d "$wfc_delim" "$WF_JQ" > "$RUNNER_TEMP/wfc-values"
cat "$RUNNER_TEMP/wfc-values" >> "$GITHUB_OUTPUT"
"#;

/// The values one step's `wfc-values` computes.
#[derive(Default)]
pub struct Computed {
    jq: Jq,
    filters: Vec<String>,
    /// Each value's expression as written (`WF_EXPR_N`, for readers and
    /// `wfc import`; never run).
    shown: Vec<String>,
}

impl Values<'_> {
    /// `e`'s text, computed before the step: `${{ steps.wfc-values.outputs.vN }}`.
    pub fn computed_text(&self, e: &Expr) -> Result<String, Diagnostic> {
        Ok(format!("${{{{ {} }}}}", self.compute(e, false)?))
    }

    /// `e` as JSON text, computed before the step (a `json` body).
    pub fn computed_json(&self, e: &Expr) -> Result<String, Diagnostic> {
        Ok(format!("${{{{ {} }}}}", self.compute(e, true)?))
    }

    /// A condition computed before the step, as a step's `if:` reads it.
    pub fn computed_condition(&self, e: &Expr) -> Result<String, Diagnostic> {
        Ok(format!("({} == 'true')", self.compute(e, false)?))
    }

    /// Adds `e` to the program; its read (`steps.wfc-values.outputs.vN`).
    fn compute(&self, e: &Expr, json: bool) -> Result<String, Diagnostic> {
        if !self.step_level.get() {
            return Err(unsupported(
                e,
                "a value computed while the workflow runs here (only a step's own values are computed, by a step before it)",
            ));
        }
        // Taken out while the translation reads `self` (its leaves).
        let mut jq = std::mem::take(&mut self.computed.borrow_mut().jq);
        let filter = if json {
            jq.json(self, e)
        } else {
            jq.text(self, e)
        };
        let mut c = self.computed.borrow_mut();
        c.jq = jq;
        let filter = filter?;
        // A literal of the expression holding `${{` would be evaluated.
        super::values::literal(&filter, e)?;
        let n = match c.filters.iter().position(|f| *f == filter) {
            Some(i) => i + 1,
            None => {
                c.filters.push(filter);
                c.shown.push(wfc_plan::render::expr::show(self.wf, e));
                c.filters.len()
            }
        };
        Ok(format!("steps.{STEP}.outputs.v{n}"))
    }
}

impl Leaves for Values<'_> {
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>> {
        if reads_now(e) {
            return Some(Err(now(e)));
        }
        // GitHub masks a secret's own value in logs, not one made from it:
        // nothing read from a secret is computed, but how a step ended —
        // its status, a slack or email step's `delivered` (its job's
        // result), an http answer's status code (a number the server
        // chose) — which holds no data of the secret.
        let result = match &e.kind {
            ExprKind::StepStatus(_) => true,
            ExprKind::StepOutput {
                step,
                field,
                output: None,
            } => {
                let producer = &self.wf.steps[*step];
                (field == "delivered" && super::values::delivers(producer))
                    || (field == "status_code" && super::answer::output(producer, field).is_some())
            }
            _ => false,
        };
        let leaf = matches!(
            e.kind,
            ExprKind::StepOutput { .. }
                | ExprKind::StepStatus(_)
                | ExprKind::Param(_)
                | ExprKind::Failed(_)
                | ExprKind::Run(_)
                | ExprKind::LoopVar(_)
        );
        if e.tainted && leaf && !result {
            return Some(Err(unsupported(e, "an expression over a secret")));
        }
        if let Some((step, trim)) = crate::stdout_reads::read(e) {
            if let Some(job) = self.job_of(step) {
                let name = super::stdout::output(trim);
                return Some(Ok(Leaf::Input(format!(
                    "${{{{ needs.{job}.outputs.{name} }}}}"
                ))));
            }
        }
        let read = |e: &Expr| match self.output(e, false) {
            Some(read) => Ok(format!("${{{{ {read} }}}}")),
            None => Err(unsupported(
                e,
                "this read of a step (only `step.outputs.NAME` of a job it needs)",
            )),
        };
        match &e.kind {
            ExprKind::StepOutput { step, .. } => Some(match self.jobs_of(*step) {
                // A loop's step read from outside: each instance's output.
                Some(jobs) => jobs
                    .iter()
                    .map(|j| match self.read(e, j, false) {
                        Some(read) => Ok(Leaf::Input(format!("${{{{ {read} }}}}"))),
                        None => Err(loop_read(e)),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Leaf::Inputs),
                None => read(e).map(Leaf::Input),
            }),
            ExprKind::StepStatus(_)
            | ExprKind::Failed(_)
            | ExprKind::Run(_)
            | ExprKind::Param(_)
            | ExprKind::LoopVar(_) => Some(match self.known(e) {
                Some(v) => Ok(Leaf::Known(v)),
                // As GitHub gives it, never computed itself.
                None => {
                    let was = self.step_level.replace(false);
                    let text = self.runtime(e);
                    self.step_level.set(was);
                    text.map(Leaf::Input)
                }
            }),
            _ => self.known(e).map(|v| Ok(Leaf::Known(v))),
        }
    }

    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic {
        unsupported(e, &format!("{what}, computed while the workflow runs"))
    }
}

/// The loops' steps `s` reads as lists, each with its instances' jobs
/// (`names`: this graph's jobs; `main`: the main graph's).
pub fn lists(
    s: &wfc_plan::PlannedStep,
    names: &[String],
    main: &[String],
) -> Vec<(wfc_language::ir::StepId, Vec<String>)> {
    s.reads
        .iter()
        .filter_map(|r| match &r.target {
            wfc_plan::RefTarget::List(ids) => {
                let jobs = if r.main { main } else { names };
                Some((r.step, ids.iter().map(|&at| jobs[at].clone()).collect()))
            }
            _ => None,
        })
        .collect()
}

/// The step computing `values`' values, if it computes any.
pub fn step(values: &Values) -> Option<Json> {
    let c = values.computed.borrow();
    if c.filters.is_empty() {
        return None;
    }
    let program = jq::outputs(&c.filters);
    let mut env: Map<String, Json> =
        c.jq.inputs
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
    for (i, shown) in c.shown.iter().enumerate() {
        env.insert(format!("WF_EXPR_{}", i + 1), Json::String(shown.clone()));
    }
    env.insert("WF_JQ".into(), Json::String(program));
    Some(json!({ "id": STEP, "shell": "bash", "env": env, "run": RUN }))
}

/// E0733 of a loop's step read from outside as more than its outputs (its
/// artifacts, `flatten` of them): why, and what works instead.
fn loop_read(e: &Expr) -> wfc_language::diag::Diagnostic {
    unsupported(e, "this read of a loop's step").help(
        "each iteration is a job of its own, and a job is given another's declared outputs, not its artifacts as a value: its kept files are unpacked where the loop left them in every job after it, so read them from there (a glob in the command), or run this workflow with `wfc run`",
    )
}
