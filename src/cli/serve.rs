//! `wfc serve [PATH…]` and `wfc keys add|list|revoke`: the flags, read into
//! [`wfc_serve::Config`]; the server is the `wfc-serve` crate.

pub(crate) mod unit;

use super::history::StoreArgs;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wfc_serve::keys::{self, Role};

#[derive(Args)]
pub struct ServeArgs {
    /// Files or folders whose workflows are served (every `.wf` and `*.workflow.json` below a folder; default: `.`).
    paths: Vec<PathBuf>,
    /// The address to listen on (`0.0.0.0:7878` for every interface).
    #[arg(
        long,
        value_name = "ADDR",
        env = "WFC_LISTEN",
        default_value = "127.0.0.1:7878"
    )]
    listen: String,
    /// Runs at once; a start beyond them gets 503 with `Retry-After`.
    #[arg(long, value_name = "N", env = "WFC_MAX_RUNS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    max_runs: u32,
    /// The API keys file (default: keys.json in the state directory).
    #[arg(long, value_name = "FILE", env = "WFC_KEYS_FILE")]
    keys_file: Option<PathBuf>,
    /// Connections to the run store kept open between requests and runs.
    #[arg(long, value_name = "N", env = "WFC_STORE_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    store_connections: u32,
    /// `text` or `json` log lines on standard error (`RUST_LOG` filters them).
    #[arg(long, value_enum, env = "WFC_LOG_FORMAT", default_value_t)]
    log_format: LogFormat,
    /// Seconds running runs get to finish after SIGTERM/SIGINT before they are cancelled.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_GRACE",
        default_value_t = 30.0
    )]
    grace: f64,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", env = "WFC_MAX_BODY", default_value_t = 1024 * 1024)]
    max_body: usize,
    /// Requests per second each API key may make (bursts of `--rate-burst`).
    #[arg(long, value_name = "N", env = "WFC_RATE_LIMIT", default_value_t = 20)]
    rate_limit: u32,
    /// Requests a key may make at once above its rate.
    #[arg(long, value_name = "N", env = "WFC_RATE_BURST", default_value_t = 40)]
    rate_burst: u32,
    /// Seconds: at start, resume the interrupted runs (after `kill -9`) the server started this
    /// recently; 0 resumes none (docs/serve.md, Durability).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_RESUME_WITHIN",
        default_value_t = 3600
    )]
    resume_within: u64,
    /// Seconds between renewals of the server's lease on a store in a database (several servers
    /// on one PostgreSQL: docs/serve.md, Several servers).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_HEARTBEAT",
        default_value_t = 2.0
    )]
    heartbeat: f64,
    /// Seconds after its last renewal (by the database's clock) that a server's lease expires;
    /// at least twice `--heartbeat`.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_LEASE_TTL",
        default_value_t = 10.0
    )]
    lease_ttl: f64,
    /// Seconds a start may wait in the store's queue for a server with room (several servers on
    /// one PostgreSQL: a full server queues a start for the others); past it the run ends failed,
    /// saying so.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_QUEUE_WAIT",
        default_value_t = 600,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    queue_wait: u64,
    /// The served folders are one folder every server on the store serves (NFS, a synced
    /// volume): workflow files may be written through the API and MCP. Without it, a server
    /// sharing its store with others refuses to (API143): the others would not serve the file.
    #[arg(long, env = "WFC_SHARED_FLOWS")]
    shared_flows: bool,
    /// Keep the newest N runs of each workflow; older ones that ended are pruned with their logs (0: keep all).
    #[arg(long, value_name = "N", env = "WFC_KEEP_RUNS", default_value_t = 1000)]
    keep_runs: usize,
    /// Prune runs that ended more than D days ago (0: keep them however old).
    #[arg(long, value_name = "D", env = "WFC_KEEP_DAYS", default_value_t = 30)]
    keep_days: u32,
    /// Watch `on change` folders by polling instead of the OS's watch (network mounts).
    #[arg(long, env = "WFC_POLL_CHANGES")]
    poll_changes: bool,
    /// Where served runs' `shell` steps run: `local` processes, or `slurm`
    /// batch jobs (a step whose file says `executor slurm` is a job either
    /// way; docs/slurm.md).
    #[arg(long, value_enum, env = "WFC_EXECUTOR", default_value_t)]
    executor: super::run::ExecutorKind,
    /// With `--executor slurm`: the partition to submit to (`sbatch --partition`).
    #[arg(long, value_name = "NAME", env = "WFC_SLURM_PARTITION")]
    slurm_partition: Option<String>,
    /// With `--executor slurm`: the account to charge (`sbatch --account`).
    #[arg(long, value_name = "NAME", env = "WFC_SLURM_ACCOUNT")]
    slurm_account: Option<String>,
    /// `GET /metrics` asks for an API key (any role) like the API; without it, it is open like
    /// `/healthz` (the default address is loopback).
    #[arg(long, env = "WFC_METRICS_AUTH")]
    metrics_auth: bool,
    /// Print a hardened systemd service unit that runs this server (these folders and flags,
    /// absolute paths) instead of serving.
    #[arg(long)]
    print_unit: bool,
    /// With `--print-unit`: a user unit (`systemctl --user`), not a system one.
    #[arg(long, requires = "print_unit")]
    user: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum LogFormat {
    #[default]
    Text,
    Json,
}

