//! `wfc artifacts RUN [STEP] [-o DIR]`: the files a run's steps kept.
//! Without `-o` it lists them; with it, it copies each into
//! `DIR/STEP/NAME/…` (the path below the folder its name's files share),
//! checked against the SHA-256 recorded when the step kept it: a stored copy
//! changed since is refused (E0845) and nothing of it is written.

use super::history::{store_error, StoreArgs};
use super::say::{self, escaped};
use super::Format;
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wfc_store::artifacts::{self, StoredArtifact};

/// A step that kept no artifacts in the run, or that the run does not have.
const NO_ARTIFACTS: &str = "E0844";

#[derive(Args)]
pub struct ArtifactsArgs {
    /// The run: its id, a unique prefix of it, or `last`.
    #[arg(add = ArgValueCompleter::new(complete::names::runs))]
    pub run: String,
    /// Only this step's artifacts (an instance name such as `ship[eu-west]`).
    #[arg(add = ArgValueCompleter::new(complete::names::steps))]
    pub step: Option<String>,
    /// Copy them into this folder (made if missing), as `DIR/STEP/NAME/FILE`.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: ArtifactsArgs) -> ExitCode {
    let (store, id) = match args.store.open_run(&args.run) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut all = match artifacts::list(&store, &id) {
        Ok(a) => a,
        Err(e) => return store_error(e),
    };
    if let Some(step) = &args.step {
        all.retain(|a| &a.step == step);
        if all.is_empty() {
            say::err(&format!(
                "error: {NO_ARTIFACTS}: run {id} has no artifacts of step `{}` (`wfc artifacts {id}` lists what it kept)",
                escaped(step)
            ));
            return ExitCode::from(2);
        }
    }
    let Some(dir) = &args.out else {
        print_list(&all, args.format);
        return ExitCode::SUCCESS;
    };
    for (a, dest) in all.iter().zip(destinations(dir, &all)) {
        if let Err(e) = artifacts::copy_to(&store, &id, a, &dest) {
            say::err(&format!("error: {e}"));
            return ExitCode::from(1);
        }
        if args.format == Format::Text {
            println!("{}", escaped(&dest.display().to_string()));
        }
    }
    if args.format == Format::Json {
        print_list(&all, Format::Json);
    }
    ExitCode::SUCCESS
}

fn print_list(all: &[StoredArtifact], format: Format) {
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(all).unwrap_or_default());
        return;
    }
    if all.is_empty() {
        say::err("(no artifacts kept)");
    }
    for a in all {
        println!(
            "{}  {}  {}  {} bytes  sha256 {}",
            escaped(&a.step),
            escaped(&a.name),
            escaped(&a.path),
            a.size,
            a.sha256
        );
    }
}

/// Where each file goes under `dir`: `STEP/NAME/` and its path below the
/// folder the files of its step and name share.
fn destinations(dir: &Path, all: &[StoredArtifact]) -> Vec<PathBuf> {
    all.iter()
        .map(|a| {
            let same = all.iter().filter(|b| b.step == a.step && b.name == a.name);
            let base = same
                .map(|b| Path::new(&b.path).parent().unwrap_or(Path::new("/")))
                .reduce(common)
                .unwrap_or(Path::new("/"));
            let below = Path::new(&a.path)
                .strip_prefix(base)
                .unwrap_or(Path::new(&a.path));
            dir.join(safe(&a.step)).join(safe(&a.name)).join(below)
        })
        .collect()
}

/// The longest folder both paths are under.
fn common<'a>(a: &'a Path, b: &'a Path) -> &'a Path {
    a.ancestors()
        .find(|x| b.starts_with(x))
        .unwrap_or(Path::new("/"))
}

/// A step's instance name as one folder name (`l[a/b]` → `l[a_b]`).
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match s.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => s,
    }
}
