//! A workflow's own outputs, evaluated once its main graph has succeeded:
//! masked (a value derived from a secret is `***` whole; a secret inside
//! any other value is masked where it appears), then given to the
//! recorders, which print them, write them in the report and the store.

use crate::mask::Masker;
use crate::runner::Runner;
use wfc_plan::{InstanceId, OutputRef, RefTarget};

/// The name and masked value of each output, in declaration order.
pub type OutputValues = Vec<(String, serde_json::Value)>;

impl Runner<'_> {
    /// Evaluates the plan's outputs against the main graph as it ran
    /// (`copies`: run-time loops' templates and their iterations). An
    /// output that cannot be evaluated fails the run: `(output, why)`.
    pub(crate) fn eval_workflow_outputs(
        &mut self,
        copies: &[(InstanceId, Vec<InstanceId>)],
    ) -> Result<OutputValues, (String, String)> {
        let mut out = Vec::with_capacity(self.plan.outputs.len());
        let mut derived = Vec::new();
        for o in &self.plan.outputs {
            let reads = reread(&o.reads, copies);
            let mut ev = crate::values::Evaluator::new(
                &self.params,
                &[],
                &reads,
                &self.main_outputs,
                &self.main_outputs,
                None,
            )
            .with_names(&self.names)
            .with_ended(
                crate::values::Ended::Statuses(&self.main_status),
                crate::values::Ended::Statuses(&self.main_status),
            )
            .with_run(&self.context)
            .with_masker(self.secrets.masker());
            let value = ev.eval(&o.value).map_err(|why| {
                let why = self.secrets.masker().mask(&why);
                (format!("outputs.{}", o.name), why)
            })?;
            derived.extend(ev.take_derived());
            let json = if o.value.tainted {
                serde_json::Value::String(wfc_contract::MASK.into())
            } else {
                value.to_json()
            };
            out.push((o.name.clone(), json));
        }
        self.secrets.add(derived);
        let masker = self.secrets.masker();
        Ok(out
            .into_iter()
            .map(|(n, v)| (n, mask_json(v, &masker)))
            .collect())
    }
}

/// `reads` with list reads of run-time loop templates pointed at their
/// iterations (as `wfc_plan::expand::reread` does for a graph).
fn reread(reads: &[OutputRef], copies: &[(InstanceId, Vec<InstanceId>)]) -> Vec<OutputRef> {
    let mut reads = reads.to_vec();
    if copies.is_empty() {
        return reads;
    }
    for r in &mut reads {
        if let RefTarget::List(xs) = &mut r.target {
            *xs = xs
                .iter()
                .flat_map(|x| match copies.iter().find(|(t, _)| t == x) {
                    Some((_, cs)) => cs.clone(),
                    None => vec![*x],
                })
                .collect();
        }
    }
    reads
}

/// Every string in `v` with the run's secrets masked.
fn mask_json(v: serde_json::Value, masker: &Masker) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::String(s) => J::String(masker.mask(&s)),
        J::Array(xs) => J::Array(xs.into_iter().map(|x| mask_json(x, masker)).collect()),
        J::Object(m) => J::Object(
            m.into_iter()
                .map(|(k, x)| (k, mask_json(x, masker)))
                .collect(),
        ),
        other => other,
    }
}
