//! `wfc mcp`: the served workflows as Model Context Protocol tools, so an
//! agent can list, check, plan, start and follow runs. The protocol is the
//! official SDK's (`rmcp`); this module is the only one that uses it.
//!
//! - [`tools`] — the tools' names, descriptions and JSON-schema inputs
//!   (`start_run`'s lists each workflow's params);
//! - [`call`] — what each tool does, through the same catalog, launcher and
//!   run store as the REST API ([`crate::api`]; `explain_step` and `run_diff`
//!   are `crate::api::incremental`'s), answered once, as JSON text;
//!   `pages` — the answers that summarise and page (a run's steps, a plan's,
//!   a log's lines);
//! - `author` — the authoring tools: a served folder's workflow files
//!   read, created, updated, deleted, or created from a template
//!   ([`crate::files`], as `/api/v1/files/{path}`);
//! - `resources` — the language reference, the std modules, the templates
//!   and the served files, to read; `prompts` — "write a workflow that…",
//!   "why did run X fail"; `suggest` — the workflows and templates nearest
//!   to an intent, by an explainable score;
//! - `assist` — `suggest`, `complete` (the language server's completion),
//!   `wait_run`, `pending_approvals`; `outputs` — each tool's output schema;
//! - [`http`] — `/mcp` on `wfc serve`, behind the API's keys.
//!
//! Errors come back as tool errors (`isError`) with a code: the API's
//! (`API0xx`, docs/serve.md) or this module's own (`API070`…, docs/mcp.md).

mod assist;
mod author;
mod bound;
pub mod call;
pub mod http;
mod outputs;
mod pages;
mod prompts;
mod resources;
mod suggest;
pub mod tools;

use crate::api::App;
use crate::auth::Caller;
use crate::problem::Problem;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::path::PathBuf;
use std::time::Duration;

/// Runs at once in `wfc mcp` (a start beyond them is refused, API0xx busy).
const MAX_RUNS: usize = 4;

/// The MCP server: the tools over one catalog and launcher.
#[derive(Clone)]
pub struct WfcMcp {
    pub app: App,
}

impl ServerHandler for WfcMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_resources()
                .enable_resources_list_changed()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("wfc", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Workflows of wfc (typed .wf files): list_workflows, then describe_workflow or \
                 plan; start_run starts one (force/rerun: run steps even when up to date), \
                 run_status/logs follow it, explain_step says why a step ran or was up to \
                 date, run_diff what changed since the run before, resume_run goes on \
                 with a failed one, history lists runs and stats sums them up. To write a \
                 workflow: validate its text, then create_workflow (or create_from_template), \
                 update_workflow, delete_workflow; read_workflow_file reads one and its versions. \
                 suggest finds the nearest workflows and templates for an intent, complete \
                 lists what may be written at a place; wait_run waits for a run, \
                 pending_approvals lists the gates waiting for a person. Resources hold the \
                 language reference, std modules, templates and served files.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all(
            &self.app.catalog.workflows(),
        )))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources::list(
            &self.app,
        )))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let read = resources::read(&self.app, &request.uri, caller(&context)).await?;
        Ok(read.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let prompt = prompts::get(&self.app, &request.name, &args)
            .await
            .map_err(resources::error)?;
        Ok(prompt.into())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let caller = caller(&context);
        let result = call::call(&self.app, &request.name, args, caller).await;
        // A file written or deleted changes the workflows `start_run` and
        // `plan` list and the files listed as resources: a client that
        // keeps the lists asks for them again.
        if author::CHANGING.contains(&request.name.as_ref()) && result.is_error != Some(true) {
            let _ = context.peer.notify_tool_list_changed().await;
            let _ = context.peer.notify_resource_list_changed().await;
        }
        Ok(result.into())
    }
}

/// Who calls: over stdio the local user, who may act as `wfc run` may;
/// over HTTP ([`http`]) the API key's holder, with its role.
fn caller(context: &RequestContext<RoleServer>) -> Result<Caller, Problem> {
    let Some(parts) = context.extensions.get::<axum::http::request::Parts>() else {
        return Ok(Caller {
            name: "mcp".into(),
            role: crate::keys::Role::Operator,
        });
    };
    parts
        .extensions
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Problem::new(crate::problem::Code::Unauthenticated, "no API key"))
}

/// Serves the workflows under `paths` as MCP tools on standard input and
/// output until the client closes them; runs still running then get
/// `grace` to finish before they are cancelled.
pub fn serve_stdio(paths: Vec<PathBuf>, state_dir: PathBuf, grace: Duration) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async move {
        let store = wfc_store::Store::open(&state_dir)?;
        drop(store);
        let catalog = std::sync::Arc::new(crate::catalog::Catalog::load(paths)?);
        // Edited files are served again, as `wfc serve` does.
        let _watch = crate::watch::start(catalog.clone())
            .map_err(|e| tracing::warn!(error = %e, "changed files will not be read again"))
            .ok();
        let manager = wfc_run::RunManager::new(wfc_run::exec::ExecOptions::default());
        let launcher = wfc_launch::Launcher::new(manager, state_dir, MAX_RUNS);
        let app = App {
            catalog,
            launcher: launcher.clone(),
        };
        let service = WfcMcp { app }
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("cannot start the MCP session: {e}"))?;
        let _ = service.waiting().await;
        // Nothing resumes a `wfc mcp`'s runs: those still going are cancelled.
        launcher.drain(grace, wfc_launch::AfterGrace::Cancel).await;
        Ok(())
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    wfc_run::exec::scratch::remove();
    result
}
