//! `parallel … wait any` on Argo: the block is ONE task, one pod, whose
//! container runs the shared driver ([`crate::race`]) over each member's
//! script, as `wfc run` races them: every member starts at once, the first
//! to succeed wins and the others are stopped (with their children); when
//! every member fails, the task fails with the last one's exit code.
//!
//! Each member's script is the one its own container template would run
//! ([`super::step::template`]): a shell or docker step's `run` (through
//! its shell), an `http`, `webhook`, `slack` or `email` step's curl script
//! ([`super::notify`]; an `http` step never takes Argo's `http` template
//! here, which is no pod), a `python` or `node` step's runner. Its `env`
//! reaches it under [`crate::race::env_name`] (a secret still a
//! `secretKeyRef`), its name under [`crate::race::name_var`]. A retry
//! Argo's `retryStrategy` would run is the same loop in the script
//! ([`crate::shell_loops::with_retries`]): one pod has no retry per member.
//! The pod's `activeDeadlineSeconds` is the longest member's budget; a
//! member with a shorter one runs under `timeout` with its own.
//!
//! The driver prints each member's stderr and keeps the last failed
//! one's; when every member failed, the container writes its termination message
//! (`wfc-race`, the last member's name, `every member of `B` failed; the
//! last: exit code N: LINE`, the last line of its stderr, as `wfc run`
//! says it), which Argo appends to the node's message:
//! the `wfc-failed` task ([`super::failed`]) reads `failed.step` and
//! `failed.error` from it.
//!
//! A block whose members cannot share one pod is refused (E0721) with the
//! reason, or with `--approximate` written as before: the members as tasks,
//! dependants going on when any succeeded once all have ended.

use super::runtime::RunTime;
use super::{diag, notify, script, step, text, when, Ctx};
use crate::race::{self as driver, Member};
use serde_json::{json, Map, Value as Json};
use std::collections::{HashMap, HashSet};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{StepId, StepKind, Wait};
use wfc_plan::script::ScriptLang;
use wfc_plan::{Graph, GroupId, GroupKind, PlannedStep};

/// A `wait any` block run as one task.
pub struct Race {
    pub group: GroupId,
    /// Its members' instances, in plan order.
    pub members: Vec<usize>,
}

