//! The jobs: one per step instance of the main graph and of each handler.

use super::fields::{expect_codes, wait_any_terms};
use super::ids::{literal, Ids};
use super::matrix;
use super::script;
use super::scripts;
use super::values::Values;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, HandlerKind, OnFail, StepId, StepKind, Workflow};
use wfc_plan::script::ScriptLang;
use wfc_plan::{Graph, Plan, PlannedStep, RefTarget};

/// The jobs and the workflow-level settings they come with.
pub struct Jobs {
    pub jobs: Map<String, Json>,
    pub env: Map<String, Json>,
    pub concurrency: Option<Json>,
    /// `failed.*` read: what [`super::failed::finish`] adds after folding.
    pub failed: Option<super::failed::Failed>,
}

/// `errors` also receives the warnings of `--approximate` (`approximate`).
pub fn jobs(
    plan: &Plan,
    wf: &Workflow,
    (runs_on, home): (Option<&str>, (&str, bool)),
    approximate: bool,
    errors: &mut Vec<Diagnostic>,
) -> Jobs {
    let workflow = Values::new(plan, wf, None);
    let runs_on = &super::runner::workflow(wf, &workflow, runs_on).unwrap_or_else(|d| {
        errors.push(d);
        super::runner::DEFAULT.into()
    });
    let runs_on = runs_on.as_str();
    let mut env = Map::new();
    for (name, e) in &wf.env {
        match workflow.text(e) {
            Ok(v) => drop(env.insert(name.clone(), Json::String(v))),
            Err(d) => errors.push(d),
        }
    }
    // `lock`: runs of one key do not overlap; later ones wait, or (`on busy
    // cancel`) cancel the one in progress. `on busy skip` has no equivalent.
    if let Some(d) = super::configured::lock_refused(wf) {
        errors.push(d);
    }
    let cancel = wf.lock_busy == wfc_language::ir::LockBusy::Cancel;
    let concurrency = wf.lock.as_ref().and_then(|key| match workflow.text(key) {
        Ok(group) => Some(json!({ "group": group, "cancel-in-progress": cancel })),
        Err(d) => {
            errors.push(d);
            None
        }
    });
    let mut ids = Ids::default();
    let mut jobs = Map::new();
    let main = graph(
        plan,
        wf,
        &plan.main,
        &[],
        None,
        None,
        (runs_on, approximate, home, None),
        &mut ids,
        &mut jobs,
        errors,
    );
    // `failed.*` read by the `on failure` handler: its jobs also need the
    // job that finds the failed step ([`super::failed`]).
    let failed = super::failed::read(plan, wf).then(|| super::failed::Failed {
        id: ids.fresh("wfc-failed"),
        main: main
            .iter()
            .zip(&plan.main.steps)
            .map(|(j, s)| (j.clone(), s.name.clone()))
            .collect(),
        runs_on: runs_on.to_string(),
    });
    let mut graphs = vec![(&plan.main, main.clone())];
    for h in &plan.handlers {
        // The run step's id marks the job for `wfc import` ([`MARK`]).
        let when = match h.kind {
            HandlerKind::Failure => ("failure()", "wfc-on-failure".to_string()),
            HandlerKind::Success => ("success()", "wfc-on-success".to_string()),
            HandlerKind::Finally => ("always()", "wfc-finally".to_string()),
        };
        let failed_id = failed
            .as_ref()
            .filter(|_| h.kind == HandlerKind::Failure)
            .map(|f| f.id.as_str());
        let mut before = main.clone();
        before.extend(failed_id.map(str::to_string));
        let names = graph(
            plan,
            wf,
            &h.graph,
            &before,
            Some(&main),
            Some((when.0, &when.1)),
            (runs_on, approximate, home, failed_id),
            &mut ids,
            &mut jobs,
            errors,
        );
        graphs.push((&h.graph, names));
    }
    // Compensations after a failure, of the steps that succeeded, in
    // reverse plan order, each after the one before however it ended
    // (`failure()` stays true).
    let mut before = main.clone();
    for (i, s) in plan.main.steps.iter().enumerate().rev() {
        let Some(rb) = &s.rollback else { continue };
        let when = format!("failure() && needs.{}.result == 'success'", main[i]);
        let mark = format!("wfc-rollback-of-{}", main[i]);
        // Its step's job a direct need: GitHub shows only those results.
        if !before.contains(&main[i]) {
            before.push(main[i].clone());
        }
        before = graph(
            plan,
            wf,
            rb,
            &before,
            Some(&main),
            Some((&when, &mark)),
            (runs_on, approximate, home, None),
            &mut ids,
            &mut jobs,
            errors,
        );
        graphs.push((rb, before.clone()));
    }
    let mut failed = failed;
    for (i, (g, names)) in graphs.iter().enumerate() {
        let main_failed = failed.as_mut().filter(|_| i == 0).map(|f| &mut f.main);
        let at = (&mut jobs, &mut ids);
        super::race::fold(g, names, at, main_failed, approximate, errors);
    }
    Jobs {
        jobs,
        env,
        concurrency,
        failed,
    }
}

