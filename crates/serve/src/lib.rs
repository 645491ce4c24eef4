//! `wfc serve`: the workflows under some paths, served over a REST API on
//! the same run store as the CLI.
//!
//! - [`discover`] — the `.wf` files under a path (shared with `wfc list`);
//! - [`catalog`] — the served files, each at its last version that checks;
//!   [`watch`] re-reads them when they change;
//! - [`wake`] — waking the runs that parked, waiting with no process;
//! - [`keys`] — API keys (`wfc keys`), [`auth`] — checking them, rate limits;
//! - [`api`] — the routes under `/api/v1`, [`openapi`] — their document;
//! - [`events`] — live events (Server-Sent Events), replayed from the store;
//! - [`launch`] — served workflows compiled and started through the one
//!   launcher ([`wfc_launch`]); [`recover`] — resuming, at start, the runs a
//!   killed server left;
//! - [`triggers`] — the seam where schedules, webhooks and file changes start runs:
//!   [`schedule`] fires `on schedule` at its cron slots, [`hooks`] serves
//!   `on webhook`, [`changes`] watches `on change`, all on the catalog's
//!   checked IR;
//! - [`files`] — the served folders' workflow files written and deleted
//!   through the API and MCP, checked first, their earlier versions kept;
//! - [`retention`] — pruning old runs (`--keep-runs`, `--keep-days`);
//! - [`dashboard`] — the HTML pages for people (login, workflows, runs);
//! - [`mcp`] — the workflows as MCP tools (`wfc mcp`, `/mcp`);
//! - [`lease`] — the server's lease on a store several servers share, and
//!   [`served`] — what it serves, said there;
//! - [`ops`] — `/healthz` and `/readyz`; [`metrics`] — `/metrics` for Prometheus;
//! - [`problem`] — errors as problem+json.
//!
//! [`serve`] runs the server until SIGTERM or SIGINT, then drains: no new
//! request or run, running runs get `grace` to finish; those still going
//! then are left as they are (recorded as left, not crashed) for the next
//! start to resume, as after `kill -9` ([`recover`]).

pub mod api;
pub mod auth;
pub mod backfill;
pub mod catalog;
pub mod changes;
pub mod dashboard;
pub mod discover;
pub mod events;
pub mod files;
pub mod hooks;
pub mod ignored;
pub mod keys;
pub mod launch;
pub mod lease;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod problem;
pub mod queued;
pub mod recover;
pub mod retention;
pub mod schedule;
pub mod served;
pub mod triggers;
pub mod wake;
pub mod watch;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How `wfc serve` was asked to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub listen: String,
    pub state_dir: PathBuf,
    pub max_runs: usize,
    /// Connections to the run store kept open between uses
    /// ([`wfc_store::pool`]): a request or a run takes one of them.
    pub store_connections: usize,
    /// `None`: `keys.json` in the state directory.
    pub keys_file: Option<PathBuf>,
    pub grace: Duration,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// Requests per second per key, and the burst above it.
    pub rate: u32,
    pub burst: u32,
    /// Interrupted runs are resumed at start if their last heartbeat is
    /// this recent ([`recover`]).
    pub resume_within: Duration,
    /// Which old runs are pruned.
    pub retention: wfc_store::retention::Policy,
    /// Watch `on change` folders by polling, never the OS's watch.
    pub poll_changes: bool,
    /// The Slurm executor's settings (`--executor`, `--slurm-*`): `None`
    /// runs every step here, even one whose file says `executor slurm`.
    pub slurm: Option<wfc_run::exec::slurm::SlurmOptions>,
    /// `/metrics` asks for an API key (of any role) like the API.
    pub metrics_auth: bool,
    /// The lease on a store in a database ([`lease`]).
    pub lease: lease::Timing,
    /// The served folders are one folder all the store's servers serve:
    /// files may be written through the API ([`files`]).
    pub shared_flows: bool,
    /// How long a start queued for any server ([`wfc_store::queued`]) may
    /// wait before it ends failed.
    pub queue_wait: Duration,
}

/// The log lines' format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Sends `tracing`'s events to standard error, filtered by `RUST_LOG`
/// (default `info`).
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// Serves `config` until a signal, then drains (see the module docs).
pub fn serve(config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(run(config));
    runtime.shutdown_timeout(Duration::from_secs(1));
    wfc_run::exec::scratch::remove();
    result
}

