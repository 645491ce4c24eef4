//! Jobs: a job of one step is a step, of several a `sequence` (its steps
//! share a workspace, as on one runner) or steps with edges of their own
//! ([`super::order`]); `needs` is `depends on`, a matrix nested `for each …
//! parallel` loops, a job's `if` an `if` block ([`super::when`]: a status
//! function is `after` what it needs, and a test of the `.status` of the
//! steps of every job before it).

use super::expr::{self, Ex};
use super::helpers::{self, Helper, Mark};
use super::order::{self, Member};
use super::step::steps;
use super::text::{self, Scope};
use super::when::{self, Before, Guard, On, Steps};
use super::{one_line, Ctx, Env};
use crate::edges::Exits;
use crate::literal::Text;
use crate::model::{Item, Step};
use crate::yaml::{self, entry, str_of, Map, Scalar};
use crate::ImportError;
use marked_yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// A job converted, before its `needs` and `if` are placed.
pub(super) struct Job {
    pub name: String,
    pub item: Item,
    pub needs: Vec<String>,
    pub guard: Guard,
    /// What a job needing it waits for.
    pub exits: Exits,
    /// wfc's export marked it a handler's or a compensation's.
    pub mark: Option<Mark>,
}

/// The main graph's items and the handlers' (head, items).
pub(crate) type Converted = (Vec<Item>, Vec<(String, Vec<Item>)>);

