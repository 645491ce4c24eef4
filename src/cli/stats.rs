//! `wfc stats [WORKFLOW]`: per workflow and per step — runs, success rate,
//! p50/p95 durations, retries, the flakiest and the slowest steps, and the
//! CPU time and peak memory of each step's runs (median and most).

use super::history::{dur, store_error, StoreArgs};
use super::usage;
use super::Format;
use crate::cli::complete;
use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use std::process::ExitCode;
use wfc_language::words::count;
use wfc_store::stats::{self, WorkflowStats};

#[derive(Args)]
pub struct StatsArgs {
    /// Only this workflow.
    #[arg(add = ArgValueCompleter::new(complete::names::recorded_workflows))]
    pub workflow: Option<String>,
    /// Only the most recent N runs of each workflow (at least 1).
    #[arg(long, value_name = "N", value_parser = super::history::at_least_one)]
    pub last: Option<usize>,
    /// `text`, or `json` (an array of workflows, each with its `steps`).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: StatsArgs) -> ExitCode {
    let all = match args.store.open_listing() {
        Ok(Some(store)) => match stats::stats(&store, args.workflow.as_deref(), args.last) {
            Ok(s) => s,
            Err(e) => return store_error(e),
        },
        Ok(None) => Vec::new(),
        Err(code) => return code,
    };
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if all.is_empty() {
        let of = match &args.workflow {
            Some(w) => format!(
                " of `{}`{}",
                super::say::escaped_lines(w),
                super::history::did_you_mean_workflow(&args.store, w)
            ),
            None => String::new(),
        };
        println!("no runs recorded{of}");
        return ExitCode::SUCCESS;
    }
    let text: Vec<String> = all.iter().map(render).collect();
    print!("{}", super::say::escaped_lines(&text.join("\n")));
    ExitCode::SUCCESS
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn opt(x: Option<f64>) -> String {
    x.map(dur).unwrap_or_else(|| "-".into())
}

/// The text form of one workflow's stats.
pub fn render(s: &WorkflowStats) -> String {
    let mut o = format!("Workflow {}\n", s.workflow);
    let mut outcomes = vec![format!("{} succeeded", s.succeeded)];
    for (n, what) in [
        (s.failed, "failed"),
        (s.cancelled, "cancelled"),
        (s.interrupted, "interrupted"),
        (s.running, "running"),
    ] {
        if n > 0 {
            outcomes.push(format!("{n} {what}"));
        }
    }
    o.push_str(&format!(
        "  runs      {} ({})\n  success   {}\n  duration  p50 {} · p95 {} (successful runs)\n",
        s.runs,
        outcomes.join(", "),
        s.success_rate.map(pct).unwrap_or_else(|| "-".into()),
        opt(s.p50_seconds),
        opt(s.p95_seconds)
    ));
    if !s.slowest.is_empty() {
        let shares: Vec<String> = s
            .slowest
            .iter()
            .filter_map(|n| s.steps.iter().find(|x| &x.name == n))
            .map(|x| format!("{} ({} of step time)", x.name, pct(x.time_share)))
            .collect();
        o.push_str(&format!("  slowest   {}\n", shares.join(", ")));
    }
    if !s.flakiest.is_empty() {
        let flaky: Vec<String> = s
            .flakiest
            .iter()
            .filter_map(|n| s.steps.iter().find(|x| &x.name == n))
            .map(|x| {
                format!(
                    "{} ({}; {} of {} succeeded, {} only after a retry)",
                    x.name,
                    count(x.retries as u64, "retry"),
                    x.succeeded,
                    count(x.runs as u64, "run"),
                    x.flaky_runs
                )
            })
            .collect();
        o.push_str(&format!("  flakiest  {}\n", flaky.join(", ")));
    }
    if s.steps.is_empty() {
        return o;
    }
    let w = s
        .steps
        .iter()
        .map(|x| x.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    o.push_str(&format!(
        "\n  {:<w$}  {:<6}  {:>5}  {:>7}  {:>8}  {:>8}  {:>7}  {:>5}  {:>17}  {:>21}\n",
        "STEP",
        "KIND",
        "RUNS",
        "SUCCESS",
        "P50",
        "P95",
        "RETRIES",
        "TIME",
        "CPU P50/MAX",
        "PEAK MEM P50/MAX"
    ));
    for x in &s.steps {
        let line = format!(
            "  {:<w$}  {:<6}  {:>5}  {:>7}  {:>8}  {:>8}  {:>7}  {:>5}  {:>17}  {:>21}",
            x.name,
            x.kind,
            x.runs,
            pct(x.success_rate),
            opt(x.p50_seconds),
            opt(x.p95_seconds),
            x.retries,
            pct(x.time_share),
            pair(usage::cpu(x.p50_cpu_seconds), usage::cpu(x.max_cpu_seconds)),
            pair(
                usage::memory(x.p50_peak_memory_bytes),
                usage::memory(x.max_peak_memory_bytes)
            ),
        );
        o.push_str(line.trim_end());
        o.push('\n');
    }
    o
}

/// `p50 / max`, or `-` when neither is known.
fn pair(p50: String, max: String) -> String {
    if p50.is_empty() && max.is_empty() {
        return "-".into();
    }
    format!("{p50} / {max}")
}
