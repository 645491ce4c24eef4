//! `wfc servers`: the `wfc serve` processes sharing a store in a database,
//! with their leases as the database's clock judges them (issue 72;
//! docs/serve.md, "Several servers").

use super::history::{store_error, StoreArgs};
use super::Format;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Each server that joined the store (alive, or stopped or dead within the hour), newest first: its epoch, id, host and pid, version, address, and how long ago it renewed its lease, and what it serves: how many workflows, @ a digest of their files (servers with one digest serve the same versions). `expired`: alive by its row, but not renewed within --lease-ttl (by the database's clock): killed, or cut off from the database.\n\nExamples:\n  WFC_STORE=postgres://wfc@db.internal/wfc wfc servers\n  wfc servers --store postgres://wfc@db.internal/wfc --format json\n\nExit status: 0 listed (none on a SQLite store), 1 the store failed."
)]
pub struct ServersArgs {
    /// `text` (a table) or `json` (for tools).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Seconds after its last renewal that a server's lease counts as expired (as the servers'
    /// `--lease-ttl`).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "WFC_LEASE_TTL",
        default_value_t = 10.0
    )]
    pub lease_ttl: f64,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: ServersArgs) -> ExitCode {
    let store = match args.store.open_listing() {
        Ok(Some(s)) => s,
        Ok(None) => return print(&[], args.format),
        Err(code) => return code,
    };
    let ttl_ms = (args.lease_ttl * 1000.0) as i64;
    match wfc_store::servers::list(&store, ttl_ms) {
        Ok(rows) => print(&rows, args.format),
        Err(e) => store_error(e),
    }
}

fn print(rows: &[wfc_store::servers::ServerRow], format: Format) -> ExitCode {
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(rows).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if rows.is_empty() {
        eprintln!("(no server has joined this store: servers join a store in a database)");
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<6} {:<10} {:<9} {:<20} {:<8} {:<9} {:<22} {:<5} {:<14} HEARTBEAT",
        "EPOCH", "ID", "STATE", "HOST", "PID", "VERSION", "LISTEN", "RUNS", "SERVES"
    );
    for r in rows {
        let serves = match r.workflows {
            0 => "-".to_owned(),
            n => format!("{n} @{}", &r.catalog[..r.catalog.len().min(8)]),
        };
        println!(
            "{:<6} {:<10} {:<9} {:<20} {:<8} {:<9} {:<22} {:<5} {:<14} {:.1} s ago",
            r.epoch,
            &r.id[..r.id.len().min(8)],
            r.state,
            r.host,
            r.pid,
            r.version,
            r.listen,
            r.runs,
            serves,
            r.heartbeat_age_ms as f64 / 1000.0
        );
    }
    // Servers that serve different versions resume each other's runs only
    // where their versions agree: say so.
    let alive: std::collections::BTreeSet<&str> = (rows.iter())
        .filter(|r| r.state == "alive" && r.workflows > 0)
        .map(|r| r.catalog.as_str())
        .collect();
    if alive.len() > 1 {
        eprintln!(
            "note: the live servers serve {} different sets of workflow files (SERVES after @); \
             a run is resumed by a server that serves its version",
            alive.len()
        );
    }
    ExitCode::SUCCESS
}
