//! What each tool does: the REST API's handlers and the launcher, called
//! in-process, their answers returned as `structuredContent` (each tool
//! declares its `outputSchema`, `outputs`) and, as MCP asks, the
//! same JSON as one text content block, which every client reads. A
//! failure is a tool error whose text is the problem's JSON.

use super::pages;
use crate::api::{gates, resume, runs, workflows, App};
use crate::auth::Caller;
use crate::problem::Problem;
use crate::triggers;
use axum::extract::{Path, Query, State};
use axum::Extension;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{json, Map, Value};
use std::time::Duration;
use wfc_launch::Compiled;
use wfc_store::control::Decision;

/// This module's own error codes (docs/mcp.md).
const UNKNOWN_TOOL: &str = "API070";
pub(super) const BAD_ARGUMENT: &str = "API071";

/// A tool's failure: an API problem or a bad call.
pub(super) enum Failure {
    Problem(Problem),
    Call(&'static str, String),
}

impl From<Problem> for Failure {
    fn from(p: Problem) -> Failure {
        Failure::Problem(p)
    }
}

/// Calls tool `name` with `args`; failures are tool errors with a code.
/// The acting tools need `caller` to be an operator (a `read` key is not).
pub async fn call(
    app: &App,
    name: &str,
    args: Map<String, Value>,
    caller: Result<Caller, Problem>,
) -> CallToolResult {
    let result = match name {
        _ if super::author::NAMES.contains(&name) => {
            match caller.and_then(|c| c.operator().map(|()| c)) {
                Ok(c) => super::author::call(app, name, &args, c).await,
                Err(p) => Err(p.into()),
            }
        }
        "start_run" | "cancel_run" | "pause_run" | "resume_run" | "approve_gate"
        | "reject_gate" | "delete_run" | "pause_triggers" | "resume_triggers" => {
            match caller.and_then(|c| c.operator().map(|()| c)) {
                Ok(c) => act(app, name, &args, c).await,
                Err(p) => Err(p.into()),
            }
        }
        _ if super::assist::NAMES.contains(&name) => super::assist::call(app, name, &args).await,
        _ => dispatch(app, name, &args).await,
    };
    let max = match name {
        "run_status" | "describe_workflow" | "plan" | "logs" | "wait_run" => {
            super::bound::MAX_PAGED
        }
        _ => super::bound::MAX_ANSWER,
    };
    let text = |v: Value| vec![ContentBlock::text(v.to_string())];
    match result {
        Ok(v) => CallToolResult::structured(super::bound::bound(v, max)),
        Err(Failure::Problem(p)) => {
            CallToolResult::error(text(serde_json::to_value(p.body()).unwrap_or_default()))
        }
        Err(Failure::Call(code, detail)) => {
            CallToolResult::error(text(json!({"code": code, "detail": detail})))
        }
    }
}

async fn dispatch(app: &App, name: &str, args: &Map<String, Value>) -> Result<Value, Failure> {
    let state = || State(app.clone());
    match name {
        "list_workflows" => {
            let q = workflows::WorkflowsQuery {
                tag: optional(args, "tag")?,
            };
            Ok(to_value(workflows::list(state(), Query(q)).await.0))
        }
        "describe_workflow" => describe(app, text(args, "workflow")?, args).await,
        "validate" => Ok(to_value(
            workflows::validate(state(), text(args, "text")?).await?.0,
        )),
        "plan" => {
            let c = compile(app, text(args, "workflow")?, params(args)?).await?;
            pages::plan_page(plan_json(&c), args)
        }
        "run_status" => pages::run_status(app, text(args, "run")?, args).await,
        "explain_step" => {
            let (run, step) = (text(args, "run")?, text(args, "step")?);
            let answer = crate::api::incremental::explain(state(), Path((run, step))).await?;
            Ok(to_value(answer.0))
        }
        "run_diff" => {
            let q = crate::api::incremental::DiffQuery {
                against: optional(args, "against")?,
            };
            let answer =
                crate::api::incremental::diff(state(), Path(text(args, "run")?), Query(q)).await?;
            Ok(to_value(answer.0))
        }
        "logs" => pages::logs(app, text(args, "run")?, text(args, "step")?, args).await,
        "history" => {
            let q = runs::RunsQuery {
                status: optional(args, "status")?,
                workflow: optional(args, "workflow")?,
                trigger: optional(args, "trigger")?,
                tag: optional(args, "tag")?,
                since: None,
                until: None,
                limit: Some(number(args, "limit")?.unwrap_or(20) as usize),
                cursor: None,
            };
            Ok(to_value(runs::list(state(), Query(q)).await?.0))
        }
        "stats" => {
            let q = runs::StatsQuery {
                workflow: optional(args, "workflow")?,
                last: number(args, "last")?.map(|n| n as usize),
            };
            let figures = runs::stats(state(), Query(q)).await?.0;
            // Structured content is an object: the workflows' figures under a key.
            Ok(json!({ "workflows": figures }))
        }
        "alerts" => {
            let workflow: Option<String> = optional(args, "workflow")?;
            let rules = crate::api::alerts::alerts(app, workflow.as_deref()).await?;
            // Structured content is an object: the rules under a key.
            Ok(json!({ "alerts": rules }))
        }
        _ => Err(Failure::Call(UNKNOWN_TOOL, format!("no tool `{name}`"))),
    }
}

/// The tools that change things, for an operator `caller`: through the
/// API's handlers, so a decision is recorded by the caller's name.
async fn act(
    app: &App,
    name: &str,
    args: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, Failure> {
    let state = State(app.clone());
    match name {
        "start_run" => start(app, args, &caller).await,
        "cancel_run" => {
            let response = runs::cancel(state, Extension(caller), Path(text(args, "run")?)).await?;
            json_body(response).await
        }
        "pause_run" => {
            let response =
                crate::api::pause::pause(state, Extension(caller), Path(text(args, "run")?))
                    .await?;
            json_body(response).await
        }
        "pause_triggers" | "resume_triggers" => {
            let kind = crate::api::triggers::TriggerKind {
                kind: args.get("kind").and_then(Value::as_str).map(str::to_owned),
            };
            let State(app) = state;
            let paused = name == "pause_triggers";
            let changed =
                crate::api::triggers::change(app, caller, text(args, "workflow")?, kind, paused)
                    .await?;
            Ok(to_value(changed.0))
        }
        "delete_run" => {
            let deleted =
                crate::api::delete::delete(state, Extension(caller), Path(text(args, "run")?))
                    .await?;
            Ok(to_value(deleted.0))
        }
        "resume_run" => {
            let response =
                resume::resume(state, Extension(caller), Path(text(args, "run")?)).await?;
            json_body(response).await
        }
        _ => {
            let (run, gate) = (text(args, "run")?, text(args, "gate")?);
            let decision = if name == "approve_gate" {
                Decision::Approved
            } else {
                Decision::Rejected
            };
            let body = gates::DecisionBody {
                inputs: args.get("inputs").and_then(Value::as_object).cloned(),
                comment: args
                    .get("comment")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            let State(app) = state;
            let accepted = gates::decide(app, caller, run, gate, decision, body).await?;
            Ok(to_value(accepted.0))
        }
    }
}

/// A JSON response's body as a value.
async fn json_body(response: axum::response::Response) -> Result<Value, Failure> {
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(Problem::store)?;
    Ok(serde_json::from_slice(&body).unwrap_or_default())
}

/// The workflow as listed, and the plan of a run with its default params
/// (or why there is none: e.g. a param without a default), a page of its
/// steps at a time.
async fn describe(
    app: &App,
    workflow: String,
    args: &Map<String, Value>,
) -> Result<Value, Failure> {
    let info = app
        .catalog
        .workflows()
        .into_iter()
        .find(|w| w.name == workflow)
        .ok_or_else(|| {
            app.catalog.find(&workflow).err().unwrap_or_else(|| {
                Problem::new(
                    crate::problem::Code::NotFound,
                    format!("no workflow `{workflow}`"),
                )
            })
        })?;
    let mut v = to_value(info);
    let plan = match compile(app, workflow, None).await {
        Ok(c) => json!({"plan": pages::plan_page(plan_json(&c), args)?}),
        Err(Failure::Problem(p)) => json!({"plan_error": p.body()}),
        Err(f) => return Err(f),
    };
    if let (Some(o), Value::Object(p)) = (v.as_object_mut(), plan) {
        o.extend(p);
    }
    Ok(v)
}

async fn start(app: &App, args: &Map<String, Value>, caller: &Caller) -> Result<Value, Failure> {
    let wait = number(args, "wait_seconds")?.unwrap_or(0).min(300);
    let workflow = text(args, "workflow")?;
    let started = crate::api::workflows::start_run(
        app,
        workflow,
        params(args)?,
        Some(triggers::MCP),
        &caller.name,
        options(args)?,
    )
    .await?;
    tracing::info!(run = %started.id, "run started through MCP");
    let shown = if started.queued { "queued" } else { "running" };
    let mut answer = json!({"id": started.id, "status": shown});
    if wait > 0 {
        // The run's end, or a person it waits for: an agent then says so
        // rather than sit out its whole wait.
        let id = started.id.clone();
        let waits = super::assist::waits_for_person(app, id.clone());
        let limit = Duration::from_secs(wait);
        let ended = async move {
            if started.queued {
                // Another server's to run: its end is read from the store.
                crate::api::workflows::ended_in_store(app, &id, limit).await
            } else {
                started.ended.await.ok().map(|e| e.status.name().to_owned())
            }
        };
        tokio::select! {
            end = ended => if let Some(end) = end {
                answer["status"] = end.into();
            },
            shown = waits => answer["status"] = shown.into(),
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
        }
    }
    answer["waiting_for_person"] =
        matches!(answer["status"].as_str(), Some("waiting" | "paused")).into();
    Ok(answer)
}

/// Compiles a served workflow with `params` (a params file's JSON text).
async fn compile(app: &App, workflow: String, params: Option<String>) -> Result<Compiled, Failure> {
    Ok(crate::api::workflows::compile_served(app, workflow, params).await?)
}

fn plan_json(c: &Compiled) -> Value {
    to_value(wfc_plan::render::json::to_json(
        &c.plan,
        &c.ir,
        Some(&c.source),
    ))
}

fn to_value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(super) fn text(args: &Map<String, Value>, key: &str) -> Result<String, Failure> {
    optional(args, key)?.ok_or_else(|| Failure::Call(BAD_ARGUMENT, format!("`{key}` is required")))
}

pub(super) fn optional(args: &Map<String, Value>, key: &str) -> Result<Option<String>, Failure> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Failure::Call(
            BAD_ARGUMENT,
            format!("`{key}` must be a string, not {other}"),
        )),
    }
}

