//! Hover inside `executor NAME { … }` and `resources { … }`: the executor
//! names (`local`, `slurm`) and the blocks' fields (`partition`, `account`;
//! `cpus`, `memory`, `gpus`, `time`), each with what it becomes on Slurm
//! and here. (`executor` and `resources` themselves are step fields: the
//! field hover answers them.)
//!
//! The block is told by the tokens before its `{`, from the tolerant
//! lexer, so hover keeps answering while the text does not parse.

use super::{Doc, Hover};

/// `executor NAME`: where the step runs.
const EXECUTORS: &[(&str, &str)] = &[
    ("local", "Runs the step on this machine, as a process (or container), whatever `--executor` says."),
    ("slurm", "Runs the step (a `shell` step) as a Slurm batch job through `sbatch`, whatever `--executor` says; `partition` and `account` in the braces. See docs/slurm.md."),
];

/// The fields of `executor slurm { … }`: syntax and doc.
const SLURM_FIELDS: &[(&str, &str, &str)] = &[
    ("partition", "partition \"gpu\"", "The Slurm partition the step's job is submitted to (`sbatch --partition`); wins over `--slurm-partition`. A plain `string`: never from a secret (E0705)."),
    ("account", "account \"ml\"", "The Slurm account the job is charged to (`sbatch --account`); wins over `--slurm-account`. A plain `string`: never from a secret (E0705)."),
];

/// The fields of `resources { … }`: syntax and doc.
const RESOURCE_FIELDS: &[(&str, &str, &str)] = &[
    ("cpus", "cpus 4", "CPUs the step asks for (`int`). Here it takes that many of the run's concurrency slots (`--jobs`, `concurrency`), and a `docker` step's container may use at most that many CPUs; on Slurm it is `--cpus-per-task` and takes one slot."),
    ("memory", "memory 16GB", "Memory the step asks for (a size: KB, MB, GB, TB). On Slurm `--mem` (in MB, rounded up); a `docker` step's container is killed past it; not enforced for other steps here (W0140)."),
    ("gpus", "gpus 1", "GPUs the step asks for (`int`). On Slurm `--gres=gpu:N`; not enforced here (W0140)."),
    ("time", "time 2h", "The job's time limit (a duration). On Slurm `--time` (whole minutes, rounded up); not enforced here (W0140): `timeout` is wfc's own limit."),
];

/// The hover for an executor name or a field of the two blocks at `offset`.
pub fn hover(doc: &Doc, offset: usize) -> Option<Hover> {
    let lexed = doc.lexed();
    let text = doc.text();
    let word_at = |j: usize| lexed.tokens.get(j).map(|t| &text[t.span.clone()]);
    let i = lexed.tokens.partition_point(|t| t.span.end < offset);
    let t = lexed.tokens.get(i).filter(|t| t.span.start <= offset)?;
    let word = &text[t.span.clone()];
    let span = t.span.clone();
    if i > 0 && word_at(i - 1) == Some("executor") {
        let (_, d) = EXECUTORS.iter().find(|(n, _)| *n == word)?;
        let syntax = match word {
            "slurm" => "executor slurm { partition \"…\"  account \"…\" }",
            _ => "executor local",
        };
        let markdown = format!("```wf\n{syntax}\n```\n\n{d}");
        return Some(Hover { markdown, span });
    }
    if !t.starts_statement {
        return None;
    }
    // The tokens before the block's `{`: `executor slurm` or `resources`.
    let open = lexed.frames.get(t.frame)?.span.start;
    let brace = lexed.tokens.partition_point(|t| t.span.start < open);
    let before = |k: usize| brace.checked_sub(k).and_then(word_at);
    let (fields, block) = match (before(2), before(1)) {
        (Some("executor"), Some("slurm")) => (SLURM_FIELDS, "executor slurm"),
        (_, Some("resources")) => (RESOURCE_FIELDS, "resources"),
        _ => return None,
    };
    let (_, syntax, d) = fields.iter().find(|(n, _, _)| *n == word)?;
    let markdown = format!("```wf\n{block} {{ {syntax} }}\n```\n\n{d}");
    Some(Hover { markdown, span })
}
