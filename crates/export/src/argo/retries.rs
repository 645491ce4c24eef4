//! `retry` and `until` on Argo.
//!
//! A `retry` Argo's `retryStrategy` says exactly (no backoff, an
//! `exponential` one, a `max` that cuts no delay short, `within` as
//! `maxDuration`) is one; `when` over the attempt's `exit_code` is its
//! `expression` over `lastRetry.exitCode` (an attempt without an exit code,
//! `-1`, is retried, as `wfc run` retries an attempt with no value for the
//! condition). Argo multiplies each delay by a factor and caps none, so a
//! `linear` backoff (more than one retry) or a `max` that would cut a delay
//! short runs as a loop in the container's script with wfc's exact waits
//! ([`crate::shell_loops::with_retries`]): a `shell` or `docker` step's,
//! or the curl container an `http`, `webhook` or `slack` step becomes
//! ([`super::notify`]); a script step's is refused. `until` on a `shell` or `docker` step is
//! the polling loop of [`crate::shell_loops::poll`], its values in the
//! container's `env`.

use super::{diag, text};
use crate::shell_loops::{self, Outputs, Test};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Backoff, BinaryOp, Expr, ExprKind, Retry, StepKind, UnaryOp, Workflow};
use wfc_plan::PlannedStep;

/// Whether `s`'s `retry` runs as a loop in its script: a delay Argo's
/// `retryStrategy` cannot wait, on a step whose script wfc writes.
pub fn in_script(s: &PlannedStep) -> bool {
    let Some(r) = &s.retry else { return false };
    let scripted = matches!(
        s.kind,
        StepKind::Shell
            | StepKind::Docker
            | StepKind::Http
            | StepKind::Webhook
            | StepKind::Slack
            | StepKind::Email
    );
    scripted && !strategy_says(r)
}

/// Whether Argo's `retryStrategy` waits exactly `r`'s delays.
pub fn strategy_says(r: &Retry) -> bool {
    let Some(d) = r.backoff_ms.filter(|_| r.count > 0) else {
        return true;
    };
    let factor: u64 = match r.strategy {
        Backoff::Exponential => 2,
        Backoff::Linear if r.count <= 1 => 1,
        Backoff::Linear => return false,
        Backoff::Rate(m) if m % 1000 == 0 => u64::from(m / 1000),
        Backoff::Rate(_) => return false,
    };
    let longest = d.saturating_mul(factor.saturating_pow(r.count - 1));
    r.max_ms.is_none_or(|m| m >= longest)
}

/// An http or webhook step's `request` (the curl script) polled until
/// `until` holds over its `status_code` and `body`; values go to `env`.
pub fn poll_http(
    wf: &Workflow,
    s: &PlannedStep,
    until: &wfc_plan::PlannedUntil,
    request: &str,
    tmp: &str,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let mut value = |e: &Expr| text::plain(wf, &s.name, e);
    let mut test = Test {
        step: s.step,
        prefix: "WF_UNTIL_",
        value: &mut value,
        refuse: &until_refused,
        http: true,
        outputs: None,
        reads_outputs: false,
    };
    shell_loops::poll_http(request, tmp, until, &mut test, env)
}

/// `run` wrapped in the loops `s` needs (`until`, an in-script retry);
/// their values are added to `env`.
pub fn wrap(
    wf: &Workflow,
    s: &PlannedStep,
    run: String,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let mut run = run;
    let mut value = |e: &Expr| text::plain(wf, &s.name, e);
    if let Some(u) = s
        .until
        .as_ref()
        .filter(|_| matches!(s.kind, StepKind::Shell | StepKind::Docker))
    {
        let mut test = Test {
            step: s.step,
            prefix: "WF_UNTIL_",
            value: &mut value,
            refuse: &until_refused,
            http: false,
            // The wrapper names the outputs file ([`super::outputs`]).
            outputs: (!s.outputs.is_empty()).then_some(Outputs {
                file: "$WF_OUTPUTS",
                declared: &s.outputs,
            }),
            reads_outputs: false,
        };
        run = shell_loops::poll(&run, u, &mut test, env, false)?;
    }
    if let Some(r) = s.retry.as_deref().filter(|_| in_script(s)) {
        let when = match &r.when {
            Some(w) => {
                let mut test = Test {
                    step: s.step,
                    prefix: "WF_WHEN_",
                    value: &mut value,
                    refuse: &when_refused,
                    http: false,
                    outputs: None,
                    reads_outputs: false,
                };
                Some(test.shell(w, env)?)
            }
            None => None,
        };
        run = shell_loops::with_retries(&run, r, !s.outputs.is_empty(), when.as_deref(), false);
    }
    Ok(run)
}