/// Adds the jobs of `g`, each needing its dependencies and `before`; returns
/// their ids. `main`: the main graph's job ids (None: `g` is the main graph).
/// `when`: a handler's or a compensation's condition, and the id its run
/// step gets (`wfc-on-failure`, `wfc-finally`, `wfc-rollback-of-JOB`):
/// what tells `wfc import` the job is one, not a step of the main graph.
#[allow(clippy::too_many_arguments)]
fn graph(
    plan: &Plan,
    wf: &Workflow,
    g: &Graph,
    before: &[String],
    main: Option<&[String]>,
    when: Option<(&str, &str)>,
    (runs_on, approximate, home, failed): (&str, bool, (&str, bool), Option<&str>),
    ids: &mut Ids,
    jobs: &mut Map<String, Json>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let matrices = matrix::find(plan, wf, g, approximate, errors);
    let handed_on = std::rc::Rc::new(super::answer::HandedOn::of(wf));
    // The instances of a matrix loop share its one job.
    let mut names: Vec<String> = Vec::with_capacity(g.steps.len());
    for (i, s) in g.steps.iter().enumerate() {
        let name = match matrix::of(&matrices, i) {
            Some(m) if m.first() != i => names[m.first()].clone(),
            Some(_) => ids.fresh(&wf.steps[s.step].name),
            None => ids.fresh(&s.name),
        };
        names.push(name);
    }
    let main = main.unwrap_or(&names);
    for (i, s) in g.steps.iter().enumerate() {
        let matrix = matrix::of(&matrices, i);
        if super::dynamic::refused(g, &matrices, i) {
            continue;
        }
        let members = match matrix {
            Some(m) if m.first() != i => continue,
            Some(m) => m.members.clone(),
            None => vec![i],
        };
        let mut needs: Vec<String> = before.to_vec();
        for &member in &members {
            needs.extend(g.steps[member].deps.iter().map(|d| names[d.on()].clone()));
        }
        // A loop without `parallel` chains its iterations: not a need of itself.
        needs.retain(|n| *n != names[i]);
        // `needs.JOB.outputs` only holds the jobs a job needs directly.
        let producers: Vec<(StepId, String)> = s
            .reads
            .iter()
            .filter_map(|r| match r.target {
                RefTarget::One(at) => {
                    Some((r.step, if r.main { &main[at] } else { &names[at] }.clone()))
                }
                _ => None,
            })
            .collect();
        // A call's join checks the job of each of its steps ([`super::join`]).
        let joined = super::join::joined(wf, g, i, &names);
        needs.extend(joined.iter().map(|(j, _)| j.clone()));
        let lists = super::computed::lists(s, &names, main);
        for job in producers
            .iter()
            .map(|(_, j)| j)
            .chain(lists.iter().flat_map(|(_, js)| js))
        {
            if !needs.contains(job) {
                needs.push(job.clone());
            }
        }
        let mut seen = std::collections::HashSet::new();
        needs.retain(|n| seen.insert(n.clone()));
        let mut values = Values::new(plan, wf, Some(s))
            .with_producers(producers)
            .with_lists(lists)
            .with_handed_on(handed_on.clone())
            .with_approximate(approximate)
            .with_home(home.0, home.1)
            .with_failed(failed);
        if let Some(m) = matrix {
            values = values.with_matrix(m.block, &m.var);
        }
        let result = match s.kind {
            StepKind::Call => super::join::job(s, &values, runs_on, &joined),
            _ => job(wf, s, &values, runs_on),
        };
        let result = result.and_then(|mut job| {
            if let Some(m) = matrix {
                let step = &wf.steps[s.step].name;
                job.insert("name".into(), Json::String(m.name(step)));
                job.insert("strategy".into(), m.strategy(&names));
            }
            let files =
                super::files::upload(&values, &wf.steps[s.step], &names[i], matrix.is_some())
                    .map_err(|d| vec![d])?;
            if let Some(Json::Array(steps)) = job.get_mut("steps") {
                steps.extend(files);
            }
            Ok(job)
        });
        errors.append(&mut values.warnings.borrow_mut());
        match result {
            Ok(mut job) => {
                // A skipped dependency satisfies in wfc; GitHub skips the
                // dependants of a skipped job unless their `if` says otherwise.
                // So does a loop that ran no iteration (a matrix job
                // skipped for an empty list), but for the steps of the
                // same loop, skipped with it.
                let block = matrix.map(|m| m.block);
                let after_skippable = members.iter().flat_map(|&m| &g.steps[m].deps).any(|d| {
                    g.steps[d.on()].condition.is_some()
                        || matrix::of(&matrices, d.on())
                            .is_some_and(|m| m.may_skip() && Some(m.block) != block)
                });
                let (when, mark) = (when.map(|w| w.0), when.map(|w| w.1));
                if let (Some(mark), Some(Json::Array(steps))) = (mark, job.get_mut("steps")) {
                    for st in steps
                        .iter_mut()
                        .filter(|st| st["id"] == "run" || st["id"] == super::join::STEP)
                    {
                        st["id"] = json!(mark);
                    }
                }
                let mut ifs: Vec<String> = when.map(str::to_string).into_iter().collect();
                let any = wait_any_terms(g, s, &names);
                if !any.is_empty() && when.is_none() {
                    // `wait any` (approximated): go on when one member of
                    // each block succeeded and no other dependency failed.
                    ifs.push(format!("!cancelled() && {}", any.join(" && ")));
                } else if let Some(c) = when
                    .is_none()
                    .then(|| super::needs::condition(g, &members, &names))
                    .flatten()
                {
                    ifs.push(c);
                } else if after_skippable && when.is_none() {
                    ifs.push("!cancelled() && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled')".into());
                }
                match &s.condition {
                    // Over a secret: decided by a job of its own.
                    Some(c) if super::secret_if::reads_secret(&values, c) => {
                        match super::secret_if::guard(&values, c, runs_on) {
                            Ok(guard) => {
                                let id = ids.fresh(&format!("wfc-if-{}", names[i]));
                                ifs.push(format!("needs.{id}.outputs.go == 'true'"));
                                needs.push(id.clone());
                                jobs.insert(id, guard);
                            }
                            Err(d) => errors.push(d),
                        }
                    }
                    Some(c) => match values.condition(c) {
                        Ok(c) => ifs.push(c),
                        Err(d) => errors.push(d),
                    },
                    None => {}
                }
                // Its guard once its loop's jobs are folded ([`super::dynamic`]).
                if let Some((m, guard)) = matrix.and_then(|m| Some((m, m.guard(&names)?))) {
                    job.insert(
                        super::dynamic::LOOP.into(),
                        super::dynamic::mark(wf, g, m, guard),
                    );
                }
                // The job's `if:` may approximate too (`--approximate`).
                errors.append(&mut values.warnings.borrow_mut());
                if !needs.is_empty() {
                    job.insert("needs".into(), json!(needs));
                }
                if !ifs.is_empty() {
                    job.insert(
                        "if".into(),
                        Json::String(format!("${{{{ {} }}}}", ifs.join(" && "))),
                    );
                }
                // A list output a matrix loops over: checked, handed on.
                let lists: Vec<&str> = matrices
                    .iter()
                    .filter_map(matrix::Matrix::output_list)
                    .filter_map(|(p, name)| (p == i).then_some(name))
                    .collect();
                if !lists.is_empty() {
                    super::lists::hand_on(&mut job, &wf.steps[s.step], &lists);
                }
                jobs.insert(names[i].clone(), Json::Object(job));
                if super::pause::pauses(wf, s) {
                    super::pause::split(jobs, ids, &names[i], s, wf);
                }
            }
            Err(mut d) => errors.append(&mut d),
        }
    }
    names
}

