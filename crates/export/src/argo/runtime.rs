//! Values only the run knows, as Argo passes them: a step's output is an
//! output parameter of its task, handed to a reader as an input parameter
//! and read by the command from an environment variable (`$WF_VALUE_N`),
//! never spliced into the script's text.

use super::when::Producers;
use super::{diag, text};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, Expr, ExprKind, FailedField, Func, InterpPart, Workflow};
use wfc_language::shell_syntax::{Context, ShellCommand};

/// The input parameter of a `withItems` task's template holding `{{item}}`.
pub const ITEM_INPUT: &str = "wf-item";

/// What one step instance reads at run time, collected while its template is built.
pub struct RunTime<'p> {
    pub producers: &'p Producers,
    /// `--approximate`: approximations allowed, each a warning.
    pub approximate: bool,
    /// The loop whose variable is Argo's `{{item}}` (a `withItems` task, [`super::loops`]).
    pub item: Option<BlockId>,
    /// (input parameter, the task's argument for it).
    pub inputs: Vec<(String, String)>,
    /// (variable, value) for the container's `env`.
    pub env: Vec<(String, String)>,
    /// The pod's volumes (an approximated `mount`).
    pub volumes: Vec<Json>,
    /// A call's join: the tasks of the call's required steps ([`super::join`]).
    pub joined: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