/// The container's deadline: a step's `timeout` bounds each try; a loop in
/// the script holds every try (and an `until` its rounds) in one pod.
pub fn deadline_ms(s: &PlannedStep, timeout_ms: u64) -> u64 {
    let poll = s.until.as_ref().map_or(0, |u| u.within_ms);
    let per_try = timeout_ms.saturating_add(poll);
    match s.retry.as_deref().filter(|_| in_script(s)) {
        Some(r) => {
            let waits: u64 = shell_loops::delays(r).iter().sum();
            let all = per_try
                .saturating_mul(u64::from(r.count) + 1)
                .saturating_add(waits * 1000);
            // No try starts past the retry's `within`.
            r.within_ms
                .map_or(all, |w| all.min(w.saturating_add(per_try)))
        }
        None => per_try,
    }
}

/// `when EXPR` as the `retryStrategy`'s `expression` (Argo's expr
/// language): `EXPR` over `exit_code` (`asInt(lastRetry.exitCode)`) and
/// numbers, with `==`, `!=`, `<`, `<=`, `>`, `>=`, `in [...]`, `&&`, `||`, `!`.
pub fn expression(s: &PlannedStep, cond: &Expr) -> Result<String, Diagnostic> {
    if !matches!(
        s.kind,
        StepKind::Shell | StepKind::Docker | StepKind::Python | StepKind::Node
    ) {
        return Err(when_refused(cond));
    }
    Ok(format!(
        "asInt(lastRetry.exitCode) == -1 || {}",
        exit_code_test(s, cond)?
    ))
}

fn exit_code_test(s: &PlannedStep, e: &Expr) -> Result<String, Diagnostic> {
    let operand = |x: &Expr| match &x.kind {
        ExprKind::StepOutput { step, field, .. } if *step == s.step && field == "exit_code" => {
            Ok("asInt(lastRetry.exitCode)".to_owned())
        }
        ExprKind::Int(i) => Ok(i.to_string()),
        _ => Err(when_refused(x)),
    };
    Ok(match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
            let sym = if *op == BinaryOp::And { "&&" } else { "||" };
            format!(
                "({} {sym} {})",
                exit_code_test(s, a)?,
                exit_code_test(s, b)?
            )
        }
        ExprKind::Binary(BinaryOp::In, a, b) => {
            let ExprKind::List(items) = &b.kind else {
                return Err(when_refused(b));
            };
            let items: Vec<String> = items.iter().map(operand).collect::<Result<_, _>>()?;
            format!("({} in [{}])", operand(a)?, items.join(", "))
        }
        ExprKind::Binary(
            op @ (BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge),
            a,
            b,
        ) => format!("({} {} {})", operand(a)?, op.symbol(), operand(b)?),
        // A failed attempt's class, from its exit status (128 + N when
        // signal N killed it).
        ExprKind::Binary(BinaryOp::Is, _, class) => match &class.kind {
            ExprKind::Str(c) if c == "exit_code" => "(asInt(lastRetry.exitCode) < 128)".into(),
            ExprKind::Str(c) if c == "signal" => "(asInt(lastRetry.exitCode) > 128)".into(),
            _ => return Err(when_refused(e)),
        },
        ExprKind::Unary(UnaryOp::Not, a) => format!("!{}", exit_code_test(s, a)?),
        ExprKind::Bool(b) => b.to_string(),
        _ => return Err(when_refused(e)),
    })
}

fn until_refused(e: &Expr) -> Diagnostic {
    diag::cannot_express(
        e.span,
        "this `until` condition",
        "the export polls in the step's script and tests the step's `stdout` and declared outputs there: compare `trim(STEP.stdout)`, `STEP.stdout` or `STEP.outputs.NAME` (a `string`, `int` or `bool` output; a float or JSON one cannot be compared in the shell as wfc compares it) with values, with `==`, `!=`, `<`, `contains`, `&&`, `||`, `!`",
    )
}

fn when_refused(e: &Expr) -> Diagnostic {
    Diagnostic::error("E0770", "Argo cannot retry only when this condition holds")
        .primary(e.span, "not a comparison of the attempt's `exit_code`")
        .help("Argo's `retryStrategy.expression` sees the last attempt's exit code (`lastRetry.exitCode`), not an HTTP status or wfc's error text: compare `exit_code` with numbers (`==`, `<`, `in [6, 7]`, `&&`, `||`, `!`) or test `error is exit_code` / `error is signal`, or drop `when`")
}
