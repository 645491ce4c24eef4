//! A run's plan, compiled from a workflow as its file was checked: the
//! file is not read or checked again, and params arrive as values.

use crate::LaunchError;
use std::sync::Arc;
use wfc_language::ir::Workflow;
use wfc_language::span::SourceFile;
use wfc_plan::{DefaultEstimator, ParamInput, Plan};

/// A workflow as its file was checked (with the files it imports): what a
/// run starts from.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The file, as the run records it.
    pub file: String,
    /// Its text, for the places of diagnostics.
    pub source: Arc<SourceFile>,
    /// [`wfc_store::file_hash`] of its text.
    pub file_hash: String,
    /// The workflow's checked IR (what it calls included).
    pub ir: Arc<Workflow>,
}

impl Checked {
    pub fn new(source: Arc<SourceFile>, ir: Arc<Workflow>) -> Checked {
        Checked {
            file: source.name.clone(),
            file_hash: wfc_store::file_hash(&source.text),
            source,
            ir,
        }
    }

    /// The workflow's name.
    pub fn name(&self) -> &str {
        &self.ir.name
    }
}

/// A workflow compiled for one run.
pub struct Compiled {
    pub plan: Plan,
    /// The IR the plan's ids refer to (calls inlined).
    pub ir: Workflow,
    pub file: String,
    pub file_hash: String,
    pub source: Arc<SourceFile>,
}

/// Binds `params` to `workflow` and compiles its plan, as `wfc run` does
/// (calls inlined, params checked against their types and constraints).
pub fn compile(workflow: &Checked, params: &ParamInput) -> Result<Compiled, LaunchError> {
    let options = wfc_plan::Options { jobs: None };
    let ir = (*workflow.ir).clone();
    match wfc_plan::plan_with_calls(ir, params, options, &DefaultEstimator) {
        Ok((plan, ir)) => Ok(Compiled {
            plan,
            ir,
            file: workflow.file.clone(),
            file_hash: workflow.file_hash.clone(),
            source: workflow.source.clone(),
        }),
        Err(diagnostics) => {
            let of_the_workflow = diagnostics
                .iter()
                .all(|d| wfc_plan::errors::of_the_workflow(d.code));
            let what = if of_the_workflow {
                "the workflow has errors"
            } else {
                "bad params"
            };
            Err(LaunchError::Invalid {
                what: what.to_owned(),
                diagnostics,
            })
        }
    }
}
