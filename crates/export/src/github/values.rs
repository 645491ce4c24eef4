//! `.wf` expressions as GitHub Actions values: a param is `${{ inputs.NAME }}`,
//! a secret `${{ secrets.NAME }}`, a loop item or an expression over params
//! the text it folds to. These only ever land in `env:` (or in a script as
//! a quoted `$VARIABLE`), never spliced into a script.

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, InterpPart, Workflow};
use wfc_language::shell_syntax::{Context, ShellCommand};
use wfc_plan::eval::{self, Eval, Scope};
use wfc_plan::{Plan, PlannedStep, Value};

/// What an expression of one step instance is evaluated against.
pub struct Values<'a> {
    pub wf: &'a Workflow,
    params: Vec<Option<Value>>,
    loops: Vec<(wfc_language::ir::BlockId, Value)>,
    /// Runs start other ways too (schedule, `repository_dispatch`): those
    /// have no inputs, so a param falls back to the value bound at export.
    other_triggers: bool,
}

impl<'a> Values<'a> {
    pub fn new(plan: &Plan, wf: &'a Workflow, step: Option<&PlannedStep>) -> Values<'a> {
        let mut params = vec![None; wf.params.len()];
        for p in &plan.params {
            params[p.id] = Some(p.value.clone());
        }
        let loops = step
            .map(|s| s.items.iter().map(|(b, _, v)| (*b, v.clone())).collect())
            .unwrap_or_default();
        let other_triggers = !plan.triggers.is_empty();
        Values {
            wf,
            params,
            loops,
            other_triggers,
        }
    }

    /// The GitHub text of `e`: literal text with `${{ … }}` for params and secrets.
    pub fn text(&self, e: &Expr) -> Result<String, Diagnostic> {
        match &e.kind {
            ExprKind::Interp(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        InterpPart::Text(t) => out.push_str(&literal(t, e)?),
                        InterpPart::Expr(x) => out.push_str(&self.text(x)?),
                    }
                }
                Ok(out)
            }
            ExprKind::Param(id) => {
                let p = &self.wf.params[*id];
                let bound = self.params[*id].as_ref().map(Value::to_text);
                Ok(match bound {
                    _ if p.is_tainted() => {
                        format!("${{{{ secrets.{} }}}}", secret_name(&p.name))
                    }
                    Some(bound) if self.other_triggers => {
                        // `format` keeps a `false` input from reading as "no input".
                        let bound = literal(&bound, e)?.replace('\'', "''");
                        format!(
                            "${{{{ github.event_name == 'workflow_dispatch' && format('{{0}}', inputs.{}) || '{bound}' }}}}",
                            p.name
                        )
                    }
                    _ => format!("${{{{ inputs.{} }}}}", p.name),
                })
            }
            // A value computed from a secret would put the secret in the file.
            _ if e.tainted => Err(unsupported(e, "an expression over a secret")),
            _ => {
                let scope = Scope {
                    params: &self.params,
                    loops: &self.loops,
                    pruned: &|_| false,
                };
                match eval::eval(e, &scope) {
                    Eval::Known(v) => literal(&v.to_text(), e),
                    _ => Err(unsupported(e, "a value known only while the workflow runs")),
                }
            }
        }
    }

    /// A `run` script: literal text as written, every `${…}` a quoted
    /// `$WF_VALUE_N` whose value goes into `env`.
    pub fn script(&self, e: &Expr, env: &mut Vec<(String, String)>) -> Result<String, Diagnostic> {
        let parts: Vec<InterpPart> = match &e.kind {
            ExprKind::Interp(parts) => parts.clone(),
            ExprKind::Str(s) => vec![InterpPart::Text(s.clone())],
            _ => vec![InterpPart::Expr(e.clone())],
        };
        let mut cmd = ShellCommand::new();
        for part in &parts {
            match part {
                InterpPart::Text(t) => {
                    cmd.text(t);
                }
                InterpPart::Expr(x) => {
                    let taken = env
                        .iter()
                        .filter(|(k, _)| k.starts_with("WF_VALUE_"))
                        .count();
                    let name = format!("WF_VALUE_{}", taken + 1);
                    let shown = match cmd.context() {
                        Context::Bare => format!("\"${name}\""),
                        Context::DoubleQuoted => format!("${name}"),
                        Context::SingleQuoted => format!("'\"${name}\"'"),
                        _ => return Err(unsupported(x, "a value where the shell cannot quote it")),
                    };
                    env.push((name, self.text(x)?));
                    cmd.placeholder(&shown);
                }
            }
        }
        let script = cmd.finish();
        literal(&script, e)
    }
}

/// `text` as a literal GitHub value: `${{` would start an expression.
fn literal(text: &str, at: &Expr) -> Result<String, Diagnostic> {
    if text.contains("${{") {
        return Err(
            Diagnostic::error("E0733", "`${{` would start a GitHub Actions expression")
                .primary(at.span, "this text holds `${{`")
                .help("write it some other way (`$\\{{`) so GitHub does not evaluate it"),
        );
    }
    Ok(text.to_string())
}

/// The name of a `secret` param's repository secret: `slack_url` → `SLACK_URL`.
pub fn secret_name(param: &str) -> String {
    param.replace('-', "_").to_uppercase()
}

pub fn unsupported(e: &Expr, what: &str) -> Diagnostic {
    Diagnostic::error("E0733", format!("GitHub Actions cannot be given {what}"))
        .primary(e.span, "not exportable")
        .help("use params, secrets and loop items here, or run this workflow with `wfc run`")
}