/// The `wait any` blocks of `graph` that run as races. Each other one is
/// refused with its reason, or (`--approximate`) left to the member tasks
/// with a warning.
pub(super) fn find(
    ctx: &mut Ctx,
    graph: &Graph,
    looped: &HashMap<usize, usize>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Race> {
    let read = read_steps(ctx);
    let mut races = Vec::new();
    for (g, group) in graph.groups.iter().enumerate() {
        if !matches!(group.kind, GroupKind::Parallel { wait: Wait::Any }) {
            continue;
        }
        let mut members = group.members.clone();
        members.sort_unstable();
        if members.is_empty() {
            continue;
        }
        match why_not(ctx, graph, g, &members, looped, &read) {
            None => races.push(Race { group: g, members }),
            Some(why) if ctx.options.approximate => ctx.warnings.push(diag::approximated(
                group.span,
                "`wait any`",
                &format!("{why}; so dependants wait until every member has ended, then go on if any succeeded (`a.Succeeded || b.Succeeded`); the others are not cancelled, and a member that fails still fails the workflow"),
            )),
            Some(why) => errors.push(diag::cannot_express(
                group.span,
                "`wait any`",
                &format!("{why} (pass --approximate to wait for all, go on if any succeeded)"),
            )),
        }
    }
    races
}

/// The steps whose outputs, answer, stdout or status another step reads.
fn read_steps(ctx: &Ctx) -> HashSet<StepId> {
    let mut read = HashSet::new();
    let mut graphs: Vec<&Graph> = vec![&ctx.plan.main];
    graphs.extend(ctx.plan.handlers.iter().map(|h| &h.graph));
    while let Some(g) = graphs.pop() {
        for s in &g.steps {
            read.extend(s.reads.iter().map(|r| r.step).filter(|&t| t != s.step));
            graphs.extend(s.rollback.as_deref());
        }
    }
    read.extend(crate::stdout_reads::read_by_others(ctx.wf));
    read
}

/// Why block `g` cannot be one pod, in words; `None`: it can.
fn why_not(
    ctx: &Ctx,
    graph: &Graph,
    g: GroupId,
    members: &[usize],
    looped: &HashMap<usize, usize>,
    read: &HashSet<StepId>,
) -> Option<String> {
    let mut images: Vec<(String, String)> = Vec::new();
    for &i in members {
        let s = &graph.steps[i];
        let n = &s.name;
        let why = if s.group != Some(g) || s.wait_any != Some(g) {
            format!("member `{n}` is inside a block of its own: the export races single steps")
        } else if looped.contains_key(&i) {
            format!("member `{n}` is in a `for each` Argo runs as one `withItems` task")
        } else if s.condition.is_some() {
            format!("member `{n}` has an `if` decided at run time, which one pod cannot skip")
        } else if s.rollback.is_some() {
            format!("member `{n}` has `on failure rollback`, which needs a task of its own")
        } else if s.optional || s.on_fail.is_some() {
            format!("member `{n}` is `optional` or has `on fail`, which one pod cannot carry")
        } else if !s.outputs.is_empty() || read.contains(&s.step) {
            format!("member `{n}` has outputs, or another step reads its answer, stdout or status: one pod keeps no result per member")
        } else if unpacks(graph, i, s) {
            format!("member `{n}` unpacks the artifacts of the steps it waits for, which one pod of several members does not")
        } else if !wfc_language::ir::artifacts::decls(&s.fields).is_empty() {
            format!("member `{n}` keeps artifacts, which one pod of several members does not keep")
        } else if s.retry.as_ref().is_some_and(|r| r.when.is_some())
            && !super::retries::in_script(s)
        {
            format!("member `{n}` retries only when its `when` holds, which Argo decides per pod: drop `when`")
        } else if step::field_of(s, "mount").is_some() {
            format!("member `{n}` has `mount`, which one pod of several members does not mount per member")
        } else {
            match image(ctx, s) {
                Ok(image) => {
                    images.push((n.clone(), image));
                    continue;
                }
                Err(why) => why,
            }
        };
        return Some(why);
    }
    let first = &images[0];
    let pull = |i: usize| {
        step::field_of(&graph.steps[members[i]], "pull").map(|f| format!("{:?}", f.value))
    };
    if let Some((n, im)) = images.iter().find(|(_, im)| *im != first.1) {
        return Some(format!(
            "its members run in different images (`{}`: {}, `{n}`: {im}): one pod runs one",
            first.0, first.1
        ));
    }
    (1..members.len()).find(|&i| pull(i) != pull(0)).map(|i| {
        format!(
            "member `{}` has another `pull` policy than `{}`: one pod pulls its image once",
            images[i].0, first.0
        )
    })
}

/// Whether member `i` (a script step) would unpack an earlier step's artifacts.
fn unpacks(graph: &Graph, i: usize, s: &PlannedStep) -> bool {
    let scripted = matches!(s.kind, StepKind::Shell | StepKind::Python | StepKind::Node);
    let unnamed = vec![String::new(); graph.steps.len()];
    scripted && !super::artifacts_in(graph, i, &unnamed).is_empty()
}

/// The image member `s` runs its script in, or why it runs none.
fn image(ctx: &Ctx, s: &PlannedStep) -> Result<String, String> {
    let n = &s.name;
    Ok(match s.kind {
        StepKind::Shell => {
            if let Some(sh) = step::field(s, "shell") {
                match text::plain(ctx.wf, n, sh).as_deref() {
                    Ok("sh" | "bash") => {}
                    _ => {
                        return Err(format!(
                            "member `{n}` runs in another shell than `sh` or `bash`"
                        ))
                    }
                }
            }
            ctx.options.image.clone().unwrap_or_default()
        }
        StepKind::Docker => {
            if step::field_of(s, "entrypoint").is_some() {
                return Err(format!(
                    "member `{n}` has an `entrypoint`: the race runs each member's `run` with `sh`"
                ));
            }
            let image = step::field(s, "image").map(|e| text::plain(ctx.wf, n, e));
            match image {
                Some(Ok(i)) => i,
                _ => return Err(format!("member `{n}` has no image known at export")),
            }
        }
        StepKind::Http | StepKind::Webhook | StepKind::Slack | StepKind::Email => {
            notify::CURL_IMAGE.to_owned()
        }
        StepKind::Python | StepKind::Node => {
            script::image(ScriptLang::of(s.kind).expect("a script kind")).to_owned()
        }
        k => {
            return Err(format!(
                "member `{n}` is a `{}` step, which the race cannot run as a script",
                k.name()
            ))
        }
    })
}

/// One member as the driver runs it.
struct Script {
    name: String,
    image: String,
    command: &'static str,
    script: String,
    env: Vec<Json>,
    dir: Option<String>,
    pull: Option<Json>,
    /// Its whole budget (every attempt), in seconds.
    deadline: Option<u64>,
}

/// The race's tasks: those computing values its members read
/// ([`super::computed`]), then its own (the templates added to
/// `ctx.templates`), each run `when`.
pub(super) fn tasks(
    ctx: &mut Ctx,
    graph: &Graph,
    race: &Race,
    task_names: &[String],
    producers: &when::Producers,
    when: Option<&str>,
) -> Result<Vec<Json>, Vec<Diagnostic>> {
    let group = &graph.groups[race.group];
    let name = task_names[race.members[0]].clone();
    let mut errors = Vec::new();
    let mut scripts = Vec::new();
    let mut out = Vec::new();
    let mut depends: Vec<String> = Vec::new();
    // Each member's input parameters, under names of its own.
    let mut inputs: Vec<(String, String)> = Vec::new();
    for (k, &i) in race.members.iter().enumerate() {
        let s = &graph.steps[i];
        let mut rt = RunTime::new(producers, ctx.options.approximate, &ctx.plan.workflow);
        rt.task = name.clone();
        rt.failed = ctx.failed.clone();
        rt.race_member = true;
        let template = step::template(ctx.wf, &ctx.plan.env, s, &name, ctx.options, &mut rt);
        ctx.warnings.append(&mut rt.warnings);
        ctx.failed_read |= rt.reads_failed;
        if rt.reads_failed {
            depends.extend(ctx.failed.clone());
        }
        for c in std::mem::take(&mut rt.computed) {
            depends.push(c.name.clone());
            let (mut t, template) = super::computed::task(c);
            if let Some(w) = when {
                t["when"] = json!(w);
            }
            out.push(t);
            ctx.templates.push(template);
        }
        let mut template = match template {
            Ok(t) => t,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        inputs.extend(own_inputs(&mut template, &rt.inputs, k));
        match member(s, &template) {
            Ok(m) => scripts.push(m),
            Err(why) => errors.push(diag::cannot_express(group.span, "`wait any`", &why)),
        }
    }
    let block = text::no_braces(&group.name, group.span, group.name.clone());
    if let Err(e) = &block {
        errors.push(e.clone());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let block = block.unwrap_or_default();
    // The pod's deadline: the longest member's; a shorter one is the member's own `timeout`.
    let deadline = scripts
        .iter()
        .map(|m| m.deadline)
        .collect::<Option<Vec<u64>>>()
        .and_then(|d| d.into_iter().max());
    let mut env = vec![json!({ "name": driver::BLOCK_VAR, "value": block })];
    let mut members = Vec::new();
    for (i, m) in scripts.iter_mut().enumerate() {
        env.push(json!({ "name": driver::name_var(i), "value": m.name }));
        if let Some(d) = m.deadline.filter(|&d| deadline != Some(d)) {
            m.script = timed(&m.script, m.command, d);
            m.command = "sh";
        }
    }
    for (i, m) in scripts.iter().enumerate() {
        let mut names = Vec::new();
        for e in &m.env {
            let var = e["name"].as_str().unwrap_or_default().to_owned();
            let mut e = e.clone();
            e["name"] = json!(driver::env_name(i, &var));
            env.push(e);
            names.push(var);
        }
        members.push(Member {
            command: m.command,
            script: &m.script,
            env: names,
            dir: m.dir.as_deref(),
        });
    }
    let run = driver::driver(&members)
        .map_err(|why| vec![diag::cannot_express(group.span, "`wait any`", &why)])?;
    let mut c = Map::new();
    c.insert("image".into(), json!(scripts[0].image));
    c.insert("command".into(), json!(["sh", "-c", wrapped(&run)]));
    if let Some(p) = &scripts[0].pull {
        c.insert("imagePullPolicy".into(), p.clone());
    }
    c.insert("env".into(), Json::Array(env));
    let listed: Vec<&str> = scripts.iter().map(|m| m.name.as_str()).collect();
    let mut t = Map::new();
    t.insert("name".into(), json!(name));
    t.insert(
        "metadata".into(),
        json!({ "annotations": { "wfc.dev/step": block, "wfc.dev/members": listed.join(", ") } }),
    );
    t.insert("container".into(), Json::Object(c));
    if let Some(d) = deadline {
        t.insert("activeDeadlineSeconds".into(), json!(d.to_string()));
    }
    if !inputs.is_empty() {
        let ps: Vec<Json> = inputs.iter().map(|(n, _)| json!({ "name": n })).collect();
        t.insert("inputs".into(), json!({ "parameters": ps }));
    }
    ctx.templates.push(Json::Object(t));
    for &i in &race.members {
        for d in super::depends(graph, &graph.steps[i], task_names) {
            if d != name && !depends.contains(&d) {
                depends.push(d);
            }
        }
    }
    let mut task = Map::new();
    task.insert("name".into(), json!(name));
    task.insert("template".into(), json!(name));
    if !inputs.is_empty() {
        let ps: Vec<Json> = inputs
            .iter()
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect();
        task.insert("arguments".into(), json!({ "parameters": ps }));
    }
    let mut seen = HashSet::new();
    depends.retain(|d| seen.insert(d.clone()));
    if !depends.is_empty() {
        task.insert("depends".into(), json!(depends.join(" && ")));
    }
    if let Some(w) = when {
        task.insert("when".into(), json!(w));
    }
    out.push(Json::Object(task));
    Ok(out)
}

/// Member `k`'s input parameters (`wf-value-1`) renamed its own
/// (`wf-m1-value-1`) in its template's env values, where Argo
/// substitutes them: (new name, the task's argument for it).
fn own_inputs(template: &mut Json, inputs: &[(String, String)], k: usize) -> Vec<(String, String)> {
    let mut renamed = Vec::new();
    for (input, argument) in inputs {
        let own = format!("wf-m{}-{}", k + 1, input.trim_start_matches("wf-"));
        let (from, to) = (
            format!("{{{{inputs.parameters.{input}}}}}"),
            format!("{{{{inputs.parameters.{own}}}}}"),
        );
        if let Some(env) = template["container"]["env"].as_array_mut() {
            for e in env {
                if let Some(v) = e["value"].as_str().filter(|v| v.contains(&from)) {
                    e["value"] = json!(v.replace(&from, &to));
                }
            }
        }
        renamed.push((own, argument.clone()));
    }
    if let Some(t) = template.as_object_mut() {
        t.remove("inputs");
    }
    renamed
}

/// Member `s`'s script, read from the container template its own task
/// would have (its inputs taken out, [`own_inputs`]), or why the race
/// cannot run it.
fn member(s: &PlannedStep, template: &Json) -> Result<Script, String> {
    let n = &s.name;
    let cannot = |what: &str| {
        format!("member `{n}` needs {what}, which one pod of several members does not carry")
    };
    let t = template.as_object().cloned().unwrap_or_default();
    for key in t.keys() {
        if !matches!(
            key.as_str(),
            "name" | "metadata" | "container" | "activeDeadlineSeconds" | "retryStrategy"
        ) {
            return Err(cannot(&format!("its template's `{key}`")));
        }
    }
    let Some(c) = t.get("container").and_then(Json::as_object) else {
        return Err(format!("member `{n}` runs in no container"));
    };
    for key in c.keys() {
        if !matches!(
            key.as_str(),
            "image" | "command" | "args" | "env" | "workingDir" | "imagePullPolicy"
        ) {
            return Err(cannot(&format!("its container's `{key}`")));
        }
    }
    let words = |k: &str| {
        c.get(k).and_then(Json::as_array).map(|a| {
            a.iter()
                .map(|w| w.as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        })
    };
    let (command, script) = match (words("command"), words("args")) {
        (Some(w), None) | (None, Some(w)) if w.len() == 3 && w[1] == "-c" => {
            let command = match w[0].as_str() {
                "sh" => "sh",
                "bash" => "bash",
                _ => return Err(format!("member `{n}` runs no `sh` or `bash` script")),
            };
            (command, w[2].clone())
        }
        _ => return Err(format!("member `{n}` runs no `sh -c` script")),
    };
    if script.contains("{{inputs.") {
        return Err(cannot("an input spliced into its script"));
    }
    let mut script = script;
    let mut deadline = t
        .get("activeDeadlineSeconds")
        .and_then(Json::as_str)
        .and_then(|d| d.parse::<u64>().ok());
    // Argo's retry of the pod, as a loop in the member's script.
    if t.contains_key("retryStrategy") {
        let r = s.retry.as_deref().expect("a retryStrategy has a retry");
        // `when` is refused before ([`why_not`]).
        script = crate::shell_loops::with_retries(&script, r, false, None, false);
        deadline = s.timeout_ms.map(|ms| {
            let per_try = ms.saturating_add(s.until.as_ref().map_or(0, |u| u.within_ms));
            let waits: u64 = crate::shell_loops::delays(r).iter().sum();
            let all = per_try
                .saturating_mul(u64::from(r.count) + 1)
                .saturating_add(waits * 1000);
            step::seconds(
                r.within_ms
                    .map_or(all, |w| all.min(w.saturating_add(per_try))),
            )
        });
    }
    Ok(Script {
        name: n.clone(),
        image: c
            .get("image")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned(),
        command,
        script,
        env: c
            .get("env")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default(),
        dir: c
            .get("workingDir")
            .and_then(Json::as_str)
            .map(str::to_owned),
        pull: c.get("imagePullPolicy").cloned(),
        deadline,
    })
}

/// `script` (run by `command`) stopped after `seconds`, the member's own
/// budget when the pod's is longer.
fn timed(script: &str, command: &str, seconds: u64) -> String {
    let end = driver::delimiter(script, "WFC_MEMBER");
    format!(
        "cat > \"$RUNNER_TEMP/wfc-member\" <<'{end}'\n{}\n{end}\nexec timeout {seconds} {command} \"$RUNNER_TEMP/wfc-member\"\n",
        script.trim_end_matches('\n')
    )
}

/// The driver, then (every member failed) the termination message Argo
/// appends to the node's: the last member's name and wfc's error, as
/// `wfc run` says it (`exit code N`, then the last non-blank line of its
/// stderr, trimmed and cut to 200 bytes).
fn wrapped(run: &str) -> String {
    format!("(\n{run})\n{}", failed())
}

/// After the driver: an all-failed race's error in the termination
/// message, as `wfc run` words it.
fn failed() -> String {
    let error = crate::exit_error::lines("\"$wfc_out/wfc-stderr\"", "  ");
    format!("{FAILED_HEAD}{error}{FAILED_TAIL}")
}

const FAILED_HEAD: &str = r#"wfc_code=$?
wfc_out="${RUNNER_TEMP:-/tmp}"
if [ "$wfc_code" -ne 0 ] && [ -f "$wfc_out/wfc-name" ]; then
  wfc_status=$(cat "$wfc_out/wfc-status")
"#;

const FAILED_TAIL: &str = r#"  printf 'wfc-race\n%s\nevery member of `%s` failed; the last: %s' "$(cat "$wfc_out/wfc-name")" "$WF_RACE" "$wfc_error" > /dev/termination-log 2>/dev/null || :
fi
exit "$wfc_code"
"#;

#[cfg(test)]
mod tests {
    /// The termination message names the block by the driver's variable
    /// and starts with the line `wfc-failed` looks for.
    #[test]
    fn the_failure_message_is_the_one_wfc_failed_reads() {
        assert!(super::failed().contains(&format!("\"${}\"", crate::race::BLOCK_VAR)));
        assert!(super::failed().contains("printf 'wfc-race\\n%s\\n"));
        assert!(super::super::failed::SCRIPT.contains(r#""wfc-race\n" in message"#));
    }
}
