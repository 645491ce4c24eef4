//! Gates: a `check` the scheduler decides on the spot, or a wait for a person.
//!
//! A `check` that holds succeeds (`passed = true`). One that does not follows
//! its `on fail`: `abort` fails the gate (and the run), `continue` succeeds
//! with `passed = false`, `pause` waits for an approval like an `approval`
//! gate. Waiting goes through the [`Approvals`] trait, so the run store can
//! plug in `wfc approve RUN STEP`; until then [`CliApprovals`] approves the
//! gates named with `wfc run --approve STEP` and leaves every other gate
//! waiting (until its `timeout`, or until the run is cancelled).

use super::attempt::AttemptResult;
use super::exec::{human, Status};
use super::values::map;
use std::time::Duration;
use wfc_contract::{Approvals, GateDecision, Wait};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::StepKind;
use wfc_plan::gate_inputs;
use wfc_plan::value::Value;

/// Approvals given on the command line (`--approve STEP`, `--approve all`).
#[derive(Clone, Debug, Default)]
pub struct CliApprovals {
    pub steps: Vec<String>,
    /// Recorded as `approved_by`.
    pub by: String,
}

impl CliApprovals {
    fn approves(&self, step: &str) -> bool {
        self.steps
            .iter()
            .any(|s| s == "all" || s == step || step.split('[').next() == Some(s.as_str()))
    }
}

impl Approvals for CliApprovals {
    fn wait(&self, _run_id: &str, step: &str) -> Wait {
        if self.approves(step) {
            Wait::new(std::future::ready(GateDecision::approved(&self.by)))
        } else {
            Wait::never()
        }
    }

    fn how(&self, _run_id: &str, step: &str) -> String {
        format!(
            "start the run with `--approve '{step}'` to approve it (`wfc approve RUN STEP` comes with the run store)"
        )
    }
}

/// Whether `name` is a gate of `plan`: a gate's instance name
/// (`approve[eu-west]`), or an instance of a gate in a loop known only at
/// run time (`approve[*]` takes `approve[any]`).
pub fn is_gate(plan: &wfc_plan::Plan, name: &str) -> bool {
    let base = |n: &str| n.split('[').next().unwrap_or(n).to_owned();
    gate_names(plan)
        .iter()
        .any(|g| *g == name || (g.ends_with("[*]") && name.contains('[') && base(g) == base(name)))
        // A step of a file a `call file(…)` reads: the run's decision log
        // (the store) knows whether it is a gate the run reached.
        || wfc_plan::file_call::in_a_file_call(&plan.main, name)
}

/// The instance names of every gate of `plan` (main graph, rollbacks,
/// handlers), and of every step that pauses for a person once its
/// retries are used up (`on fail pause`: decided as a gate is).
fn gate_names(plan: &wfc_plan::Plan) -> Vec<&str> {
    fn collect<'p>(g: &'p wfc_plan::Graph, out: &mut Vec<&'p str>) {
        for s in &g.steps {
            if s.kind == StepKind::Gate || s.on_fail == Some(wfc_language::ir::OnFail::Pause) {
                out.push(&s.name);
            }
            if let Some(rb) = &s.rollback {
                collect(rb, out);
            }
        }
    }
    let mut gates = Vec::new();
    collect(&plan.main, &mut gates);
    for h in &plan.handlers {
        collect(&h.graph, &mut gates);
    }
    gates
}

/// `--approve` names that are no gate of `plan` (E0410 each): a name must
/// be `all`, a gate's step name, or one of its instances (`approve[eu-west]`;
/// any instance of a loop known only at run time, `approve[*]`). A step left
/// out at plan time is let through: its gate may exist under other params.
pub fn unknown_approvals(plan: &wfc_plan::Plan, given: &[String]) -> Vec<Diagnostic> {
    fn base(name: &str) -> &str {
        name.split('[').next().unwrap_or(name)
    }
    let gates = gate_names(plan);
    let known = |name: &str| {
        name == "all"
            || gates.iter().any(|g| {
                *g == name
                    || base(g) == name
                    || (g.contains("[*]") && base(g) == base(name) && name.contains('['))
            })
            || plan
                .pruned
                .iter()
                .flat_map(|p| &p.steps)
                .any(|p| p == name || base(p) == name)
    };
    let mut bases: Vec<String> = Vec::new();
    for b in gates.iter().map(|g| base(g)) {
        if !bases.iter().any(|x| x == b) {
            bases.push(b.to_owned());
        }
    }
    given
        .iter()
        .filter(|n| !known(n))
        .map(|n| {
            let suggestion =
                wfc_language::diag::did_you_mean(base(n), bases.iter().map(String::as_str));
            wfc_plan::errors::unknown_gate(n, suggestion, &bases)
        })
        .collect()
}

