//! One Argo template per step instance: a `container` for shell and docker
//! steps, `http` for http steps, `suspend` for approval gates and sleeps.

use super::runtime::RunTime;
use super::{diag, notify, outputs, retries, script, text, Options};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Backoff, Expr, FieldValue, StepField, StepKind, Workflow};
use wfc_plan::script::ScriptLang;
use wfc_plan::PlannedStep;

/// Builds `s`'s template (named `name`), or says why Argo cannot run it.
pub fn template(
    wf: &Workflow,
    env: &[(String, Expr)],
    s: &PlannedStep,
    name: &str,
    options: &Options,
    rt: &mut RunTime,
) -> Result<Json, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    // A loop item is part of the instance name (`ship[{{x}}]`).
    if let Err(e) = text::no_braces(&s.name, s.span, s.name.clone()) {
        errors.push(e);
    }
    let mut t = Map::new();
    t.insert("name".into(), json!(name));
    // The wfc instance name (`ship[eu-west]`) for whoever reads the cluster's view.
    t.insert(
        "metadata".into(),
        json!({ "annotations": { "wfc.dev/step": s.name } }),
    );
    let body = match s.kind {
        StepKind::Shell | StepKind::Docker => container(wf, env, s, options, rt),
        StepKind::Http => super::http::template(wf, s, options, rt),
        StepKind::Gate => gate(wf, s, options, rt),
        StepKind::Sleep => field(s, "duration")
            .map(|e| text::plain(wf, &s.name, e))
            .transpose()
            .map(|d| json!({ "duration": d.unwrap_or_default() }))
            .map(|d| ("suspend", d))
            .map_err(|e| vec![e]),
        StepKind::Slack => notify::slack(wf, s, options, rt),
        StepKind::Webhook => notify::request(wf, s, options, rt, &[]),
        StepKind::Email => notify::email(wf, s, options, rt),
        StepKind::Python | StepKind::Node => {
            let lang = ScriptLang::of(s.kind).expect("a script kind");
            script::template(wf, env, s, options, rt, lang)
        }
        StepKind::Sql => super::sql::template(wf, s, options, rt),
        // The plan inlined the call: this is its join.
        StepKind::Call => super::join::container(wf, s, options, rt),
        StepKind::Invalid => Err(vec![diag::cannot_express(
            s.span,
            "this step",
            "an invalid step cannot be planned",
        )]),
    };
    match body {
        Ok((key, value)) => {
            t.insert(key.into(), value);
        }
        Err(mut e) => errors.append(&mut e),
    }
    if let Some(inputs) = rt.template_inputs() {
        t.insert("inputs".into(), inputs);
    }
    if !rt.volumes.is_empty() {
        t.insert("volumes".into(), json!(rt.volumes));
    }
    if !rt.init_containers.is_empty() {
        t.insert("initContainers".into(), json!(rt.init_containers));
    }
    let mut outs = match outputs::parameters(&s.outputs) {
        Json::Object(o) if !s.outputs.is_empty() => {
            o["parameters"].as_array().cloned().unwrap_or_default()
        }
        _ => Vec::new(),
    };
    if rt.keeps_stdout {
        outs.extend(super::stdout::parameters());
    }
    outs.extend(rt.file_outputs.iter().map(|n| super::sql::parameter(n)));
    let mut outputs = Map::new();
    if !outs.is_empty() {
        outputs.insert("parameters".into(), json!(outs));
    }
    if !rt.kept.is_empty() {
        outputs.insert("artifacts".into(), json!(super::files::outputs(&rt.kept)));
    }
    if !outputs.is_empty() {
        t.insert("outputs".into(), Json::Object(outputs));
    }
    // A call's timeout bounds its steps, not its join's check.
    if let Some(ms) = s.timeout_ms.filter(|_| s.kind != StepKind::Call) {
        let ms = retries::deadline_ms(s, ms);
        // IntOrString in Argo's schema, which spells it as a string.
        t.insert(
            "activeDeadlineSeconds".into(),
            json!(seconds(ms).to_string()),
        );
    }
    match retry(s, rt) {
        Ok(Some(r)) => {
            t.insert("retryStrategy".into(), r);
        }
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if let Some(u) = s.until.as_ref().filter(|_| {
        !matches!(
            s.kind,
            StepKind::Shell | StepKind::Docker | StepKind::Http | StepKind::Webhook
        )
    }) {
        errors.push(diag::cannot_express(
            u.span,
            &format!("`until` polling of a `{}` step", s.kind.name()),
            "the export polls in a `shell`, `docker`, `http` or `webhook` step's script, and Argo re-runs other templates only on failure: poll from a `shell` step",
        ));
    }
    if errors.is_empty() {
        Ok(Json::Object(t))
    } else {
        for e in &mut errors {
            diag::name_field(e, &s.name, &s.fields);
        }
        Err(errors)
    }
}

