//! Jobs: a job of one step is a step, of several a `sequence` (its steps
//! share a workspace, as on one runner); `needs` is `depends on`, a matrix
//! nested `for each … parallel` loops, a job's `if` an `if` block (or
//! `after` for `always()`, a `.status` test for `failure()`).

use super::expr::{self, Status};
use super::helpers::{self, Helper, Mark};
use super::step::step;
use super::text::{self, Scope};
use super::{one_line, Ctx, Env};
use crate::literal::Text;
use crate::model::{Item, Step};
use crate::names;
use crate::yaml::{self, entry, str_of, Map, Scalar};
use crate::ImportError;
use marked_yaml::Node;
use std::collections::BTreeMap;

/// A job converted, before its `needs` and `if` are placed.
pub(super) struct Job {
    pub name: String,
    pub item: Item,
    pub needs: Vec<String>,
    pub status: Status,
    pub cond: Option<String>,
    pub comments: Vec<String>,
    /// wfc's export marked it a handler's or a compensation's.
    pub mark: Option<Mark>,
}

impl Job {
    /// A job named `name` holding nothing yet.
    pub(super) fn new(name: &str) -> Job {
        Job {
            name: name.to_string(),
            item: Item::Sequence {
                name: String::new(),
                deps: Vec::new(),
                items: Vec::new(),
            },
            needs: Vec::new(),
            status: Status::Success,
            cond: None,
            comments: Vec::new(),
            mark: None,
        }
    }
}

/// The main graph's items and the handlers' (head, items).
pub(crate) type Converted = (Vec<Item>, Vec<(String, Vec<Item>)>);

/// What a job gives each of its steps.
#[derive(Default, Clone)]
pub(super) struct JobDefaults {
    pub env: Env,
    pub shell: Option<String>,
    pub workdir: Option<String>,
    pub timeout: Option<String>,
    pub optional: bool,
}

pub(crate) fn jobs(ctx: &mut Ctx, jobs: &Map) -> Result<Converted, ImportError> {
    let mut ids = BTreeMap::new();
    // The export's finder of the failed step: read back as `failed.*`.
    let finder = |body: &Node| ctx_wfc_finder(body);
    let mut finders: Vec<String> = jobs
        .iter()
        .filter(|(_, b)| ctx.wfc && finder(b))
        .map(|(k, _)| k.as_str().to_string())
        .collect();
    ctx.failed_finders = finders.clone();
    // The zoned schedule's check (its condition is the schedule itself),
    // and the webhook `when`'s job.
    let gates = ctx.zoned.as_ref().map(|(z, _)| z).into_iter();
    let gates = gates.chain(&ctx.when_job).chain(&ctx.params_job);
    for key in gates.cloned().collect::<Vec<_>>() {
        finders.push(key.clone());
        ctx.failed_finders.push(key);
    }
    // The export's jobs deciding an `if` over a secret fold into it.
    for (key, body) in jobs.iter() {
        let cond = body
            .as_mapping()
            .filter(|_| ctx.wfc)
            .and_then(|b| super::guards::condition(ctx, b));
        if let Some(cond) = cond {
            ctx.guards.insert(key.as_str().to_string(), cond);
            finders.push(key.as_str().to_string());
        }
    }
    // A paused gate's jobs: the check job is the gate ([`super::pause`]).
    let paused = if ctx.wfc {
        super::pause::find(jobs)
    } else {
        Vec::new()
    };
    for p in &paused {
        finders.extend([p.approval.clone(), p.gate.clone()]);
    }
    for (key, body) in jobs
        .iter()
        .filter(|(k, _)| !finders.contains(&k.as_str().to_string()))
    {
        let key_name = match paused.iter().find(|p| p.check == key.as_str()) {
            Some(p) => p.gate.as_str(),
            None => key.as_str(),
        };
        // A job of wfc's export holding several steps is a sequence of
        // steps named by their ids: the job's own name goes to the sequence.
        let wanted = match body.as_mapping() {
            Some(b) if ctx.wfc && real_steps(ctx, b) > 1 => format!("{key_name}-steps"),
            _ => key_name.to_string(),
        };
        let given = ctx.names.give(&wanted);
        if given.changed {
            ctx.warn.key(
                "W0906",
                key,
                format!("the job `{}` is named `{}`", key.as_str(), given.name),
            );
        }
        // (A single step is named as its job: `J.outputs.X` is its.)
        if body.as_mapping().is_some_and(|b| real_steps(ctx, b) == 1) {
            ctx.step_of_job
                .insert(key.as_str().to_string(), given.name.clone());
        }
        ids.insert(key.as_str().to_string(), given.name);
    }
    for p in &paused {
        if let Some(name) = ids.get(&p.check).cloned() {
            ids.insert(p.gate.clone(), name);
        }
    }
    let mut converted = Vec::new();
    for (key, body) in jobs
        .iter()
        .filter(|(k, _)| !finders.contains(&k.as_str().to_string()))
    {
        let Some(body) = body.as_mapping() else {
            return Err(shape(ctx, body, "a job must be a mapping"));
        };
        converted.push(job(ctx, key, &ids[key.as_str()], body, &ids)?);
    }
    // Each job's steps, for `failure()`: (name, inside a loop).
    let mut steps: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for j in &converted {
        let mut names = Vec::new();
        j.item.step_names(false, &mut names);
        steps.insert(j.name.clone(), names);
    }
    let (marked, main): (Vec<Job>, Vec<Job>) =
        converted.into_iter().partition(|j| j.mark.is_some());
    let mut items: Vec<Item> = main.into_iter().map(|j| place(j, &steps)).collect();
    let handlers = fold_marked(marked, &mut items);
    Ok((items, handlers))
}

