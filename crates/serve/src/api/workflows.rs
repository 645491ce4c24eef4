//! `/workflows`, `/workflows/{name}/runs` and `/validate`.

use super::App;
use crate::auth::Caller;
use crate::catalog::{self, FileStatus, WorkflowInfo};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use wfc_launch::Rerun;

/// The served workflows, and the files they come from.
#[derive(Serialize, ToSchema)]
pub struct WorkflowList {
    pub workflows: Vec<WorkflowInfo>,
    /// Every `.wf` file found under the served paths, by name: a file whose
    /// newest version does not load has a `load_error`, and serves its last
    /// good version (`last_good`) or nothing.
    pub files: Vec<FileStatus>,
}

/// Which workflows to list.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct WorkflowsQuery {
    /// Only workflows with this tag (their `tags [...]` setting).
    pub tag: Option<String>,
}

/// Lists the served workflows with their params (types, defaults,
/// constraints), version and tags, and the served files with the errors
/// of those that do not load.
#[utoipa::path(get, path = "/api/v1/workflows", operation_id = "listWorkflows", tag = "workflows",
    params(WorkflowsQuery),
    responses((status = 200, body = WorkflowList), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(State(app): State<App>, Query(q): Query<WorkflowsQuery>) -> Json<WorkflowList> {
    let mut workflows = app.catalog.workflows();
    if let Some(tag) = &q.tag {
        workflows.retain(|w| w.tags.contains(tag));
    }
    Json(WorkflowList {
        workflows,
        files: app.catalog.files(),
    })
}

/// What checking a posted file found.
#[derive(Serialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    /// Its errors and warnings, as `wfc check --format json` gives them.
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<serde_json::Value>,
    pub workflows: Vec<WorkflowInfo>,
}

