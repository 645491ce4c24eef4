//! A step starts only once its start is on disk. The scheduler records a
//! turn's events and starts with one flush; on a multi-threaded runtime
//! (the server's) a step's task spawned before that flush could start its
//! process while the write was still failing, so work ran that the run's
//! record never held. Here the flush that carries `a`'s end and the
//! starts of `b` and `c` is slow and fails: neither may run. (Two, as
//! tokio keeps the last task a worker spawned where no other can steal it.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wfc_contract::recorder::{RecordError, Recorder, StepEnd, StepKey};
use wfc_contract::RunStatus;
use wfc_language::ir::NameTable;
use wfc_run::{RunManager, RunRequest};

/// Flushes succeed until a step has ended; then the next one takes a
/// while (a slow disk) and fails (a full one).
#[derive(Default)]
struct FailsAfterAStep {
    ended: bool,
}

impl Recorder for FailsAfterAStep {
    fn step_ended(&mut self, _step: &StepKey, _end: &StepEnd) {
        self.ended = true;
    }
    fn flush(&mut self) -> Result<(), RecordError> {
        if !self.ended {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(300));
        Err(RecordError("No space left on device".into()))
    }
}

fn plan(dir: &str) -> (wfc_plan::Plan, NameTable) {
    let source = r#"workflow w {
  param dir: string
  step a: shell { run "true" }
  step b: shell {
    run "touch ${dir}/b-ran"
    depends on a
  }
  step c: shell {
    run "touch ${dir}/c-ran"
    depends on a
  }
}"#;
    let analysis = wfc_language::analysis::analyze_lean("w.wf", source);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    let ir = analysis.module.expect("checked").into_first().ir;
    let mut input = wfc_plan::ParamInput::default();
    input.push_assignment(&format!("dir={dir}")).unwrap();
    let options = wfc_plan::Options { jobs: Some(4) };
    let plan = wfc_plan::plan(&ir, &input, options, &wfc_plan::DefaultEstimator).unwrap();
    (plan, NameTable::from(&ir))
}

#[test]
fn a_step_whose_start_could_not_be_recorded_never_runs() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("wfc-record-failure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let manager = RunManager::new(wfc_run::exec::ExecOptions::default());
        let (plan, names) = plan(&dir.display().to_string());
        let mut request = RunRequest::new(Arc::new(plan), names, "run-1");
        request.recorder = Box::new(FailsAfterAStep::default());
        manager.start(request).unwrap().wait().await
    });
    // Time for a process that did start to have touched the file.
    std::thread::sleep(Duration::from_millis(300));
    let ran: Vec<&str> = ["b", "c"]
        .into_iter()
        .filter(|s| dir.join(format!("{s}-ran")).exists())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(result.status, RunStatus::Failed, "{:?}", result.failed);
    let (step, why) = result.failed.expect("a failure");
    assert_eq!(step, "wfc");
    assert!(why.contains("No space left"), "{why}");
    assert!(
        ran.is_empty(),
        "{ran:?} ran although their start was never recorded"
    );
}