/// Whether `body` is the export's finder of the failed step.
fn ctx_wfc_finder(body: &Node) -> bool {
    body.as_mapping().is_some_and(helpers::failed_finder)
}

/// `count` of the steps of a job that are no helper ([`helpers`]).
fn real_steps(ctx: &Ctx, body: &Map) -> usize {
    entry(body, "steps")
        .and_then(|(_, s)| s.as_sequence())
        .map_or(0, |list| {
            list.iter()
                .filter_map(|s| s.as_mapping())
                .filter(|m| helpers::helper(m, ctx.wfc).is_none())
                .count()
        })
}

/// wfc's handler jobs as handlers, its compensation jobs as the rollbacks
/// of their steps (in `items`), each keeping its needs within its own graph.
fn fold_marked(marked: Vec<Job>, items: &mut [Item]) -> Vec<(String, Vec<Item>)> {
    let graph_of = |j: &Job| match &j.mark {
        Some(Mark::Handler(h)) => h.to_string(),
        Some(Mark::Rollback(t)) => format!("rollback {t}"),
        None => String::new(),
    };
    let graphs: BTreeMap<String, String> = marked
        .iter()
        .map(|j| (j.name.clone(), graph_of(j)))
        .collect();
    let mut handlers: Vec<(String, Vec<Item>)> = Vec::new();
    for mut j in marked {
        let graph = graph_of(&j);
        let mark = j.mark.take();
        j.needs.retain(|n| graphs.get(n) == Some(&graph));
        j.status = Status::Success;
        j.cond = None;
        let item = place(j, &BTreeMap::new());
        match mark {
            Some(Mark::Handler(h)) => match handlers.iter_mut().find(|(k, _)| k == h) {
                Some((_, xs)) => xs.push(item),
                None => handlers.push((h.to_string(), vec![item])),
            },
            Some(Mark::Rollback(target)) => {
                if let Some(step) = items.iter_mut().find_map(|i| i.step_named(&target)) {
                    step.rollback.push(item);
                }
            }
            None => {}
        }
    }
    handlers
}