impl<'p> RunTime<'p> {
    pub fn new(producers: &'p Producers, approximate: bool) -> RunTime<'p> {
        RunTime {
            producers,
            approximate,
            item: None,
            inputs: Vec::new(),
            env: Vec::new(),
            volumes: Vec::new(),
            joined: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The Argo text standing for a run-time value `x`, if it has one.
    fn source(&mut self, x: &Expr) -> Option<String> {
        match &x.kind {
            ExprKind::StepOutput {
                step,
                field,
                output: Some(name),
            } if field == "outputs" => {
                let task = self.producers.tasks.get(step)?;
                let input = format!("wf-value-{}", self.inputs.len() + 1);
                self.inputs.push((
                    input.clone(),
                    format!("{{{{tasks.{task}.outputs.parameters.{name}}}}}"),
                ));
                Some(format!("{{{{inputs.parameters.{input}}}}}"))
            }
            // The item reaches the step as an input parameter, like an output.
            ExprKind::LoopVar(b) if self.item == Some(*b) => {
                if !self.inputs.iter().any(|(n, _)| n == ITEM_INPUT) {
                    self.inputs.push((ITEM_INPUT.into(), "{{item}}".into()));
                }
                Some(format!("{{{{inputs.parameters.{ITEM_INPUT}}}}}"))
            }
            ExprKind::Failed(field) if self.approximate => {
                let what = match field {
                    FailedField::Step => "failed.step",
                    FailedField::Error => "failed.error",
                };
                self.warnings.push(diag::approximated(
                    x.span,
                    &format!("`{what}`"),
                    "it reads `{{workflow.failures}}`: a JSON list of every failed node (name, message), not one step's name or error",
                ));
                Some("{{workflow.failures}}".into())
            }
            _ => None,
        }
    }

    /// A new input parameter whose task argument is `argument` (Argo text
    /// such as `{{tasks.T.status}}`): its reference in the template.
    pub fn input(&mut self, argument: String) -> String {
        let input = format!("wf-value-{}", self.inputs.len() + 1);
        self.inputs.push((input.clone(), argument));
        format!("{{{{inputs.parameters.{input}}}}}")
    }

    /// Whether `e` reads anything [`RunTime::source`] can stand for.
    pub fn reads(e: &Expr) -> bool {
        let mut found = false;
        e.walk(&mut |x: &Expr| {
            found |= matches!(
                x.kind,
                ExprKind::StepOutput { .. } | ExprKind::Failed(_) | ExprKind::LoopVar(_)
            )
        });
        found
    }

    /// Whether `e` reads a step's output anywhere (a run-time condition).
    pub fn reads_outputs(e: &Expr) -> bool {
        let mut found = false;
        e.walk(&mut |x: &Expr| found |= matches!(x.kind, ExprKind::StepOutput { .. }));
        found
    }

    /// A whole value (an `env` entry) read at run time: its Argo text.
    pub fn value(&mut self, wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
        self.source(e).ok_or_else(|| refusal(wf, step, e))
    }

    /// A text value (a message) with run-time parts as Argo `{{…}}`
    /// references: Argo substitutes them into an env value, which is data.
    pub fn value_text(
        &mut self,
        wf: &Workflow,
        step: &str,
        e: &Expr,
    ) -> Result<String, Diagnostic> {
        let ExprKind::Interp(parts) = &e.kind else {
            return self.value(wf, step, e);
        };
        let mut out = String::new();
        // `out` with each of wfc's own `{{…}}` references as a blank: what
        // the author's text and values add must not hold `{{`.
        let mut theirs = String::new();
        for part in parts {
            match part {
                InterpPart::Text(t) => {
                    out.push_str(t);
                    theirs.push_str(t);
                }
                InterpPart::Expr(x) => match self.source(x) {
                    Some(v) => {
                        out.push_str(&v);
                        theirs.push(' ');
                    }
                    None => {
                        let v = text::plain(wf, step, x)?;
                        out.push_str(&v);
                        theirs.push_str(&v);
                    }
                },
            }
        }
        text::no_braces(step, e.span, theirs)?;
        Ok(out)
    }

    /// A `run` command: literal text as written, plan-time values quoted
    /// as `wfc run` quotes them, each run-time value a quoted `$WF_VALUE_N`
    /// whose value reaches the container's `env`.
    pub fn command(&mut self, wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
        let ExprKind::Interp(parts) = &e.kind else {
            let v = self.value(wf, step, e)?;
            self.env.push(("WF_VALUE_1".into(), v));
            return Ok("\"$WF_VALUE_1\"".into());
        };
        let mut cmd = ShellCommand::new();
        for part in parts {
            let x = match part {
                InterpPart::Text(t) => {
                    cmd.text(t);
                    continue;
                }
                InterpPart::Expr(x) => x,
            };
            if let ExprKind::Call(Func::Raw, args) = &x.kind {
                cmd.raw(&text::plain(wf, step, &args[0])?);
                continue;
            }
            if let wfc_language::ir::Type::List(_) = x.ty {
                // Its items are words of the command: known at export, they
                // are written as `wfc run` writes them; one value in `env`
                // would be one word.
                let words = text::words(wf, step, x)?;
                cmd.words(&words).map_err(|_| refusal(wf, step, x))?;
                continue;
            }
            if let Ok(literal) = text::plain(wf, step, x) {
                let mut tried = cmd.clone();
                if tried.value(&literal).is_ok() {
                    cmd = tried;
                    continue;
                }
            }
            let Some(value) = self.source(x) else {
                return Err(refusal(wf, step, x));
            };
            let var = format!("WF_VALUE_{}", self.env.len() + 1);
            let shown = match cmd.context() {
                Context::Bare => format!("\"${var}\""),
                Context::DoubleQuoted => format!("${var}"),
                Context::SingleQuoted => format!("'\"${var}\"'"),
                _ => {
                    return Err(diag::run_time_value(
                        x.span,
                        step,
                        "a run-time value where the shell cannot quote it",
                    ))
                }
            };
            self.env.push((var, value));
            cmd.placeholder(&shown);
        }
        text::no_braces(step, e.span, cmd.finish())
    }

    /// The template's `inputs` (absent when it reads nothing).
    pub fn template_inputs(&self) -> Option<Json> {
        (!self.inputs.is_empty()).then(|| {
            let ps: Vec<Json> = self
                .inputs
                .iter()
                .map(|(n, _)| json!({ "name": n }))
                .collect();
            json!({ "parameters": ps })
        })
    }

    /// The task's `arguments` (absent when it reads nothing).
    pub fn task_arguments(&self) -> Option<Json> {
        (!self.inputs.is_empty()).then(|| {
            let ps: Vec<Json> = self
                .inputs
                .iter()
                .map(|(n, v)| json!({ "name": n, "value": v }))
                .collect();
            json!({ "parameters": ps })
        })
    }
}

/// Why `e` cannot be given to the step: the plain-text diagnostic (a
/// secret, a run-time value with no Argo source).
fn refusal(wf: &Workflow, step: &str, e: &Expr) -> Diagnostic {
    match text::plain(wf, step, e) {
        Err(d) => d,
        Ok(_) => diag::run_time_value(e.span, step, "a value the shell cannot quote"),
    }
}
