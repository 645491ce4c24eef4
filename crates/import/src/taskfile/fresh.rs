//! A task's up-to-date check. Task skips a task's commands when its
//! `sources` are as when it last ran (a checksum, by default) and every
//! `status` command succeeds; wfc skips a step whose `sources`, definition
//! and inputs are as in a succeeded run (docs/language.md, incremental
//! runs). So `sources` are each command's `sources`; `status:` is a step
//! `TASK-status` that says `up-to-date` when they all succeed: alone, an
//! `if` around the task; with `sources`, read by each command, so that a
//! stale status (its stdout holds the run's id) makes them run again.

use super::{template, template_env, Ctx, Place};
use crate::literal::{Piece, Text};
use crate::model::{Item, Step};
use crate::yaml::{entry, str_of, Map};
use marked_yaml::Node;
use std::collections::BTreeMap;

/// What a task's `sources`, `status` and `method` give.
#[derive(Default)]
pub(super) struct Fresh {
    /// Each command's `sources` (relative to the workflow's file).
    pub sources: Vec<Text>,
    /// The step running the `status` commands.
    pub status: Option<Step>,
}

/// The globs of `sources` (`node`), relative to the Taskfile (Task's are
/// to the task's `dir`); none when one cannot be kept: a missing glob
/// would let a task be up to date when a file it reads changed.
fn sources(
    ctx: &mut Ctx,
    vars: &BTreeMap<String, String>,
    node: &Node,
    dir: Option<&str>,
) -> Vec<Text> {
    let mut out = Vec::new();
    for item in node.as_sequence().into_iter().flat_map(|xs| xs.iter()) {
        let Some(glob) = str_of(item) else {
            let exclude = item.as_mapping().and_then(|m| entry(m, "exclude"));
            let why = match exclude {
                Some(_) => "an exclusion is left out: the task also runs when those files change",
                None => "a source that is no glob is left out",
            };
            ctx.warn.node("W0900", item, why);
            continue;
        };
        let glob = match dir.map(|d| d.trim_start_matches("./").trim_end_matches('/')) {
            Some(d) if !d.is_empty() && d != "." && !glob.starts_with('/') => format!("{d}/{glob}"),
            _ => glob.to_string(),
        };
        let text = template(ctx, vars, &glob, item, Place::Value);
        if glob.starts_with(['/', '~']) || reads_step(&text) || unread(&text) {
            ctx.warn.node("W0900", item, format!("the source `{glob}` cannot be a `.wf` source (absolute, or from a command's output); the task's `sources` are left out: its commands run every time"));
            return Vec::new();
        }
        out.push(text);
    }
    out
}

/// The globs of `generates` (`node`): the last command's artifacts, kept
/// in the run store and put back when the task is up to date. Relative to
/// the task's `dir`, as an artifact's to its step's `workdir`.
pub(super) fn generates(ctx: &mut Ctx, vars: &BTreeMap<String, String>, node: &Node) -> Vec<Text> {
    let mut out = Vec::new();
    for item in node.as_sequence().into_iter().flat_map(|xs| xs.iter()) {
        let Some(glob) = str_of(item) else {
            ctx.warn.node(
                "W0900",
                item,
                "a generated file that is no glob (an exclusion) is left out",
            );
            continue;
        };
        let text = template(ctx, vars, glob, item, Place::Value);
        let outside = glob.starts_with(['/', '~']) || glob.split('/').any(|p| p == "..");
        if outside || reads_step(&text) || unread(&text) {
            ctx.warn.node("W0900", item, format!("the generated file `{glob}` is not a glob inside the task's folder; it is left out"));
            continue;
        }
        out.push(text);
    }
    out
}

/// Whether a value reads a step's output (an `sh:` variable).
fn reads_step(t: &Text) -> bool {
    t.0.iter()
        .any(|p| matches!(p, Piece::Expr(e) if e.contains(".stdout")))
}

/// Whether a value keeps a template it could not read, as text.
fn unread(t: &Text) -> bool {
    t.0.iter()
        .any(|p| matches!(p, Piece::Text(t) if t.contains("{{")))
}

/// The up-to-date check of the task `name` (its map `map`, variables
/// `vars`, `dir`, `env`); `method`: the Taskfile's.
pub(super) fn fresh(
    ctx: &mut Ctx,
    name: &str,
    map: &Map,
    vars: &BTreeMap<String, String>,
    (dir, workdir, env): (Option<&str>, Option<&Text>, &[(String, Text)]),
    method: Option<&str>,
) -> Fresh {
    let mut out = Fresh::default();
    let own = entry(map, "method").and_then(|(_, m)| str_of(m));
    match own.or(method) {
        // No check at all: every command runs, as without `sources`.
        Some("none") => {}
        m => {
            if let Some((k, node)) = entry(map, "sources") {
                out.sources = sources(ctx, vars, node, dir);
                if m == Some("timestamp") && !out.sources.is_empty() {
                    ctx.warn.key("W0908", k, "the sources are compared by content, not by time: touching a file without changing it does not make the task run");
                }
            }
        }
    }
    let Some((status_key, status)) = entry(map, "status") else {
        return out;
    };
    if !out.sources.is_empty() {
        ctx.warn.key("W0908", status_key, "with `sources`, the commands read the status step's output: after a run it said stale, they run once more even when it says up to date");
    }
    let mut run = Text::plain("if ");
    let mut step_env: Vec<(String, Text)> = env.to_vec();
    let cmds: Vec<&Node> = match status {
        Node::Sequence(xs) => xs.iter().collect(),
        n => vec![n],
    };
    for (i, c) in cmds.iter().enumerate() {
        let Some(sh) = str_of(c) else { continue };
        if i > 0 {
            run.push_text(" && ");
        }
        run.push_text("(\n");
        let (t, e) = template_env(ctx, vars, sh.trim_end(), c, Place::Command);
        run.0.extend(t.0);
        step_env.extend(e);
        run.push_text("\n)");
    }
    // Stale: a text no earlier run printed, so that commands reading it
    // are not up to date with an earlier run.
    run.push_text("; then\n  echo up-to-date\nelse\n  echo stale ");
    run.push_expr("run.id".into());
    run.push_text("\nfi\n");
    out.status = Some(Step {
        name: ctx.names.give(&format!("{name}-status")).name,
        comments: vec![
            "wfc import: the task's `status:`, `up-to-date` when each command succeeds".into(),
        ],
        run: Some(run),
        env: step_env,
        workdir: workdir.cloned(),
        shell: Some("bash".into()),
        ..Step::default()
    });
    out
}

/// The task's `item` under its check: each command step's `sources`, and
/// the status step before it (`deps`: the task's), read by an `if` around
/// it, or with `sources` by each command.
pub(super) fn apply(fresh: Fresh, item: Item, commands: &[String], deps: &[String]) -> Vec<Item> {
    let mut item = item;
    for name in commands {
        if let Some(step) = item.step_named(name) {
            step.sources = fresh.sources.clone();
        }
    }
    let Some(mut status) = fresh.status else {
        return vec![item];
    };
    status.deps = deps.to_vec();
    let read = format!("{}.stdout", status.name);
    let task = if fresh.sources.is_empty() {
        Item::If {
            cond: format!("trim({read}) != \"up-to-date\""),
            deps: Vec::new(),
            comments: Vec::new(),
            items: vec![item],
        }
    } else {
        for name in commands {
            if let Some(step) = item.step_named(name) {
                let mut t = Text::default();
                t.push_expr(read.clone());
                step.env.push(("WFC_TASK_STATUS".into(), t));
            }
        }
        item
    };
    vec![Item::Step(Box::new(status)), task]
}
