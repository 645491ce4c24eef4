//! A webhook trigger's params on GitHub. `on webhook "/release" { params
//! { version = request.json.release.tag_name } }` is a `repository_dispatch`
//! of type `release` whose `client_payload` is the body (without `params`,
//! the body's fields bind params by name). So the params such a trigger
//! sets are decided by a first job, `wfc-params`, for the event that
//! started the run: the input on `workflow_dispatch`, the trigger's
//! expression over the payload on its `repository_dispatch` (computed by
//! `jq`, [`crate::jq`]: the payload in `env:`, the program only structure),
//! else the value bound at export. Every job needs it and reads
//! `needs.wfc-params.outputs.NAME`. A dispatch carries no headers or query
//! string: `request.headers` and `request.query` are empty maps there.
//! An `on change` is a push, whose `changed` the job lists too, and whose
//! params are its arm for the `push` event ([`super::change`]).

use super::change::{self, Glob};
use super::values::secret_name;
use crate::jq::{self, json_str, Jq, Leaf, Leaves};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Change, Expr, ExprKind, ParamId, Trigger, TriggerInput, Workflow};
use wfc_plan::{Plan, Value};

/// The job's id (and its step's).
pub const ID: &str = "wfc-params";

/// What a trigger's expression reads, as the job gives it.
struct Hook<'a> {
    bound: &'a [Option<Value>],
}

impl Leaves for Hook<'_> {
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>> {
        match &e.kind {
            ExprKind::TriggerInput(TriggerInput::RequestJson) => Some(Ok(Leaf::Input(
                "${{ toJSON(github.event.client_payload) }}".into(),
            ))),
            ExprKind::TriggerInput(TriggerInput::RequestHeaders | TriggerInput::RequestQuery) => {
                Some(Ok(Leaf::Known(Value::Map(Vec::new()))))
            }
            ExprKind::TriggerInput(TriggerInput::Changed) => Some(Ok(Leaf::Var(change::CHANGED))),
            ExprKind::Param(p) => Some(match &self.bound[*p] {
                Some(v) if !e.tainted => Ok(Leaf::Known(v.clone())),
                _ => Err(self.refuse(e, "a param only the run knows")),
            }),
            _ if e.tainted => Some(Err(self.refuse(e, "a secret"))),
            _ => None,
        }
    }

    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic {
        Diagnostic::error(
            "E0766",
            format!("GitHub Actions cannot compute this trigger param: {what}"),
        )
        .primary(e.span, "read when the dispatch comes")
        .help("compute it from `request.json` (the dispatch's `client_payload`) or `changed` (the push's files), or inside a step")
    }
}

