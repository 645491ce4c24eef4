//! GitHub Actions workflows: the workflow's name, triggers, inputs, secrets
//! and `env` here; jobs and their steps in [`jobs`]; expressions in [`expr`].

mod expr;
mod guards;
mod helpers;
mod jobs;
mod matrix;
mod order;
mod pause;
mod race;
mod step;
mod text;
mod upload;
mod when;

use crate::literal::{self, Text};
use crate::model::{Param, Workflow};
use crate::names::{self, Names};
use crate::yaml::{self, entry, str_of, Map};
use crate::{ImportError, Warnings};
use marked_yaml::Node;
use std::collections::BTreeMap;

/// What the conversion of one workflow knows as it goes.
pub(crate) struct Ctx<'w, 'a> {
    pub warn: &'w mut Warnings<'a>,
    pub names: Names,
    pub params: Vec<Param>,
    /// Inputs (`inputs.X`) by the input's name: the param's.
    pub inputs: BTreeMap<String, String>,
    /// Secrets (`secrets.X`) by the secret's name: the param's.
    pub secrets: BTreeMap<String, String>,
    /// Values reach commands through `env` rather than `${…}`.
    pub env_route: bool,
    /// The file is `wfc export github-actions`' own: its helper steps,
    /// handler and rollback jobs fold back ([`helpers`]).
    pub wfc: bool,
    /// The export's jobs finding the failed step: their outputs `step` and
    /// `error` are `failed.step` and `failed.error`.
    pub failed_finders: Vec<String>,
    /// The export's jobs deciding an `if` over a secret: job → condition.
    pub guards: std::collections::BTreeMap<String, String>,
    /// The export's check of a zoned schedule (its job), and each UTC cron
    /// with the `.wf` trigger it stands for.
    pub zoned: Option<(String, Vec<(String, String)>)>,
    /// The export's job deciding a webhook's `when` (`wfc-when`).
    pub when_job: Option<String>,
    /// The export's job deciding a webhook's params (`wfc-params`).
    pub params_job: Option<String>,
    /// The `on change` that job's push stands for, as written.
    pub change: Option<String>,
    /// The inputs a matrix takes its items from, computed by that job:
    /// list params ([`guards::matrix_lists`]).
    pub list_inputs: Vec<String>,
    /// The `.wf` step of each job of one step, by job id.
    pub step_of_job: BTreeMap<String, String>,
    /// The `.wf` step declaring each output of a job of wfc's export, by
    /// (job id, output).
    pub job_outputs: BTreeMap<(String, String), String>,
    /// The workflow's `defaults.run`.
    pub shell: Option<String>,
    pub workdir: Option<Text>,
    /// The `.wf` file's folder from the repository's root (`proj/ci`):
    /// a `working-directory`, relative to the root, is made relative to it.
    pub base: Option<String>,
    /// Where each `on schedule` came from.
    pub schedules: Vec<wfc_language::span::Span>,
}

impl Ctx<'_, '_> {
    /// `needs.JOB.outputs.X` of wfc's export as the output of a `.wf` step
    /// (its own outputs, not the export's `wfc-…`).
    pub fn job_output(&self, job: &str, x: &str) -> Option<String> {
        let name = x.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && x.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !self.wfc || !name || x.starts_with("wfc-") {
            return None;
        }
        let step = self.job_outputs.get(&(job.to_string(), x.to_string()))?;
        Some(format!("{step}.outputs.{x}"))
    }

    /// The secret param for `secrets.NAME`, declared the first time.
    pub fn secret(&mut self, name: &str) -> String {
        if let Some(p) = self.secrets.get(name) {
            return p.clone();
        }
        let param = self.names.give(&name.to_ascii_lowercase()).name;
        self.params.push(Param {
            name: param.clone(),
            secret: true,
            ty: "string".into(),
            default: Some(format!("env({})", literal::string(name))),
            doc: Vec::new(),
        });
        self.secrets.insert(name.to_string(), param.clone());
        param
    }
}

