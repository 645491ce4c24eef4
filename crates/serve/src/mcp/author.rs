//! The authoring tools: a served folder's workflow files read, created,
//! updated and deleted, exactly as `/api/v1/files/{path}` does
//! ([`crate::files`]: checked first, written atomically, the replaced text
//! kept as a version, the catalog reloaded at once), or created from a
//! `wfc new` template with params ([`wfc_plan::templates`]). Every one
//! needs an operator (a file's text may hold what a `read` key is not shown).

use super::call::{optional, Failure, BAD_ARGUMENT};
use super::tools::{act, go_on, object, read};
use crate::api::files::blocking;
use crate::api::App;
use crate::auth::Caller;
use crate::files::{self, Mode};
use crate::problem::{Code, Problem};
use rmcp::model::Tool;
use serde_json::{json, Map, Value};
use wfc_plan::templates::{Template, TEMPLATES};

/// The tools of this module, by name.
pub const NAMES: &[&str] = &[
    "read_workflow_file",
    "create_workflow",
    "update_workflow",
    "delete_workflow",
    "create_from_template",
];

/// Those that change the served files (and so the tools' workflow lists).
pub const CHANGING: &[&str] = &[
    "create_workflow",
    "update_workflow",
    "delete_workflow",
    "create_from_template",
];

/// Their definitions.
pub fn tools() -> Vec<Tool> {
    let path = json!({"type": "string", "description": "a `.wf` file relative to a served folder (`deploy/api.wf`): never absolute, never through `..`"});
    let text = json!({"type": "string", "description": "the whole .wf file's text"});
    let names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
    vec![
        read(
            "read_workflow_file",
            "A served folder's workflow file: its text (or a kept version's, `version`) and the versions kept of it, newest first. A deleted file's versions are still read.",
            object(json!({"path": path, "version": {"type": "integer", "minimum": 1, "description": "a kept version (`versions[].version`)"}}), &["path"]),
        ),
        go_on(
            "create_workflow",
            "Creates a workflow file in a served folder: the text is checked first (errors come back with their codes, lines and columns, and nothing is written), written atomically, and served at once. Refused (API142) if the file exists: update_workflow replaces one.",
            object(json!({"path": path, "text": text}), &["path", "text"]),
        ),
        act(
            "update_workflow",
            "Replaces a served workflow file's text, checked first (errors: nothing written). The text it replaces is kept as a version (read_workflow_file reads it; updating with it restores it). Served at once.",
            object(json!({"path": path, "text": text}), &["path", "text"]),
        ),
        act(
            "delete_workflow",
            "Deletes a served workflow file: it is no longer served. Its text is kept as a version (read_workflow_file with `version` reads it; create_workflow with it restores the file).",
            object(json!({"path": path}), &["path"]),
        ),
        go_on(
            "create_from_template",
            "Creates a workflow file from a built-in template (as `wfc new`), with `params` as the defaults of the template's params (each checked by its type and constraint; secrets are never written). Checked, written and served as create_workflow.",
            object(
                json!({
                    "template": {"type": "string", "enum": names, "description": "the template (resources wfc://templates/NAME show them)"},
                    "path": path,
                    "params": {"type": "object", "additionalProperties": true, "description": "the template's params by name: values as `--param` reads them (strings bare, numbers, bools, lists)"},
                }),
                &["template", "path"],
            ),
        ),
    ]
}

/// Calls authoring tool `name` for operator `caller`.
pub async fn call(
    app: &App,
    name: &str,
    args: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, Failure> {
    let path = required(args, "path")?;
    let state = app.launcher.state_dir().to_path_buf();
    let catalog = app.catalog.clone();
    let answer = match name {
        "read_workflow_file" => {
            let version = super::call::number(args, "version")?.map(|n| n as u32);
            let read = blocking(move || {
                let target = files::resolve(&catalog, &path)?;
                files::read(&state, &target, version)
            })
            .await?;
            return Ok(to_value(read));
        }
        "delete_workflow" => to_value(
            blocking(move || {
                let target = files::resolve(&catalog, &path)?;
                files::delete(&catalog, &state, &target)
            })
            .await?,
        ),
        _ => {
            let (text, mode) = match name {
                "create_workflow" => (required(args, "text")?, Mode::Create),
                "update_workflow" => (required(args, "text")?, Mode::Update),
                _ => (from_template(args)?, Mode::Create),
            };
            to_value(
                blocking(move || {
                    let target = files::resolve(&catalog, &path)?;
                    files::write(&catalog, &state, &target, &text, mode)
                })
                .await?,
            )
        }
    };
    tracing::info!(tool = name, file = %answer["file"], by = %caller.name, "workflow file changed through MCP");
    Ok(answer)
}

/// The text of `template` with `params` as its params' defaults.
fn from_template(args: &Map<String, Value>) -> Result<String, Failure> {
    let name = required(args, "template")?;
    let template = Template::named(&name).ok_or_else(|| {
        let hint = wfc_language::diag::did_you_mean(&name, TEMPLATES.iter().map(|t| t.name))
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        Problem::new(Code::NotFound, format!("no template `{name}`{hint}"))
    })?;
    let params: Vec<(String, String)> = match args.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        Some(other) => {
            return Err(Failure::Call(
                BAD_ARGUMENT,
                format!("`params` must be an object of params by name, not {other}"),
            ))
        }
    };
    wfc_plan::templates::with_params(template, &params)
        .map_err(|e| Problem::new(Code::Invalid, format!("{e}; nothing was written")).into())
}

fn required(args: &Map<String, Value>, key: &str) -> Result<String, Failure> {
    optional(args, key)?.ok_or_else(|| Failure::Call(BAD_ARGUMENT, format!("`{key}` is required")))
}

fn to_value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}
