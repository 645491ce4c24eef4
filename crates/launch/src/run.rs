//! What a start asks for ([`Run`]) and what it gives back ([`Started`]).

use crate::compile::Compiled;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::oneshot;
use wfc_contract::{Approvals, LineOutput, Recorder};
use wfc_language::ir::{NameTable, Workflow};
use wfc_plan::{Plan, Value};
use wfc_run::RunResult;

/// How a start waits for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// At most this long, then busy (a client's start answers soon).
    Try(Duration),
    /// Until a slot frees, in the order the waits began (an interrupted
    /// run resumed at a server's start).
    Queue,
}

impl Default for Admission {
    /// A run's end is recorded just before its slot is freed: a caller that
    /// saw one run end and starts the next waits that moment out.
    fn default() -> Self {
        Admission::Try(Duration::from_millis(250))
    }
}

/// A recorded run to go on with, as a new session under its id.
pub struct Resume {
    pub run_id: String,
    /// Main-graph steps that succeeded, with their outputs: not run again.
    pub restored: Vec<(String, Value)>,
    /// When the run first started (`run.started` keeps it).
    pub started: SystemTime,
    /// What started it first (`run.trigger` keeps it).
    pub trigger: String,
    /// The slot it is for (`run.scheduled` keeps it).
    pub scheduled: Option<SystemTime>,
}

/// The plan's fingerprints, which the store keeps so that `wfc resume` can
/// tell what changed.
pub enum Fingerprints {
    /// Taken from this IR while the run's record opens, and recorded with
    /// its start: whoever reads the run at once finds its plan (the
    /// dashboard draws its graph from them).
    AtStart(Workflow),
    /// Taken from this IR on a thread of their own while the run starts:
    /// the first step does not wait for them (`wfc run`).
    Later(Workflow),
    /// Taken already (a big plan's, before its IR was dropped).
    Taken(Vec<u8>),
}

/// The history estimates that order the plan's steps (the scheduler's
/// priorities).
pub enum Estimates {
    /// Read from the run store before the run starts.
    FromStore,
    /// Given by the caller, once the run's record is open (`wfc run` reads
    /// them on a thread while the file compiles).
    Given(Box<dyn FnOnce(&mut Plan) + Send>),
    /// In the plan already.
    Taken,
}

/// A run to start.
pub struct Run {
    pub plan: Plan,
    /// The IR's names, for rendering conditions and checks back to source.
    pub names: NameTable,
    pub fingerprints: Fingerprints,
    /// The workflow file, as the run records it.
    pub file: String,
    /// [`wfc_store::file_hash`] of its text.
    pub file_hash: String,
    /// What starts it (`run.trigger`): `manual`, `api`, `schedule`, …
    pub trigger: String,
    /// Where an `api` run came from (`mcp`, `dashboard`).
    pub origin: Option<String>,
    /// Who starts it: an API key's name, a webhook's path, a schedule's
    /// pattern (`wfc run` records none: `cli` is read back for it).
    pub started_by: Option<String>,
    /// The webhook delivery that started it (the hook's path and the
    /// sender's delivery id), recorded with its trigger.
    pub delivery: Option<String>,
    /// The schedule's slot it fires (the schedule, the slot in ms since
    /// the epoch), claimed with its record: of several servers firing one
    /// slot, the first to record it starts it.
    pub slot: Option<(wfc_store::fires::ScheduleId, i64)>,
    /// The slot it is for (`run.scheduled`): a schedule's or a backfill's.
    pub scheduled: Option<SystemTime>,
    /// Its id (default: a new one).
    pub id: Option<String>,
    /// Go on with a recorded run instead of starting a new one.
    pub resume: Option<Resume>,
    pub admission: Admission,
    /// Record it in the store (`wfc run --no-store`: no; its `lock` is
    /// still taken there).
    pub record: bool,
    /// Mark runs of dead processes interrupted when the record opens (the
    /// CLI does; a server does it when it starts).
    pub reap: bool,
    pub estimates: Estimates,
    /// Let independent branches go on after a required failure.
    pub keep_going: bool,
    /// Approvals besides the store's and the run manager's (`--approve`).
    pub approvals: Option<Arc<dyn Approvals>>,
    /// Another recorder beside the store's (the terminal, a report).
    pub observer: Option<Box<dyn Recorder>>,
    /// Where steps' output lines go besides their log files (the terminal).
    pub lines: Option<Arc<dyn LineOutput>>,
    /// What the run's relative paths are relative to (`--workdir`, made
    /// absolute); `None`: the workflow file's folder.
    pub base_dir: Option<std::path::PathBuf>,
    /// Keep the run's folder (`run.dir`) when it ends (`--keep-run-dir`).
    pub keep_run_dir: bool,
    /// Steps with `sources` that run even when up to date (`--force`,
    /// `--rerun`; see [`crate::incremental`]).
    pub rerun: Rerun,
    /// The next session of a parked run ([`crate::Launcher::wake`]).
    pub woken: bool,
    /// A start another server queued ([`wfc_store::queued`]) under
    /// [`Run::id`]: its row is there, and its start takes it off the queue.
    pub queued: bool,
}

/// What runs even when up to date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rerun {
    /// Every step (`--force`).
    pub all: bool,
    /// These steps, by name (`--rerun STEP…`).
    pub steps: Vec<String>,
}

impl Run {
    /// A run of `plan`, compiled from `ir`, whose fingerprints are
    /// recorded with its start.
    pub fn new(plan: Plan, ir: Workflow, file: String, file_hash: String) -> Run {
        let names = NameTable::from(&ir);
        Run::with(plan, names, Fingerprints::AtStart(ir), file, file_hash)
    }

    /// A run of `plan` with its names and fingerprints given.
    pub fn with(
        plan: Plan,
        names: NameTable,
        fingerprints: Fingerprints,
        file: String,
        file_hash: String,
    ) -> Run {
        Run {
            plan,
            names,
            fingerprints,
            file,
            file_hash,
            trigger: wfc_store::listing::MANUAL.to_owned(),
            origin: None,
            started_by: None,
            delivery: None,
            slot: None,
            scheduled: None,
            id: None,
            resume: None,
            admission: Admission::default(),
            record: true,
            reap: false,
            estimates: Estimates::FromStore,
            keep_going: false,
            approvals: None,
            observer: None,
            lines: None,
            base_dir: None,
            keep_run_dir: false,
            rerun: Rerun::default(),
            woken: false,
            queued: false,
        }
    }

    /// A run started by `trigger`.
    pub fn triggered_by(mut self, trigger: &str) -> Run {
        self.trigger = trigger.to_owned();
        self
    }

    /// A run started by `who` (an API key's name, a webhook's path…).
    pub fn started_by(mut self, who: impl Into<String>) -> Run {
        self.started_by = Some(who.into());
        self
    }
}

impl From<Compiled> for Run {
    fn from(c: Compiled) -> Run {
        Run::new(c.plan, c.ir, c.file, c.file_hash)
    }
}

/// A started run: its id, and how it ended once it has.
pub struct Started {
    pub id: String,
    /// The run's end (its record's last write done, its lock given back).
    /// Closed at once for a start queued for another server.
    pub ended: oneshot::Receiver<RunResult>,
    /// No slot was free here: the start is queued in the store for any
    /// server to start ([`wfc_store::queued`]).
    pub queued: bool,
}
