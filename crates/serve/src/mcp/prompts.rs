//! Prompts an agent's user picks: `write_workflow` ("write a workflow
//! that…": the nearest served workflows and templates, the resources to
//! read and the tools to check and write with) and `why_run_failed` (a
//! run's failed steps, their errors and the last lines of their logs —
//! secrets masked as `run_status` and `logs` mask them — with what to do
//! next).

use super::call::Failure;
use crate::api::App;
use crate::problem::{Code, Problem};
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{json, Map, Value};

/// The log lines of a failed step a prompt shows.
const LOG_LINES: u64 = 40;
/// The failed steps whose logs a prompt shows.
const STEPS: usize = 3;

/// Every prompt.
pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "write_workflow",
            Some("Write a wfc workflow that does what you say: starts from the nearest served workflows and templates, checks the text, then writes it."),
            Some(vec![PromptArgument::new("intent")
                .with_description("what the workflow should do (\"deploy the API to staging, then ask a person before prod\")")
                .with_required(true)]),
        ),
        Prompt::new(
            "why_run_failed",
            Some("Why did run X fail: its failed steps, their errors and last log lines, and what to do next."),
            Some(vec![PromptArgument::new("run")
                .with_description("a run id, a unique prefix of one, or `last`")
                .with_required(true)]),
        ),
    ]
}

/// Prompt `name` with `args`.
pub async fn get(
    app: &App,
    name: &str,
    args: &Map<String, Value>,
) -> Result<GetPromptResult, Problem> {
    let arg = |key: &str| {
        args.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Problem::new(Code::BadRequest, format!("`{key}` is required")))
    };
    let (description, text) = match name {
        "write_workflow" => {
            let intent = arg("intent")?;
            ("Write a workflow", write_workflow(app, &intent))
        }
        "why_run_failed" => ("Why a run failed", why_run_failed(app, arg("run")?).await?),
        _ => {
            return Err(Problem::new(
                Code::NotFound,
                format!("no prompt `{name}` (prompts/list lists them)"),
            ))
        }
    };
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(description),
    )
}

fn write_workflow(app: &App, intent: &str) -> String {
    let found = super::suggest::suggest(app, intent, 5);
    let mut nearest = String::new();
    for s in found["suggestions"].as_array().into_iter().flatten() {
        nearest.push_str(&format!(
            "- {} `{}` ({}): {} — matched {}\n",
            s["kind"].as_str().unwrap_or_default(),
            s["name"].as_str().unwrap_or_default(),
            s["uri"].as_str().unwrap_or_default(),
            s["description"].as_str().unwrap_or_default(),
            s["why"]
                .as_array()
                .map(|w| w
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default(),
        ));
    }
    if nearest.is_empty() {
        nearest = "- (none matched: read the templates, resources wfc://templates/…)\n".into();
    }
    format!(
        "Write a wfc workflow (a typed .wf file) that {intent}.\n\n\
         The language is described in the resource wfc://docs/language.md; the standard \
         library's modules (wfc://std/…) can be imported and called.\n\n\
         The nearest served workflows and templates (the tool `suggest` ranks them):\n{nearest}\n\
         Then:\n\
         1. Read the nearest one's resource; start from it (`create_from_template` writes a \
         template with params as its defaults) or write the text yourself.\n\
         2. Check the text with `validate` and fix every diagnostic (each has a code, a line and \
         a column, and often help); `complete` lists what may be written at a place.\n\
         3. Write it with `create_workflow` (a path relative to the served folder, e.g. \
         `team/name.wf`), then `plan` it with its params to see what a run will do.\n\
         Never write a secret's value in the file: declare `secret NAME: string = env(\"NAME\")`.\n"
    )
}

async fn why_run_failed(app: &App, run: String) -> Result<String, Problem> {
    let mut ask = Map::new();
    ask.insert(
        "steps".into(),
        json!("failed,timed_out,interrupted,cancelled"),
    );
    let status = super::pages::run_status(app, run, &ask)
        .await
        .map_err(problem)?;
    let id = status["id"].as_str().unwrap_or_default().to_owned();
    let workflow = status["workflow"].as_str().unwrap_or_default();
    let mut text = format!(
        "Explain why run {id} of workflow `{workflow}` ended `{}`, from what follows, and \
         propose a fix: to the workflow's file (read it; `update_workflow` writes it, checked \
         first), to its params, or to what its steps reach. Once fixed, `resume_run` goes on \
         from the failed steps (those that succeeded do not run again).\n\n\
         The run, with its failed steps:\n```json\n{}\n```\n",
        status["status"].as_str().unwrap_or_default(),
        serde_json::to_string_pretty(&status).unwrap_or_default()
    );
    let failed: Vec<String> = status["step_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .take(STEPS)
        .collect();
    for step in failed {
        let mut tail = Map::new();
        tail.insert("tail".into(), json!(LOG_LINES));
        if let Ok(log) = super::pages::logs(app, id.clone(), step.clone(), &tail).await {
            text.push_str(&format!(
                "\nThe last lines of step `{step}`'s log:\n```\n{}\n```\n",
                log["log"].as_str().unwrap_or_default().trim_end()
            ));
        }
    }
    Ok(text)
}

fn problem(f: Failure) -> Problem {
    match f {
        Failure::Problem(p) => p,
        Failure::Call(_, detail) => Problem::new(Code::BadRequest, detail),
    }
}
