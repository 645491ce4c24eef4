//! What an agent reads to write workflows, as MCP resources: the language
//! reference (`wfc://docs/language.md`), each standard-library module
//! (`wfc://std/NAME.wf`, as `wfc_language` embeds it), each `wfc new` template (`wfc://templates/NAME.wf`)
//! and each served folder's workflow file (`wfc://files/PATH`, read as
//! `/api/v1/files/{path}` reads it: for an operator only). The reference,
//! the modules and the templates are built into the binary, so they match
//! its version.

use crate::api::files::blocking;
use crate::api::App;
use crate::auth::Caller;
use crate::files;
use crate::problem::{Code, Problem};
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use rmcp::ErrorData;
use wfc_language::program::stdlib::{self, FILES as STD};
use wfc_plan::templates::TEMPLATES;

/// The language reference.
pub const LANGUAGE: &str = include_str!("../../../../docs/language.md");

/// The media type of a `.wf` file.
const WF: &str = "text/x-wfc";

/// The URI of the served file at `path` (relative to its folder).
pub fn file_uri(path: &str) -> String {
    format!("wfc://files/{path}")
}

/// Every resource: the reference, the modules, the templates, the served files.
pub fn list(app: &App) -> Vec<Resource> {
    let mut out = vec![Resource::new("wfc://docs/language.md", "language.md")
        .with_title("The wfc language reference")
        .with_description("Every construct of a .wf file: steps, params, types, expressions, gates, triggers, imports, with examples.")
        .with_mime_type("text/markdown")
        .with_size(LANGUAGE.len() as u64)];
    for (name, text) in STD {
        out.push(
            Resource::new(format!("wfc://std/{name}"), format!("std/{name}"))
                .with_description(format!(
                    "Standard-library module `import \"std/{name}\"`: {}",
                    first_comment(text)
                ))
                .with_mime_type(WF)
                .with_size(text.len() as u64),
        );
    }
    for t in TEMPLATES {
        out.push(
            Resource::new(
                format!("wfc://templates/{}.wf", t.name),
                format!("template {}", t.name),
            )
            .with_description(format!(
                "Template (create_from_template, `wfc new {}`): {}",
                t.name,
                t.summary()
            ))
            .with_mime_type(WF)
            .with_size(t.text.len() as u64),
        );
    }
    for path in files::served_paths(&app.catalog) {
        out.push(
            Resource::new(file_uri(&path), path.clone())
                .with_description(format!(
                    "Served workflow file {path} (update_workflow changes it)"
                ))
                .with_mime_type(WF),
        );
    }
    out
}

/// The resources' URI templates: a served file by its path (one not yet
/// listed, say, just written), a template or a std module by its name.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("wfc://files/{path}", "served workflow file")
            .with_description(
                "A served folder's .wf file, its path relative to the folder (operators only)",
            )
            .with_mime_type(WF),
        ResourceTemplate::new("wfc://templates/{name}.wf", "template")
            .with_description("A built-in template, as `wfc new NAME` writes it")
            .with_mime_type(WF),
        ResourceTemplate::new("wfc://std/{name}.wf", "std module")
            .with_description("A standard-library module, as `import \"std/NAME.wf\"` reads it")
            .with_mime_type(WF),
    ]
}

/// Reads resource `uri`; a served file for an operator `caller` only.
pub async fn read(
    app: &App,
    uri: &str,
    caller: Result<Caller, Problem>,
) -> Result<ReadResourceResult, ErrorData> {
    let text = |text: &str, mime: &str| {
        Ok(ReadResourceResult::new(vec![ResourceContents::text(
            text, uri,
        )
        .with_mime_type(mime)]))
    };
    if uri == "wfc://docs/language.md" {
        return text(LANGUAGE, "text/markdown");
    }
    if let Some(t) = uri.strip_prefix("wfc://std/").and_then(stdlib::get) {
        return text(t, WF);
    }
    if let Some(name) = uri
        .strip_prefix("wfc://templates/")
        .and_then(|n| n.strip_suffix(".wf"))
    {
        if let Some(t) = TEMPLATES.iter().find(|t| t.name == name) {
            return text(t.text, WF);
        }
    }
    if let Some(path) = uri.strip_prefix("wfc://files/") {
        caller.and_then(|c| c.operator()).map_err(error)?;
        let (state, catalog, path) = (
            app.launcher.state_dir().to_path_buf(),
            app.catalog.clone(),
            path.to_owned(),
        );
        let read = blocking(move || {
            let target = files::resolve(&catalog, &path)?;
            files::read(&state, &target, None)
        })
        .await
        .map_err(error)?;
        return text(&read.text, WF);
    }
    Err(error(Problem::new(
        Code::NotFound,
        format!("no resource `{uri}` (resources/list lists them)"),
    )))
}

/// A problem as a protocol error: its code and detail, the body as data.
pub fn error(p: Problem) -> ErrorData {
    let data = serde_json::to_value(p.body()).ok();
    let message = format!("{}: {}", p.code.id(), p.detail);
    match p.code {
        Code::NotFound => ErrorData::resource_not_found(message, data),
        Code::Store => ErrorData::internal_error(message, data),
        _ => ErrorData::invalid_params(message, data),
    }
}

/// A `.wf` file's first comment line after its title: what it is for.
fn first_comment(text: &str) -> String {
    text.lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}
