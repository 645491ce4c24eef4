//! `until COND every D within W` on a `shell` or `docker` step: the script
//! in a bounded loop. Each round runs the script in a subshell under
//! `set -e` (a failure fails the step, as in wfc), keeps its stdout, and
//! tests the condition in the shell; past `within` the step fails.
//!
//! The condition is written as shell tests over the round's stdout:
//! `==`, `!=`, `&&`, `||`, `!` and `contains(…)` of `X.stdout` or
//! `trim(X.stdout)` (X the step itself) against values, each value in
//! `env:` (`WF_UNTIL_N`), never in the script. Anything else is E0738.
//!
//! A retry's `when` is written the same way, over the failed attempt's
//! `exit_code` (`$wfc_status` in the retry loop; values as `WF_WHEN_N`):
//! comparisons with numbers and `in [...]`; anything else is E0770.

use super::values::Values;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, Func, StepId, UnaryOp};
use wfc_plan::PlannedUntil;

/// `script` polled until `until` holds; values of the condition go to `env`.
pub fn poll(
    script: &str,
    until: &PlannedUntil,
    step: StepId,
    values: &Values,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let test = Test {
        step,
        values,
        code: "E0738",
    };
    let cond = test.shell(&until.cond, env)?;
    let every = until.every_ms.div_ceil(1000);
    let within = until.within_ms.div_ceil(1000);
    Ok(format!(
        r#"# wfc: until (GitHub has no polling): the script in rounds, {every}s apart, for at most {within}s.
wfc_round() (
set -e
{}
)
wfc_trim() {{ wfc_s=$1; wfc_s="${{wfc_s#"${{wfc_s%%[![:space:]]*}}"}}"; printf '%s' "${{wfc_s%"${{wfc_s##*[![:space:]]}}"}}"; }}
wfc_deadline=$(( $(date +%s) + {within} ))
while :; do
  wfc_stdout=$(wfc_round) || exit $?
  printf '%s\n' "$wfc_stdout"
  if {cond}; then exit 0; fi
  if [ $(( $(date +%s) + {every} )) -gt "$wfc_deadline" ]; then
    echo "wfc: the until condition did not hold within {within}s" >&2
    exit 1
  fi
  sleep {every}
done
"#,
        script.trim_end()
    ))
}

/// A retry's `when` as a shell test of the failed attempt's exit status.
pub fn when(
    cond: &Expr,
    step: StepId,
    values: &Values,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let test = Test {
        step,
        values,
        code: "E0770",
    };
    test.shell(cond, env)
}

struct Test<'a> {
    step: StepId,
    values: &'a Values<'a>,
    /// The refusal's code: E0738 (`until`) or E0770 (`when`).
    code: &'static str,
}

impl Test<'_> {
    /// `e` (a bool) as a shell command list that succeeds when it holds.
    fn shell(&self, e: &Expr, env: &mut Vec<(String, String)>) -> Result<String, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
                let sym = if *op == BinaryOp::Eq { "=" } else { "!=" };
                let (a, b) = (self.text(a, env)?, self.text(b, env)?);
                format!("[ {a} {sym} {b} ]")
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                let sym = if *op == BinaryOp::And { "&&" } else { "||" };
                format!(
                    "{{ {} {sym} {}; }}",
                    self.shell(a, env)?,
                    self.shell(b, env)?
                )
            }
            ExprKind::Binary(
                op @ (BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge),
                a,
                b,
            ) => {
                let sym = match op {
                    BinaryOp::Lt => "-lt",
                    BinaryOp::Le => "-le",
                    BinaryOp::Gt => "-gt",
                    _ => "-ge",
                };
                format!("[ {} {sym} {} ]", self.text(a, env)?, self.text(b, env)?)
            }
            ExprKind::Binary(BinaryOp::In, a, b) => {
                let ExprKind::List(items) = &b.kind else {
                    return Err(self.refused(b));
                };
                let a = self.text(a, env)?;
                let tests: Vec<String> = items
                    .iter()
                    .map(|x| Ok(format!("[ {a} = {} ]", self.text(x, env)?)))
                    .collect::<Result<_, Diagnostic>>()?;
                format!(
                    "{{ {} ; }}",
                    if tests.is_empty() {
                        "false".into()
                    } else {
                        tests.join(" || ")
                    }
                )
            }
            ExprKind::Unary(UnaryOp::Not, a) => format!("! {}", self.shell(a, env)?),
            ExprKind::Call(Func::Contains, xs) if xs.len() == 2 => {
                let (a, b) = (self.text(&xs[0], env)?, self.text(&xs[1], env)?);
                format!("{{ case {a} in *{b}*) true ;; *) false ;; esac; }}")
            }
            _ => return Err(self.refused(e)),
        })
    }

    /// A string operand, double-quoted: the round's stdout, or a value
    /// through `env:`.
    fn text(&self, e: &Expr, env: &mut Vec<(String, String)>) -> Result<String, Diagnostic> {
        match &e.kind {
            ExprKind::StepOutput { step, field, .. } if *step == self.step && field == "stdout" => {
                Ok("\"$wfc_stdout\"".into())
            }
            ExprKind::StepOutput { step, field, .. }
                if *step == self.step && field == "exit_code" =>
            {
                Ok("\"$wfc_status\"".into())
            }
            ExprKind::Call(Func::Trim, xs) if xs.len() == 1 => {
                let inner = self.text(&xs[0], env)?;
                Ok(format!("\"$(wfc_trim {inner})\""))
            }
            ExprKind::StepOutput { .. } | ExprKind::StepStatus(_) => Err(self.refused(e)),
            _ => {
                let value = self.values.text(e)?;
                let prefix = if self.code == "E0770" {
                    "WF_WHEN_"
                } else {
                    "WF_UNTIL_"
                };
                let taken = env.iter().filter(|(k, _)| k.starts_with(prefix)).count();
                let name = format!("{prefix}{}", taken + 1);
                env.push((name.clone(), value));
                Ok(format!("\"${name}\""))
            }
        }
    }

    fn refused(&self, e: &Expr) -> Diagnostic {
        if self.code == "E0770" {
            return Diagnostic::error(
                "E0770",
                "GitHub Actions export cannot test this retry `when` in the shell",
            )
            .primary(e.span, "not a comparison of the attempt's `exit_code`")
            .help("compare `exit_code` with numbers (`==`, `<`, `in [6, 7]`, `&&`, `||`, `!`), or drop `when`");
        }
        Diagnostic::error(
            "E0738",
            "GitHub Actions export cannot test this `until` condition in the shell",
        )
        .primary(e.span, "not a comparison of the step's `stdout`")
        .help("compare `trim(STEP.stdout)` (or `STEP.stdout`) with values, with `==`, `!=`, `contains`, `&&`, `||`, `!`")
    }
}