pub(super) fn field<'a>(s: &'a PlannedStep, name: &str) -> Option<&'a Expr> {
    s.fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| match &f.value {
            FieldValue::Expr(e) => Some(e),
            _ => None,
        })
}

pub(super) fn field_of<'a>(s: &'a PlannedStep, name: &str) -> Option<&'a StepField> {
    s.fields.iter().find(|f| f.name == name)
}

/// Ceiling seconds: a deadline is never shorter than the one written.
pub fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

fn container(
    wf: &Workflow,
    wf_env: &[(String, Expr)],
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut c = Map::new();
    let image = match field(s, "image") {
        Some(e) => text::plain(wf, &s.name, e).map_err(|e| errors.push(e)).ok(),
        None => match &options.image {
            Some(i) => Some(i.clone()),
            None => {
                errors.push(diag::no_image(s.span, &s.name));
                None
            }
        },
    };
    c.insert("image".into(), json!(image.unwrap_or_default()));
    let run = field(s, "run").map(|e| {
        // A secret as it is reaches the command as a `secretKeyRef` env var.
        if RunTime::reads(e) || e.tainted {
            rt.command(wf, &s.name, e)
        } else {
            // `{{` in the command's own text: written as `{''{` (`rt.command`).
            text::command(wf, &s.name, e).or_else(|d| match d.code {
                "E0727" => rt.command(wf, &s.name, e),
                _ => Err(d),
            })
        }
        .map_err(|e| errors.push(e))
    });
    let run = run.and_then(Result::ok);
    let shell = match field(s, "shell") {
        Some(e) => text::plain(wf, &s.name, e).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        }),
        None => "sh".into(),
    };
    // A strict shell's options as the script's first line, so that every
    // wrapper the export puts around it (retries, `until`, a kept stdout)
    // runs it as `wfc run` would.
    let run = match (s.kind, run) {
        (StepKind::Shell, Some(run)) => match crate::strict_shell::of(wf, s) {
            Ok(strict) => Some(crate::strict_shell::prefixed(&shell, strict, run)),
            Err(span) => {
                errors.push(diag::cannot_express(
                    span,
                    "a `strict` that is not a literal",
                    "write `strict true` or `strict false`",
                ));
                None
            }
        },
        (_, run) => run,
    };
    // The env first: its entries add to the prelude the script starts with.
    let entries = env_entries(wf, wf_env, s, options, rt, &mut errors);
    let run = run.and_then(|run| script_text(wf, s, &shell, run, rt, &mut errors));
    let with_outputs = !s.outputs.is_empty();
    match (s.kind, field_of(s, "entrypoint"), run) {
        (StepKind::Shell, _, Some(run)) if with_outputs => {
            c.insert("command".into(), json!(outputs::wrapped(&shell, &run, &s.outputs)));
        }
        (StepKind::Docker, None, Some(run)) if with_outputs => {
            c.insert("args".into(), json!(outputs::wrapped("sh", &run, &s.outputs)));
        }
        (StepKind::Docker, Some(ep), _) if with_outputs => errors.push(diag::cannot_express(
            ep.span,
            "`outputs` of a step with an `entrypoint`",
            "the export collects outputs with a `sh` wrapper around `run`; drop `entrypoint` or the outputs",
        )),
        (StepKind::Shell, _, Some(run)) => {
            c.insert("command".into(), json!([shell, "-c", run]));
        }
        // As `wfc run` starts a container: ENTRYPOINT… RUN, else the
        // image's entrypoint with `sh -c RUN`.
        (StepKind::Docker, Some(ep), run) => {
            let ep = match &ep.value {
                FieldValue::Expr(e) => entrypoint(wf, &s.name, e).map_err(|e| errors.push(e)),
                _ => Ok(Vec::new()),
            };
            c.insert("command".into(), json!(ep.unwrap_or_default()));
            if let Some(run) = run {
                c.insert("args".into(), json!([run]));
            }
        }
        (StepKind::Docker, None, Some(run)) => {
            c.insert("args".into(), json!(["sh", "-c", run]));
        }
        _ => {}
    }
    if let Some(w) = field(s, "workdir") {
        match text::workdir(wf, &s.name, w) {
            Ok(Some(w)) => {
                c.insert("workingDir".into(), json!(w));
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if let Some(p) = field_of(s, "pull") {
        if let FieldValue::Keyword(k) = &p.value {
            let policy = match k.as_str() {
                "always" => "Always",
                "never" => "Never",
                _ => "IfNotPresent",
            };
            c.insert("imagePullPolicy".into(), json!(policy));
        }
    }
    match super::mount::mounts(wf, s, rt, options.repo.as_ref()) {
        Ok((volumes, mounts)) => {
            if !mounts.is_empty() {
                c.insert("volumeMounts".into(), json!(mounts));
            }
            rt.volumes.extend(volumes);
        }
        Err(mut e) => errors.append(&mut e),
    }
    set_env(&mut c, entries, rt, options);
    if errors.is_empty() {
        Ok(("container", Json::Object(c)))
    } else {
        Err(errors)
    }
}

/// The script a shell or docker container runs for `run`: its stdout
/// kept when another step reads it ([`super::stdout`]), inside the loops
/// of `until` and a retry Argo cannot wait ([`retries`]), after the
/// prelude that turns Argo's words into wfc's ([`RunTime::with_prelude`]).
/// Each is `sh` text around the script: a docker `entrypoint` or another
/// shell cannot have them.
fn script_text(
    wf: &Workflow,
    s: &PlannedStep,
    shell: &str,
    run: String,
    rt: &mut RunTime,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let keep = rt.keeps_stdout;
    let looped = s.until.is_some() || retries::in_script(s);
    if !rt.artifacts_in.is_empty() {
        rt.prelude.insert(0, super::files::unpack());
    }
    if !keep && !looped && rt.prelude.is_empty() && rt.kept.is_empty() {
        return Some(run);
    }
    let what = if looped {
        "`until` or this `retry`"
    } else if keep {
        "a stdout another step reads"
    } else {
        "a status, gate result or `run.status` in its command"
    };
    if let Some(ep) = field_of(s, "entrypoint").filter(|_| s.kind == StepKind::Docker) {
        errors.push(diag::cannot_express(
            ep.span,
            &format!("{what} on a step with an `entrypoint`"),
            "the export writes it as `sh` around `run`: drop `entrypoint` (the image's own runs `sh -c RUN`)",
        ));
        return None;
    }
    if s.kind == StepKind::Shell && !matches!(shell, "sh" | "bash") {
        errors.push(diag::cannot_express(
            field_of(s, "shell").map_or(s.span, |f| f.span),
            &format!("{what} on a script of another shell than `sh` or `bash`"),
            "the export writes it in `sh` around the script: drop `shell`, or do it inside the script",
        ));
        return None;
    }
    if rt.artifact_words && (keep || looped || !rt.kept.is_empty()) {
        // Its `"$@"` would be a function's, inside the wrapper.
        errors.push(diag::run_time_value(
            s.span,
            &s.name,
            "a kept artifact's files as words of a command the export wraps (a kept stdout, `until`, an in-script `retry`, artifacts of its own)",
        ));
        return None;
    }
    let run = if keep { super::stdout::keep(&run) } else { run };
    let run = if looped {
        let mut env = Vec::new();
        let wrapped = retries::wrap(wf, s, run, &mut env)
            .map_err(|e| errors.push(e))
            .ok()?;
        rt.env.extend(env);
        wrapped
    } else {
        run
    };
    let run = if rt.kept.is_empty() {
        run
    } else {
        let mut env = Vec::new();
        let packed = super::files::pack(&run, &rt.kept, &mut env);
        rt.env.extend(env);
        packed
    };
    Some(rt.with_prelude(run))
}

/// The workflow's and the step's `env {}` entries, the step's winning; a
/// value Argo gives in its own words adds a line to `rt`'s prelude.
pub(super) fn env_entries(
    wf: &Workflow,
    wf_env: &[(String, Expr)],
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Json> {
    let step_env = match field_of(s, "env").map(|f| &f.value) {
        Some(FieldValue::Map(m)) => m.as_slice(),
        _ => &[],
    };
    let mut vars = Vec::new();
    for (k, v) in wf_env
        .iter()
        .filter(|(k, _)| !step_env.iter().any(|(sk, _)| sk == k))
        .chain(step_env)
    {
        let var = if RunTime::reads(v) {
            rt.env_value(wf, &s.name, k, v)
                .map(|v| json!({ "name": k, "value": v }))
        } else {
            env_var(wf, &s.name, k, v, options)
        };
        match var {
            Ok(j) => vars.push(j),
            Err(e) => errors.push(e),
        }
    }
    vars
}

/// `entries`, then the run-time values and secrets `rt` collected, as the `env`.
pub(super) fn set_env(
    c: &mut Map<String, Json>,
    mut vars: Vec<Json>,
    rt: &RunTime,
    options: &Options,
) {
    vars.extend(rt.env.iter().map(|(k, v)| json!({ "name": k, "value": v })));
    vars.extend(rt.secrets.iter().map(|(k, key)| {
        json!({ "name": k, "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": key } } })
    }));
    if !vars.is_empty() {
        c.insert("env".into(), Json::Array(vars));
    }
}

fn entrypoint(wf: &Workflow, step: &str, e: &Expr) -> Result<Vec<String>, Diagnostic> {
    match &e.kind {
        wfc_language::ir::ExprKind::List(xs) => {
            xs.iter().map(|x| text::plain(wf, step, x)).collect()
        }
        _ => text::plain(wf, step, e).map(|t| vec![t]),
    }
}

/// An env entry: a literal value, or a whole secret as a `secretKeyRef`.
pub fn env_var(
    wf: &Workflow,
    step: &str,
    key: &str,
    value: &Expr,
    options: &Options,
) -> Result<Json, Diagnostic> {
    if let Some(secret) = text::whole_secret(wf, value) {
        return Ok(json!({
            "name": key,
            "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": secret } },
        }));
    }
    text::plain(wf, step, value).map(|v| json!({ "name": key, "value": v }))
}

