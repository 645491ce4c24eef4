//! wfc end to end: the real `wfc` binary on workflows in temporary
//! directories (through [`wfc_testkit::Case`]), and the executors and the
//! run store against real processes, files and servers. One test binary,
//! so the workspace is linked once for all of them:
//!
//! - `cli`: `wfc check`, `fmt`, `plan`, `--help`, exit codes.
//! - `run`: `wfc run` — ordering, jobs, retries, timeouts, handlers,
//!   signals, races, skips, steps that talk to servers, hostile values.
//! - `exec`: each executor in-process (shell, direct, docker, email, http),
//!   quoting and masking.
//! - `store`: the run store through its library and through `wfc`: crash
//!   and resume, cancel and approve from another process, history.
//! - `new`: `wfc new` — every template made and run, the prompts on a
//!   pseudo-terminal.
//! - `scripts`: `python` and `node` steps with the real interpreters.
//! - `secrets`: no secret, in any encoding, in anything wfc shows or writes.
//! - `terminal_escapes`: values printed escaped, no clipboard writes from steps.
//! - `modules`: files of several workflows, workflow outputs, `wfc list`.
//! - `calls`: calls inlined — outputs, sagas, status, logs and resume.
//! - `call_settings`: `retry` on a call, and what its handlers read of its end.
//! - `stdlib`: the std library's modules, each run for real, and callers.
//! - `serve`: `wfc serve` over real HTTP — keys, runs, params, rate limits,
//!   the OpenAPI document, reloading files, draining on SIGTERM.
//! - `serve_events`: `wfc serve`'s live events (SSE) and resume endpoint.
//! - `serve_openapi`: every documented route's live answers checked against
//!   the OpenAPI document's schemas (Python's jsonschema).
//! - `serve_started_by`: who started each run, in the API, `wfc status` and
//!   `wfc history`.
//! - `serve_durable`: `wfc serve` after `kill -9`, and `lock` in its runs.
//! - `serve_client`: retention, and `wfc status|logs|history|cancel|approve
//!   --server` against a real server.
//! - `serve_schedule`: `on schedule` in `wfc serve` — overlap, reloads, catch up.
//! - `serve_schedule_resumed`: `overlap` after `kill -9`, with the run resumed.
//! - `systemd_units`, `systemd_hostile`: `wfc serve --print-unit`, `wfc schedule
//!   --systemd` (systemd-analyze; folders systemd reads specially).
//! - `schedule_cron`: `wfc schedule --cron` in a crontab, and its `due` guard.
//! - `serve_ops`: `/healthz`, `/readyz`, `/metrics` (parsed by `prometheus_client`).
//! - `serve_hooks`, `serve_changes`: `on webhook` and `on change` triggers.
//! - `serve_plan_size`: starts asking for too many steps refused (E0413).
//! - `serve_files`: the served files as they change — broken ones shown
//!   and logged once, folders removed and made again, links; `/validate`.
//! - `fifo_files`: a FIFO named `*.wf` served, imported, checked: refused at once.
//! - `dashboard`: `wfc serve`'s HTML pages — login, its cookie and CSRF
//!   token, the workflows and runs pages, values escaped.
//! - `dashboard_run`: the run page — its timeline, live events, log tails
//!   escaped, and its buttons (cancel, approve, reject, resume) with CSRF.
//! - `dashboard_graph`: the run page's DAG, drawn from the run's plan.
//! - `dashboard_form`: the dashboard's start form and metrics page.
//! - `dashboard_rerun`: the start form filled from a run, secrets' fields,
//!   errors in the form's words.
//! - `dashboard_triggers`: the schedules and triggers page, its ignored
//!   firings and pause toggle, and the banner for files that do not load.
//! - `browser_waiting`: the runs waiting for a person, approved from
//!   `/waiting` at a phone's width in Chromium.
//! - `example_etl`: examples/etl.wf against a real PostgreSQL, hostile rows.
//! - `export_argo`: `wfc export argo` — the YAML validated against Argo's schema.
//! - `export_ports`: ports of public workflows through both exports.
//! - `export_yaml_quoting`: both exports read back by a YAML 1.1 parser.
//! - `import`: `wfc import` of real GitHub Actions workflows and a Taskfile.
//! - `import_round_trip`: GitHub exports imported back to the same DAG.
//! - `mcp`: `wfc mcp` driven by a real MCP client (the `mcp` PyPI package).
//! - `history_filters`: `wfc history --status|--since|--until`, and `waiting`.
//! - `labels`: a workflow's `version` and `tags` in `list`, `history` and the API.
//! - `runs_delete`: `wfc runs delete` and `DELETE /api/v1/runs/{id}`.
//! - `resources`: each attempt's CPU time and peak memory in `status`,
//!   `stats`, the report, the API and the dashboard.
//! - `watch`: `wfc status --watch` and `wfc top` on a pseudo-terminal.
//! - `alerts`: alert rules decided by `wfc run` and `wfc serve`, sent to a
//!   local HTTP server and the SMTP sink; `wfc alerts`, the API, `/metrics`.
//!
//! The tests run as threads of one process: a test gives environment to the
//! processes it starts, never sets its own. A test whose component (Podman,
//! the SMTP sink, Graphviz, …) cannot run here prints `SKIPPED: why` and
//! passes, except under `CI=true` ([`wfc_testkit::skip`]).
//! Run one area with `cargo test --test e2e run::` (or `exec::`, `store::`…).