/// How a person decides on a step that paused after its retries, from
/// how they would approve it (`wfc approve RUN STEP`, with the store):
/// `wfc retry|skip|abort RUN STEP`, each also an approval (with its
/// `action` input) or a rejection.
pub fn escalation_how(approve: &str) -> String {
    match approve.split_once("`wfc approve") {
        Some((_, rest)) => {
            let args = rest.split('`').next().unwrap_or(rest).trim();
            format!("decide with `wfc retry {args}`, `wfc skip {args}` or `wfc abort {args}`")
        }
        None => approve.to_owned(),
    }
}

/// What an escalated step says while it waits for a person: it failed,
/// how, and how to decide. Starts with [`ESCALATED`].
pub fn escalation_message(attempts: u32, error: &str, how: &str) -> String {
    let tries = if attempts == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{attempts} attempts")
    };
    let error = error.lines().next().unwrap_or(error);
    format!("{ESCALATED} it failed after {tries} ({error}); {how}")
}

/// How the waiting text of a step escalated to a person begins (the
/// store lists its run `waiting`).
pub const ESCALATED: &str = "waiting for a person:";

/// The message for a gate that waits.
pub fn waiting_message(who: &str, how: &str, timeout: Option<Duration>) -> String {
    let who = if who.is_empty() {
        String::new()
    } else {
        format!(" by {who}")
    };
    match timeout {
        Some(t) => format!("waiting for approval{who} (up to {}): {how}", human(t)),
        None => format!("waiting for approval{who}: {how}"),
    }
}

/// How an approval gate ended: `decision` (or how it ended without one:
/// timed out, cancelled), with an approval's inputs bound to `spec` —
/// defaults for those not given (`--approve`), the given ones as recorded
/// (the store bound them already). Outputs: `passed`, `approved_by`,
/// `comment` and `outputs.NAME`.
pub fn decided(
    decision: Result<GateDecision, (Status, String)>,
    spec: &serde_json::Value,
    duration: Duration,
) -> AttemptResult {
    let (status, error, d) = match decision {
        Ok(d) if d.approved => match gate_inputs::bind_json(spec, &d.inputs) {
            Ok(inputs) => (Status::Succeeded, None, GateDecision { inputs, ..d }),
            Err(problems) => (
                Status::Failed,
                Some(format!(
                    "the approval by {} lacks inputs: {}",
                    d.by,
                    problems.join("; ")
                )),
                GateDecision::default(),
            ),
        },
        Ok(d) => {
            let mut why = "the approval was refused".to_owned();
            if !d.by.is_empty() {
                why = format!("{why} by {}", d.by);
            }
            if !d.comment.is_empty() {
                why = format!("{why}: {}", d.comment);
            }
            (Status::Failed, Some(why), d)
        }
        Err((status, why)) => (status, Some(why), GateDecision::default()),
    };
    let passed = status == Status::Succeeded;
    let inputs = d
        .inputs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect();
    AttemptResult {
        status,
        error,
        exit_code: None,
        duration,
        outputs: Some(map([
            ("passed", Value::Bool(passed)),
            (
                "approved_by",
                Value::Str(if passed { d.by } else { String::new() }),
            ),
            ("comment", Value::Str(d.comment)),
            ("outputs", Value::Map(inputs)),
        ])),
        kept: Vec::new(),
        usage: None,
        class: match status {
            Status::TimedOut => Some(wfc_language::ir::ErrorClass::Timeout),
            Status::Failed => Some(wfc_language::ir::ErrorClass::Other),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_approvals_match_instances() {
        let a = CliApprovals {
            steps: vec!["approve".into()],
            by: "me".into(),
        };
        assert!(a.approves("approve"));
        assert!(a.approves("approve[eu-west]"));
        assert!(!a.approves("approver"));
        let all = CliApprovals {
            steps: vec!["all".into()],
            by: String::new(),
        };
        assert!(all.approves("anything"));
    }

    #[test]
    fn an_escalation_names_the_three_decisions() {
        let how =
            escalation_how("approve with `wfc approve r1 deploy` (or `wfc reject r1 deploy`)");
        assert_eq!(
            how,
            "decide with `wfc retry r1 deploy`, `wfc skip r1 deploy` or `wfc abort r1 deploy`"
        );
        let msg = escalation_message(3, "exit code 1\nmore", &how);
        assert!(
            msg.starts_with(
                "waiting for a person: it failed after 3 attempts (exit code 1); decide"
            ),
            "{msg}"
        );
    }
}