fn gate(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    if field(s, "approval").is_some() {
        if let Some(f) = s.fields.iter().find(|f| f.name == "inputs") {
            return Err(vec![Diagnostic::error(
                "E0771",
                "the Argo export does not map an approval's `inputs { … }` yet",
            )
            .primary(f.span, "given with the decision")
            .help(
                "give the values as params of the exported workflow, or keep the gate in wfc",
            )]);
        }
        // Resumed with `argo resume` (or the UI), as `wfc approve` resumes a run.
        return Ok(("suspend", json!({})));
    }
    match field(s, "check") {
        // `on fail pause`: the task waits for `argo resume` only when the
        // check is false (its `when`, or false at plan time); approved, it
        // succeeds, and its dependants go on as if the check held.
        Some(e)
            if s.on_fail == Some(wfc_language::ir::OnFail::Pause)
                && (RunTime::reads_outputs(e)
                    || matches!(e.kind, wfc_language::ir::ExprKind::Bool(false))) =>
        {
            Ok(("suspend", json!({})))
        }
        // Decided at run time: the task runs only when the check fails
        // (its `when` is the negation, see `super::dag`), and fails.
        Some(e) if RunTime::reads_outputs(e) => {
            let image = options.image.clone().unwrap_or_else(|| GATE_IMAGE.into());
            let message = format!(
                "gate `{}`: check failed: {}",
                s.name,
                wfc_plan::render::expr::show(wf, e)
            );
            let message = text::no_braces(&s.name, e.span, message).map_err(|e| vec![e])?;
            // The gate's `message`, interpolated by Argo into an env value
            // (data, never the script), printed before the check.
            let said = match field(s, "message") {
                Some(m) if RunTime::reads(m) => Some(rt.value_text(wf, &s.name, m)),
                Some(m) => Some(text::plain(wf, &s.name, m)),
                None => None,
            };
            let fails = match said.is_some() {
                true => SAYS_AND_FAILS,
                false => "echo \"$1\" >&2; exit 1",
            };
            let mut c =
                json!({ "image": image, "command": ["sh", "-c", fails, "wfc-gate", message] });
            if let Some(said) = said {
                let said = said.map_err(|e| vec![e])?;
                c["env"] = json!([{ "name": "WF_MESSAGE", "value": said }]);
            }
            Ok(("container", c))
        }
        Some(e) if matches!(e.kind, wfc_language::ir::ExprKind::Bool(true)) => {
            Ok(("suspend", json!({ "duration": "0" })))
        }
        Some(e) => Err(vec![match text::plain(wf, &s.name, e) {
            Err(d) => d,
            Ok(_) => diag::cannot_express(
                e.span,
                "a check that fails at plan time",
                "the gate's condition is false for these params",
            ),
        }]),
        None => Ok(("suspend", json!({}))),
    }
}