mod alerts;
mod api_targets;
mod approval_inputs;
mod architecture;
mod backfill;
mod browser;
mod browser_decide;
mod browser_editor;
mod browser_incremental;
mod browser_live;
mod browser_log_search;
mod browser_run_view;
mod browser_triggers;
mod browser_waiting;
mod call_settings;
mod calls;
mod cli;
mod completions;
mod dashboard;
mod dashboard_editor;
mod dashboard_form;
mod dashboard_graph;
mod dashboard_incremental;
mod dashboard_login;
mod dashboard_rerun;
mod dashboard_run;
mod dashboard_triggers;
mod dashboard_waiting;
mod diagnostic_fixtures;
mod example_etl;
mod exec;
mod export_argo;
mod export_backoff_rate;
mod export_batches;
mod export_github;
mod export_github_all;
mod export_github_calls;
mod export_github_change;
mod export_github_change_run;
mod export_github_computed;
mod export_github_failed;
mod export_github_files;
mod export_github_http;
mod export_github_jobs;
mod export_github_lists;
mod export_github_matrix;
mod export_github_pause;
mod export_github_race;
mod export_github_runtime;
mod export_github_scripts;
mod export_github_size;
mod export_github_status;
mod export_github_trigger_params;
mod export_github_until;
mod export_github_when;
mod export_github_zoned;
mod export_ports;
mod export_secret_decided;
mod export_secret_if;
mod export_sql;
mod export_yaml_quoting;
mod fail_fast;
mod fifo_files;
mod file_calls;
mod first_minutes;
mod folder_links;
mod full_disk;
mod history_filters;
mod import;
mod import_meaning;
mod import_round_trip;
mod imports;
mod incremental;
mod json_form;
mod labels;
mod live_display;
mod mcp;
mod mcp_assist;
mod mcp_author;
mod mcp_incremental;
mod mcp_resources;
mod modules;
mod new;
mod paths;
mod preflight;
mod resources;
mod run;
mod runs_delete;
mod schedule_cron;
mod scripts;
mod secrets;
mod serve;
mod serve_artifacts;
mod serve_backfill;
mod serve_changes;
mod serve_client;
mod serve_deadlines;
mod serve_deliveries;
mod serve_durable;
mod serve_errors;
mod serve_events;
mod serve_file_api;
mod serve_file_calls;
mod serve_files;
mod serve_hooks;
mod serve_hooks_replay;
mod serve_incremental;
mod serve_keys;
mod serve_log_search;
mod serve_logs;
mod serve_metrics_bound;
mod serve_openapi;
mod serve_ops;
mod serve_owned;
mod serve_pages;
mod serve_parked;
mod serve_parked_locks;
mod serve_pause;
mod serve_plan_size;
mod serve_process;
mod serve_push;
mod serve_restart;
mod serve_runs;
mod serve_schedule;
mod serve_schedule_resumed;
mod serve_started_by;
mod serve_triggers;
mod servers;
mod servers_catalog;
mod servers_changes;
mod servers_connections;
mod servers_once;
mod servers_partition;
mod servers_queue;
mod servers_standby;
mod sql;
mod sql_postgres;
mod sql_postgres_tls;
mod stdlib;
mod store;
mod strict_shells;
mod systemd_hostile;
mod systemd_units;
mod terminal_escapes;
mod triggers;
mod up_to_date_when;
mod watch;

use wfc_testkit::Case;

/// The `wfc` binary this test binary was built with.
const WFC: &str = env!("CARGO_BIN_EXE_wfc");

/// Serves `app` on a free loopback port from a thread and runtime of its
/// own (the tests are synchronous); returns its base URL.
fn serve(app: axum::Router) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", l.local_addr().unwrap()))
                .unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Whether the suite runs on PostgreSQL (`WFC_TEST_STORE`): a test of what
/// only SQLite has (its file, an old schema made by hand) has nothing to
/// check there.
fn on_postgres() -> bool {
    std::env::var("WFC_TEST_STORE").is_ok_and(|s| s.starts_with("postgres"))
}

/// The store of the state folder `dir`, which `case`'s commands use: its
/// SQLite file, or the case's PostgreSQL schema when the suite runs there
/// (`WFC_TEST_STORE`), bound in this process as `wfc` binds it.
fn open_store(case: &Case, dir: &std::path::Path) -> wfc_store::Result<wfc_store::Store> {
    if let Some(url) = case.store() {
        bind_store(url, dir);
    }
    wfc_store::Store::open(dir).map_err(|e| wfc_store::Error::Database(e.to_string()))
}

/// From now on in this process, the store of the state folder `dir` is
/// the PostgreSQL schema `url` names (a [`wfc_testkit::test_store::fresh`]
/// one), as `wfc --store URL` binds it: every `Store::open(dir)` of a test
/// then reads what the test's `wfc` wrote there.
fn bind_store(url: &str, dir: &std::path::Path) {
    let wfc_store::location::Location::Postgres(pg) =
        wfc_store::location::Location::parse(url, false).expect("a PostgreSQL URL")
    else {
        panic!("WFC_TEST_STORE is a PostgreSQL URL")
    };
    wfc_store::remote::bind_postgres(dir, pg, wfc_store_postgres::connect);
}

/// A fresh temporary directory to run [`WFC`] in.
fn case() -> Case {
    Case::new(WFC)
}

/// A case holding `text` as its workflow (`w.wf`).
fn workflow(text: &str) -> Case {
    case().workflow(text)
}
