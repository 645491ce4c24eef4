//! A webhook trigger's `when` on GitHub. `on webhook "/release"` is a
//! `repository_dispatch` of type `release`, whose body is the event's
//! `client_payload`; under `wfc serve` a delivery whose `when` is false
//! (or cannot be computed, E0810) starts nothing. GitHub's `on:` filters
//! are lists, and its expressions compare strings ignoring case, so the
//! condition is decided by a first job, `wfc-when`: `jq` evaluates it over
//! the payload (in `env:`, as every value the program reads: the program
//! holds only structure), with wfc's rules: a missing key is an error
//! unless `default(…)` stands for it, a function given another type is an
//! error, and an error is "false". Every job needs it and runs only on its
//! `go` ([`super::zoned::gate_jobs`]): a delivery it turns down skips the
//! run whole. Runs started otherwise always go on. What has no such
//! reading (headers and query, which a dispatch does not carry; other
//! functions; a secret) is E0766 at that part of the condition.

use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, Func, Trigger, TriggerInput, UnaryOp, Workflow};
use wfc_plan::eval::{self, Eval, Scope};
use wfc_plan::Plan;

/// The guard job's id and step id.
pub const ID: &str = "wfc-when";

/// The guard job deciding every webhook's `when`, None when no webhook has
/// one; the parts no program can decide go to `errors`.
pub fn guard(
    plan: &Plan,
    wf: &Workflow,
    runs_on: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let params = plan.param_values(wf.params.len());
    let mut program = Program {
        params: &params,
        values: Vec::new(),
    };
    let mut arms = Vec::new();
    for t in &plan.triggers {
        let Trigger::Webhook(h) = &t.trigger else {
            continue;
        };
        let Some(when) = &h.when else { continue };
        let first = program.values.len();
        let kind = program.value(json!(h.path.trim_start_matches('/')));
        // The values go into `env:`, where GitHub would evaluate `${{`.
        let cond = program.jq(when).and_then(|c| {
            let values = Json::Array(program.values[first..].to_vec()).to_string();
            super::values::literal(&values, when).map(|_| c)
        });
        match cond {
            Ok(cond) => arms.push(format!(
                "if env.WF_ACTION == {kind} then ({cond} | wfc_bool)"
            )),
            Err(d) => errors.push(d),
        }
    }
    if arms.is_empty() {
        return None;
    }
    let decide = format!("{} else true end", arms.join(" el"));
    let run = format!(
        "go=true\nif [ \"$WF_EVENT\" = repository_dispatch ]; then\n  go=$(jq -n --argjson v \"$WF_VALUES\" '{DEFS}\n(env.WF_PAYLOAD | fromjson) as $p | try ({}) catch false')\nfi\necho \"go=$go\" >> \"$GITHUB_OUTPUT\"",
        decide
    );
    Some(json!({
        "name": "when",
        "runs-on": runs_on,
        "outputs": { "go": format!("${{{{ steps.{ID}.outputs.go }}}}") },
        "steps": [{
            "id": ID,
            "shell": "sh",
            "env": {
                "WF_EVENT": "${{ github.event_name }}",
                "WF_ACTION": "${{ github.event.action }}",
                "WF_PAYLOAD": "${{ toJSON(github.event.client_payload) }}",
                "WF_VALUES": Json::Array(program.values).to_string(),
            },
            "run": run,
        }],
    }))
}

/// wfc's reading of a member (`null` has every member, as `null`), of a
/// bool, and of the arguments of a text function.
const DEFS: &str = r#"def wfc_get($k): if type == "null" then null elif type == "object" and ($k | type) == "string" then (if has($k) then .[$k] else error("wfc-missing") end) elif type == "array" and ($k | type) == "number" then (if $k >= 0 and $k < length then .[$k] else error("wfc-range") end) else error("wfc-type") end;
def wfc_bool: if type == "boolean" then . else error("wfc-type") end;
def wfc_texts: if (.[0] | type) == "string" and (.[1] | type) == "string" then . else error("wfc-type") end;
def wfc_order: if (.[0] | type) == (.[1] | type) and ((.[0] | type) == "number" or (.[0] | type) == "string") then . else error("wfc-type") end;
def wfc_in: .[0] as $x | .[1] as $c | if ($c | type) == "array" then any($c[]; . == $x) elif ($c | type) == "object" and ($x | type) == "string" then ($c | has($x)) elif ($c | type) == "string" and ($x | type) == "string" then ($c | contains($x)) else error("wfc-type") end;"#;

/// A `when` as a closed jq expression: the payload is `$p`, every value
/// `$v[N]` (N into `values`).
struct Program<'a> {
    params: &'a [Option<wfc_plan::Value>],
    values: Vec<Json>,
}