/// The image of a failing `check` gate when there is no `--image`.
pub const GATE_IMAGE: &str = "alpine:3.20";

/// What a failing `check` gate with a `message` runs: the message, each
/// line marked as wfc's, then the check, and fails.
const SAYS_AND_FAILS: &str =
    r#"printf '%s\n' "$WF_MESSAGE" | sed 's/^/wfc: /' >&2; echo "$1" >&2; exit 1"#;

/// `retry N backoff D exponential|linear max M within W` as a
/// `retryStrategy`. Argo multiplies the delay by `factor` each time and has
/// no cap per delay: `linear` and a `max` that would cut a delay short are
/// refused rather than changed.
fn retry(s: &PlannedStep, rt: &mut RunTime) -> Result<Option<Json>, Diagnostic> {
    let Some(r) = &s.retry else { return Ok(None) };
    // A gate is decided once and a sleep cannot fail: `wfc run` never
    // retries them (a `retry` from `defaults` reaches them too). A delay
    // Argo cannot wait: a loop in the container's script, [`retries::wrap`].
    if matches!(s.kind, StepKind::Sleep | StepKind::Gate) || retries::in_script(s) {
        return Ok(None);
    }
    let mut strategy = Map::new();
    strategy.insert("limit".into(), json!(r.count.to_string()));
    strategy.insert("retryPolicy".into(), json!("Always"));
    if let Some(w) = &r.when {
        strategy.insert("expression".into(), json!(retries::expression(s, w)?));
    }
    if let Some(backoff) = r.backoff_ms.filter(|_| r.count > 0) {
        let factor = match r.strategy {
            Backoff::Exponential => 2u64,
            Backoff::Linear if r.count <= 1 => 1,
            // The delays D, 2D, 3D… grow by less than 2 each time; 1 keeps
            // every delay at D (never longer than written, often shorter).
            Backoff::Linear if rt.approximate => {
                rt.warnings.push(diag::approximated(
                    r.span,
                    "a `linear` backoff",
                    "Argo multiplies each delay by a factor: factor 1 waits D before every retry instead of D, 2D, 3D, …",
                ));
                1
            }
            Backoff::Linear => {
                return Err(diag::cannot_express(
                    r.span,
                    "a `linear` backoff",
                    "Argo's backoff multiplies each delay by a factor: use `exponential`",
                ))
            }
            Backoff::Rate(m) if m % 1000 == 0 => u64::from(m / 1000),
            // A fraction rounded down: never a longer wait than written.
            Backoff::Rate(m) if rt.approximate => {
                rt.warnings.push(diag::approximated(
                    r.span,
                    "a fractional backoff rate",
                    "Argo's factor is a whole number: the rate is rounded down, so the waits are shorter",
                ));
                u64::from(m / 1000)
            }
            Backoff::Rate(m) => {
                return Err(diag::cannot_express(
                    r.span,
                    &format!("the backoff rate `x{}`", f64::from(m) / 1000.0),
                    "Argo's backoff factor is a whole number: use `x1`, `x2`, `x3`, …, or pass --approximate",
                ))
            }
        };
        let mut b = Map::new();
        b.insert(
            "duration".into(),
            json!(wfc_plan::value::format_duration(backoff)),
        );
        b.insert("factor".into(), json!(factor.to_string()));
        let longest = backoff.saturating_mul(factor.saturating_pow(r.count - 1));
        if let Some(max) = r.max_ms.filter(|m| *m < longest) {
            return Err(diag::cannot_express(
                r.span,
                format!(
                    "`max {}` on this backoff",
                    wfc_plan::value::format_duration(max)
                )
                .as_str(),
                "Argo has no cap per delay; raise `max` to the longest delay or leave it out",
            ));
        }
        if let Some(within) = r.within_ms {
            b.insert(
                "maxDuration".into(),
                json!(wfc_plan::value::format_duration(within)),
            );
        }
        strategy.insert("backoff".into(), Json::Object(b));
    } else if let Some(within) = r.within_ms {
        strategy.insert(
            "backoff".into(),
            json!({ "maxDuration": wfc_plan::value::format_duration(within) }),
        );
    }
    Ok(Some(Json::Object(strategy)))
}