async fn run(config: Config) -> Result<(), String> {
    let state_dir = config.state_dir.clone();
    // Before anything reads the store: one server per state folder (a
    // second one would fire every slot twice and resume the same runs).
    let held =
        Arc::new(wfc_store::server_lock::ServerLock::take(&state_dir).map_err(|e| e.to_string())?);
    let started = std::time::Instant::now();
    // From here on every store this process opens on the folder (each
    // request's, each run's) reuses a kept connection, its statements
    // prepared; the first is made here.
    wfc_store::pool::keep_open(&state_dir, config.store_connections);
    // The store exists from the start: the API lists it, `wfc` commands read it.
    let store = wfc_store::Store::open(&state_dir)?;
    warn_if_few_connections(&store, config.max_runs);
    drop(store);
    let catalog = Arc::new(catalog::Catalog::load(config.paths.clone())?);
    catalog.set_shared(config.shared_flows);
    let _watch = watch::start(catalog.clone())
        .map_err(|e| tracing::warn!(error = %e, "changed files will not be read again"))
        .ok();
    let keys_path = keys::path(&state_dir, config.keys_file.as_deref());
    let key_cache = Arc::new(auth::KeyCache::new(keys_path.clone()));
    match key_cache.current() {
        Ok(k) if k.keys.is_empty() => tracing::warn!(
            keys = %keys_path.display(),
            "no API keys: every API request is refused until `wfc keys add NAME` makes one"
        ),
        Ok(k) => tracing::info!(keys = k.keys.len(), "API keys loaded"),
        Err(e) => return Err(e),
    }
    let manager = wfc_run::RunManager::new(wfc_run::exec::ExecOptions {
        slurm: config.slurm.clone(),
        ..wfc_run::exec::ExecOptions::default()
    });
    let launcher = wfc_launch::Launcher::serving(manager, state_dir.clone(), config.max_runs)
        .parking(wfc_run::park::ParkPolicy::default());
    // Taken here, before the server says it listens: a SIGTERM from then on
    // stops it gracefully (its lease given up), never by the default action.
    tokio::spawn(signals(launcher.stopping(), listen_for_signals()?));
    retention::spawn(state_dir, config.retention, &launcher);
    let scheduled = catalog.clone();
    let app = api::App {
        catalog,
        launcher: launcher.clone(),
    };
    let gate = auth::Gate {
        keys: key_cache,
        limiter: auth::limiter(config.rate, config.burst),
        guesses: Arc::default(),
    };
    let timed = app.clone();
    changes::start(app.catalog.clone(), launcher.clone(), config.poll_changes);
    let hooks = hooks::Hooks::new(
        app.catalog.clone(),
        launcher.clone(),
        gate.clone(),
        (config.rate, config.burst),
        config.max_body,
    );
    let mut dash = dashboard::Dash::new(app.clone(), gate.clone(), hooks.clone());
    dash.max_body = config.max_body;
    let mcp = mcp::http::router(
        app.clone(),
        gate.clone(),
        config.max_body,
        launcher.stopping(),
    );
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // On a store in a database: this server joins the others there.
    let (dir, timing, at) = (config.state_dir.clone(), config.lease, addr.to_string());
    let lease = tokio::task::spawn_blocking(move || lease::Lease::start(&dir, timing, &at))
        .await
        .map_err(|e| e.to_string())??;
    // What it serves, said before it claims a run to resume.
    if let Some(l) = &lease {
        let (dir, id, said) = (config.state_dir.clone(), l.id().0, app.catalog.published());
        let kept = said.clone();
        let done = tokio::task::spawn_blocking(move || served::publish(&dir, &id, &said)).await;
        if let Err(e) = done.map_err(|e| e.to_string()).and_then(|r| r) {
            tracing::warn!(error = %e, "cannot say in the store what this server serves");
        }
        let dir = config.state_dir.clone();
        served::keep(
            app.catalog.clone(),
            l.clone(),
            dir,
            kept,
            launcher.stopping(),
        );
    }
    // Once this server holds its lease (on a store in a database): the
    // runs it resumes are its own.
    recover::resume_interrupted(&app, config.resume_within).await;
    wake::start(app.clone()).await;
    if let Some(l) = &lease {
        // A dead server's runs, as this server's sweeps take them.
        if let Some(swept) = l.swept() {
            // A start with no slot here is queued for the others.
            launcher.queue_starts(true);
            recover::resume_queued(
                app.clone(),
                l.clone(),
                swept,
                config.resume_within,
                config.queue_wait,
            );
        }
        // Without its lease, this server's runs may be another's already:
        // their steps stop at once (their record refuses every write).
        let launcher = launcher.clone();
        l.on_lost(move || {
            for (id, _) in launcher.owned_runs() {
                launcher.force_cancel(&id);
            }
        });
    }
    let ops = ops::Ops {
        launcher: launcher.clone(),
        catalog: app.catalog.clone(),
        lock: held,
        lease: lease.clone(),
        started,
    };
    let scrape = metrics::Scrape {
        ops: ops.clone(),
        gate: config.metrics_auth.then(|| gate.clone()),
    };
    let ops = axum::Router::new()
        .route("/healthz", axum::routing::get(ops::health))
        .route("/readyz", axum::routing::get(ops::ready))
        .with_state(ops);
    let router = api::router(app, gate, config.max_body, hooks.clone()).merge(hooks::router(hooks));
    let router = router.merge(ops);
    let router = router.merge(dashboard::router(dash));
    let router = router
        .merge(mcp)
        .layer(axum::middleware::from_fn_with_state(
            scrape,
            metrics::intercept,
        ));
    tracing::info!(
        "listening on http://{addr} (API under http://{addr}{})",
        api::PREFIX
    );
    // Once listening: a server that cannot start fires no slot.
    schedule::start(scheduled, launcher.clone());
    api::alerts::spawn_timer(timed, launcher.stopping());
    let stopping = launcher.stopping();
    // With each connection's peer address: the dashboard's login limit is per client.
    let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { stopping.cancelled().await })
        .await
        .map_err(|e| e.to_string())?;
    let left = launcher
        .drain(config.grace, wfc_launch::AfterGrace::Leave)
        .await;
    if !left.is_empty() {
        let dir = launcher.state_dir().to_path_buf();
        let marked = tokio::task::spawn_blocking(move || {
            let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
            wfc_store::control::left(&store, &left).map_err(|e| e.to_string())
        })
        .await;
        if let Ok(Err(e)) | Err(e) = marked.map_err(|e| e.to_string()) {
            // They are resumed all the same, as after a crash.
            tracing::warn!(error = %e, "cannot record the runs left to the next start");
        }
    }
    if let Some(l) = lease {
        let dir = launcher.state_dir().to_path_buf();
        let _ = tokio::task::spawn_blocking(move || l.leave(&dir)).await;
    }
    tracing::info!("stopped");
    Ok(())
}