/// The job deciding the params a trigger sets
/// (`wfc_plan::trigger_params::set_by_triggers`), and with a change
/// trigger (`change`, the workflow's folder `home`) its `changed` and
/// whether the push goes on, if any; what it cannot compute goes to `errors`.
pub fn job(
    plan: &Plan,
    wf: &Workflow,
    runs_on: &str,
    (change, home): (Option<&(&Change, Glob)>, &str),
    errors: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let set = wfc_plan::trigger_params::set_by_triggers(wf);
    if set.is_empty() && change.is_none() {
        return None;
    }
    let bound = plan.param_values(wf.params.len());
    let mut program = Jq::default();
    let mut env = Map::new();
    // The value bound at export, as text (none: the run cannot start).
    let fallback = |p: ParamId| match &bound[p] {
        Some(v) => json_str(&v.to_text()),
        None => format!(
            "error({})",
            json_str(&format!("param `{}` has no value", wf.params[p].name))
        ),
    };
    let mut arms = Vec::new();
    let inputs: Vec<String> = set
        .iter()
        .map(|&p| {
            let name = &wf.params[p].name;
            let var = format!("WF_INPUT_{}", secret_name(name));
            env.insert(var.clone(), json!(format!("${{{{ inputs.{name} }}}}")));
            format!("[{}, $ENV.{var}]", json_str(name))
        })
        .collect();
    arms.push(format!(
        "if $event == \"workflow_dispatch\" then [{}]",
        inputs.join(", ")
    ));
    let hook = Hook { bound: &bound };
    for t in &plan.triggers {
        let Trigger::Webhook(h) = &t.trigger else {
            continue;
        };
        let mut values = Vec::new();
        for &p in &set {
            let name = &wf.params[p].name;
            let value = match h.params.iter().find(|tp| tp.param == p) {
                Some(tp) => match program.text(&hook, &tp.value) {
                    Ok(v) => v,
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                },
                // The body's field of the param's name, else as bound.
                None if h.params.is_empty() => {
                    let payload = leaf_payload(&mut program, &hook);
                    format!(
                        "({payload} as $p | if ($p | type) == \"object\" and ($p | has({n})) then ($p[{n}] | wfc_text(false)) else {} end)",
                        fallback(p),
                        n = json_str(name),
                    )
                }
                None => fallback(p),
            };
            values.push(format!("[{}, {value}]", json_str(name)));
        }
        let kind = json_str(h.path.trim_start_matches('/'));
        arms.push(format!(
            "elif $event == \"repository_dispatch\" and $action == {kind} then [{}]",
            values.join(", ")
        ));
    }
    if let Some((c, _)) = change {
        let mut values = Vec::new();
        for &p in &set {
            let value = match c.params.iter().find(|tp| tp.param == p) {
                Some(tp) => match program.text(&hook, &tp.value) {
                    Ok(v) => v,
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                },
                None => fallback(p),
            };
            values.push(format!("[{}, {value}]", json_str(&wf.params[p].name)));
        }
        arms.push(format!(
            "elif $event == \"push\" then [{}]",
            values.join(", ")
        ));
    }
    let other: Vec<String> = set
        .iter()
        .map(|&p| format!("[{}, {}]", json_str(&wf.params[p].name), fallback(p)))
        .collect();
    // With a change: `changed` first, and whether a push goes on last.
    let mut pairs = format!("{} else [{}] end", arms.join(" "), other.join(", "));
    // A typed param is checked, whichever arm gave it (an input is text),
    // and a list written as wfc writes it: a matrix's items and its guard
    // (`!= '[]'`) read it ([`jq::typed_kind`]).
    let checks: Vec<String> = set
        .iter()
        .filter_map(|&p| {
            let ty = jq::typed_kind(&wf.params[p].ty)?;
            let name = json_str(&wf.params[p].name);
            let what = json_str(&format!("param `{}`", wf.params[p].name));
            Some(format!(
                "if .[0] == {name} then [.[0], (.[1] | wfc_typed({what}; {ty}))]"
            ))
        })
        .collect();
    if !checks.is_empty() {
        pairs = format!("({pairs}) | map({} else . end)", checks.join(" el"));
    }
    if let Some((_, glob)) = change {
        pairs = format!(
            "{}({pairs}) + [[{}, ($event != \"push\" or ({} | length > 0) | tostring)]]",
            change::binding(glob, home),
            json_str(change::GO),
            change::CHANGED
        );
    }
    let body = format!("{pairs} | .[] | \"\\(.[0])<<\\($d)\\n\\(.[1])\\n\\($d)\\n\"");
    for (var, text) in &program.inputs {
        env.insert(var.clone(), json!(text));
    }
    env.insert("WF_EVENT".into(), json!("${{ github.event_name }}"));
    env.insert("WF_ACTION".into(), json!("${{ github.event.action }}"));
    env.insert("WF_JQ".into(), json!(jq::single(&body)));
    let mut names: Vec<&str> = set.iter().map(|&p| wf.params[p].name.as_str()).collect();
    let mut steps = Vec::new();
    let mut run = RUN.to_string();
    if change.is_some() {
        names.push(change::GO);
        steps.push(change::checkout());
        for (var, text) in change::env() {
            env.insert(var.into(), json!(text));
        }
        if let Some(shown) = change.and_then(|(c, _)| change::shown(wf, c)) {
            env.insert("WF_CHANGE".into(), json!(shown));
        }
        run = format!(
            "{}{}",
            change::LIST,
            RUN.replace("-nj ", "-nj --rawfile files \"$RUNNER_TEMP/wfc-changed\" ")
        );
    }
    let outputs: Map<String, Json> = names
        .iter()
        .map(|name| {
            (
                name.to_string(),
                json!(format!("${{{{ steps.{ID}.outputs.{name} }}}}")),
            )
        })
        .collect();
    steps.push(json!({ "id": ID, "env": env, "run": run, "shell": "bash" }));
    Some(json!({
        "runs-on": runs_on,
        "outputs": outputs,
        "steps": steps,
    }))
}

/// The step's script: one jq run over the event, its output appended.
const RUN: &str = r#"wfc_delim="wfc_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
jq -nj --arg event "$WF_EVENT" --arg action "$WF_ACTION" --arg d "$wfc_delim" "$WF_JQ" > "$RUNNER_TEMP/wfc-params"
cat "$RUNNER_TEMP/wfc-params" >> "$GITHUB_OUTPUT"
"#;

/// The payload as a filter of `program` (its input variable).
fn leaf_payload(program: &mut Jq, hook: &Hook) -> String {
    let payload = Expr {
        kind: ExprKind::TriggerInput(TriggerInput::RequestJson),
        ty: wfc_language::ir::Type::Json,
        span: Default::default(),
        tainted: false,
    };
    program
        .value(hook, &payload)
        .unwrap_or_else(|_| "null".into())
}

/// Every job but the job `id` needs it.
pub fn need_all(jobs: &mut Map<String, Json>, id: &str) {
    for (name, job) in jobs.iter_mut() {
        let Some(job) = job.as_object_mut().filter(|_| name != id) else {
            continue;
        };
        let needs = job.entry("needs").or_insert_with(|| json!([]));
        if let Json::Array(n) = needs {
            n.insert(0, json!(id));
        }
    }
}