/// One job, or why the step cannot be one.
pub(super) fn job(
    wf: &Workflow,
    s: &PlannedStep,
    values: &Values,
    runs_on: &str,
) -> Result<Map<String, Json>, Vec<Diagnostic>> {
    let job = step_job(wf, s, values, runs_on);
    // The job's own `if:` is decided before any of its steps runs.
    values.step_level.set(false);
    job
}

fn step_job(
    wf: &Workflow,
    s: &PlannedStep,
    values: &Values,
    runs_on: &str,
) -> Result<Map<String, Json>, Vec<Diagnostic>> {
    let refuse = |code, what: &str, help: &str| refuse_step(s, code, what, help);
    let mut errors = Vec::new();
    // `wait any`: its members' jobs become one ([`super::race`]).
    // `until` is a loop in a shell script (`polling.rs`); with `retry`, the
    // retry loop runs it whole.
    if s.until.is_some()
        && !matches!(
            s.kind,
            StepKind::Shell | StepKind::Docker | StepKind::Http | StepKind::Webhook
        )
    {
        errors.push(refuse(
            "E0738",
            "`until` polling of this step (only of a `shell` or `docker` step)",
            "poll inside the step's script",
        ));
    }
    let step = &wf.steps[s.step];
    let mut env: Vec<(String, String)> = Vec::new();
    let mut job = Map::new();
    job.insert("name".into(), Json::String(literal(&s.name)));
    let mut run_step = Map::new();
    run_step.insert("id".into(), Json::String("run".into()));
    let field = |name: &str| step.fields.iter().find(|f| f.name == name);
    let expr = |name: &str| match field(name).map(|f| &f.value) {
        Some(FieldValue::Expr(e)) => Some(e),
        _ => None,
    };
    let mut fail = |d: Diagnostic| errors.push(d);
    if s.kind != StepKind::Gate && s.on_fail == Some(OnFail::Pause) {
        // A person decides retry (a new round, asking again if it fails),
        // skip or abort; an environment's reviewers approve or reject once.
        fail(refuse(
            "E0734",
            "wait for a person to retry, skip or abort a step after its retries (`on fail pause`)",
            "GitHub's reviewers approve or reject a job once, and cannot run a failed job again: drop it (the step fails), or follow the step with an approval gate",
        ));
    }
    match super::runner::step(step, values, runs_on) {
        Ok(label) => drop(job.insert("runs-on".into(), Json::String(label))),
        Err(d) => fail(d),
    }
    // From here on the step's own values, which `wfc-values` may compute.
    values.step_level.set(true);
    let mut install = None;
    for f in &step.fields {
        if let FieldValue::Map(entries) = &f.value {
            if f.name == "env" {
                for (k, e) in entries {
                    match values.text(e) {
                        Ok(v) => env.push((k.clone(), v)),
                        Err(d) => fail(d),
                    }
                }
            }
        }
    }
    let script = |env: &mut Vec<(String, String)>, fail: &mut dyn FnMut(Diagnostic)| {
        expr("run").and_then(|e| values.script(e, env).map_err(fail).ok())
    };
    match s.kind {
        StepKind::Shell | StepKind::Docker => {
            if s.kind == StepKind::Docker {
                values.step_level.set(false);
                super::fields::container(values, step, &mut job, &mut fail);
                values.step_level.set(true);
            }
            let mut shell = expr("shell")
                .and_then(|e| values.text(e).ok())
                .unwrap_or_else(|| "sh".into());
            let mut bare = false;
            if s.kind == StepKind::Shell {
                match crate::strict_shell::of(wf, s) {
                    Ok(strict) => {
                        bare = !strict;
                        shell = crate::strict_shell::github(&shell, strict);
                    }
                    Err(_) => fail(refuse(
                        "E0738",
                        "mapping for a `strict` that is not a literal (the shell is chosen before the inputs are read)",
                        "write `strict true` or `strict false`",
                    )),
                }
            }
            run_step.insert("shell".into(), Json::String(shell));
            if let Some(text) = script(&mut env, &mut fail) {
                // Whatever the export wraps the script in (`set -e` for
                // GitHub's strict shells), a bare step's commands go on.
                let text = match bare {
                    true => format!("{}{text}", crate::strict_shell::BARE),
                    false => text,
                };
                let text = match s.until.as_deref() {
                    Some(u) => super::polling::poll(&text, u, s.step, &s.outputs, values, &mut env)
                        .map_err(&mut fail)
                        .unwrap_or(text),
                    None => text,
                };
                run_step.insert("run".into(), Json::String(text));
            }
        }
        StepKind::Http | StepKind::Webhook => {
            let webhook = s.kind == StepKind::Webhook;
            let codes = match expect_codes(field("expect"), planned(s, "expect")) {
                Ok(codes) => codes,
                Err(d) => {
                    fail(d);
                    Vec::new()
                }
            };
            match super::http::request(values, step, webhook, &codes, &mut env) {
                Ok(run) => {
                    // `until` over the answer: the request in rounds.
                    let run = match s.until.as_deref() {
                        Some(u) => super::polling::poll_http(&run, u, s.step, values, &mut env)
                            .map_err(&mut fail)
                            .unwrap_or(run),
                        None => run,
                    };
                    run_step.insert("run".into(), json!(run));
                }
                Err(ds) => ds.into_iter().for_each(&mut fail),
            }
        }
        StepKind::Sleep => match super::http::sleep(values, step) {
            Ok(run) => drop(run_step.insert("run".into(), json!(run))),
            Err(d) => fail(d),
        },
        StepKind::Slack => {
            for (var, name) in [("WF_WEBHOOK", "webhook"), ("WF_MESSAGE", "message")] {
                if let Some(e) = expr(name) {
                    match values.text(e) {
                        Ok(v) => env.push((var.into(), v)),
                        Err(d) => fail(d),
                    }
                }
            }
            run_step.insert("run".into(), json!(
                "jq -n --arg text \"$WF_MESSAGE\" '{text: $text}' | curl -fsS -X POST -H 'Content-Type: application/json' --data @- \"$WF_WEBHOOK\""
            ));
        }
        StepKind::Email => match super::email::send(values, step, &mut env) {
            Ok(run) => drop(run_step.insert("run".into(), json!(run))),
            Err(ds) => ds.into_iter().for_each(&mut fail),
        },
        StepKind::Sql => match super::sql::run(values, step, s, &mut env) {
            Ok(run) => drop(run_step.insert("run".into(), json!(run))),
            Err(ds) => ds.into_iter().for_each(&mut fail),
        },
        StepKind::Gate if field("approval").is_some() => {
            // The environment's protection rules (required reviewers) give the
            // approval, and no value with it: a read of an input would be empty.
            if let Some(f) = field("inputs") {
                fail(
                    Diagnostic::error(
                        "E0782",
                        "GitHub Actions approvals take no input (`inputs { … }` of an approval gate)",
                    )
                    .primary(f.span, "an environment's reviewers approve; they give no values")
                    .help("give the values as params of the exported workflow (`workflow_dispatch` inputs), or keep the gate in wfc"),
                );
            }
            let who = expr("approval")
                .and_then(|e| values.text(e).ok())
                .unwrap_or_default();
            job.insert("environment".into(), Json::String(Ids::sanitise(&s.name)));
            env.push(("WF_APPROVER".into(), who));
            run_step.insert("run".into(), json!("echo \"approved ($WF_APPROVER)\""));
        }
        // The check as the plan folded it (params bound, `x || true` decided).
        StepKind::Gate => match (planned(s, "check").or_else(|| expr("check")), s.on_fail) {
            (Some(check), _) => {
                match values.condition(check) {
                    // The step runs only when the check is false.
                    Ok(c) => drop(
                        run_step.insert("if".into(), Json::String(format!("${{{{ !({c}) }}}}"))),
                    ),
                    Err(mut d) => {
                        d.code = "E0734";
                        fail(d)
                    }
                }
                // The gate's `message`, as data in `env`: each line marked as
                // wfc's, so none is read as a workflow command.
                let said = match expr("message").map(|m| values.text(m)) {
                    Some(Ok(v)) => {
                        env.push(("WF_MESSAGE".into(), v));
                        "printf '%s\\n' \"$WF_MESSAGE\" | sed 's/^/wfc: /' >&2\n"
                    }
                    Some(Err(d)) => {
                        fail(d);
                        ""
                    }
                    None => "",
                };
                let run = if s.on_fail == Some(OnFail::Continue) {
                    format!("{said}echo '::warning::wfc: the check failed (on fail continue)'")
                } else if s.on_fail == Some(OnFail::Pause) {
                    // Its approval job waits for a person ([`super::pause`]).
                    format!("{said}echo 'wfc: the check failed (on fail pause): waiting for an approval'")
                } else {
                    format!("{said}echo 'wfc: the check failed (on fail abort)' >&2\nexit 1")
                };
                run_step.insert("run".into(), json!(run));
                // `passed`: the check held, so its step was skipped. Named
                // after the gate: jobs folded together keep every gate's.
                job.insert(
                    "outputs".into(),
                    json!({ passed_output(&step.name): "${{ steps.run.outcome == 'skipped' }}" }),
                );
            }
            _ => fail(refuse(
                "E0734",
                "mapping for a gate without `check` or `approval`",
                "give the gate a `check` or an `approval`",
            )),
        },
        StepKind::Python | StepKind::Node => {
            let lang = ScriptLang::of(s.kind).expect("a script kind");
            match scripts::map(values, step, lang, &mut env) {
                Ok(m) => {
                    run_step.insert("shell".into(), Json::String(m.shell));
                    run_step.insert("run".into(), Json::String(m.run));
                    install = m.install;
                }
                Err(ds) => ds.into_iter().for_each(&mut fail),
            }
        }
        _ => fail(refuse(
            "E0738",
            &format!("mapping for the `{}` step", s.kind.name()),
            "use shell, docker, http, webhook, slack, email, python, node, sql, sleep or a gate",
        )),
    }
    // Every kind runs a script: in its folder (see `folder`), made first
    // when the step names it.
    let mut make = None;
    match super::folder::of(values, step) {
        Ok(Some((dir, named))) => {
            if named && s.kind != StepKind::Docker {
                make = Some(super::folder::make(&dir));
            }
            run_step.insert("working-directory".into(), Json::String(dir));
        }
        Ok(None) => {}
        Err(d) => fail(d),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The declared outputs, and a sql step's `rows`/`row_count` others read.
    let sql_outputs = values.sql_outputs.iter().map(|n| n.to_string());
    let declared = s.outputs.iter().map(|o| o.name.clone());
    let declared: Vec<String> = declared.chain(sql_outputs).collect();
    let outputs = !declared.is_empty();
    let is_script = matches!(s.kind, StepKind::Python | StepKind::Node);
    super::attempts::wrap(s, values, (&mut job, &mut run_step), outputs, &mut env)?;
    if s.optional {
        job.insert("continue-on-error".into(), Json::Bool(true));
    }
    let mut steps = Vec::new();
    if outputs {
        let outs: Map<String, Json> = declared
            .iter()
            .map(|name| {
                let read = format!("${{{{ steps.outputs.outputs.{name} }}}}");
                (name.clone(), Json::String(read))
            })
            .collect();
        job.insert("outputs".into(), Json::Object(outs));
        steps.push(if is_script {
            scripts::outputs_step(&s.outputs)
        } else {
            script::outputs_step(&declared)
        });
    }
    // Another step reads this one's answer or stdout: keep it, then hand it on.
    if values.handed_on.answers.contains(&s.step) {
        let given = match is_script {
            true => super::answer::hand_on_result(),
            false => super::answer::hand_on(),
        };
        hand_on(
            &mut job,
            &mut run_step,
            &mut steps,
            super::answer::keep,
            given,
        );
    }
    if values.handed_on.stdout.contains(&s.step) {
        hand_on(
            &mut job,
            &mut run_step,
            &mut steps,
            super::stdout::keep,
            super::stdout::hand_on(),
        );
    }
    if !env.is_empty() {
        let env: Map<String, Json> = env.into_iter().map(|(k, v)| (k, Json::String(v))).collect();
        run_step.insert("env".into(), Json::Object(env));
    }
    steps.insert(0, Json::Object(run_step));
    if s.optional {
        let (step, (name, read)) = super::status::outcome();
        steps.push(step);
        let outs = job.entry("outputs").or_insert_with(|| json!({}));
        outs[name] = json!(read);
    }
    if let Some(computing) = super::computed::step(values) {
        steps.insert(0, computing);
    }
    if let Some(make) = make {
        steps.insert(0, make);
    }
    if let Some(install) = install {
        steps.insert(0, install);
    }
    job.insert("steps".into(), Json::Array(steps));
    Ok(job)
}

/// `s` refused: GitHub has no `what`.
pub(super) fn refuse_step(
    s: &PlannedStep,
    code: &'static str,
    what: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(code, format!("GitHub Actions has no {what}"))
        .primary(s.span, format!("step `{}`", s.name))
        .help(help.to_string())
}

/// The run step's script kept by `keep`, then `step` handing what it
/// kept on as the job's `outputs`.
fn hand_on(
    job: &mut Map<String, Json>,
    run_step: &mut Map<String, Json>,
    steps: &mut Vec<Json>,
    keep: fn(&str) -> String,
    (step, outs): (Json, Vec<(String, String)>),
) {
    let Some(Json::String(run)) = run_step.get("run").cloned() else {
        return;
    };
    run_step.insert("run".into(), json!(keep(&run)));
    steps.push(step);
    let job_outs = job.entry("outputs").or_insert_with(|| json!({}));
    for (k, v) in outs {
        job_outs[k] = json!(v);
    }
}

/// A field of the planned instance (params and loop items folded).
fn planned<'a>(s: &'a PlannedStep, name: &str) -> Option<&'a wfc_language::ir::Expr> {
    s.fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| match &f.value {
            FieldValue::Expr(e) => Some(e),
            _ => None,
        })
}

/// The job output holding a check gate's `passed` (`wfc-passed-NAME`).
pub(super) fn passed_output(gate: &str) -> String {
    format!("wfc-passed-{}", Ids::sanitise(gate))
}
