//! The command line: clap definitions and dispatch. `main.rs` only calls [`main`].
//!
//! Exit codes, one table for every command (README's): 0 success, 1 problems
//! found (a file with errors for `check` and `fmt`, the run failed, a
//! refused `cancel`/`approve`/`reject`, a store that cannot be read), 2 bad
//! invocation or unreadable input (nothing ran), 3 the workflow has errors
//! (commands that need a valid workflow), 130 cancelled.

mod act;
mod alerts;
mod artifacts;
mod ask_params;
mod backfill;
mod check;
mod check_paths;
mod complete;
mod doctor;
mod explain;
mod export;
mod export_json;
mod fmt;
mod heap;
mod history;
mod import;
mod list;
mod logging;
mod logs;
mod lsp;
mod mcp;
mod new;
mod pick;
mod pipe;
mod plan;
mod plan_diff;
mod plan_incremental;
mod program;
mod progress;
mod remote;
mod resume;
mod run;
mod runs;
mod say;
mod sched;
mod schedule;
mod screen;
mod serve;
mod servers;
mod signals;
mod stats;
mod status;
mod store_copy;
mod term_echo;
mod top;
mod triggers;
mod usage;
mod watch;
mod when;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::Path;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wfc",
    version,
    about = "A typed workflow language: check, plan, run and format .wf files",
    long_about = None,
    after_help = "Examples:\n  wfc new deploy-api\n  wfc check deploy.wf\n  wfc plan deploy.wf --param env=prod\n  wfc run deploy.wf --param env=prod\n  wfc history\n  wfc resume last\n  wfc fmt --check examples/\n  wfc completions bash > /etc/bash_completion.d/wfc"
)]
pub struct Cli {
    /// More of wfc's own messages: `-v` its details, `-vv` everything,
    /// the libraries' notes too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors and results: no notes or warnings, and `wfc run` shows
    /// no progress, only its last line and its outputs.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// `-q` was given.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q` was given: only errors and results are shown.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
enum Command {
    /// Start a workflow from a built-in template (on a terminal, wfc asks).
    #[command(
        after_help = "Examples:\n  wfc new --list\n  wfc new deploy-api             # writes deploy-api.wf\n  wfc new test-suite ci/tests.wf\n  wfc new blank my.wf            # an empty one: a param and two steps\n  wfc new                        # on a terminal: pick a template (those that fit the folder first), answer its params\n\nExit status: 0 written, 1 the file exists (pass --force), 2 unknown template or no template named off a terminal, 130 cancelled."
    )]
    New(new::NewArgs),
    /// Parse and type-check workflows; report every problem.
    #[command(
        after_help = "With no PATH, every .wf (and *.workflow.json, docs/json-form.md) file under the current folder; a folder is searched recursively, skipping hidden folders, target/ and node_modules/.\n\nExamples:\n  wfc check\n  wfc check deploy.wf\n  wfc check ci/\n  wfc check --format json examples/*.wf\n  wfc check --deny warnings ci.wf\n  wfc check --level strict deploy.wf     # and PATH, ShellCheck, URLs, durations\n  wfc check --level paranoid deploy.wf   # and Docker, databases, SMTP, DNS (wfc doctor)\n\nExit status: 0 no errors, 1 errors (or warnings with --deny warnings), 2 unreadable file."
    )]
    Check(check::CheckArgs),
    /// Check workflows against this machine: `wfc check --level paranoid`, with what was looked at.
    #[command(
        after_help = "Looks up the commands and interpreters the steps run on PATH, runs ShellCheck over `run` commands (when installed), checks URLs and durations, and asks the Docker engine, the databases, the SMTP servers and DNS (each for at most 2s). Every finding is a warning W0960-W0974 (docs/preflight.md).\n\nExamples:\n  wfc doctor deploy.wf\n  wfc doctor --deny warnings ci/\n  wfc check --level strict deploy.wf    # without reaching out\n\nExit status: 0 no errors, 1 errors (or warnings with --deny warnings), 2 unreadable file."
    )]
    Doctor(doctor::DoctorArgs),
    /// Print the page of a diagnostic code (`E0140`, `W0100`), or why a run's step ran or was up to date.
    #[command(
        after_help = "Examples:\n  wfc explain E0140\n  wfc explain w0100\n  wfc explain last build     # why step `build` of the last run ran or was up to date\n\nExit status: 0 printed, 2 no such code, run or step."
    )]
    Explain(explain::ExplainArgs),
    /// Format workflows in the canonical layout, keeping every comment.
    #[command(
        after_help = "Examples:\n  wfc fmt deploy.wf            # rewrite in place\n  wfc fmt examples/            # every .wf file below a folder\n  wfc fmt --check examples/    # print a diff, exit 1 if anything is unformatted\n  cat x.wf | wfc fmt -         # stdin to stdout\n\nExit status: 0 nothing to do, 1 a file has syntax errors (or, with --check, is not formatted), 2 unreadable or unwritable file."
    )]
    Fmt(fmt::FmtArgs),
    /// List the workflows under files and folders: name, description, params, outputs.
    #[command(
        after_help = "Folders are searched for .wf and *.workflow.json files recursively, skipping hidden folders, target/ and node_modules/.\n\nExamples:\n  wfc list\n  wfc list ci/ deploy.wf\n  wfc list --tag nightly\n  wfc list --format json | jq '.files[].workflows[].name'\n\nExit status: 0 listed, 1 a file has errors (it is listed with their count), 2 a path is unreadable."
    )]
    List(list::ListArgs),
    /// Show what a run will do: steps in order, what is skipped and why, how long it takes.
    #[command(
        after_help = "Examples:\n  wfc plan examples/deploy.wf --param version=1.2.3\n  wfc plan examples/deploy.wf -p env=prod -p version=1.2.3 -p regions=eu-west,us-east\n  wfc plan deploy.wf --params-file prod.json --jobs 8\n  wfc plan ci.wf lint                # the file's workflow `lint` (default: its first)\n  wfc plan deploy.wf -p version=1.2.3 --format json | jq .critical_path\n  wfc plan deploy.wf -p version=1.2.3 --format dot | dot -Tsvg > plan.svg\n\nExit status: 0 planned, 2 bad params, unreadable file or no such workflow in the file, 3 the workflow has errors."
    )]
    Plan(plan::PlanArgs),
    /// Run a workflow (`--dry-run` shows the plan, as `wfc plan` does).
    #[command(
        after_help = "Examples:\n  wfc run deploy.wf --dry-run --param version=1.2.3\n  wfc run deploy.wf -p env=prod -p version=1.2.3\n  wfc run ci.wf release -p version=1.2.3   # the file's workflow `release`\n  wfc run deploy.wf -p version=1.2.3 --keep-going --output report.json\n  wfc run deploy.wf -p env=prod -p version=1.2.3 --approve approve\n  wfc run deploy-api -p env=staging   # a built-in template, when no file has that name\n\nExit status: 0 success, 1 the run failed, 2 bad params, unreadable file or no such workflow in the file, 3 the workflow has errors, 130 cancelled."
    )]
    Run(run::RunArgs),
    /// Write a workflow for another engine (Argo Workflows, GitHub Actions) from its compiled plan.
    #[command(
        after_help = "See docs/export.md for what maps to what, and the errors E0720–E0740.\n\nExamples:\n  wfc export argo deploy.wf -p version=1.2.3 --image alpine:3.20\n  wfc export github-actions deploy.wf -p version=1.2.3 -o .github/workflows/deploy.yml\n  wfc export github-actions nightly.wf --runs-on self-hosted\n\nExit status: 0 written, 2 bad params or unreadable file, 3 the workflow has errors or a construct the engine cannot express."
    )]
    Export(export::ExportArgs),
    /// Convert a GitHub Actions workflow or a Taskfile into a `.wf` workflow.
    #[command(
        after_help = "See docs/import.md for what maps to what, and the warnings W0900-W0909 (each construct without a `.wf` equivalent, with its place).\n\nExamples:\n  wfc import .github/workflows/ci.yml -o ci.wf\n  wfc import Taskfile.yml -o tasks.wf\n  wfc import build.yaml --from taskfile\n\nExit status: 0 written (warnings on stderr), 2 unreadable file, not YAML, or not a workflow of the format."
    )]
    Import(import::ImportArgs),
    /// List recorded runs, newest first.
    #[command(
        after_help = "Runs are recorded in .wfc/ (--state-dir or $WFC_STATE_DIR move it; see docs/store.md).\n\nExamples:\n  wfc history\n  wfc history deploy --limit 5\n  wfc history --status failed,interrupted --since 7d\n  wfc history --status waiting          # runs held for an approval\n  wfc history --tag etl --format json\n  wfc history --format json | jq '.[0].status'\n  WFC_API_KEY=$KEY wfc history --server http://127.0.0.1:7878   # ask a `wfc serve`"
    )]
    History(history::HistoryArgs),
    /// Show one run: every step's state, attempts and durations.
    #[command(
        after_help = "RUN is a run id, a unique prefix of one, or `last`.\n\nExamples:\n  wfc status last\n  wfc status 20240501-123456-3fa9 --attempts\n  wfc status last --format json\n  wfc status last --watch             # redrawn as it goes, until it ends\n  wfc status last --server http://127.0.0.1:7878 --api-key-file ~/.wfc-key\n  wfc status last --watch --server http://127.0.0.1:7878   # from the server's live events"
    )]
    Status(status::StatusArgs),
    /// Every run going on, live: running and waiting runs, their steps, the last ends.
    #[command(
        after_help = "On a terminal it redraws every second until q (or Esc, Ctrl-C); elsewhere, or with --once, it prints once. A run held by a person (an approval) is `waiting`, its gate's line says for what.\n\nExamples:\n  wfc top\n  wfc top --state-dir /srv/wfc/state   # a server's runs\n  wfc top --once | grep waiting\n\nExit status: 0 done, 1 the run store cannot be read, 2 no store."
    )]
    Top(top::TopArgs),
    /// Print a run's step logs (`--follow` to keep printing).
    #[command(
        after_help = "Examples:\n  wfc logs last\n  wfc logs last build\n  wfc logs 20240501-123456-3fa9 --follow"
    )]
    Logs(logs::LogsArgs),
    /// List or copy out the files a run's steps kept as artifacts.
    #[command(
        after_help = "Examples:\n  wfc artifacts last\n  wfc artifacts last build -o out/\n\nEach file is checked against the SHA-256 recorded when its step kept it.\n\nExit status: 0 done, 1 a stored file was changed or removed (E0845), 2 unknown run or step (E0844)."
    )]
    Artifacts(artifacts::ArtifactsArgs),
    /// Continue a failed, cancelled, interrupted or paused run; steps that succeeded are not run again.
    #[command(
        after_help = "A paused run (`wfc pause`) that is still running goes on at once.\n\nExamples:\n  wfc resume last\n  wfc resume 20240501-123456-3fa9 -p deploy_token=$TOKEN\n\nExit status: as `wfc run`; 2 when the run cannot be resumed (it is running, it succeeded, or the file changed a step that succeeded)."
    )]
    Resume(resume::ResumeArgs),
    /// Ask a run (in another terminal) to cancel, as Ctrl-C would.
    #[command(
        after_help = "Examples:\n  wfc cancel last\n  wfc cancel 20240501-123456-3fa9 --wait"
    )]
    Cancel(act::CancelArgs),
    /// Pause a running run: its running steps finish, nothing new starts until `wfc resume`.
    #[command(
        after_help = "Examples:\n  wfc pause last\n  wfc pause 20240501-123456-3fa9 --as alice\n  wfc resume last                # lets it go on\n\nThe pause is kept in the run store: a server that restarts resumes the run paused.\n\nExit status: 0 paused, 1 the run is not running or is paused already, 2 unknown run."
    )]
    Pause(act::PauseArgs),
    /// Run again a step that failed after its retries and waits for a person (`on fail pause`).
    #[command(
        after_help = "Examples:\n  wfc retry last deploy\n  wfc retry 20240501-123456-3fa9 deploy --comment 'the registry is back'\n\nThe step gets a new round of its attempts (its `retry`, counted anew). Exit status: 0 decided, 1 refused (the step does not wait for a decision, or one was taken), 2 unknown run."
    )]
    Retry(act::EscalationArgs),
    /// Skip a step that failed after its retries and waits for a person: the run goes on without it.
    #[command(
        after_help = "Example:\n  wfc skip last deploy --comment 'deployed by hand'\n\nThe step stays failed, as an optional step: what depends on it does not run, and its failure no longer fails the run."
    )]
    Skip(act::EscalationArgs),
    /// Fail a step that failed after its retries and waits for a person, as it would have without `on fail pause`.
    #[command(after_help = "Example:\n  wfc abort last deploy --comment 'not today'")]
    Abort(act::EscalationArgs),
    /// Approve an approval gate of a run (or a check gate paused by `on fail pause`).
    #[command(
        after_help = "Examples:\n  wfc approve 20240501-123456-3fa9 approve\n  wfc approve last 'approve[eu-west]' --as alice"
    )]
    Approve(act::DecideArgs),
    /// Reject an approval gate of a run (the gate fails).
    #[command(after_help = "Example:\n  wfc reject last approve --as bob")]
    Reject(act::DecideArgs),
    /// Runs, success rates, p50/p95 durations, retries, flakiest and slowest steps.
    #[command(
        after_help = "Examples:\n  wfc stats\n  wfc stats deploy --last 50\n  wfc stats --format json"
    )]
    Stats(stats::StatsArgs),
    /// List the alert rules of the workflows here with their state and last firing; send a test message.
    #[command(
        after_help = "Rules are `alert NAME { when CONDITION  notify KIND { … } }` in workflow files (docs/language.md#alerts); `wfc run`, `wfc resume` and `wfc serve` decide them as recorded runs end.\n\nExamples:\n  wfc alerts\n  wfc alerts nightly --path flows/\n  wfc alerts --format json\n  wfc alerts --server http://127.0.0.1:7878   # the served workflows' rules (key: $WFC_API_KEY)\n  wfc alerts test nightly failing\n\nExit status: 0 listed, 1 the store cannot be read, 2 a path does not exist or no workflow has that name."
    )]
    Alerts(alerts::AlertsArgs),
    /// List the `wfc serve` processes sharing a store in a database, with their leases.
    Servers(servers::ServersArgs),
    /// Pause or resume a workflow's triggers under `wfc serve`; list the paused ones.
    #[command(
        after_help = "Examples:\n  wfc triggers pause nightly\n  wfc triggers pause deploy webhook\n  wfc triggers list\n  wfc triggers resume nightly"
    )]
    Triggers(triggers::TriggersArgs),
    /// Run a workflow's schedule over a past range: one run per slot, each with its slot as `run.scheduled`.
    #[command(
        after_help = "TIME is RFC 3339 (2026-11-01T02:00:00Z), a date (2026-11-01) or a local time (2026-11-01T02:00) read in the schedule's zone; both ends are included. The slots are listed first; on a terminal wfc asks, else --yes confirms (E0992). A range of more than --max slots (100) is refused (E0991). Slots run one after another, after any run of the schedule still going; a slot a run of the schedule or an earlier backfill covers is skipped. Runs record the trigger `backfill`.\n\nExamples:\n  wfc backfill nightly.wf --from 2026-11-01 --to 2026-11-10 --dry-run\n  wfc backfill etl.wf load --from 2026-11-01T00:00 --to 2026-11-02T00:00 --yes\n  wfc backfill etl.wf load --schedule 2 --from 2026-10-01 --to 2026-10-31 --max 200\n\nExit status: 0 every slot succeeded or had run, 1 a run failed or did not start (or the question was declined), 2 bad arguments, no schedule (E0993), a bad range (E0990), over --max (E0991) or not confirmed (E0992)."
    )]
    Backfill(backfill::BackfillArgs),
    /// Manage recorded runs: `wfc runs delete`.
    #[command(
        after_help = "Examples:\n  wfc runs delete last\n  wfc runs delete --before 30d --workflow deploy --yes"
    )]
    Runs(runs::RunsArgs),
    /// Move a run history between stores: `wfc store copy FROM TO` (SQLite ⇄ PostgreSQL).
    #[command(
        after_help = "Examples:\n  wfc store copy .wfc postgres://wfc@db.internal/wfc\n  wfc store copy postgres://wfc@db.internal/wfc /srv/backup/state"
    )]
    Store(store_copy::StoreCommandArgs),
    /// Serve the workflows under PATHs: fire their schedules, webhooks and file triggers, and answer a REST API (API keys required).
    #[command(
        after_help = "Every API request needs `Authorization: Bearer KEY` (`wfc keys add NAME --role operator`); a webhook with a `secret` needs its HMAC signature instead. See docs/serve.md.\n\nExamples:\n  wfc keys add ci --role operator       # prints the key once\n  wfc serve examples/\n  wfc serve --listen 0.0.0.0:8080 --max-runs 4 --log-format json deploy/\n  curl -H \"Authorization: Bearer $KEY\" localhost:7878/api/v1/workflows\n  curl -H \"Authorization: Bearer $KEY\" -d '{\"version\":\"1.2.3\"}' \\\n    'localhost:7878/api/v1/workflows/deploy/runs?wait=30s'\n  curl -H \"X-Hub-Signature-256: sha256=$SIG\" -d \"$BODY\" localhost:7878/hooks/release\n  curl localhost:7878/readyz; curl localhost:7878/metrics   # no key needed\n  wfc serve --print-unit --state-dir /srv/wfc/state /srv/wfc/flows \\\n    > /etc/systemd/system/wfc-serve.service\n\nExit status: 0 stopped by SIGTERM/SIGINT (runs drained), 2 bad flags, unreadable paths or keys file, or the address is taken."
    )]
    Serve(serve::ServeArgs),
    /// Make, list and revoke the API keys of `wfc serve`.
    #[command(
        after_help = "Keys are stored as SHA-256 hashes in keys.json in the state directory (--keys-file moves it).\n\nExamples:\n  wfc keys add dashboard               # a read key\n  wfc keys add ci --role operator      # may start, cancel and approve runs\n  wfc keys list\n  wfc keys revoke dashboard"
    )]
    Keys(serve::KeysArgs),
    /// Hand a workflow's `on schedule` triggers to systemd timers or cron instead of `wfc serve`.
    #[command(
        after_help = "Each slot runs `wfc run FILE WORKFLOW` on the state folder. What a timer or cron cannot do as `wfc serve` does (`when`, `overlap queue`, a pattern systemd cannot say) is refused with a code (E0950-E0954). See docs/schedule.md.\n\nExamples:\n  wfc schedule install backup.wf --systemd --user     # ~/.config/systemd/user/wfc-backup.{service,timer}\n  systemctl --user daemon-reload && systemctl --user enable --now wfc-backup.timer\n  wfc schedule install backup.wf nightly --systemd --dir units/\n  wfc schedule install backup.wf --cron >> my.crontab  # prints the lines\n  wfc schedule list --user\n  wfc schedule remove backup --user\n\nExit status: 0 written, 2 bad flags or a folder that cannot be written, 3 the workflow has errors or a schedule cannot be installed."
    )]
    Schedule(schedule::ScheduleArgs),
    /// Offer the workflows under PATHs to agents as MCP tools (over stdio).
    #[command(
        after_help = "Tools: list_workflows, describe_workflow, validate, plan, start_run, cancel_run, pause_run, pause_triggers, resume_triggers, resume_run, approve_gate, reject_gate, delete_run, run_status, logs, history, stats, alerts (docs/mcp.md). Runs are recorded in the state directory with trigger `api`, origin `mcp` (`wfc history --trigger api`).\n\nExample (Claude Desktop's claude_desktop_config.json):\n  {\"mcpServers\": {\"wfc\": {\"command\": \"wfc\", \"args\": [\"mcp\", \"flows/\"]}}}\n\nExit status: 0 the client disconnected (runs drained), 2 bad flags or unreadable paths."
    )]
    Mcp(mcp::McpArgs),
    /// Start the language server (LSP over stdio) for editors.
    #[command(
        after_help = "Editors start it for you: see editors/README.md (VS Code, Neovim, Helix, Zed).\n\nExample (Neovim 0.11, with editors/nvim on the runtimepath):\n  vim.lsp.enable(\"wfc\")"
    )]
    Lsp(lsp::LspArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  wfc completions bash > ~/.local/share/bash-completion/completions/wfc\n  wfc completions zsh > ~/.zfunc/_wfc\n  wfc completions fish > ~/.config/fish/completions/wfc.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Output format of diagnostics and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

pub fn main() -> ExitCode {
    logging::start_clock();
    // A completion request (`WFC_COMPLETE=bash wfc -- …`) is answered
    // before anything else is written, and ends the process.
    complete::answer_if_asked();
    let cli = Cli::parse();
    // `serve` and `mcp` log in their own format (`wfc_serve::init_logs`).
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    if !matches!(cli.command, Command::Serve(_) | Command::Mcp(_)) {
        // A backfill prints a line per slot; the launcher's and the
        // catalog's notes are for `-v`.
        let backfill = matches!(cli.command, Command::Backfill(_)) && cli.verbose == 0;
        let verbosity = if cli.quiet || backfill {
            -1
        } else {
            cli.verbose as i8
        };
        logging::init(verbosity);
    }
    if matches!(
        cli.command,
        Command::Check(_)
            | Command::Doctor(_)
            | Command::Explain(_)
            | Command::Fmt(_)
            | Command::Plan(_)
            | Command::Export(_)
            | Command::List(_)
            | Command::History(_)
            | Command::Status(_)
            | Command::Top(_)
            | Command::Logs(_)
            | Command::Artifacts(_)
            | Command::Stats(_)
            | Command::Completions { .. }
    ) || matches!(&cli.command, Command::Run(args) if args.dry_run)
    {
        pipe::end_on_broken_pipe();
    }
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Keys(args) => serve::keys(args),
        Command::Schedule(args) => schedule::run(args),
        Command::Mcp(args) => mcp::run(args),
        Command::New(args) => new::run(args),
        Command::Plan(args) => plan::run(args),
        Command::List(args) => list::run(args),
        Command::Run(args) => run::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::History(args) => history::run(args),
        Command::Status(args) => status::run(args),
        Command::Top(args) => top::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Artifacts(args) => artifacts::run(args),
        Command::Resume(args) => resume::run(args),
        Command::Cancel(args) => act::cancel(args),
        Command::Pause(args) => act::pause(args),
        Command::Retry(args) => act::escalation(args, wfc_contract::Escalation::Retry),
        Command::Skip(args) => act::escalation(args, wfc_contract::Escalation::Skip),
        Command::Abort(args) => act::escalation(args, wfc_contract::Escalation::Abort),
        Command::Approve(args) => act::decide(args, wfc_store::control::Decision::Approved),
        Command::Reject(args) => act::decide(args, wfc_store::control::Decision::Rejected),
        Command::Stats(args) => stats::run(args),
        Command::Runs(args) => runs::run(args),
        Command::Backfill(args) => backfill::run(args),
        Command::Store(args) => store_copy::run(args),
        Command::Triggers(args) => triggers::run(args),
        Command::Alerts(args) => alerts::run(args),
        Command::Servers(args) => servers::run(args),
        Command::Completions { shell } => {
            let name = match shell {
                Shell::Bash => "bash",
                Shell::Zsh => "zsh",
                Shell::Fish => "fish",
            };
            match complete::registration(name) {
                Ok(script) => {
                    use std::io::Write;
                    let _ = std::io::stdout().write_all(&script);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    say::err(&format!("error: cannot write the completion script: {e}"));
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// An `-o FILE` flag's file, `None` (standard output) for none or `-`.
fn out_file(flag: Option<&std::path::PathBuf>) -> Option<&std::path::PathBuf> {
    flag.filter(|p| p.as_os_str() != "-")
}

/// Reads a file for a command; `-` is standard input.
fn read_input(path: &Path) -> Result<(String, String), String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("error: cannot read standard input: {e}"))?;
        return Ok(("<stdin>".to_string(), text));
    }
    let name = path.display().to_string();
    // A FIFO or device is refused, not waited on: `-` reads a pipe.
    match wfc_language::program::read_source(path) {
        Ok(text) => Ok((name, text)),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Err(format!("error: {name} is not UTF-8 text"))
        }
        // A pipe's text comes through standard input.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput && !path.is_dir() => Err(format!(
            "error: cannot read {name}: {e}; give `-` to read standard input"
        )),
        Err(e) => Err(format!("error: cannot read {name}: {e}")),
    }
}

/// Prints a diagnostic about the command line (it has no place in a file).
fn print_diagnostic(d: &wfc_language::diag::Diagnostic) {
    use std::io::IsTerminal;
    let color = wfc_language::diag::render::use_color(std::io::stderr().is_terminal());
    let none = wfc_language::span::SourceFile::new("<command line>", String::new());
    eprint!("{}", wfc_language::diag::render::render(d, &none, color));
}

/// Exit code 2: bad invocation or unreadable input.
fn usage_error(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::from(2)
}