/// Checks a posted `.wf` text (the body, as is): its diagnostics with
/// codes, spans and help. It may import the served files only (paths from
/// the server's working folder); any other path is an E0220 that says the
/// same whether a file is there or not.
#[utoipa::path(post, path = "/api/v1/validate", operation_id = "validate", tag = "workflows",
    request_body(content = String, content_type = "text/plain", description = "a .wf file"),
    responses((status = 200, body = Validation), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn validate(State(app): State<App>, body: String) -> Result<Json<Validation>, Problem> {
    let sources = app.catalog.posted_sources();
    let checked =
        tokio::task::spawn_blocking(move || catalog::check_with("<posted>", body, &sources))
            .await
            .map_err(Problem::store)?;
    Ok(Json(Validation {
        valid: checked.errors.is_empty(),
        diagnostics: checked.errors,
        workflows: checked.workflows,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartQuery {
    /// Wait up to this long for the run to end (`30s`, `500ms`, `2m`; at most 5m).
    pub wait: Option<String>,
}

/// A started run.
#[derive(Serialize, ToSchema)]
pub struct StartedRun {
    pub id: String,
    /// The run's detail.
    pub url: String,
    /// With `?wait=`: how the run ended, when it ended in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// No slot was free on this server: the run is queued in the store for
    /// any server sharing it to start (status `queued` until one does).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub queued: bool,
}

/// Starts a run of workflow `name`. The body is a JSON object of params,
/// bound as `wfc run --params-file` binds them (bad ones: 400 with the
/// diagnostics' codes), and, unless the workflow has params of these names,
/// `"force": true` (every step runs, even those up to date: `wfc run
/// --force`), `"rerun": ["step", …]` (these run anyway: `--rerun`),
/// `"target": ["step", …]` and `"from": ["step", …]` (part of the plan:
/// `--target`, `--from`; a name that is no step of the plan, or a step
/// `from` would take from an earlier run that has none: 422). 202 at once; with `?wait=` 200
/// once the run ended within the wait, else 202.
#[utoipa::path(post, path = "/api/v1/workflows/{name}/runs", operation_id = "startRun", tag = "runs",
    params(("name" = String, Path, description = "the workflow"), StartQuery),
    request_body(content = Option<Object>, description = "params by name; `force` (a boolean), `rerun`, `target` and `from` (step names) unless the workflow has params so named. Optional: no body (or an empty one) is `{}`", content_type = "application/json"),
    responses((status = 202, body = StartedRun), (status = 200, body = StartedRun),
        (status = 400, body = ProblemBody), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody, description = "`rerun`, `target` or `from` names a step the plan does not have, or `from` needs a step no earlier run has (`API022`)"),
        (status = 503, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
    body: String,
) -> Result<Response, Problem> {
    caller.operator()?;
    let wait = q.wait.as_deref().map(parse_wait).transpose()?;
    let (params, options) = match body.trim().is_empty() {
        true => (None, StartOptions::default()),
        false => run_options(&app.catalog.find(&name)?, body)?,
    };
    let started = start_run(&app, name, params, None, &caller.name, options).await?;
    tracing::info!(run = %started.id, by = %caller.name, "run started through the API");
    let url = format!("{}/runs/{}", super::PREFIX, started.id);
    let mut answer = StartedRun {
        id: started.id,
        url: url.clone(),
        status: None,
        queued: started.queued,
    };
    let mut status = StatusCode::ACCEPTED;
    if let Some(wait) = wait {
        let ended = if started.queued {
            // Another server's to run: its end is read from the store.
            ended_in_store(&app, &answer.id, wait).await
        } else {
            match tokio::time::timeout(wait, started.ended).await {
                Ok(Ok(end)) => Some(end.status.name().to_owned()),
                _ => None,
            }
        };
        if let Some(end) = ended {
            answer.status = Some(end);
            status = StatusCode::OK;
        }
    }
    Ok((status, [(header::LOCATION, url)], Json(answer)).into_response())
}

/// How run `id` ended, read from the store every 100 ms, if it ends
/// within `wait`.
pub async fn ended_in_store(app: &App, id: &str, wait: Duration) -> Option<String> {
    let until = tokio::time::Instant::now() + wait;
    loop {
        let id = id.to_owned();
        let status = super::with_store(app, move |s| {
            wfc_store::control::run_status(s, &id).map_err(Problem::store)
        })
        .await;
        match status {
            Ok(Some(s)) if !["queued", "running", "interrupted"].contains(&s.as_str()) => {
                return Some(s)
            }
            Ok(_) => {}
            Err(_) => return None,
        }
        if tokio::time::Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Compiles served workflow `name` with `params` (a JSON object's text),
/// bound as `wfc run --params-file` binds them.
pub async fn compile_served(
    app: &App,
    name: String,
    params: Option<String>,
) -> Result<wfc_launch::Compiled, Problem> {
    let workflow = app.catalog.find(&name)?;
    crate::launch::compile(workflow, crate::launch::params_text(params)).await
}

/// [`compile_served`], then the run started with trigger `api` by `by`
/// (the key's name, the dashboard's user): the one path of the API's
/// start, MCP's `start_run` and the dashboard's start form, which record
/// themselves as the run's `origin`.
/// `options`: what runs even when up to date (`--force`, `--rerun`) and
/// the part of the plan (`--target`, `--from`): a name that is no step
/// (nor loop) of the plan is refused (422), as is a `from` with no
/// earlier run to take a step from (E0806).
pub async fn start_run(
    app: &App,
    name: String,
    params: Option<String>,
    origin: Option<&str>,
    by: &str,
    options: StartOptions,
) -> Result<wfc_launch::Started, Problem> {
    let StartOptions { rerun, select } = options;
    let mut compiled = compile_served(app, name, params).await?;
    if let Err(d) = wfc_plan::select::select(&mut compiled.plan, &select) {
        return Err(Problem::new(
            Code::UnknownStep,
            crate::api::problem_text(&d),
        ));
    }
    if !compiled.plan.earlier.is_empty() {
        let (dir, plan, file) = (
            app.launcher.state_dir().to_path_buf(),
            compiled.plan.clone(),
            compiled.file.clone(),
        );
        let missing = tokio::task::spawn_blocking(move || {
            wfc_launch::incremental::missing_earlier(&dir, &plan, &file)
        })
        .await
        .map_err(|e| Problem::store(e.to_string()))?
        .map_err(Problem::store)?;
        if !missing.is_empty() {
            let d = wfc_launch::incremental::missing_earlier_error(&missing);
            return Err(Problem::new(
                Code::UnknownStep,
                crate::api::problem_text(&d),
            ));
        }
    }
    if let Some(unknown) = rerun.steps.iter().find(|r| {
        !compiled
            .plan
            .main
            .steps
            .iter()
            .any(|s| s.name == **r || s.name.split('[').next() == Some(r.as_str()))
    }) {
        let names = compiled.plan.main.steps.iter().map(|s| s.name.as_str());
        let hint = wfc_language::diag::did_you_mean(unknown, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(Problem::new(
            Code::UnknownStep,
            format!(
                "`rerun` names `{unknown}`, which is no step of workflow `{}`{hint}",
                compiled.plan.workflow
            ),
        ));
    }
    let mut run = wfc_launch::Run::from(compiled)
        .triggered_by(crate::triggers::API)
        .started_by(by);
    run.origin = origin.map(str::to_owned);
    run.rerun = rerun;
    Ok(app.launcher.start(run).await?)
}

/// How a start runs besides its params: what runs even when up to date
/// and the part of the plan.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    pub rerun: Rerun,
    pub select: wfc_plan::select::Selection,
}

impl From<Rerun> for StartOptions {
    fn from(rerun: Rerun) -> StartOptions {
        StartOptions {
            rerun,
            ..StartOptions::default()
        }
    }
}

/// A start's body split into the params' text and its options: its
/// `force`, `rerun`, `target` and `from` keys, unless `workflow` has
/// params of these names (then they are its params). A body that is not a
/// JSON object is left whole, for the params' binding to say what is wrong.
pub fn run_options(
    workflow: &wfc_launch::Checked,
    body: String,
) -> Result<(Option<String>, StartOptions), Problem> {
    let is_param = |n: &str| workflow.ir.params.iter().any(|p| p.name == n);
    let Ok(serde_json::Value::Object(mut o)) = wfc_plan::strict_json::parse(&body) else {
        return Ok((Some(body), StartOptions::default()));
    };
    let option = |k: &str| o.contains_key(k) && !is_param(k);
    let (force, names) = (option("force"), option("rerun"));
    let (target, from) = (option("target"), option("from"));
    if !force && !names && !target && !from {
        return Ok((Some(body), StartOptions::default()));
    }
    let bad = |what: &str| Problem::new(Code::BadRequest, what.to_owned());
    let mut rerun = Rerun::default();
    if force {
        rerun.all = match o.remove("force") {
            Some(serde_json::Value::Bool(b)) => b,
            _ => return Err(bad("`force` must be true or false")),
        };
    }
    let mut names_of = |key: &str, on: bool| -> Result<Vec<String>, Problem> {
        if !on {
            return Ok(Vec::new());
        }
        let wrong = || bad(&format!("`{key}` must be a list of step names"));
        match o.remove(key) {
            Some(serde_json::Value::Array(a)) => a
                .into_iter()
                .map(|n| match n {
                    serde_json::Value::String(n) => Ok(n),
                    _ => Err(wrong()),
                })
                .collect(),
            // One name alone, as `--target build` is.
            Some(serde_json::Value::String(n)) if key != "rerun" => Ok(vec![n]),
            _ => Err(wrong()),
        }
    };
    rerun.steps = names_of("rerun", names)?;
    let select = wfc_plan::select::Selection {
        targets: names_of("target", target)?,
        from: names_of("from", from)?,
    };
    let options = StartOptions { rerun, select };
    Ok((Some(serde_json::Value::Object(o).to_string()), options))
}

/// The longest `?wait=`.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// `30s`, `500ms`, `2m` (at most [`MAX_WAIT`]).
fn parse_wait(text: &str) -> Result<Duration, Problem> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().map_err(|_| bad_wait(text))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" | "" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        _ => return Err(bad_wait(text)),
    };
    if d > MAX_WAIT {
        return Err(Problem::new(
            Code::BadRequest,
            format!("`wait={text}` is longer than 5m"),
        ));
    }
    Ok(d)
}

fn bad_wait(text: &str) -> Problem {
    Problem::new(
        Code::BadRequest,
        format!("`wait={text}` is not a duration: use `30s`, `500ms` or `2m`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_read_in_ms_seconds_and_minutes() {
        assert_eq!(parse_wait("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_wait("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_wait("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_wait("6m").is_err());
        assert!(parse_wait("soon").is_err());
        assert!(parse_wait("3h").is_err());
    }
}
