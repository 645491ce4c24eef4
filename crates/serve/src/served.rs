//! The served workflows as checked IR, for the trigger sources that need
//! more than the catalog's listing (webhooks, file changes): their
//! triggers, params and secrets. A file is checked again only when the
//! text the catalog serves for it changed, so asking is cheap.

use crate::catalog::Catalog;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use wfc_language::ir::Workflow;
use wfc_language::program::{self, Disk};

/// One served workflow: the file that serves it, that file's text and
/// the workflow's IR.
#[derive(Clone)]
pub struct ServedWorkflow {
    pub file: String,
    pub text: Arc<String>,
    pub ir: Arc<Workflow>,
}

/// The catalog's workflows, checked once per version of each file.
pub struct Served {
    pub catalog: Arc<Catalog>,
    /// Per file: the text last checked and its workflows.
    cache: Mutex<BTreeMap<String, Checked>>,
}

/// A file's text and the workflows checking it gave.
type Checked = (Arc<String>, Vec<Arc<Workflow>>);

impl Served {
    pub fn new(catalog: Arc<Catalog>) -> Served {
        Served {
            catalog,
            cache: Mutex::default(),
        }
    }

    /// Every served workflow, by file then in file order. A name served by
    /// two files is the first file's, as the API starts it.
    pub fn current(&self) -> Vec<ServedWorkflow> {
        let mut names = BTreeSet::new();
        let mut by_file: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for info in self.catalog.workflows() {
            if !names.insert(info.name.clone()) {
                continue;
            }
            let Ok((file, text)) = self.catalog.find(&info.name) else {
                continue;
            };
            by_file
                .entry(file)
                .or_insert_with(|| (text, Vec::new()))
                .1
                .push(info.name);
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|file, _| by_file.contains_key(file));
        let mut out = Vec::new();
        for (file, (text, served)) in by_file {
            let fresh = cache.get(&file).is_some_and(|(t, _)| **t == text);
            if !fresh {
                let workflows = check(&file, text.clone());
                cache.insert(file.clone(), (Arc::new(text), workflows));
            }
            let (text, workflows) = &cache[&file];
            out.extend(
                workflows
                    .iter()
                    .filter(|w| served.contains(&w.name))
                    .map(|w| ServedWorkflow {
                        file: file.clone(),
                        text: text.clone(),
                        ir: w.clone(),
                    }),
            );
        }
        out
    }
}

/// The workflows of `text` (a version the catalog checked: no errors).
fn check(file: &str, text: String) -> Vec<Arc<Workflow>> {
    let program = program::load(Path::new(file), text, &Disk, false);
    let root = program.units.into_iter().next().map(|u| u.analysis);
    root.and_then(|a| a.module)
        .map(|m| m.workflows.into_iter().map(|c| Arc::new(c.ir)).collect())
        .unwrap_or_default()
}
