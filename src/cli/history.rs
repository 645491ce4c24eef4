//! `wfc history [WORKFLOW]`: recorded runs, newest first. Also what every
//! run-store command shares: the `--state-dir` option and opening the store.

use super::remote::ServerArgs;
use super::say::{self, escaped_lines};
use super::Format;
use crate::cli::complete;
use crate::cli::progress::human;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wfc_store::{self as store, control, query, Store};

/// Where the run store is (every store command takes it).
#[derive(Args, Clone, Debug, Default)]
pub struct StoreArgs {
    /// The state directory holding the run store and step logs (default: the
    /// nearest `.wfc` at or above the working directory, else a new one beside
    /// the workflow file).
    #[arg(long, value_name = "DIR", env = "WFC_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where the run store is: a state directory (as --state-dir), or a
    /// PostgreSQL database, `postgres://USER@HOST:PORT/DB` (its password from
    /// $PGPASSWORD or ~/.pgpass, never on the command line; or the whole URL
    /// in $WFC_STORE), which keeps the step logs too.
    #[arg(long, value_name = "URL|DIR")]
    pub store: Option<String>,
}

impl StoreArgs {
    pub fn dir(&self) -> PathBuf {
        let (folder, database) = self.location();
        let dir = store::state_dir(folder.as_deref().or(self.state_dir.as_deref()));
        bind(&dir, database);
        dir
    }

    /// The state directory of a command that runs `file`: a new store goes
    /// beside it when none is found at or above the working directory.
    pub fn dir_for(&self, file: &std::path::Path) -> PathBuf {
        let (folder, database) = self.location();
        let dir = store::place::find(folder.as_deref().or(self.state_dir.as_deref()), Some(file));
        bind(&dir, database);
        dir
    }

    /// The database the store is in, as `--store` takes it without its
    /// password (`None`: the state folder's SQLite file).
    pub fn database(&self) -> Option<String> {
        self.location().1.map(|url| url.shown())
    }

    /// `--store`, else `$WFC_STORE`: a state folder, or a database. A
    /// location that cannot be used ends the program with its code (E0603,
    /// E0604), before anything is read or run.
    fn location(&self) -> (Option<PathBuf>, Option<store::location::PgUrl>) {
        use store::location::{Location, ENV_STORE};
        let parsed = match (&self.store, std::env::var(ENV_STORE)) {
            (Some(text), _) => Location::parse(text, true),
            (None, Ok(text)) if !text.is_empty() => Location::parse(&text, false),
            (None, _) => return (None, None),
        };
        match parsed {
            Ok(Location::Folder(dir)) => (Some(dir), None),
            Ok(Location::Postgres(url)) => (None, Some(url)),
            Err(e) => {
                say::err(&format!("error: {e}"));
                std::process::exit(2)
            }
        }
    }

    /// Opens the store for a command that reads it; prints why not and
    /// returns the exit code when there is none.
    pub fn open(&self) -> Result<Store, ExitCode> {
        let dir = self.dir();
        match Store::open_existing(&dir) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => {
                say::err(&format!(
                    "error: no runs recorded in {} yet (the store is the nearest `.wfc` at or above this folder; `wfc run FILE` makes one beside FILE when there is none; `--state-dir` or $WFC_STATE_DIR point elsewhere)",
                    dir.display()
                ));
                Err(ExitCode::from(2))
            }
            Err(e) => {
                say::err(&format!("error: {e}"));
                Err(ExitCode::from(1))
            }
        }
    }

    /// Opens the store for a command that lists what it holds: `None` (and
    /// a note on stderr) when there is none yet — no runs is an answer, not
    /// an error, as `git log` in a new repository is.
    pub fn open_listing(&self) -> Result<Option<Store>, ExitCode> {
        let dir = self.dir();
        match Store::open_existing(&dir) {
            Ok(s) => {
                if s.is_none() {
                    say::err(&format!(
                        "note: no runs recorded yet: no store at {} (`wfc run FILE` makes one beside FILE; `--state-dir` or $WFC_STATE_DIR point elsewhere)",
                        dir.display()
                    ));
                }
                Ok(s)
            }
            Err(e) => {
                say::err(&format!("error: {e}"));
                Err(ExitCode::from(1))
            }
        }
    }

    /// Opens the store and resolves a run id (a unique prefix, or `last`).
    pub fn open_run(&self, typed: &str) -> Result<(Store, String), ExitCode> {
        let store = self.open()?;
        match control::find_run(&store, typed) {
            Ok(id) => Ok((store, id)),
            Err(e) => {
                say::err(&format!("error: {e}"));
                Err(ExitCode::from(2))
            }
        }
    }
}

/// A count of runs to show: a whole number, at least 1 (`--limit 0` would
/// list nothing and look like an empty store).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1 (it is how many runs to show)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// Prints a store error and returns exit code 1.
/// Binds the state folder `dir` to the database `url`, if one was given:
/// every store this process opens there is that database.
fn bind(dir: &std::path::Path, url: Option<store::location::PgUrl>) {
    if let Some(url) = url {
        store::remote::bind_postgres_listening(
            dir,
            url,
            wfc_store_postgres::connect,
            wfc_store_postgres::listen,
        );
    }
}

