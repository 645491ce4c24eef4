//! `wfc mcp [PATH…]`: the workflows under PATHs as Model Context Protocol
//! tools on stdin/stdout, for agents (docs/mcp.md). The server is
//! `wfc_serve::mcp`; runs go to the same store as `wfc run`.

use super::history::StoreArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct McpArgs {
    /// Files or folders whose workflows are offered (every `.wf` below a folder; default: `.`).
    paths: Vec<PathBuf>,
    /// Seconds running runs get to finish once the client disconnects before they are cancelled.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    grace: f64,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: McpArgs) -> ExitCode {
    // Standard output is the protocol's: logs go to standard error only.
    wfc_serve::init_logs(wfc_serve::LogFormat::Text);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let grace = Duration::from_secs_f64(args.grace.max(0.0));
    match wfc_serve::mcp::serve_stdio(paths, args.store.dir(), grace) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
