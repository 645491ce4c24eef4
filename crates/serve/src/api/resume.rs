//! `POST /runs/{id}/resume`: a failed, cancelled or interrupted run goes on
//! under its id, as `wfc resume` continues it (the same checks:
//! [`wfc_store::resume`]), started on the server's run manager; a paused
//! one (`POST /runs/{id}/pause`) goes on at once.

use super::workflows::StartedRun;
use super::{find_run, with_store, App};
use crate::auth::Caller;
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::time::Duration;
use wfc_launch::{Checked, Compiled, Resume, Run};
use wfc_plan::ParamInput;
use wfc_store::resume;
use wfc_store::reuse::{self, Recorded};

/// Resumes a run: the steps that succeeded keep their outputs and do not
/// run again; the others run. 409 when the run is running, succeeded, or
/// its file changed a step that succeeded.
#[utoipa::path(post, path = "/api/v1/runs/{id}/resume", operation_id = "resumeRun", tag = "runs",
    params(("id" = String, Path, description = "the run")),
    responses((status = 202, body = StartedRun), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 503, body = ProblemBody, description = "`--max-runs` runs are going, or the server is stopping (`API008`, `Retry-After`)")),
    security(("bearer" = [])))]
pub async fn resume(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = resume_run(&app, &caller, id).await?;
    let url = format!("{}/runs/{}", super::PREFIX, id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, url.clone())],
        Json(StartedRun {
            id,
            url,
            status: None,
            queued: false,
        }),
    )
        .into_response())
}

/// Resumes run `id` as `caller` (the API's and the dashboard's resume);
/// the id it goes on under.
pub async fn resume_run(app: &App, caller: &Caller, id: String) -> Result<String, Problem> {
    caller.operator()?;
    let (id, rec, trigger) = recorded(app, id).await?;
    // A paused run goes on: at once when it still runs, else resumed.
    if super::pause::unpause_run(app, caller, &id).await? && rec.status == "running" {
        return Ok(id);
    }
    resume::resumable(&rec, &id).map_err(refused)?;
    app.launcher.let_go(&id, Duration::from_secs(5)).await;
    if let Some(state) = app.launcher.state(&id) {
        return Err(Problem::new(
            Code::NotResumable,
            format!("run {id} is {}", describe(state)),
        ));
    }
    let workflow = workflow_of(app, &id, &rec).await?;
    let run = prepare(app, id.clone(), rec, trigger, workflow, true).await?;
    let resumed = app.launcher.start(run).await?;
    tracing::info!(run = %id, by = %caller.name, "resume asked");
    Ok(resumed.id)
}

/// What a run the launcher owns is doing, as a refusal says it.
pub fn describe(state: wfc_launch::State) -> &'static str {
    match state {
        wfc_launch::State::Queued => "queued to be resumed",
        wfc_launch::State::Starting => "starting",
        wfc_launch::State::Running => "running",
        wfc_launch::State::Parked => {
            "waiting, parked (a decision, its deadline or a cancel wakes it)"
        }
    }
}

/// The workflow a run of `rec` resumes from: as served, if its file still
/// serves it, else its file as it is now.
pub(crate) async fn workflow_of(app: &App, id: &str, rec: &Recorded) -> Result<Checked, Problem> {
    if let Ok(c) = app.catalog.find(&rec.workflow) {
        if c.file == rec.file {
            return Ok(c);
        }
    }
    let text =
        wfc_language::program::read_source(std::path::Path::new(&rec.file)).map_err(|e| {
            Problem::new(
                Code::NotResumable,
                format!(
                    "the workflow file {} of run {id} cannot be read: {e}",
                    rec.file
                ),
            )
        })?;
    let (file, name) = (rec.file.clone(), rec.workflow.clone());
    tokio::task::spawn_blocking(move || crate::catalog::check_workflow(&file, text, &name))
        .await
        .map_err(Problem::store)?
}

fn refused(why: resume::Refusal) -> Problem {
    Problem::new(Code::NotResumable, why.0)
}

/// The run `typed` names: its id, its record and what started it.
pub async fn recorded(
    app: &App,
    typed: String,
) -> Result<(String, Recorded, wfc_store::listing::Start), Problem> {
    with_store(app, move |s| {
        let id = find_run(s, &typed)?;
        let rec = reuse::recorded(s, &id).map_err(Problem::store)?;
        let start = wfc_store::listing::started_by(s, &id).map_err(Problem::store)?;
        Ok((id, rec, start))
    })
    .await
}

/// Compiles run `id` (recorded as `rec`, started as `start` says) again from
/// `workflow` with its recorded params (secrets from their defaults),
/// checks the plan against the recorded one, and gives the new session to
/// start: the steps that succeeded are restored, not run again. With
/// `ask_again`, a gate's rejection or timeout is forgotten, so the gate asks
/// again (a person's resume); else it stands.
pub async fn prepare(
    app: &App,
    id: String,
    rec: Recorded,
    start: wfc_store::listing::Start,
    workflow: Checked,
    ask_again: bool,
) -> Result<Run, Problem> {
    let params = resume::params(&rec, &[]).map_err(refused)?;
    let input = ParamInput {
        values: Some(("the run's recorded params".to_owned(), params)),
        ..ParamInput::default()
    };
    let compiled = crate::launch::compile(workflow, input).await?;
    let Compiled {
        plan,
        ir,
        file,
        file_hash,
        ..
    } = compiled;
    let (run, recorded, hash) = (id.clone(), rec, file_hash.clone());
    let (checked, plan, ir, recorded) = with_store(app, move |s| {
        // A run of `--target` / `--from` goes on with the same part of the plan.
        let mut plan = plan;
        let recorded_plan = reuse::read_plan(s, &run).map_err(Problem::store)?;
        if let Some(sel) = recorded_plan.as_ref().and_then(reuse::selection) {
            wfc_plan::select::select(&mut plan, &sel)
                .map_err(|d| Problem::new(Code::UnknownStep, crate::api::problem_text(&d)))?;
        }
        let checked = resume::check_plan(s, &run, &recorded, &plan, &ir, &recorded.file, &hash)
            .map_err(Problem::store)?;
        if checked.is_ok() && ask_again {
            reuse::clear_rejections(s, &run).map_err(Problem::store)?;
        }
        Ok((checked, plan, ir, recorded))
    })
    .await?;
    let r = checked.map_err(refused)?;
    let started = std::time::UNIX_EPOCH
        + std::time::Duration::from_millis(u64::try_from(recorded.started_ms).unwrap_or(0));
    let trigger = start.trigger;
    let mut run = Run::new(plan, ir, file, file_hash).triggered_by(&trigger);
    run.resume = Some(Resume {
        run_id: id,
        restored: r.restored,
        started,
        trigger,
        scheduled: start.scheduled.map(|ms| {
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        }),
    });
    Ok(run)
}