pub(super) fn number(args: &Map<String, Value>, key: &str) -> Result<Option<u64>, Failure> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            Failure::Call(
                BAD_ARGUMENT,
                format!("`{key}` must be a whole number ≥ 0, not {v}"),
            )
        }),
    }
}

/// `force`, `rerun`, `target` and `from`.
fn options(args: &Map<String, Value>) -> Result<crate::api::workflows::StartOptions, Failure> {
    let names = |key: &str| match args.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(n)) => Ok(vec![n.clone()]),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Ok(a
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()),
        Some(other) => {
            let e = format!("`{key}` must be a list of step names, not {other}");
            Err(Failure::Call(BAD_ARGUMENT, e))
        }
    };
    Ok(crate::api::workflows::StartOptions {
        rerun: rerun(args)?,
        select: wfc_plan::select::Selection {
            targets: names("target")?,
            from: names("from")?,
        },
    })
}

/// `force` and `rerun`: what runs even when up to date.
fn rerun(args: &Map<String, Value>) -> Result<wfc_launch::Rerun, Failure> {
    let all = match args.get("force") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let e = format!("`force` must be true or false, not {other}");
            return Err(Failure::Call(BAD_ARGUMENT, e));
        }
    };
    let steps = match args.get("rerun") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
        Some(other) => {
            let e = format!("`rerun` must be a list of step names, not {other}");
            return Err(Failure::Call(BAD_ARGUMENT, e));
        }
    };
    Ok(wfc_launch::Rerun { all, steps })
}

/// `params` as a params file's text: bound, checked and masked exactly as
/// `wfc run --params-file` does.
fn params(args: &Map<String, Value>) -> Result<Option<String>, Failure> {
    match args.get("params") {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.to_string())),
        Some(other) => Err(Failure::Call(
            BAD_ARGUMENT,
            format!("`params` must be an object of params by name, not {other}"),
        )),
    }
}