/// What a job gives each of its steps.
#[derive(Default, Clone)]
pub(super) struct JobDefaults {
    pub env: Env,
    pub shell: Option<String>,
    pub workdir: Option<Text>,
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
        if let Some(b) = body.as_mapping().filter(|_| ctx.wfc) {
            job_outputs(ctx, key.as_str(), &given.name, b);
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
    // Each job's steps and exits, for the status functions and `needs`.
    let mut known = Known {
        ids: ids.clone(),
        ..Known::default()
    };
    for j in &converted {
        let mut names = Vec::new();
        j.item.step_names(false, &mut names);
        known.steps.insert(j.name.clone(), names);
        known.exits.insert(j.name.clone(), j.exits.clone());
        known.needs.insert(j.name.clone(), j.needs.clone());
    }
    if !ctx.wfc {
        known.skips = skips(&converted);
    }
    let (marked, main): (Vec<Job>, Vec<Job>) =
        converted.into_iter().partition(|j| j.mark.is_some());
    let mut items: Vec<Item> = main.into_iter().map(|j| place(ctx, j, &known)).collect();
    let handlers = fold_marked(ctx, marked, &mut items);
    Ok((items, handlers))
}

/// Every job's steps, exits and needs, by the job's name.
#[derive(Default)]
struct Known {
    /// The job's name of each job id.
    ids: BTreeMap<String, String>,
    steps: BTreeMap<String, Steps>,
    exits: BTreeMap<String, Exits>,
    needs: BTreeMap<String, Vec<String>>,
    /// The jobs GitHub may skip: by their `if`, or as a need was skipped.
    skips: BTreeSet<String>,
}

/// The jobs that may be skipped: those whose condition may not hold, and
/// without a status function those needing one that may be skipped.
fn skips(jobs: &[Job]) -> BTreeSet<String> {
    /// `always()` holds; what else a status function reads is unknown.
    struct Unknown;
    impl expr::Ended for Unknown {
        fn status(&mut self, f: &str) -> Result<Ex, String> {
            Ok(match f {
                "always" => Ex::Bool(true),
                _ => Ex::Wf(f.to_string()),
            })
        }
        fn result(&mut self, job: &str, _: &str, _: bool) -> Result<Ex, String> {
            Ok(Ex::Wf(job.to_string()))
        }
    }
    let own = |j: &Job| {
        j.guard
            .cond
            .as_ref()
            .is_some_and(|c| expr::resolve(c, &mut Unknown) != Ok(Ex::Bool(true)))
    };
    let mut out: BTreeSet<String> = jobs
        .iter()
        .filter(|j| own(j))
        .map(|j| j.name.clone())
        .collect();
    // (Each round adds a job or ends: at most one round a job.)
    loop {
        let more: Vec<String> = jobs
            .iter()
            .filter(|j| !out.contains(&j.name) && !j.guard.status)
            .filter(|j| j.needs.iter().any(|n| out.contains(n)))
            .map(|j| j.name.clone())
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

impl Known {
    /// The steps of `job`'s ancestors (its needs, theirs…): what GitHub's
    /// status functions of a job read.
    fn ancestors(&self, job: &[String]) -> Steps {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = job.iter().collect();
        let mut out = Vec::new();
        while let Some(j) = todo.pop() {
            if seen.insert(j.clone()) {
                out.extend(self.steps.get(j).into_iter().flatten().cloned());
                todo.extend(self.needs.get(j).into_iter().flatten());
            }
        }
        out
    }
}

/// The outputs the steps of a job of wfc's export declare: the `.wf`
/// step of each (job id, output), from the export's `outputs` helpers
/// (`WF_DECLARED`; `ID-outputs` after step `ID`, `outputs` after a job's
/// one step, named as the job: `name`).
fn job_outputs(ctx: &mut Ctx, job: &str, name: &str, body: &Map) {
    let steps = entry(body, "steps").and_then(|(_, s)| s.as_sequence());
    for step in steps
        .into_iter()
        .flat_map(|l| l.iter())
        .filter_map(|s| s.as_mapping())
    {
        let Some(Helper::Outputs(declared)) = helpers::helper(step, true) else {
            continue;
        };
        let id = entry(step, "id").and_then(|(_, v)| str_of(v)).unwrap_or("");
        let owner = match id.strip_suffix("-outputs") {
            Some(owner) => owner.to_string(),
            None => name.to_string(),
        };
        // (A script's are typed: `kept:int`.)
        for x in declared.iter().filter_map(|d| d.split(':').next()) {
            ctx.job_outputs
                .insert((job.to_string(), x.to_string()), owner.clone());
        }
    }
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
fn fold_marked(ctx: &mut Ctx, marked: Vec<Job>, items: &mut [Item]) -> Vec<(String, Vec<Item>)> {
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
        j.guard = Guard::default();
        let known = Known {
            exits: j
                .needs
                .iter()
                .map(|n| (n.clone(), Exits::named(n)))
                .collect(),
            ..Known::default()
        };
        let item = place(ctx, j, &known);
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

pub(super) fn shape(ctx: &Ctx, node: &Node, message: &str) -> ImportError {
    ImportError::input(
        "E0902",
        yaml::node_span(ctx.warn.text, node),
        format!("not a GitHub Actions workflow: {message}"),
        "here",
    )
}

/// Puts a job's `needs` and `if` around it: `depends on` what each need
/// exits by, or with a status function `after` it and the condition over
/// the `.status` of the steps of every job before it (GitHub's `failure()`
/// of a job is any ancestor's failure).
fn place(ctx: &mut Ctx, j: Job, known: &Known) -> Item {
    let mut entry = Exits::default();
    let mut g = j.guard;
    for n in &j.needs {
        let e = known
            .exits
            .get(n)
            .cloned()
            .unwrap_or_else(|| Exits::named(n));
        match g.status {
            true => entry.after.extend(e.ends),
            false => {
                entry.deps.extend(e.deps);
                entry.after.extend(e.after);
            }
        }
    }
    // GitHub skips a job whose need was skipped, where a `.wf` step whose
    // dependency is absent runs: it runs when each such need succeeded.
    if !g.status {
        let by_name = |x: &str| known.steps.get(x).cloned();
        let mut of = Before {
            steps: Vec::new(),
            jobs: &by_name,
        };
        for n in j.needs.iter().filter(|n| known.skips.contains(*n)) {
            if let Ok(ran) = expr::Ended::result(&mut of, n, "success", false) {
                g.cond = Some(match g.cond.take() {
                    Some(c) => expr::and(c, ran),
                    None => ran,
                });
            }
        }
    }
    let jobs = |n: &str| {
        let name = known.ids.get(n).filter(|x| j.needs.contains(x))?;
        known.steps.get(name).cloned()
    };
    let mut before = Before {
        steps: if g.status {
            known.ancestors(&j.needs)
        } else {
            Vec::new()
        },
        jobs: &jobs,
    };
    let cond = match order::condition(ctx, &g, &mut before, On::Job) {
        Ok(c) => c,
        Err(why) => {
            when::refuse(ctx, &mut g, &why, On::Job);
            None
        }
    };
    let mut out = order::guarded(ctx, j.item, &g, cond, &entry, &j.name);
    match out.len() {
        1 => out.remove(0),
        _ => Item::Group(out),
    }
}

fn job(
    ctx: &mut Ctx,
    key: &Scalar,
    name: &str,
    body: &Map,
    ids: &BTreeMap<String, String>,
) -> Result<Job, ImportError> {
    let mut out = Job {
        name: name.to_string(),
        item: Item::Group(Vec::new()),
        needs: Vec::new(),
        guard: Guard::default(),
        exits: Exits::named(name),
        mark: None,
    };
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
                    Some((cond, None)) => out.guard.cond = Some(Ex::Wf(cond)),
                    Some((cond, Some(rest))) => {
                        let node = Node::from(format!("${{{{ {rest} }}}}"));
                        out.guard = when::guard(ctx, &scope, &node, On::Job);
                        let cond = Ex::Wf(format!("({cond})"));
                        out.guard.cond = Some(match out.guard.cond.take() {
                            Some(c) => Ex::Bin("&&", Box::new(c), Box::new(cond)),
                            None => cond,
                        });
                    }
                    None => out.guard = when::guard(ctx, &scope, v, On::Job),
                }
            }
            "steps" => steps_node = Some(v),
            "uses" => uses = Some(v),
            "env" => defaults.env = text::env_map(ctx, v, Some(&scope)),
            "defaults" => {
                let (shell, workdir) = super::run_defaults(ctx, v, Some(&scope));
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
    let members = match (steps_node, uses) {
        (_, Some(u)) => vec![Member {
            item: Item::Step(Box::new(reusable(ctx, name, u, body))),
            guard: Guard::default(),
            optional: defaults.optional,
        }],
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
    let (mut body_items, exits) = order::compose(ctx, name, members);
    out.exits = exits;
    match body_items.as_mut_slice() {
        [Item::Step(s)] => {
            s.doc.splice(0..0, doc);
        }
        items => {
            let first = items.first_mut().and_then(Item::first_step);
            if let Some(step) = first.filter(|_| !doc.is_empty()) {
                step.comments
                    .splice(0..0, doc.iter().map(|d| format!("job: {d}")));
            }
        }
    }
    let dims = loops.len();
    // wfc's export writes a loop without `parallel` as `max-parallel: 1`.
    let parallel = match parallel {
        Some(1) if ctx.wfc => Some(0),
        p => p,
    };
    let mut items = body_items;
    for (i, (var, list)) in loops.into_iter().enumerate().rev() {
        items = vec![Item::ForEach {
            var,
            list,
            parallel: if i == 0 && dims == 1 { parallel } else { None },
            deps: Vec::new(),
            items,
        }];
    }
    out.item = match items.len() {
        1 => items.remove(0),
        _ => Item::Group(items),
    };
    Ok(out)
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
        // wfc's export hands a step's outputs on as its job's.
        ["needs", j, "outputs", x] => ctx
            .job_output(j, x)
            .ok_or_else(|| format!("`needs.{j}.outputs.{x}` has no `.wf` equivalent")),
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
