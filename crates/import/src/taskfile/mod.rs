//! Taskfiles (Task v3): a task of one command is a step, of several a
//! `sequence` (Task runs them in order, each in its own shell); `deps` and
//! `task:` calls are `depends on`; static `vars` are params, `sh:` vars
//! steps whose output is read; `env` is `env`; `dir` is `workdir`;
//! `generates` are artifacts; `preconditions` steps that fail with the
//! message; `prompt` an approval gate; `sources` and `status` the
//! up-to-date check ([`fresh`]). `{{.VAR}}` becomes `${var}`.

mod fresh;

use crate::edges::{edges, Done, Exits};
use crate::literal::{self, Piece, Text};
use crate::model::{Item, Param, Step, Workflow};
use crate::names::{self, Names};
use crate::yaml::{self, entry, str_of, Map};
use crate::{ImportError, Warnings};
use marked_yaml::Node;
use std::collections::BTreeMap;

struct Ctx<'w, 'a> {
    warn: &'w mut Warnings<'a>,
    names: Names,
    params: Vec<Param>,
    /// Global vars: name → `.wf` expression.
    vars: BTreeMap<String, String>,
    env_route: bool,
    /// Steps of `sh:` vars, written before the tasks.
    var_steps: Vec<Item>,
    /// The Taskfile's `method` of up-to-date checks.
    method: Option<String>,
}

type Env = Vec<(String, Text)>;

