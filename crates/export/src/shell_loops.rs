//! Loops wfc writes around a step's script where the engine has no
//! equivalent: `until COND every D within W` polling, and `retry` whose
//! delays the engine cannot wait (GitHub has no retries; Argo multiplies
//! each delay by a factor and has no cap). Both exports share them.
//!
//! `until` on a `shell` or `docker` step: each round runs the script in a
//! subshell (under `set -e` where the engine runs scripts so, as GitHub
//! does), keeps its stdout, and tests the condition in the shell; past
//! `within` the step fails. The condition is written as shell tests over
//! the round's stdout: `==`, `!=`, `&&`, `||`, `!` and `contains(…)` of
//! `X.stdout` or `trim(X.stdout)` (X the step itself) against values, each
//! value in the step's environment (`WF_UNTIL_N`), never in the script.
//!
//! Over the step's declared outputs too (`X.outputs.NAME` of a `string`,
//! `int` or `bool` output): each round starts with an empty outputs file
//! and the test reads the last `NAME=` line the round wrote to it (an int
//! compared as a number). A `float` or `json` output is refused: the shell
//! cannot compare it as wfc does.
//!
//! A retry's `when` is written the same way, over the failed attempt's
//! `exit_code` (`$wfc_status` in the retry loop; values as `WF_WHEN_N`):
//! comparisons with numbers and `in [...]`.
//!
//! Only numbers wfc computes and names it checked go into the text; the
//! engine's refusal for anything else is the caller's ([`Test::refuse`]).

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Backoff, BinaryOp, Expr, ExprKind, Func, Retry, StepId, Type, UnaryOp};
use wfc_plan::PlannedUntil;