pub fn run(args: ServeArgs) -> ExitCode {
    if args.print_unit {
        return match unit::unit(&args, args.user) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => super::usage_error(&format!("error: {e}")),
        };
    }
    wfc_serve::init_logs(match args.log_format {
        LogFormat::Text => wfc_serve::LogFormat::Text,
        LogFormat::Json => wfc_serve::LogFormat::Json,
    });
    if !(args.grace.is_finite() && args.grace >= 0.0) {
        return super::usage_error("error: --grace takes a number of seconds, 0 or more");
    }
    let state_dir = args.store.dir();
    let slurm = super::run::slurm_options(
        args.executor,
        args.slurm_partition,
        args.slurm_account,
        &state_dir,
    );
    if !(args.heartbeat > 0.0 && args.lease_ttl >= 2.0 * args.heartbeat) {
        return super::usage_error(&format!(
            "error: --lease-ttl ({}) must be at least twice --heartbeat ({}), which must be above 0",
            args.lease_ttl, args.heartbeat
        ));
    }
    let config = wfc_serve::Config {
        paths: if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths
        },
        listen: args.listen,
        state_dir,
        max_runs: args.max_runs as usize,
        store_connections: args.store_connections as usize,
        keys_file: args.keys_file,
        grace: Duration::from_secs_f64(args.grace),
        max_body: args.max_body,
        rate: args.rate_limit,
        burst: args.rate_burst,
        resume_within: Duration::from_secs(args.resume_within),
        retention: wfc_store::retention::Policy::new(args.keep_runs, args.keep_days),
        poll_changes: args.poll_changes,
        slurm: Some(slurm),
        metrics_auth: args.metrics_auth,
        lease: wfc_serve::lease::Timing {
            heartbeat: Duration::from_secs_f64(args.heartbeat),
            ttl: Duration::from_secs_f64(args.lease_ttl),
        },
        shared_flows: args.shared_flows,
        queue_wait: Duration::from_secs(args.queue_wait),
    };
    match wfc_serve::serve(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::usage_error(&format!("error: {e}")),
    }
}

#[derive(Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    /// The API keys file (default: keys.json in the state directory).
    #[arg(long, value_name = "FILE", env = "WFC_KEYS_FILE", global = true)]
    keys_file: Option<PathBuf>,
    /// The state directory (default: `.wfc` in the working directory).
    #[arg(long, value_name = "DIR", env = "WFC_STATE_DIR", global = true)]
    state_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a key: it is printed once, only its hash is stored.
    Add {
        /// What the key is for (`ci`, `grafana`…): shown in the server's log.
        name: String,
        /// `read` (workflows, runs, logs, stats) or `operator` (also start, cancel, approve).
        #[arg(long, value_enum, default_value_t = RoleArg::Read)]
        role: RoleArg,
    },
    /// List the keys: name, role, when made (never the keys).
    List,
    /// Remove a key: requests with it are refused from now on.
    Revoke { name: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Read,
    Operator,
}

pub fn keys(args: KeysArgs) -> ExitCode {
    let state_dir = wfc_store::state_dir(args.state_dir.as_deref());
    let path = keys::path(&state_dir, args.keys_file.as_deref());
    let done = match args.command {
        KeysCommand::Add { name, role } => {
            let role = match role {
                RoleArg::Read => Role::Read,
                RoleArg::Operator => Role::Operator,
            };
            keys::add(&path, &name, role).map(|key| {
                println!("{key}");
                eprintln!(
                    "wfc: key `{name}` ({}) added to {}; it is shown only this once",
                    role.name(),
                    path.display()
                );
            })
        }
        KeysCommand::List => keys::read(&path).map(|file| {
            if file.keys.is_empty() {
                println!(
                    "no API keys in {} (`wfc keys add NAME` makes one)",
                    path.display()
                );
            }
            for k in file.keys {
                println!("{:<24}  {:<8}  {}", k.name, k.role.name(), k.created);
            }
        }),
        KeysCommand::Revoke { name } => {
            keys::revoke(&path, &name).map(|()| eprintln!("wfc: key `{name}` revoked"))
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