pub(crate) fn convert(
    root: &Node,
    warn: &mut Warnings,
    folder: &str,
    env_route: bool,
) -> Result<Workflow, ImportError> {
    let shape = |warn: &Warnings, node: &Node, m: &str| {
        ImportError::input(
            "E0902",
            yaml::node_span(warn.text, node),
            format!("not a Taskfile: {m}"),
            "here",
        )
    };
    let Some(top) = root.as_mapping() else {
        return Err(shape(warn, root, "a Taskfile is a mapping"));
    };
    let Some((_, tasks)) = entry(top, "tasks") else {
        return Err(shape(warn, root, "a Taskfile needs `tasks`"));
    };
    let Some(tasks) = tasks.as_mapping() else {
        return Err(shape(
            warn,
            tasks,
            "`tasks` must be a mapping of task names to tasks",
        ));
    };
    if let Some((_, v)) = entry(top, "version") {
        if !str_of(v).is_some_and(|s| s == "3" || s.starts_with("3.")) {
            return Err(shape(warn, v, "`wfc import` reads Taskfiles of version 3"));
        }
    }
    let mut ctx = Ctx {
        warn,
        names: Names::default(),
        params: Vec::new(),
        vars: BTreeMap::new(),
        env_route,
        var_steps: Vec::new(),
        method: None,
    };
    let mut wf = Workflow {
        name: names::ident(folder),
        ..Workflow::default()
    };
    let mut ids = BTreeMap::new();
    for (k, _) in tasks.iter() {
        let given = ctx.names.give(k.as_str());
        if given.changed {
            ctx.warn.key(
                "W0906",
                k,
                format!("the task `{}` is the step `{}`", k.as_str(), given.name),
            );
        }
        ids.insert(k.as_str().to_string(), given.name);
    }
    for (k, v) in top.iter() {
        match k.as_str() {
            "version" | "tasks" => {}
            "vars" => {
                let scope = BTreeMap::new();
                let vars = vars(&mut ctx, v, "", &scope);
                ctx.vars = vars;
            }
            "env" => wf.env = env(&mut ctx, v, &BTreeMap::new(), false),
            "method" => ctx.method = str_of(v).map(str::to_string),
            other => ctx.warn.key(
                "W0900",
                k,
                format!("the Taskfile's `{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    let mut items = Vec::new();
    let mut exits = BTreeMap::new();
    for (k, v) in tasks.iter() {
        let (task_items, task_exits) = task(&mut ctx, &ids[k.as_str()], v, &ids)?;
        items.extend(task_items);
        exits.extend(task_exits.map(|e| (ids[k.as_str()].clone(), e)));
    }
    crate::edges::redirect(&mut items, &exits);
    wf.items = std::mem::take(&mut ctx.var_steps);
    wf.items.extend(items);
    wf.params = ctx.params;
    Ok(wf)
}

/// `vars:` → params (static) or steps (`sh:`); name → expression.
fn vars(
    ctx: &mut Ctx,
    node: &Node,
    task: &str,
    outer: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = outer.clone();
    for (k, v) in node.as_mapping().into_iter().flat_map(|m| m.iter()) {
        let raw = if task.is_empty() {
            k.as_str().to_ascii_lowercase()
        } else {
            format!("{task}-{}", k.as_str().to_ascii_lowercase())
        };
        if let Some(s) = str_of(v) {
            let value = template(ctx, &out, s, v, Place::Value);
            // A param's default cannot read a step: a value made from an
            // `sh:` variable stays an expression where it is used.
            let reads_step = value
                .0
                .iter()
                .any(|p| matches!(p, Piece::Expr(e) if e.contains(".stdout")));
            if reads_step {
                out.insert(k.as_str().to_string(), literal::quoted(&value));
                continue;
            }
            let name = ctx.names.give(&raw).name;
            ctx.params.push(Param {
                name: name.clone(),
                secret: false,
                ty: "string".into(),
                default: Some(literal::literal(&value, "")),
                doc: Vec::new(),
            });
            out.insert(k.as_str().to_string(), name);
        } else if let Some(sh) = v
            .as_mapping()
            .and_then(|m| entry(m, "sh"))
            .and_then(|(_, s)| str_of(s))
        {
            let name = ctx.names.give(&format!("var-{raw}")).name;
            ctx.warn.key("W0908", k, format!("the dynamic variable `{}` is the step `{name}`, whose output is read where the variable was", k.as_str()));
            let run = template(ctx, &out, sh, v, Place::Command);
            ctx.var_steps.push(Item::Step(Box::new(Step {
                name: name.clone(),
                run: Some(run),
                shell: Some("bash".into()),
                ..Step::default()
            })));
            out.insert(k.as_str().to_string(), format!("trim({name}.stdout)"));
        } else {
            ctx.warn.key(
                "W0900",
                k,
                format!(
                    "the variable `{}` is not a string or `sh:`; it is left out",
                    k.as_str()
                ),
            );
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Place {
    Command,
    Value,
}

/// Text holding `{{.VAR}}`: a variable interpolated (or read through `env`),
/// `.ROOT_DIR` and its kin the step's folder, any other template kept as
/// text, warned.
fn template(
    ctx: &mut Ctx,
    vars: &BTreeMap<String, String>,
    s: &str,
    node: &Node,
    place: Place,
) -> Text {
    let (text, _) = template_env(ctx, vars, s, node, place);
    text
}

fn template_env(
    ctx: &mut Ctx,
    vars: &BTreeMap<String, String>,
    s: &str,
    node: &Node,
    place: Place,
) -> (Text, Env) {
    let mut text = Text::default();
    let mut env: Env = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        let Some(j) = rest[i..].find("}}") else { break };
        text.push_text(&rest[..i]);
        let whole = &rest[i..i + j + 2];
        let inner = whole[2..whole.len() - 2].trim();
        rest = &rest[i + j + 2..];
        let var = inner
            .strip_prefix('.')
            .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        match var {
            // `.exe` on Windows only, where wfc does not run.
            None if inner == "exeExt" => {}
            Some("ROOT_DIR" | "TASKFILE_DIR" | "USER_WORKING_DIR" | "TASK_DIR") => {
                ctx.warn.node(
                    "W0908",
                    node,
                    format!("`{whole}` is the workflow's folder, where steps run: `.` here"),
                );
                text.push_text(".");
            }
            Some(v) if vars.contains_key(v) => {
                let e = vars[v].clone();
                if place == Place::Command && ctx.env_route {
                    if !env.iter().any(|(k, _)| k == v) {
                        let mut t = Text::default();
                        t.push_expr(e);
                        env.push((v.to_string(), t));
                    }
                    text.push_text(&format!("${{{v}}}"));
                } else {
                    text.push_expr(e);
                }
            }
            _ => {
                ctx.warn.node(
                    "W0903",
                    node,
                    format!("the template `{whole}` has no `.wf` equivalent; it is left as text"),
                );
                text.push_text(whole);
            }
        }
    }
    text.push_text(rest);
    (text, env)
}

/// `env:` → entries; `steps` says whether values may read steps (a step's may).
fn env(ctx: &mut Ctx, node: &Node, vars: &BTreeMap<String, String>, steps: bool) -> Env {
    let mut out = Vec::new();
    for (k, v) in node.as_mapping().into_iter().flat_map(|m| m.iter()) {
        let name_ok = k
            .as_str()
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && k.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let Some(s) = str_of(v).filter(|_| name_ok) else {
            ctx.warn.key(
                "W0900",
                k,
                format!("the variable `{}` is left out of `env`", k.as_str()),
            );
            continue;
        };
        let usable: BTreeMap<String, String> = vars
            .iter()
            .filter(|(_, e)| steps || !e.contains(".stdout"))
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        out.push((
            k.as_str().to_string(),
            template(ctx, &usable, s, v, Place::Value),
        ));
    }
    out
}

fn task(
    ctx: &mut Ctx,
    name: &str,
    node: &Node,
    ids: &BTreeMap<String, String>,
) -> Result<(Vec<Item>, Option<Exits>), ImportError> {
    let empty = Map::new_empty(marked_yaml::Span::new_blank());
    let map = node.as_mapping().unwrap_or(&empty);
    // `task: cmd` and `task: [cmds]` are shorthands for `cmds:`.
    let short_cmds = if node.as_mapping().is_none() {
        Some(node)
    } else {
        None
    };
    let mut deps: Vec<String> = Vec::new();
    let mut doc = Vec::new();
    let mut own_vars = ctx.vars.clone();
    if let Some((_, v)) = entry(map, "vars") {
        let outer = own_vars.clone();
        own_vars = vars(ctx, v, name, &outer);
    }
    let mut step_env = Vec::new();
    let mut workdir = None;
    let mut first: Vec<Step> = Vec::new();
    let mut cmd_nodes = short_cmds;
    let mut generates = None;
    for (k, v) in map.iter() {
        match k.as_str() {
            // (The up-to-date check: [`fresh`].)
            "vars" | "sources" | "status" | "method" => {}
            "desc" | "summary" => doc.extend(str_of(v).map(|s| s.trim_end().to_string())),
            "deps" => {
                for d in v.as_sequence().into_iter().flat_map(|xs| xs.iter()) {
                    let target = str_of(d).or_else(|| {
                        d.as_mapping()
                            .and_then(|m| entry(m, "task"))
                            .and_then(|(_, t)| str_of(t))
                    });
                    if let Some(m) = d.as_mapping() {
                        call_vars(ctx, m);
                    }
                    dep(ctx, d, target, ids, &mut deps);
                }
            }
            "cmds" => cmd_nodes = Some(v),
            "env" => step_env = env(ctx, v, &own_vars, true),
            "dir" => workdir = str_of(v).map(|d| template(ctx, &own_vars, d, v, Place::Value)),
            "generates" => generates = Some(v),
            "prompt" => {
                let who = str_of(v).unwrap_or("confirm");
                first.push(Step {
                    name: ctx.names.give(&format!("{name}-confirm")).name,
                    approval: Some(who.to_string()),
                    ..Step::default()
                });
                ctx.warn.key(
                    "W0908",
                    k,
                    "the prompt is an approval gate: `wfc approve RUN STEP` answers it",
                );
            }
            "preconditions" => {
                for p in v.as_sequence().into_iter().flat_map(|xs| xs.iter()) {
                    let m = p.as_mapping();
                    let sh = str_of(p)
                        .or_else(|| m.and_then(|m| entry(m, "sh")).and_then(|(_, s)| str_of(s)));
                    let msg = m.and_then(|m| entry(m, "msg")).and_then(|(_, s)| str_of(s));
                    let Some(sh) = sh else { continue };
                    let mut run = Text::default();
                    run.push_text("if ! (\n");
                    let (t, env) = template_env(ctx, &own_vars, sh.trim_end(), p, Place::Command);
                    run.0.extend(t.0);
                    let msg = msg
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("precondition not met: {}", sh.trim()));
                    run.push_text(&format!(
                        "\n); then\n  echo {} >&2\n  exit 1\nfi\n",
                        wfc_language::shell_syntax::quote(&msg)
                    ));
                    first.push(Step {
                        name: ctx.names.give(&format!("{name}-precondition")).name,
                        run: Some(run),
                        env,
                        shell: Some("bash".into()),
                        ..Step::default()
                    });
                }
            }
            other => ctx.warn.key(
                "W0900",
                k,
                format!("the task's `{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    let mut cmds: Vec<Step> = Vec::new();
    let cmd_list: Vec<&Node> = match cmd_nodes {
        Some(Node::Sequence(xs)) => xs.iter().collect(),
        Some(n @ Node::Scalar(_)) => vec![n],
        _ => Vec::new(),
    };
    let mut calls = 0;
    for c in &cmd_list {
        let (sh, optional) = match c {
            Node::Scalar(s) => (Some(s.as_str()), false),
            Node::Mapping(m) => {
                if let Some((_, t)) = entry(m, "task") {
                    calls += 1;
                    call_vars(ctx, m);
                    dep(ctx, t, str_of(t), ids, &mut deps);
                    continue;
                }
                let opt = entry(m, "ignore_error").and_then(|(_, v)| str_of(v)) == Some("true");
                for (k, _) in m
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "cmd" | "silent" | "ignore_error"))
                {
                    ctx.warn.key(
                        "W0900",
                        k,
                        format!(
                            "the command's `{}` has no `.wf` equivalent; it is left out",
                            k.as_str()
                        ),
                    );
                }
                (entry(m, "cmd").and_then(|(_, v)| str_of(v)), opt)
            }
            Node::Sequence(_) => (None, false),
        };
        let Some(sh) = sh else { continue };
        let (run, env) = template_env(ctx, &own_vars, sh, c, Place::Command);
        let mut e = step_env.clone();
        e.extend(env);
        cmds.push(Step {
            run: Some(run),
            env: e,
            workdir: workdir.clone(),
            shell: Some("bash".into()),
            optional,
            ..Step::default()
        });
    }
    if calls > 0 && calls < cmd_list.len() + usize::from(calls > 1) {
        if let Some((k, _)) = entry(map, "cmds") {
            ctx.warn.key("W0908", k, "the tasks this task calls in `cmds` become dependencies: they run before its commands, not between them");
        }
    }
    if cmds.is_empty() && first.is_empty() {
        cmds.push(Step {
            run: Some(Text::plain("true")),
            comments: vec!["wfc import: joins what the task calls".into()],
            ..Step::default()
        });
    }
    let generated = generates.map(|g| fresh::generates(ctx, &own_vars, g));
    if let Some(last) = cmds.last_mut() {
        for (i, g) in generated.into_iter().flatten().enumerate() {
            let key = if i == 0 {
                "generated".to_string()
            } else {
                format!("generated-{}", i + 1)
            };
            last.artifacts.push((key, g, true));
        }
    }
    let check = {
        let method = ctx.method.clone();
        let dir = entry(map, "dir").and_then(|(_, v)| str_of(v));
        let place = (dir, workdir.as_ref(), step_env.as_slice());
        fresh::fresh(ctx, name, map, &own_vars, place, method.as_deref())
    };
    let before = first.len();
    let mut members: Vec<Step> = first.into_iter().chain(cmds).collect();
    // Task goes on after a command that ignores its error, where a
    // `sequence` stops: then each command has edges of its own.
    let in_order = members.iter().rev().skip(1).all(|s| !s.optional);
    let mut commands = Vec::new();
    let mut done = Vec::new();
    let item = if members.len() == 1 {
        let mut s = members.remove(0);
        s.name = name.to_string();
        s.doc = doc;
        s.deps = deps.clone();
        if before == 0 {
            commands.push(s.name.clone());
        }
        done.push(Done {
            name: s.name.clone(),
            optional: s.optional,
            plain: true,
        });
        Item::Step(Box::new(s))
    } else {
        let mut items = Vec::new();
        for (i, mut s) in members.into_iter().enumerate() {
            if s.name.is_empty() {
                s.name = ctx.names.give(&format!("{name}-{}", i + 1)).name;
            }
            if i == 0 {
                s.doc = doc.clone();
            }
            if i >= before {
                commands.push(s.name.clone());
            }
            if !in_order {
                let e = edges(&done, true);
                s.deps = deps.iter().cloned().chain(e.deps).collect();
                s.after = e.after;
            }
            done.push(Done {
                name: s.name.clone(),
                optional: s.optional,
                plain: true,
            });
            items.push(Item::Step(Box::new(s)));
        }
        match in_order {
            true => Item::Sequence {
                name: name.to_string(),
                deps: deps.clone(),
                items,
            },
            false => Item::Group(items),
        }
    };
    // What a task needing this one waits for: its name, unless a command
    // that ignores its error is in it.
    let exits = match done.iter().any(|d| d.optional) {
        true => Some(edges(&done, true)),
        false => None,
    };
    Ok((fresh::apply(check, item, &commands, &deps), exits))
}

/// A call's `vars:` (`- task: build` with `vars: { OS: mac }`): the
/// dependency is the task as it is, once, so they are left out, warned.
fn call_vars(ctx: &mut Ctx, call: &Map) {
    if let Some((k, _)) = entry(call, "vars") {
        ctx.warn.key("W0900", k, "the call's `vars` are left out: the dependency is the task with its own values, run once however often it is called");
    }
}

fn dep(
    ctx: &mut Ctx,
    node: &Node,
    target: Option<&str>,
    ids: &BTreeMap<String, String>,
    deps: &mut Vec<String>,
) {
    match target.and_then(|t| ids.get(t)) {
        Some(id) if !deps.contains(id) => deps.push(id.clone()),
        Some(_) => {}
        None => ctx.warn.node(
            "W0900",
            node,
            format!(
                "`{}` is not a task of this file (an included one?); the dependency is left out",
                target.unwrap_or("?")
            ),
        ),
    }
}
