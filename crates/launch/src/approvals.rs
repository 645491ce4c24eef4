//! Where a recorded run's gates get their decisions: the store, which
//! `wfc approve` / `wfc reject` write from any process ([`StoreApprovals`],
//! polled), and the first of several sources to decide ([`AnyApprovals`]:
//! `wfc run --approve` beside the store).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use wfc_contract::{Approvals, Wait};
use wfc_store::control::{self, shell_word};
use wfc_store::Store;

/// Approval gates that wait on the store (`wfc approve RUN GATE`).
pub struct StoreApprovals {
    dir: PathBuf,
    /// `--state-dir DIR` to show in commands, when the store is not the default one.
    dir_flag: Option<String>,
}

impl StoreApprovals {
    pub fn new(dir: &Path) -> Self {
        let dir_flag = (dir != Path::new(wfc_store::DEFAULT_DIR)
            && std::env::var_os(wfc_store::ENV_VAR).is_none())
        .then(|| format!(" --state-dir {}", shell_word(&dir.display().to_string())));
        StoreApprovals {
            dir: dir.to_path_buf(),
            dir_flag,
        }
    }
}

impl Approvals for StoreApprovals {
    fn wait(&self, run_id: &str, step: &str) -> Wait {
        let (dir, run_id, step) = (self.dir.clone(), run_id.to_owned(), step.to_owned());
        Box::pin(async move {
            let Ok(store) = Store::open(&dir) else {
                return std::future::pending().await;
            };
            loop {
                match control::decision(&store, &run_id, &step) {
                    Ok(Some(Ok(by))) => return Some(by),
                    Ok(Some(Err(_))) => return None,
                    _ => {}
                }
                tokio::time::sleep(control::POLL).await;
            }
        })
    }

    fn how(&self, run_id: &str, step: &str) -> String {
        let flag = self.dir_flag.as_deref().unwrap_or("");
        let step = shell_word(step);
        format!("approve with `wfc approve{flag} {run_id} {step}` (or `wfc reject{flag} {run_id} {step}`)")
    }
}

/// The first of several sources of approvals to decide (`wfc run --approve`
/// and the store); the last one says how to approve.
pub struct AnyApprovals(pub Vec<Arc<dyn Approvals>>);

impl Approvals for AnyApprovals {
    fn wait(&self, run_id: &str, step: &str) -> Wait {
        let waits: Vec<_> = self.0.iter().map(|a| a.wait(run_id, step)).collect();
        if waits.is_empty() {
            return Box::pin(std::future::pending());
        }
        Box::pin(async move { futures::future::select_all(waits).await.0 })
    }

    fn how(&self, run_id: &str, step: &str) -> String {
        self.0
            .last()
            .map(|a| a.how(run_id, step))
            .unwrap_or_default()
    }
}