impl Program<'_> {
    fn value(&mut self, v: Json) -> String {
        self.values.push(v);
        format!("$v[{}]", self.values.len() - 1)
    }

    fn jq(&mut self, e: &Expr) -> Result<String, Diagnostic> {
        let refuse = |what: &str| {
            Diagnostic::error(
                "E0766",
                format!("GitHub Actions cannot decide this part of a trigger's `when`: {what}"),
            )
            .primary(e.span, "not decidable from a `repository_dispatch` payload")
            .help("read the body (`request.json…`) with `==`, `!=`, `<`, `&&`, `||`, `!`, `in`, `? :`, `default`, `starts_with`, `ends_with` and `contains`, or run this workflow with `wfc serve`")
        };
        if e.tainted {
            return Err(refuse("a secret (the guard job would hold it in clear)"));
        }
        if !reads_request(e) {
            let scope = Scope {
                params: self.params,
                loops: &[],
                pruned: &|_| false,
            };
            return match eval::eval(e, &scope) {
                Eval::Known(v) => Ok(self.value(v.to_json())),
                _ => Err(refuse("a value the export does not know")),
            };
        }
        let mut two = |a: &Expr, b: &Expr| -> Result<String, Diagnostic> {
            Ok(format!("[{}, {}]", self.jq(a)?, self.jq(b)?))
        };
        Ok(match &e.kind {
            ExprKind::TriggerInput(TriggerInput::RequestJson) => "$p".into(),
            ExprKind::TriggerInput(_) => {
                return Err(refuse(
                    "a request's headers or query, which a `repository_dispatch` does not carry",
                ))
            }
            ExprKind::Field(b, name) => {
                let k = self.value(json!(name));
                format!("({} | wfc_get({k}))", self.jq(b)?)
            }
            ExprKind::Index(b, i) => format!("({} | wfc_get({}))", self.jq(b)?, self.jq(i)?),
            ExprKind::Unary(UnaryOp::Not, a) => format!("({} | wfc_bool | not)", self.jq(a)?),
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                let word = if *op == BinaryOp::And { "and" } else { "or" };
                format!(
                    "(({} | wfc_bool) {word} ({} | wfc_bool))",
                    self.jq(a)?,
                    self.jq(b)?
                )
            }
            ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
                format!("({} as [$a, $b] | $a {} $b)", two(a, b)?, op.symbol())
            }
            ExprKind::Binary(
                op @ (BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge),
                a,
                b,
            ) => {
                format!("({} | wfc_order | .[0] {} .[1])", two(a, b)?, op.symbol())
            }
            ExprKind::Binary(BinaryOp::In, a, b) => format!("({} | wfc_in)", two(a, b)?),
            ExprKind::Cond(c, a, b) => format!(
                "(if ({} | wfc_bool) then {} else {} end)",
                self.jq(c)?,
                self.jq(a)?,
                self.jq(b)?
            ),
            ExprKind::Call(Func::StartsWith, args) | ExprKind::Call(Func::EndsWith, args)
                if args.len() == 2 =>
            {
                let f = match &e.kind {
                    ExprKind::Call(Func::StartsWith, _) => "startswith",
                    _ => "endswith",
                };
                format!(
                    "({} | wfc_texts | .[1] as $s | .[0] | {f}($s))",
                    two(&args[0], &args[1])?
                )
            }
            ExprKind::Call(Func::Contains, args) if args.len() == 2 => {
                format!(
                    "([{}, {}] | wfc_in)",
                    self.jq(&args[1])?,
                    self.jq(&args[0])?
                )
            }
            ExprKind::Call(Func::Default, args) if args.len() == 2 => {
                self.default(&args[0], &args[1])?
            }
            _ => return Err(refuse("this operation or function")),
        })
    }

    /// `default(x, y)`: `y` when `x` is `null`, or a member its object
    /// does not have (only the last member read: a missing one before it
    /// is still an error, as in wfc).
    fn default(&mut self, x: &Expr, y: &Expr) -> Result<String, Diagnostic> {
        let y = self.jq(y)?;
        let read = match &x.kind {
            ExprKind::Field(b, name) => {
                let k = self.value(json!(name));
                Some((self.jq(b)?, k))
            }
            ExprKind::Index(b, i) => Some((self.jq(b)?, self.jq(i)?)),
            _ => None,
        };
        Ok(match read {
            Some((base, k)) => format!(
                "({base} | if type == \"object\" and ({k} | type) == \"string\" and (has({k}) | not) then {y} else (wfc_get({k}) | if . == null then {y} else . end) end)"
            ),
            None => format!("({} | if . == null then {y} else . end)", self.jq(x)?),
        })
    }
}

/// Whether `e` reads the request (else the export knows its value).
fn reads_request(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x.kind, ExprKind::TriggerInput(_)));
    found
}