/// `script` polled until `until` holds; values of the condition go to
/// `env`. `errexit`: each round under `set -e` (GitHub runs `sh -e`).
pub fn poll(
    script: &str,
    until: &PlannedUntil,
    test: &mut Test,
    env: &mut Vec<(String, String)>,
    errexit: bool,
) -> Result<String, Diagnostic> {
    let cond = test.shell(&until.cond, env)?;
    let every = until.every_ms.div_ceil(1000);
    let within = until.within_ms.div_ceil(1000);
    let set_e = if errexit { "set -e\n" } else { "" };
    // Each round's outputs alone: the file emptied before it, read after.
    let (out_fn, empty) = match test.outputs.as_ref().filter(|_| test.reads_outputs) {
        Some(o) => (
            format!(
                "wfc_out() {{ sed -n \"s/^$1=//p\" \"{}\" | tail -n 1; }}\n",
                o.file
            ),
            format!("  : > \"{}\"\n", o.file),
        ),
        None => (String::new(), String::new()),
    };
    Ok(format!(
        r#"# wfc: until: the script in rounds, {every}s apart, for at most {within}s.
wfc_round() (
{set_e}{}
)
wfc_trim() {{ wfc_s=$1; wfc_s="${{wfc_s#"${{wfc_s%%[![:space:]]*}}"}}"; printf '%s' "${{wfc_s%"${{wfc_s##*[![:space:]]}}"}}"; }}
{out_fn}wfc_deadline=$(( $(date +%s) + {within} ))
while :; do
{empty}  wfc_stdout=$(wfc_round) || exit $?
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

/// An http step's request (`request`, the fixed curl script that leaves the
/// status in `$wfc_code` and the body in `TMP/wfc-body`) polled until
/// `until` holds over its `status_code` and `body`: each round the request
/// in a subshell (a failed request or an unexpected status fails the
/// step, as a failed round does), then the test, `every` apart, failing
/// past `within`.
pub fn poll_http(
    request: &str,
    tmp: &str,
    until: &PlannedUntil,
    test: &mut Test,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let cond = test.shell(&until.cond, env)?;
    let every = until.every_ms.div_ceil(1000);
    let within = until.within_ms.div_ceil(1000);
    Ok(format!(
        r#"# wfc: until: the request in rounds, {every}s apart, for at most {within}s.
wfc_round() (
set -e
{}
printf '%s' "$wfc_code" > "{tmp}/wfc-code"
)
wfc_deadline=$(( $(date +%s) + {within} ))
while :; do
  wfc_round || exit $?
  wfc_code=$(cat "{tmp}/wfc-code")
  wfc_body=$(cat "{tmp}/wfc-body")
  if {cond}; then exit 0; fi
  if [ $(( $(date +%s) + {every} )) -gt "$wfc_deadline" ]; then
    echo "wfc: the until condition did not hold within {within}s" >&2
    exit 1
  fi
  sleep {every}
done
"#,
        request.trim_end()
    ))
}

/// What a condition's operands become: the step whose `stdout` and
/// `exit_code` the loop has, the text of a value known at export, and the
/// engine's refusal of anything else.
pub struct Test<'a> {
    pub step: StepId,
    /// `WF_UNTIL_` or `WF_WHEN_`: the prefix of the values' variables.
    pub prefix: &'static str,
    pub value: &'a mut dyn FnMut(&Expr) -> Result<String, Diagnostic>,
    pub refuse: &'a dyn Fn(&Expr) -> Diagnostic,
    /// The round is an http request: `status_code` and `body` are its.
    pub http: bool,
    /// The step's declared outputs and the file its rounds write them to
    /// (`None`: a test over them is refused).
    pub outputs: Option<Outputs<'a>>,
    /// Set once a test read one of them (the loop then empties and reads
    /// the file).
    pub reads_outputs: bool,
}

/// A step's declared outputs, and the file a round writes them to.
pub struct Outputs<'a> {
    pub file: &'a str,
    pub declared: &'a [wfc_language::ir::OutputDecl],
}

impl Test<'_> {
    /// `e` (a bool) as a shell command list that succeeds when it holds.
    pub fn shell(
        &mut self,
        e: &Expr,
        env: &mut Vec<(String, String)>,
    ) -> Result<String, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
                // An int output is equal as a number (`05` is 5), as in wfc.
                let number = self.int_output(a) || self.int_output(b);
                let sym = match (*op == BinaryOp::Eq, number) {
                    (true, false) => "=",
                    (false, false) => "!=",
                    (true, true) => "-eq",
                    (false, true) => "-ne",
                };
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
            // A failed attempt's class, from its status as the shell gives
            // it: 128 + N when signal N killed it.
            ExprKind::Binary(BinaryOp::Is, _, class) if !self.http => match &class.kind {
                ExprKind::Str(c) if c == "exit_code" => "[ \"$wfc_status\" -lt 128 ]".into(),
                ExprKind::Str(c) if c == "signal" => "[ \"$wfc_status\" -gt 128 ]".into(),
                _ => return Err(self.refused(e)),
            },
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
    fn text(&mut self, e: &Expr, env: &mut Vec<(String, String)>) -> Result<String, Diagnostic> {
        match &e.kind {
            ExprKind::StepOutput { step, field, .. } if *step == self.step && field == "stdout" => {
                Ok("\"$wfc_stdout\"".into())
            }
            ExprKind::StepOutput { step, field, .. }
                if *step == self.step && field == "exit_code" =>
            {
                Ok("\"$wfc_status\"".into())
            }
            // An http step's round ([`poll_http`]).
            ExprKind::StepOutput { step, field, .. }
                if *step == self.step && field == "status_code" && self.http =>
            {
                Ok("\"$wfc_code\"".into())
            }
            ExprKind::StepOutput { step, field, .. }
                if *step == self.step && field == "body" && self.http =>
            {
                Ok("\"$wfc_body\"".into())
            }
            ExprKind::StepOutput {
                step,
                field,
                output: Some(name),
            } if *step == self.step && field == "outputs" => {
                let Some(decl) = self.declared(name) else {
                    return Err(self.refused(e));
                };
                let plain = name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !plain || !matches!(decl.ty, Type::String | Type::Int | Type::Bool) {
                    return Err(self.refused(e));
                }
                self.reads_outputs = true;
                Ok(format!("\"$(wfc_out {name})\""))
            }
            ExprKind::Call(Func::Trim, xs) if xs.len() == 1 => {
                let inner = self.text(&xs[0], env)?;
                Ok(format!("\"$(wfc_trim {inner})\""))
            }
            ExprKind::StepOutput { .. } | ExprKind::StepStatus(_) => Err(self.refused(e)),
            _ => {
                let value = (self.value)(e)?;
                let prefix = self.prefix;
                let taken = env.iter().filter(|(k, _)| k.starts_with(prefix)).count();
                let name = format!("{prefix}{}", taken + 1);
                env.push((name.clone(), value));
                Ok(format!("\"${name}\""))
            }
        }
    }

    fn refused(&self, e: &Expr) -> Diagnostic {
        (self.refuse)(e)
    }

    /// The declared output `name` of the step, where its rounds' outputs
    /// can be read.
    fn declared(&self, name: &str) -> Option<&wfc_language::ir::OutputDecl> {
        let o = self.outputs.as_ref()?;
        o.declared.iter().find(|d| d.name == name)
    }

    /// Whether `e` reads an `int` output of the step.
    fn int_output(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::StepOutput {
                step,
                field,
                output: Some(name),
            } if *step == self.step && field == "outputs" => {
                self.declared(name).is_some_and(|d| d.ty == Type::Int)
            }
            _ => false,
        }
    }
}

/// The waits before each retry, in whole seconds (rounded up), as wfc's
/// runner computes them without jitter: `D·2^(k-1)` or `D·k`, capped by `max`.
pub fn delays(retry: &Retry) -> Vec<u64> {
    (1..=retry.count)
        .map(|k| {
            let Some(d) = retry.backoff_ms else { return 0 };
            let ms = retry.strategy.delay_ms(d, k);
            retry.max_ms.map_or(ms, |m| ms.min(m)).div_ceil(1000)
        })
        .collect()
}

/// Beyond this many retries the waits are computed in the loop.
const COMPACT: usize = 20;

/// The head of the retry loop for many attempts: `wfc_wait` is each
/// retry's wait as [`delays`] computes it (then `last`), in shell
/// arithmetic over numbers wfc computed.
fn compact_waits(retry: &Retry) -> String {
    let d = retry.backoff_ms.unwrap_or(0);
    let cap = retry.max_ms.map_or(String::new(), |m| {
        format!("\n    [ \"$wfc_ms\" -gt {m} ] && wfc_ms={m}")
    });
    let grow = match retry.strategy {
        Backoff::Linear => format!("wfc_ms=$(( {d} * wfc_k ))"),
        // 2^(k-1), its exponent capped at 40 as wfc's runner caps it.
        Backoff::Exponential => format!(
            "wfc_e=$(( wfc_k - 1 )); [ \"$wfc_e\" -gt 40 ] && wfc_e=40; wfc_ms=$(( {d} * (1 << wfc_e) ))"
        ),
        // Multiplied by the rate in thousandths per retry, from D; held at
        // the cap (or a day) so that the arithmetic never overflows.
        Backoff::Rate(m) => {
            let top = retry.max_ms.unwrap_or(86_400_000);
            format!(
                "if [ \"$wfc_k\" -eq 1 ]; then wfc_ms={d}; elif [ \"$wfc_ms\" -lt {top} ]; then wfc_ms=$(( (wfc_ms * {m} + 500) / 1000 )); fi"
            )
        }
    };
    format!(
        "wfc_k=0\nwhile :; do\n  wfc_k=$(( wfc_k + 1 ))\n  if [ \"$wfc_k\" -gt {} ]; then\n    wfc_wait=last\n  else\n    {grow}{cap}\n    wfc_wait=$(( (wfc_ms + 999) / 1000 ))\n  fi\n",
        retry.count
    )
}

/// `script` run up to `retry.count + 1` times: each attempt in a subshell,
/// the waits of the policy
/// between attempts, no new attempt past `within`. The last attempt's exit
/// status is the step's.
/// `when`: a shell test of `$wfc_status`; a failed attempt it rejects is
/// not retried.
/// `errexit`: each attempt under `set -e` (GitHub runs `sh -e`).
pub fn with_retries(
    script: &str,
    retry: &Retry,
    outputs: bool,
    when: Option<&str>,
    errexit: bool,
) -> String {
    let waits: Vec<String> = delays(retry).iter().map(u64::to_string).collect();
    let set_e = if errexit { "set -e\n" } else { "" };
    let mut out = format!(
        "# wfc: retry {}: each attempt in a subshell.\nwfc_attempt() (\n{set_e}{}\n)\nset +e\n",
        retry.count,
        script.trim_end()
    );
    if let Some(w) = retry.within_ms {
        out.push_str(&format!(
            "wfc_deadline=$(( $(date +%s) + {} ))\n",
            w.div_ceil(1000)
        ));
    }
    if waits.len() > COMPACT {
        // Many attempts: the waits computed in the loop, not listed.
        out.push_str(&compact_waits(retry));
    } else {
        out.push_str(&format!("for wfc_wait in {} last; do\n", waits.join(" ")));
    }
    if outputs {
        out.push_str("  : > \"$WF_OUTPUTS\"\n");
    }
    out.push_str(
        "  wfc_attempt\n  wfc_status=$?\n  [ \"$wfc_status\" -eq 0 ] && exit 0\n  [ \"$wfc_wait\" = last ] && exit \"$wfc_status\"\n",
    );
    if let Some(test) = when {
        out.push_str(&format!(
            "  if ! {test}; then echo \"wfc: not retried: its when is false (exit $wfc_status)\" >&2; exit \"$wfc_status\"; fi\n"
        ));
    }
    if retry.within_ms.is_some() {
        out.push_str(
            "  [ $(( $(date +%s) + wfc_wait )) -le \"$wfc_deadline\" ] || exit \"$wfc_status\"\n",
        );
    }
    out.push_str(
        "  echo \"wfc: attempt failed (exit $wfc_status); retrying in ${wfc_wait}s\" >&2\n  sleep \"$wfc_wait\"\ndone\n",
    );
    out
}
