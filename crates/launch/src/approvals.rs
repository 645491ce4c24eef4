//! Where a recorded run's gates get their decisions: the store, which
//! `wfc approve` / `wfc reject` write from any process ([`StoreApprovals`],
//! polled), and the first of several sources to decide ([`AnyApprovals`]:
//! `wfc run --approve` beside the store).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use wfc_contract::{Approvals, Closed, Wait};
use wfc_store::control::{self, shell_word};
use wfc_store::Store;

/// Approval gates that wait on the store (`wfc approve RUN GATE`).
pub struct StoreApprovals {
    dir: PathBuf,
    /// `--state-dir DIR` to show in commands, when the store is not the default one.
    dir_flag: Option<String>,
    /// A server's run: its prompts name the dashboard, the API and `wfc
    /// approve --server`, never the server's state folder (a read key's
    /// user or an agent could not use it, and need not know it).
    served: bool,
}

impl StoreApprovals {
    pub fn new(dir: &Path) -> Self {
        let dir_flag = (dir != Path::new(wfc_store::DEFAULT_DIR)
            && std::env::var_os(wfc_store::ENV_VAR).is_none())
        .then(|| format!(" --state-dir {}", shell_word(&dir.display().to_string())));
        StoreApprovals {
            dir: dir.to_path_buf(),
            dir_flag,
            served: false,
        }
    }

    /// Gates of a `wfc serve` run.
    pub fn served(dir: &Path) -> Self {
        StoreApprovals {
            dir: dir.to_path_buf(),
            dir_flag: None,
            served: true,
        }
    }
}

impl Approvals for StoreApprovals {
    fn wait(&self, run_id: &str, step: &str) -> Wait {
        let (dir, run_id, step) = (self.dir.clone(), run_id.to_owned(), step.to_owned());
        let (d, r, s) = (dir.clone(), run_id.clone(), step.clone());
        Wait::new(async move {
            let Ok(store) = Store::open(&dir) else {
                return std::future::pending().await;
            };
            let _ = control::gate_waits(&store, &run_id, &step);
            loop {
                if let Ok(Some(d)) = control::decision(&store, &run_id, &step) {
                    return d;
                }
                tokio::time::sleep(control::POLL).await;
            }
        })
        .closed_by(move || Box::pin(time_out(d, r, s)))
    }

    fn reopen(&self, run_id: &str, step: &str) {
        let reopened = Store::open(&self.dir)
            .map_err(|e| e.to_string())
            .and_then(|s| control::reopen(&s, run_id, step).map_err(|e| e.to_string()));
        if let Err(e) = reopened {
            tracing::warn!(run = %run_id, %step, "cannot forget the last decision on the step: {e}");
        }
    }

    fn how(&self, run_id: &str, step: &str) -> String {
        if self.served {
            let shown = shell_word(step);
            return format!(
                "approve on the dashboard's Waiting page, with `POST /api/v1/runs/{run_id}/gates/{step}/approve`, or with `wfc approve --server URL {run_id} {shown}` (or reject)"
            );
        }
        let flag = self.dir_flag.as_deref().unwrap_or("");
        let step = shell_word(step);
        format!("approve with `wfc approve{flag} {run_id} {step}` (or `wfc reject{flag} {run_id} {step}`)")
    }
}

/// Records gate `step`'s timeout in the store, unless a decision is there
/// first (which stands). A store that cannot be written is asked again for
/// a while: giving up lets an approval in after the gate timed out.
async fn time_out(dir: PathBuf, run_id: String, step: String) -> Closed {
    let mut last = String::new();
    for _ in 0..CLOSE_TRIES {
        let (dir, run_id, step) = (dir.clone(), run_id.clone(), step.clone());
        let asked = tokio::task::spawn_blocking(move || {
            let store = Store::open(&dir)?;
            control::time_out(&store, &run_id, &step).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match asked {
            Ok(None) => return Closed::TimedOut,
            Ok(Some(d)) => return Closed::Decided(d),
            Err(e) => last = e,
        }
        tokio::time::sleep(control::POLL).await;
    }
    tracing::warn!(
        "gate `{step}` timed out, and the run store could not record it ({last}): a `wfc approve` of it may still be taken"
    );
    Closed::TimedOut
}

/// How often a gate's timeout is offered to a store that fails (every
/// [`control::POLL`]: 10 s).
const CLOSE_TRIES: usize = 50;

/// The first of several sources of approvals to decide (`wfc run --approve`
/// and the store); the last one says how to approve.
pub struct AnyApprovals(pub Vec<Arc<dyn Approvals>>);

impl Approvals for AnyApprovals {
    fn wait(&self, run_id: &str, step: &str) -> Wait {
        if self.0.is_empty() {
            return Wait::never();
        }
        let (waits, closes): (Vec<_>, Vec<_>) = self
            .0
            .iter()
            .map(|a| a.wait(run_id, step).into_parts())
            .unzip();
        // At the timeout each source is asked in turn; the first with a
        // decision that came in before wins (the store, which records the
        // timeout otherwise, is the last).
        Wait::new(async move { futures::future::select_all(waits).await.0 }).closed_by(move || {
            Box::pin(async move {
                for close in closes {
                    if let Closed::Decided(d) = close().await {
                        return Closed::Decided(d);
                    }
                }
                Closed::TimedOut
            })
        })
    }

    fn reopen(&self, run_id: &str, step: &str) {
        for a in &self.0 {
            a.reopen(run_id, step);
        }
    }

    fn how(&self, run_id: &str, step: &str) -> String {
        self.0
            .last()
            .map(|a| a.how(run_id, step))
            .unwrap_or_default()
    }
}
