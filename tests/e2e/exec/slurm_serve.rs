//! `wfc serve` with Slurm (`scripts/start-slurm`): a served run whose file
//! says `executor slurm` runs that step as a batch job, as `wfc run` does.
//! Skipped with the reason when no cluster can start; failing under CI=true.

use super::slurm::ended_jobs_of;
use crate::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::json;
use wfc_testkit::slurm_cluster;

const ON_SLURM: &str = r#"workflow onslurm {
  step job: shell {
    run "echo $SLURM_JOB_ID $SLURM_JOB_PARTITION > @DIR/seen"
    executor slurm { partition "debug" }
  }
}
"#;

#[tokio::test]
async fn a_served_run_sends_the_files_slurm_step_to_the_cluster() {
    if let Err(why) = slurm_cluster() {
        wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
        return;
    }
    let server = Server::start(&[("onslurm.wf", ON_SLURM)], &[]);
    let http = reqwest::Client::new();
    let (status, run) = post(
        &http,
        &server.url("/workflows/onslurm/runs?wait=30s"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
    let id = run["id"].as_str().unwrap();

    // The step ran inside a job on the partition the file names…
    let seen = std::fs::read_to_string(server.path("seen")).expect("the job wrote `seen`");
    let mut words = seen.split_whitespace();
    let job_id = words.next().expect("a job id");
    assert!(job_id.bytes().all(|b| b.is_ascii_digit()), "{seen:?}");
    assert_eq!(words.next(), Some("debug"), "{seen:?}");
    // …and Slurm knows that job under the run's name, completed.
    let jobs = ended_jobs_of(id);
    assert_eq!(
        jobs,
        [(format!("wfc-{id}-job"), "COMPLETED".to_owned())],
        "the run's jobs in `squeue -t all`"
    );
}