pub(crate) fn convert(
    root: &Node,
    warn: &mut Warnings,
    stem: &str,
    env_route: bool,
    base: Option<&str>,
) -> Result<Workflow, ImportError> {
    let Some(top) = root.as_mapping() else {
        return Err(shape(warn, root, "a GitHub Actions workflow is a mapping"));
    };
    let Some((_, jobs)) = entry(top, "jobs") else {
        return Err(shape(warn, root, "a GitHub Actions workflow needs `jobs`"));
    };
    let Some(jobs) = jobs.as_mapping() else {
        return Err(shape(
            warn,
            jobs,
            "`jobs` must be a mapping of job ids to jobs",
        ));
    };
    let warn_text = warn.text;
    let mut wf = Workflow::default();
    let title = entry(top, "name").and_then(|(_, v)| str_of(v));
    wf.name = names::ident(title.unwrap_or(stem));
    wf.doc.extend(title.map(str::to_string));
    let mut ctx = Ctx {
        warn,
        names: Names::default(),
        params: Vec::new(),
        inputs: BTreeMap::new(),
        secrets: BTreeMap::new(),
        env_route,
        wfc: helpers::generated(warn_text),
        failed_finders: Vec::new(),
        guards: Default::default(),
        zoned: None,
        when_job: None,
        params_job: None,
        change: None,
        list_inputs: Vec::new(),
        step_of_job: BTreeMap::new(),
        job_outputs: BTreeMap::new(),
        shell: None,
        workdir: None,
        base: base.map(str::to_owned),
        schedules: Vec::new(),
    };
    if ctx.wfc {
        ctx.zoned = guards::zoned(jobs);
        ctx.when_job = guards::when_job(jobs);
        ctx.params_job = guards::params_job(jobs);
        ctx.change = guards::change(jobs);
        if let Some(p) = &ctx.params_job {
            ctx.list_inputs = guards::matrix_lists(jobs, p);
        }
    }
    for (key, value) in top.iter() {
        match key.as_str() {
            "name" | "jobs" => {}
            "on" | "true" => triggers(&mut ctx, &mut wf, value),
            "env" => wf.env = text::env_map(&mut ctx, value, None),
            "defaults" => {
                run_defaults(&mut ctx, value, None);
            }
            other => ctx.warn.key(
                "W0900",
                key,
                format!("`{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    drop_unfed_schedules(&mut ctx, &mut wf);
    (wf.items, wf.handlers) = jobs::jobs(&mut ctx, jobs)?;
    wf.params = std::mem::take(&mut ctx.params);
    wf.params.sort_by_key(|p| p.secret);
    Ok(wf)
}

/// A schedule gives no param a value: with a required input, it is left out.
fn drop_unfed_schedules(ctx: &mut Ctx, wf: &mut Workflow) {
    let Some(required) = ctx.params.iter().find(|p| p.default.is_none() && !p.secret) else {
        return;
    };
    let required = required.name.clone();
    wf.triggers.retain(|t| !t.starts_with("on schedule"));
    for at in std::mem::take(&mut ctx.schedules) {
        ctx.warn.at("W0904", at, format!("the schedule is left out: it would start runs without a value for the required input `{required}`"));
    }
}

fn shape(warn: &Warnings, node: &Node, message: &str) -> ImportError {
    ImportError::input(
        "E0902",
        yaml::node_span(warn.text, node),
        format!("not a GitHub Actions workflow: {message}"),
        "here",
    )
}

/// A `working-directory` (relative to the repository's root, as GitHub
/// reads it) relative to the `.wf` file's folder `base` (from that root),
/// as a `.wf` `workdir` is read: `proj/sub` from `proj` is `sub`, `lib`
/// from `proj` is `../lib`. An absolute path, one with an expression, or
/// no base: as written.
pub(crate) fn rebase(w: &str, base: Option<&str>) -> String {
    let Some(base) = base
        .map(|b| b.trim_matches('/'))
        .filter(|b| !b.is_empty() && *b != ".")
    else {
        return w.to_owned();
    };
    if w.starts_with('/') || w.contains("${{") {
        return w.to_owned();
    }
    let w = w.trim_start_matches("./").trim_end_matches('/');
    let from: Vec<&str> = base
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let to: Vec<&str> = w
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let same = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - same];
    parts.extend(&to[same..]);
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// `defaults: run: { shell, working-directory }` of the workflow, or of a
/// job (`scope`: its matrix values).
pub(crate) fn run_defaults(
    ctx: &mut Ctx,
    value: &Node,
    scope: Option<&text::Scope>,
) -> (Option<String>, Option<Text>) {
    let mut found = (None, None);
    let top = scope.is_none();
    let empty = text::Scope::default();
    let run = value.as_mapping().and_then(|m| entry(m, "run"));
    for (k, v) in run
        .and_then(|(_, r)| r.as_mapping())
        .into_iter()
        .flat_map(|m| m.iter())
    {
        match k.as_str() {
            "shell" => found.0 = str_of(v).map(str::to_string),
            "working-directory" => {
                let w = str_of(v).map(|w| rebase(w, ctx.base.as_deref()));
                found.1 = w.map(|w| text::value(ctx, scope.unwrap_or(&empty), &w, v))
            }
            other => ctx
                .warn
                .key("W0900", k, format!("`defaults.run.{other}` is left out")),
        }
    }
    if top {
        ctx.shell = found.0.clone();
        ctx.workdir = found.1.clone();
    }
    found
}

/// `on:`: `push` and `schedule` become triggers, `workflow_dispatch` and
/// `workflow_call` inputs params; others are warned.
fn triggers(ctx: &mut Ctx, wf: &mut Workflow, on: &Node) {
    let events: Vec<(&yaml::Scalar, Option<&Node>)> = match on {
        Node::Scalar(s) => vec![(s, None)],
        Node::Sequence(xs) => xs
            .iter()
            .filter_map(|x| x.as_scalar())
            .map(|s| (s, None))
            .collect(),
        Node::Mapping(m) => m.iter().map(|(k, v)| (k, Some(v))).collect(),
    };
    for (event, body) in events {
        let body = body.and_then(Node::as_mapping);
        match event.as_str() {
            "workflow_dispatch" | "workflow_call" => {
                if let Some(b) = body {
                    inputs(ctx, b);
                    if let Some((_, secrets)) = entry(b, "secrets") {
                        for (k, _) in secrets.as_mapping().into_iter().flat_map(|m| m.iter()) {
                            ctx.secret(k.as_str());
                        }
                    }
                }
            }
            "schedule" => {
                let crons = on
                    .as_mapping()
                    .and_then(|m| entry(m, "schedule"))
                    .and_then(|(_, v)| v.as_sequence());
                for item in crons.into_iter().flat_map(|xs| xs.iter()) {
                    let cron = item.as_mapping().and_then(|m| entry(m, "cron")).and_then(|(_, c)| str_of(c));
                    // A zoned schedule's UTC crons: the schedule, once.
                    let zoned = cron.and_then(|c| {
                        let (_, lines) = ctx.zoned.as_ref()?;
                        lines.iter().find(|(u, _)| u == c).map(|(_, t)| t.clone())
                    });
                    match cron {
                        Some(_) if zoned.is_some() => {
                            // (Empty: a clock change's cron, the same schedule.)
                            let t = zoned.unwrap_or_default();
                            if !t.is_empty() && !wf.triggers.contains(&t) {
                                wf.triggers.push(t);
                                ctx.schedules.push(yaml::node_span(ctx.warn.text, item));
                            }
                        }
                        Some(c) if !c.contains("${") => {
                            wf.triggers.push(format!("on schedule {}", literal::string(c)));
                            ctx.schedules.push(yaml::node_span(ctx.warn.text, item));
                        }
                        _ => ctx.warn.node("W0904", item, "a schedule without a plain `cron` is left out"),
                    }
                }
            }
            "push" => push(ctx, wf, event, body),
            other => ctx.warn.key(
                "W0904",
                event,
                format!("the `{other}` event has no `.wf` trigger; start the workflow with `wfc run` or a webhook"),
            ),
        }
    }
}

/// `push` → `on webhook "/NAME/push"`, its `tags`/`branches` a `when` on the
/// pushed ref when they are names or `*`; the push of wfc's export of an
/// `on change`, that trigger.
fn push(ctx: &mut Ctx, wf: &mut Workflow, event: &yaml::Scalar, body: Option<&Map>) {
    if let Some(change) = ctx.change.clone() {
        // (The glob holds no `{`: the export refuses one.)
        let (head, body) = change.split_once(" { ").unwrap_or((&change, ""));
        let body = body.strip_suffix(" }").unwrap_or(body);
        let (debounce, params) = match body.strip_prefix("debounce ") {
            Some(rest) => match rest.split_once("  ") {
                Some((d, p)) => (Some(d), p),
                None => (Some(rest), ""),
            },
            None => (None, body),
        };
        // Its params read `changed`, a list the inputs (text) cannot hold,
        // unless a matrix over one made it a list param again.
        let mut kept = None;
        if let Some(p) = params
            .strip_prefix("params { ")
            .and_then(|p| p.strip_suffix(" }"))
        {
            match p.strip_suffix(" = changed") {
                Some(x) if ctx.list_inputs.iter().any(|l| l == x) => kept = Some(p),
                _ => ctx.warn.key("W0904", event, format!("the change trigger's `params {{ {p} }}` is left out: its params are the export's inputs, text; set them from `changed` again")),
            }
        }
        let mut body: Vec<String> = debounce
            .map(|d| format!("debounce {d}"))
            .into_iter()
            .collect();
        body.extend(kept.map(|p| format!("params {{ {p} }}")));
        wf.triggers.push(match body.is_empty() {
            true => head.to_string(),
            false => format!("{head} {{ {} }}", body.join("  ")),
        });
        return;
    }
    let mut refs: Vec<String> = Vec::new();
    for (k, v) in body.into_iter().flat_map(|m| m.iter()) {
        let prefix = match k.as_str() {
            "tags" => "refs/tags/",
            "branches" => "refs/heads/",
            other => {
                ctx.warn.key("W0904", k, format!("the push filter `{other}` is left out: the webhook starts a run on every push"));
                continue;
            }
        };
        for pattern in yaml::strings(v) {
            let r = literal::string(&format!("{prefix}{}", pattern.trim_end_matches('*')));
            match pattern.strip_suffix('*') {
                Some(p) if !p.contains(['*', '?', '[', '!']) => {
                    refs.push(format!("starts_with(default(request.json.ref, \"\"), {r})"));
                }
                None if !pattern.contains(['*', '?', '[', '!']) => {
                    refs.push(format!("default(request.json.ref, \"\") == {r}"));
                }
                _ => ctx.warn.node(
                    "W0904",
                    v,
                    format!("the push pattern `{pattern}` is left out"),
                ),
            }
        }
    }
    let path = literal::string(&format!("/{}/push", wf.name));
    let _ = event;
    if refs.is_empty() {
        wf.triggers.push(format!("on webhook {path}"));
    } else {
        wf.triggers.push(format!(
            "on webhook {path} {{ when {} }}",
            refs.join(" || ")
        ));
    }
}

/// `inputs:` → params typed by `type:` (`choice` → `string in [...]`).
fn inputs(ctx: &mut Ctx, body: &Map) {
    let Some((_, inputs)) = entry(body, "inputs") else {
        return;
    };
    for (key, spec) in inputs.as_mapping().into_iter().flat_map(|m| m.iter()) {
        let spec = spec.as_mapping();
        let field = |f: &str| spec.and_then(|m| entry(m, f)).map(|(_, v)| v);
        let ty = field("type").and_then(str_of).unwrap_or("string");
        let given = ctx.names.give(key.as_str());
        if given.changed {
            ctx.warn.key(
                "W0906",
                key,
                format!("the input `{}` is the param `{}`", key.as_str(), given.name),
            );
        }
        let default = field("default").and_then(str_of);
        let required = field("required").and_then(str_of) == Some("true");
        let (wf_ty, default) = match ty {
            "boolean" => (
                "bool".to_string(),
                Some(
                    default
                        .map_or("false", |d| if d == "true" { "true" } else { "false" })
                        .to_string(),
                ),
            ),
            "number" => (
                "float".to_string(),
                Some(
                    default
                        .and_then(|d| d.parse::<f64>().ok())
                        .map_or("0.0".to_string(), float_literal),
                ),
            ),
            "choice" => {
                let options: Vec<String> = field("options")
                    .map(yaml::strings)
                    .unwrap_or_default()
                    .iter()
                    .map(|o| literal::string(o))
                    .collect();
                let default = default
                    .map(literal::string)
                    .or_else(|| options.first().cloned());
                (format!("string in [{}]", options.join(", ")), default)
            }
            // A matrix's items (`guards::matrix_lists`): a list of text.
            "string" if ctx.list_inputs.iter().any(|l| l == key.as_str()) => {
                let items = default.and_then(|d| serde_json::from_str::<Vec<String>>(d).ok());
                let items: Vec<String> = items
                    .unwrap_or_default()
                    .iter()
                    .map(|i| literal::string(i))
                    .collect();
                (
                    "list<string>".to_string(),
                    Some(format!("[{}]", items.join(", "))),
                )
            }
            _ => {
                if !matches!(ty, "string" | "environment") {
                    ctx.warn.key(
                        "W0900",
                        key,
                        format!("the input type `{ty}` is read as a string"),
                    );
                }
                (
                    "string".to_string(),
                    default
                        .map(literal::string)
                        .or_else(|| (!required).then(|| "\"\"".to_string())),
                )
            }
        };
        let default = if required && field("default").is_none() {
            None
        } else {
            default
        };
        ctx.params.push(Param {
            name: given.name.clone(),
            secret: false,
            ty: wf_ty,
            default,
            doc: field("description")
                .and_then(str_of)
                .map(str::to_string)
                .into_iter()
                .collect(),
        });
        ctx.inputs.insert(key.as_str().to_string(), given.name);
    }
}

fn float_literal(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Text of a `${{ }}`-free string for a comment.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) type Env = Vec<(String, Text)>;
