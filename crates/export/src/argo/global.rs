//! A handler reading the main graph's outputs (`on success` mailing
//! `extract.row_count`): an exit handler's dag cannot read
//! `{{tasks.…}}` of the main dag, so each output parameter of a main task
//! a handler reads gets a `globalName`, `wfc-TASK_NAME` (task names hold
//! no `_`, so the names are unique), and the handler's task reads
//! `{{workflow.outputs.parameters.wfc-TASK_NAME}}` as an argument, as it
//! reads its own dag's outputs. Only the parameters read are global: Argo
//! keeps each in the workflow's status.

use super::runtime::{Convert, Raw};
use super::when::Producers;
use serde_json::{json, Value as Json};
use std::collections::{HashMap, HashSet};
use wfc_language::ir::StepId;
use wfc_plan::Plan;

impl Producers {
    /// Output parameter `name` of main step `step`, read from a handler
    /// through its global name (noted, so that its task gives it).
    pub(super) fn global(&self, step: StepId, name: &str) -> Option<(Raw, Option<Convert>)> {
        let task = self.globals.get(&step)?;
        self.global_reads
            .borrow_mut()
            .insert((task.clone(), name.to_owned()));
        let read = format!("{{{{workflow.outputs.parameters.{}}}}}", global(task, name));
        Some((Raw::Task(read), None))
    }
}

/// The global name of output parameter `name` of main task `task`.
fn global(task: &str, name: &str) -> String {
    format!("wfc-{task}_{name}")
}

/// The (task, output parameter) pairs of the main dag handlers read,
/// shared by every copy of a handler's [`Producers`].
pub type Reads = std::rc::Rc<std::cell::RefCell<HashSet<(String, String)>>>;

/// What handlers read of the main dag, while the dags are built.
#[derive(Default)]
pub struct Globals {
    /// The main graph's steps a handler reads.
    read: HashSet<StepId>,
    /// Of those, each that is one task of the main dag → its task.
    tasks: HashMap<StepId, String>,
    reads: Reads,
}

impl Globals {
    pub fn new(plan: &Plan) -> Globals {
        let read = plan
            .handlers
            .iter()
            .flat_map(|h| &h.graph.steps)
            .flat_map(|s| &s.reads)
            .filter(|r| r.main)
            .map(|r| r.step)
            .collect();
        Globals {
            read,
            ..Globals::default()
        }
    }

    /// The globals of a dag's [`Producers`] (`one_task`: its steps of one
    /// task): none in the main dag, whose tasks handlers read are noted.
    pub fn of_dag(
        &mut self,
        main: bool,
        one_task: &HashMap<StepId, String>,
    ) -> (HashMap<StepId, String>, Reads) {
        if !main {
            return (self.tasks.clone(), self.reads.clone());
        }
        for (step, task) in one_task.iter().filter(|(s, _)| self.read.contains(s)) {
            self.tasks.insert(*step, task.clone());
        }
        (HashMap::new(), self.reads.clone())
    }

    /// Gives each output parameter of `templates` a handler read its
    /// global name.
    pub fn name_outputs(&self, templates: &mut [Json]) {
        for (task, name) in self.reads.borrow().iter() {
            let Some(t) = templates.iter_mut().find(|t| t["name"] == task.as_str()) else {
                continue;
            };
            let Some(outs) = t["outputs"]["parameters"].as_array_mut() else {
                continue;
            };
            for o in outs.iter_mut().filter(|o| o["name"] == name.as_str()) {
                o["globalName"] = json!(global(task, name));
            }
        }
    }
}