pub fn store_error(e: impl std::fmt::Display) -> ExitCode {
    say::err(&format!("error: the run store: {e}"));
    ExitCode::from(1)
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Only runs of this workflow (its name, as in `workflow NAME { … }`).
    #[arg(add = ArgValueCompleter::new(complete::names::recorded_workflows))]
    pub workflow: Option<String>,
    /// At most this many runs (at least 1).
    #[arg(short = 'n', long, default_value_t = 20, value_parser = at_least_one)]
    pub limit: usize,
    /// Only runs this started: `manual` (`wfc run`), `api` (the API, MCP and the
    /// dashboard), `schedule`, `webhook` or `change`.
    #[arg(long, value_name = "TRIGGER")]
    pub trigger: Option<String>,
    /// Only runs of these statuses (repeatable, or comma-separated): `running`,
    /// `waiting` (running, held by a person: an approval), `succeeded`,
    /// `failed`, `cancelled`, `interrupted`.
    #[arg(long, value_name = "STATUS", value_delimiter = ',',
          value_parser = clap::builder::PossibleValuesParser::new(wfc_store::listing::STATUSES))]
    pub status: Vec<String>,
    /// Only runs started at or after: a date (2024-05-01, UTC), an RFC 3339
    /// time or a duration back from now (90m, 12h, 7d).
    #[arg(long, value_name = "WHEN", value_parser = super::when::at)]
    pub since: Option<i64>,
    /// Only runs whose workflow had this tag (its `tags [...]`) when they started.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only runs started before (as --since).
    #[arg(long, value_name = "WHEN", value_parser = super::when::at)]
    pub until: Option<i64>,
    /// `text` or `json` (an array of runs: id, workflow, status, started_at, duration_seconds, …).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub remote: ServerArgs,
}

pub fn run(args: HistoryArgs) -> ExitCode {
    if let Some(client) = args.remote.client() {
        return client.map_or_else(|code| code, |c| super::remote::commands::history(&c, &args));
    }
    let store = match args.store.open_listing() {
        Ok(Some(s)) => s,
        Ok(None) => return show(&[], &args),
        Err(code) => return code,
    };
    // The listing's rows: a run held by a person is `waiting` there.
    let filter = wfc_store::listing::Filter {
        workflow: args.workflow.clone(),
        trigger: args.trigger.clone(),
        tag: args.tag.clone(),
        status: args.status.clone(),
        since_ms: args.since,
        until_ms: args.until,
        limit: args.limit,
        ..Default::default()
    };
    let runs = wfc_store::listing::list(&store, &filter).map(|page| {
        page.runs
            .into_iter()
            .map(|(run, _)| run)
            .collect::<Vec<_>>()
    });
    let runs = match runs {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    show(&runs, &args)
}

/// Prints `runs` as `args` ask (the local store's or a server's).
pub fn show(runs: &[query::RunRow], args: &HistoryArgs) -> ExitCode {
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(runs).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let filtered = !args.status.is_empty()
        || args.since.is_some()
        || args.until.is_some()
        || args.tag.is_some();
    if runs.is_empty() && filtered {
        println!("no runs match");
        return ExitCode::SUCCESS;
    }
    if runs.is_empty() {
        match &args.workflow {
            Some(w) => println!(
                "no runs of `{}` recorded{}",
                escaped_lines(w),
                did_you_mean_workflow(&args.store, w)
            ),
            None => println!("no runs recorded"),
        }
        return ExitCode::SUCCESS;
    }
    print!("{}", escaped_lines(&table(runs)));
    ExitCode::SUCCESS
}

/// ` (did you mean `W`?)` for a workflow name the store has runs of that
/// is close to `typed`; empty otherwise (or without a store).
pub fn did_you_mean_workflow(store: &StoreArgs, typed: &str) -> String {
    let Ok(Some(s)) = Store::open_existing(&store.dir()) else {
        return String::new();
    };
    let names = wfc_store::stats::workflow_names(&s).unwrap_or_default();
    wfc_language::diag::did_you_mean(typed, names.iter().map(String::as_str))
        .map(|w| format!(" (did you mean `{}`?)", escaped_lines(w)))
        .unwrap_or_default()
}

/// Seconds as `human` durations.
pub fn dur(secs: f64) -> String {
    human(Duration::from_secs_f64(secs.max(0.0)))
}

/// The runs as a table; a run's workflow `version` and `tags` (as they were
/// when it started) get columns when any run listed has them.
fn table(runs: &[query::RunRow]) -> String {
    let w = runs
        .iter()
        .map(|r| r.workflow.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let idw = runs.iter().map(|r| r.id.len()).max().unwrap_or(20).max(20);
    let labelled = runs
        .iter()
        .any(|r| r.version.is_some() || !r.tags.is_empty());
    let labels = |version: &str, tags: &str| -> String {
        if !labelled {
            return String::new();
        }
        let vw = runs
            .iter()
            .filter_map(|r| r.version.as_ref().map(|v| v.chars().count()))
            .max()
            .unwrap_or(0)
            .max(7);
        let tw = runs
            .iter()
            .map(|r| r.tags.join(",").chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        format!("{version:<vw$}  {tags:<tw$}  ")
    };
    let mut out = format!(
        "{:<idw$}  {:<w$}  {}{:<11}  {:<19}  {:>9}  NOTE\n",
        "RUN",
        "WORKFLOW",
        labels("VERSION", "TAGS"),
        "STATUS",
        "STARTED (UTC)",
        "DURATION"
    );
    for r in runs {
        let mut note = String::new();
        if let Some(s) = &r.failed_step {
            note = format!("failed at {s}");
        }
        if r.sessions > 1 {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str(&format!("resumed {}×", r.sessions - 1));
        }
        let started = r
            .started_at
            .get(..19)
            .unwrap_or(&r.started_at)
            .replace('T', " ");
        let line = format!(
            "{:<idw$}  {:<w$}  {}{:<11}  {:<19}  {:>9}  {note}",
            r.id,
            r.workflow,
            labels(r.version.as_deref().unwrap_or(""), &r.tags.join(",")),
            r.status,
            started,
            dur(r.duration_seconds)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
