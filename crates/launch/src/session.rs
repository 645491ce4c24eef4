//! What `wfc run` and `wfc resume` plug into the interpreter to record a run:
//! a [`RunSession`] gives the recorder, the line output that writes step
//! logs, the approvals that wait on the store, the log of decisions taken
//! through the run manager, and the watch thread that
//! folds the journal, beats the heartbeat and turns `wfc cancel` into a
//! cancellation (on the recorder's connection).

use crate::approvals::{AnyApprovals, StoreApprovals};
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use wfc_contract::LineOutput;
use wfc_contract::Recorder;
use wfc_contract::{Approvals, DecisionLog};
use wfc_store::control::{Asks, StoreDecisions, Watch};
use wfc_store::logs::LogOutput;
use wfc_store::store_recorder::{LatePlan, RunMeta, Shared, StoreRecorder};
use wfc_store::Store;

/// One start (or resumption) of a recorded run.
pub struct RunSession {
    /// The store's directory (its connection went to the recorder).
    dir: std::path::PathBuf,
    run_id: String,
    recorder: Option<StoreRecorder>,
    /// The recorder's connection, which the watch thread shares.
    conn: Shared,
    /// The plan's fingerprints still to come, which the watch thread records.
    late_plan: LatePlan,
    headers: wfc_store::logs::Headers,
    log_failure: wfc_store::logs::LogFailure,
    /// The store's database, when it keeps the step logs.
    log_chunks: Option<wfc_store::logs::chunks::Chunks>,
}

impl RunSession {
    /// Opens the store in `dir` for run `run_id` (its [`RunMeta`]);
    /// `resume`: continue that recorded run.
    pub fn open(
        dir: &Path,
        run_id: &str,
        meta: RunMeta,
        resume: bool,
    ) -> Result<RunSession, String> {
        let store = Store::open(dir)?;
        tracing::trace!(target: "wfc::timing", "store: open");
        let _ = wfc_store::control::reap(&store);
        tracing::trace!(target: "wfc::timing", "store: reap");
        RunSession::on(store, run_id, meta, resume)
    }

    /// [`RunSession::open`] on a store the caller opened (and reaped as it
    /// sees fit): `wfc serve` reads the history and records the trigger on
    /// the same connection, one open per run instead of three.
    pub fn on(
        store: Store,
        run_id: &str,
        meta: RunMeta,
        resume: bool,
    ) -> Result<RunSession, String> {
        let dir = store.dir().to_path_buf();
        // The recorder takes the connection that opened the store: nothing
        // else here needs one, and a connection of its own cost the run's
        // start ~0.6 ms.
        let recorder = if resume {
            StoreRecorder::resuming_on(store, run_id, meta)?
        } else {
            StoreRecorder::on(store, run_id, meta)
        };
        Ok(RunSession {
            dir,
            run_id: run_id.to_owned(),
            headers: recorder.headers(),
            log_failure: recorder.log_failure(),
            log_chunks: recorder.log_chunks(),
            conn: recorder.connection(),
            late_plan: recorder.late_plan(),
            recorder: Some(recorder),
        })
    }

    /// The plan's fingerprints will come from `rx` (see
    /// [`StoreRecorder::plan_later`]). Before [`RunSession::recorder`].
    pub fn plan_later(&mut self, rx: std::sync::mpsc::Receiver<Vec<u8>>) {
        if let Some(r) = &mut self.recorder {
            r.plan_later(rx);
        }
    }

    /// Which session of the run it records (1 for a new run); 1 once the
    /// recorder was taken.
    pub fn number(&self) -> i64 {
        self.recorder.as_ref().map_or(1, StoreRecorder::session)
    }

    /// The recorder (once).
    pub fn recorder(&mut self) -> Box<dyn Recorder> {
        match self.recorder.take() {
            Some(r) => Box::new(r),
            None => Box::new(wfc_contract::NoRecorder),
        }
    }

    /// Step lines go to the logs (files, or the store's database), then to
    /// `display`.
    pub fn lines(&self, display: Option<Arc<dyn LineOutput>>) -> Arc<dyn LineOutput> {
        Arc::new(
            LogOutput::new(
                &self.dir,
                &self.run_id,
                self.headers.clone(),
                self.log_failure.clone(),
                display,
            )
            .in_chunks(self.log_chunks.clone()),
        )
    }

    /// Gates wait for `cli` (`--approve`) or for `wfc approve`; a
    /// `served` run's prompts name the server's ways, not its folder.
    pub fn approvals(&self, cli: Arc<dyn Approvals>, served: bool) -> Arc<dyn Approvals> {
        let store = match served {
            true => StoreApprovals::served(&self.dir),
            false => StoreApprovals::new(&self.dir),
        };
        Arc::new(AnyApprovals(vec![cli, Arc::new(store)]))
    }

    /// Where the run manager's decisions on this run's gates are recorded.
    pub fn decisions(&self) -> Arc<dyn DecisionLog> {
        Arc::new(StoreDecisions {
            dir: self.dir.clone(),
        })
    }

    /// Starts the heartbeat and the watch that passes `wfc cancel` on to
    /// `cancel` and `wfc pause` / `wfc resume` on to `pause`, and stops the
    /// run (`cancel` and `force`) once this process may no longer record
    /// it (stops when dropped).
    pub fn watch(
        &self,
        cancel: CancellationToken,
        force: CancellationToken,
        pause: tokio::sync::watch::Sender<bool>,
    ) -> Result<Watch, String> {
        let (stop, id) = (cancel.clone(), self.run_id.clone());
        let asks = Asks {
            cancel: Box::new(move || cancel.cancel()),
            taken: Box::new(move |why| {
                tracing::error!(run = %id, "{why}: stopping its steps, without compensations");
                stop.cancel();
                force.cancel();
            }),
            pause: Box::new(move |paused| {
                pause.send_if_modified(|p| std::mem::replace(p, paused) != paused);
            }),
        };
        Watch::start_on(
            self.conn.clone(),
            &self.run_id,
            asks,
            self.late_plan.clone(),
        )
    }
}