fn shape(ctx: &Ctx, node: &Node, message: &str) -> ImportError {
    ImportError::input(
        "E0902",
        yaml::node_span(ctx.warn.text, node),
        format!("not a GitHub Actions workflow: {message}"),
        "here",
    )
}

/// Puts a job's `needs` and `if` around it.
fn place(j: Job, steps: &BTreeMap<String, Vec<(String, bool)>>) -> Item {
    let mut item = j.item;
    let mut deps = j.needs.clone();
    let mut cond = j.cond;
    match j.status {
        Status::Success => {}
        Status::Always => {
            if let Some(first) = item.first_step() {
                first.after = std::mem::take(&mut deps);
            }
        }
        Status::Failure => {
            let failed: Vec<String> = j
                .needs
                .iter()
                .flat_map(|n| steps.get(n).into_iter().flatten())
                .map(|(s, in_loop)| match in_loop {
                    true => format!("contains({s}.status, \"failed\")"),
                    false => format!("{s}.status == \"failed\""),
                })
                .collect();
            if !failed.is_empty() {
                let any = format!("({})", failed.join(" || "));
                cond = Some(match cond {
                    Some(c) => format!("{c} && {any}"),
                    None => any,
                });
                deps.clear();
            }
        }
    }
    if let Some(cond) = cond {
        return Item::If {
            cond,
            deps,
            comments: j.comments,
            items: vec![item],
        };
    }
    set_deps(&mut item, deps);
    if let (Some(first), false) = (item.first_step(), j.comments.is_empty()) {
        first.comments.extend(j.comments);
    }
    item
}

fn set_deps(item: &mut Item, new: Vec<String>) {
    match item {
        Item::Step(s) => s.deps.extend(new),
        Item::Sequence { deps, .. }
        | Item::ForEach { deps, .. }
        | Item::If { deps, .. }
        | Item::WaitAny { deps, .. } => deps.extend(new),
    }
}