type Signals = (tokio::signal::unix::Signal, tokio::signal::unix::Signal);

/// SIGTERM and SIGINT, handled from now on.
fn listen_for_signals() -> Result<Signals, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let failed = |e: std::io::Error| format!("cannot handle SIGTERM and SIGINT: {e}");
    Ok((
        signal(SignalKind::terminate()).map_err(failed)?,
        signal(SignalKind::interrupt()).map_err(failed)?,
    ))
}

/// Turns the first SIGTERM or SIGINT into `stopping`.
async fn signals(stopping: tokio_util::sync::CancellationToken, (mut term, mut int): Signals) {
    let which = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = which, "stopping: no new requests or runs");
    stopping.cancel();
}

/// The connections this server may hold at once beyond one per running run:
/// its lease, its listener, the waker, a burst of API requests.
const CONNECTIONS_BESIDE_RUNS: i64 = 8;

/// Says at start when the database has fewer connections to spare than
/// this server may take: starts beyond them are refused (503) until some
/// close, which an operator should know before the first busy hour.
fn warn_if_few_connections(store: &wfc_store::Store, max_runs: usize) {
    let Ok(Some((allowed, open))) = wfc_store::servers::connections(store) else {
        return;
    };
    let wants = max_runs as i64 + CONNECTIONS_BESIDE_RUNS;
    // (`open` counts this server's first connection.)
    if open - 1 + wants > allowed {
        tracing::warn!(
            allowed,
            open,
            wants,
            "the run store's database takes {allowed} connections and {open} are open; this \
             server may open {wants} (--max-runs {max_runs}, one per running run, and \
             {CONNECTIONS_BESIDE_RUNS} more): starts beyond the database's connections are \
             refused with 503 until some close. Raise PostgreSQL's max_connections or lower \
             --max-runs (docs/serve.md, Several servers)"
        );
    }
}