fn job(
    ctx: &mut Ctx,
    key: &Scalar,
    name: &str,
    body: &Map,
    ids: &BTreeMap<String, String>,
) -> Result<Job, ImportError> {
    let mut out = Job::new(name);
    let mut defaults = JobDefaults {
        shell: ctx.shell.clone(),
        workdir: ctx.workdir.clone(),
        ..JobDefaults::default()
    };
    let mut doc = Vec::new();
    // The matrix first: the job's `env` and `if` may read it.
    let (loops, parallel, scope, reads) = match entry(body, "strategy") {
        Some((_, s)) => super::matrix::matrix(ctx, s),
        None => (Vec::new(), None, Scope::default(), Vec::new()),
    };
    if ctx.wfc {
        out.mark = entry(body, "steps")
            .and_then(|(_, s)| s.as_sequence())
            .into_iter()
            .flat_map(|l| l.iter())
            .filter_map(|s| s.as_mapping())
            .filter_map(|m| entry(m, "id").and_then(|(_, v)| str_of(v)))
            .find_map(helpers::mark);
    }
    let mut steps_node = None;
    let mut uses = None;
    for (k, v) in body.iter() {
        match k.as_str() {
            "strategy" | "with" | "secrets" => {}
            "name" => doc.extend(str_of(v).map(str::to_string)),
            "needs" => {
                for n in yaml::strings(v) {
                    if ctx.failed_finders.iter().any(|f| f == n) || ctx.guards.contains_key(n) {
                        continue;
                    }
                    match ids.get(n) {
                        Some(id) => out.needs.push(id.clone()),
                        None => {
                            return Err(shape(
                                ctx,
                                v,
                                &format!(
                                    "`needs` names `{n}`, which is not a job of this workflow"
                                ),
                            ))
                        }
                    }
                }
            }
            // A handler's or compensation's `if` is what makes it one.
            "if" if out.mark.is_some() => {}
            "if" => {
                // `needs.wfc-if-JOB.outputs.go == 'true'`: the guard's condition.
                let src = str_of(v).map(expr::unwrap).unwrap_or_default();
                // The jobs every job waits for, before it: `GO && (REST)`.
                let Some(src) = super::guards::ungated(ctx, src.to_string()) else {
                    continue;
                };
                let src = match ctx.wfc {
                    true => super::guards::unwrapped(src, &reads),
                    false => Some(src),
                };
                let Some(src) = src else { continue };
                let src = src.as_str();
                let v_owned;
                let v = if str_of(v).map(expr::unwrap) != Some(src) {
                    v_owned = Node::from(format!("${{{{ {src} }}}}"));
                    &v_owned
                } else {
                    v
                };
                let guard = ctx.guards.iter().find_map(|(g, c)| {
                    let term = format!("needs.{g}.outputs.go == 'true'");
                    let rest = match src.strip_suffix(&term) {
                        Some(r) => r.trim_end().strip_suffix("&&").map(str::trim),
                        None => None,
                    };
                    (src == term)
                        .then(|| (c.clone(), None))
                        .or(rest.map(|r| (c.clone(), Some(r.to_string()))))
                });
                match guard {
                    Some((cond, None)) => out.cond = Some(cond),
                    Some((cond, Some(rest))) => {
                        let node = Node::from(format!("${{{{ {rest} }}}}"));
                        condition(ctx, &scope, &node, &mut out, true);
                        out.cond = Some(match out.cond.take() {
                            Some(c) => format!("({c}) && ({cond})"),
                            None => cond,
                        });
                    }
                    None => condition(ctx, &scope, v, &mut out, true),
                }
            }
            "steps" => steps_node = Some(v),
            "uses" => uses = Some(v),
            "env" => defaults.env = text::env_map(ctx, v, Some(&scope)),
            "defaults" => {
                let (shell, workdir) = super::run_defaults(ctx, v, false);
                defaults.shell = shell.or(defaults.shell);
                defaults.workdir = workdir.or(defaults.workdir);
            }
            "timeout-minutes" => defaults.timeout = timeout(ctx, v),
            "continue-on-error" => defaults.optional = flag(ctx, v),
            other => ctx.warn.key(
                "W0900",
                k,
                format!("the job's `{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    if defaults.timeout.is_some() {
        ctx.warn.key(
            "W0908",
            key,
            "the job's `timeout-minutes` bounds each of its steps here, not the job as a whole",
        );
    }
    let mut body_items = match (steps_node, uses) {
        (_, Some(u)) => vec![Item::Step(Box::new(reusable(ctx, name, u, body)))],
        (Some(s), None) => steps(ctx, name, s, &defaults, &scope)?,
        (None, None) => {
            return Err(ImportError::input(
                "E0902",
                yaml::key_span(ctx.warn.text, key),
                "not a GitHub Actions workflow: a job needs `steps` or `uses`",
                "this job",
            ))
        }
    };
    let mut item = if body_items.len() == 1 {
        let mut only = body_items.remove(0);
        if let Item::Step(s) = &mut only {
            s.doc.splice(0..0, doc);
        }
        only
    } else {
        let mut seq = Item::Sequence {
            name: name.to_string(),
            deps: Vec::new(),
            items: body_items,
        };
        if let (Some(first), false) = (seq.first_step(), doc.is_empty()) {
            first
                .comments
                .splice(0..0, doc.iter().map(|d| format!("job: {d}")));
        }
        seq
    };
    let dims = loops.len();
    // wfc's export writes a loop without `parallel` as `max-parallel: 1`.
    let parallel = match parallel {
        Some(1) if ctx.wfc => Some(0),
        p => p,
    };
    for (i, (var, list)) in loops.into_iter().enumerate().rev() {
        item = Item::ForEach {
            var,
            list,
            parallel: if i == 0 && dims == 1 { parallel } else { None },
            deps: Vec::new(),
            items: vec![item],
        };
    }
    out.item = item;
    Ok(out)
}

/// An `if:` of a job (`job`) or a step, into `out` (its status, condition
/// and, when not translated, a comment).
pub(super) fn condition(ctx: &mut Ctx, scope: &Scope, node: &Node, out: &mut Job, job: bool) {
    let Some(src) = str_of(node) else { return };
    let parsed = expr::parse(expr::unwrap(src)).and_then(expr::split_status);
    let translated = parsed.and_then(|(status, rest)| {
        let cond = match rest {
            Some(e) => Some(expr::to_wf(&e, &mut |p| path(ctx, scope, node, p))?),
            None => None,
        };
        Ok((status, cond))
    });
    match translated {
        Ok((status, cond)) if job || status == Status::Success => {
            out.status = status;
            out.cond = cond;
        }
        Ok((_, cond)) => {
            ctx.warn.node("W0908", node, format!("the step condition `{}` reads how earlier steps ended; inside a job's sequence the step runs only after they succeeded", one_line(src)));
            out.comments.push(format!("if: {}", one_line(src)));
            out.cond = cond;
        }
        Err(why) => {
            ctx.warn.node("W0902", node, format!("the condition `{}` is not translated ({why}); it is kept as a comment, and the {} runs unconditionally", one_line(src), if job { "job" } else { "step" }));
            out.comments.push(format!("if: {}", one_line(src)));
        }
    }
}

/// A context path in a condition.
pub(super) fn path(
    ctx: &mut Ctx,
    scope: &Scope,
    node: &Node,
    p: &[String],
) -> Result<String, String> {
    let s: Vec<&str> = p.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["inputs", x] | ["github", "event", "inputs", x] if ctx.inputs.contains_key(*x) => {
            Ok(ctx.inputs[*x].clone())
        }
        ["matrix", x] if scope.matrix.contains_key(*x) => Ok(scope.matrix[*x].clone()),
        ["github", x @ ("ref" | "ref_name" | "ref_type" | "event_name" | "repository" | "actor" | "sha"
        | "head_ref" | "base_ref")] => {
            let var = format!("GITHUB_{}", x.to_ascii_uppercase());
            ctx.warn.node("W0907", node, format!("`github.{x}` is read from `${var}`, which GitHub's runner sets: set it where the workflow runs"));
            Ok(format!("env(\"{var}\")"))
        }
        _ => Err(format!("`{}` has no `.wf` equivalent", p.join("."))),
    }
}

pub(super) fn timeout(ctx: &mut Ctx, v: &Node) -> Option<String> {
    match str_of(v)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|m| *m > 0.0)
    {
        Some(m) if m.fract() == 0.0 => Some(format!("{}m", m as u64)),
        Some(m) => Some(format!("{}s", (m * 60.0).round() as u64)),
        None => {
            ctx.warn.node(
                "W0900",
                v,
                "a `timeout-minutes` that is not a number is left out",
            );
            None
        }
    }
}

pub(super) fn flag(ctx: &mut Ctx, v: &Node) -> bool {
    match str_of(v) {
        Some("true") => true,
        Some("false") => false,
        _ => {
            ctx.warn.node(
                "W0900",
                v,
                "a `continue-on-error` that is not `true` or `false` is left out",
            );
            false
        }
    }
}

/// A step standing in for what has no `.wf` equivalent: it fails, saying so.
pub(super) fn stand_in(what: &str) -> Text {
    let message = format!("wfc import: {what} has no .wf equivalent; replace this step");
    Text::plain(&format!(
        "echo {} >&2\nexit 1\n",
        wfc_language::shell_syntax::quote(&message)
    ))
}

/// A job that calls a reusable workflow (`jobs.X.uses`).
fn reusable(ctx: &mut Ctx, name: &str, uses: &Node, body: &Map) -> Step {
    let target = str_of(uses).unwrap_or("?");
    ctx.warn.node("W0901", uses, format!("the reusable workflow `{target}` is a stand-in step that fails: convert it on its own and `call` it"));
    let mut comments = vec![format!("wfc import: stand-in for `uses: {target}`")];
    if let Some((_, with)) = entry(body, "with") {
        comments.extend(with_lines(with));
    }
    Step {
        name: name.to_string(),
        comments,
        run: Some(stand_in(&format!("the reusable workflow {target}"))),
        ..Step::default()
    }
}

pub(super) fn with_lines(with: &Node) -> Vec<String> {
    let mut out = vec!["with:".to_string()];
    for (k, v) in with.as_mapping().into_iter().flat_map(|m| m.iter()) {
        out.push(format!(
            "  {}: {}",
            k.as_str(),
            str_of(v).map(one_line).unwrap_or_else(|| "…".into())
        ));
    }
    out
}

fn steps(
    ctx: &mut Ctx,
    job: &str,
    node: &Node,
    defaults: &JobDefaults,
    scope: &Scope,
) -> Result<Vec<Item>, ImportError> {
    let Some(list) = node.as_sequence() else {
        return Err(shape(ctx, node, "`steps` must be a list"));
    };
    let mut maps = Vec::new();
    for s in list.iter() {
        match s.as_mapping() {
            Some(m) => maps.push((s, m)),
            None => return Err(shape(ctx, s, "a step must be a mapping")),
        }
    }
    let single = maps
        .iter()
        .filter(|(_, m)| helpers::helper(m, ctx.wfc).is_none())
        .count()
        == 1;
    let mut items: Vec<Item> = Vec::new();
    for (i, (node, map)) in maps.into_iter().enumerate() {
        if let Some(h) = helpers::helper(map, ctx.wfc) {
            let last = items.last_mut().and_then(Item::first_step);
            match (h, last) {
                (Helper::Quiet, _) => {}
                (Helper::Dropped(why), _) => ctx.warn.node("W0908", node, why),
                (Helper::Outputs(names), Some(last)) => last.outputs = names,
                (Helper::Typed(types), Some(last)) => {
                    for (name, ty) in types {
                        for o in last.outputs.iter_mut() {
                            if o.split(':').next() == Some(name.as_str()) {
                                *o = format!("{name}:{ty}");
                            }
                        }
                    }
                }
                (Helper::Typed(_), None) => {}
                (Helper::Artifact(name, glob, optional), Some(last)) => {
                    last.artifacts.push((names::ident(&name), glob, optional))
                }
                (Helper::Outputs(_) | Helper::Artifact(..), None) => ctx.warn.node(
                    "W0900",
                    node,
                    "an artifact upload before any step of its job is left out",
                ),
            }
            continue;
        }
        // wfc's export of a `wait any`: the block again ([`super::race`]).
        if let Some((block, members)) = super::race::read(map).filter(|_| ctx.wfc) {
            let name = if single {
                job.to_string()
            } else {
                ctx.names.give(&block).name
            };
            let members = members.into_iter().map(|(n, m)| {
                let n = ctx.names.give(&n).name;
                step(ctx, n, &m, defaults, scope)
            });
            let inner: Vec<Item> = members.collect();
            items.push(Item::WaitAny {
                name,
                deps: Vec::new(),
                items: inner,
            });
            continue;
        }
        let id = entry(map, "id").and_then(|(_, v)| str_of(v));
        let raw = id
            .or_else(|| entry(map, "name").and_then(|(_, v)| str_of(v)))
            .map(str::to_string)
            .unwrap_or_else(|| (i + 1).to_string());
        // wfc's export names each step of a job by its id (`run`, a call's
        // `wfc-join`: the job's).
        let own = id.filter(|id| {
            ctx.wfc && !matches!(*id, "run" | "wfc-join") && helpers::mark(id).is_none()
        });
        let name = match own {
            Some(id) => ctx.names.give(id).name,
            None if single => job.to_string(),
            None => ctx.names.give(&format!("{job}-{raw}")).name,
        };
        items.push(step(ctx, name, map, defaults, scope));
    }
    Ok(items)
}
