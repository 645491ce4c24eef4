//! Values only the run knows, as Argo passes them: a step's output is an
//! output parameter of its task, handed to a reader as an input parameter
//! and read by the command from an environment variable (`$WF_VALUE_N`),
//! never spliced into the script's text. So are a step's stdout (kept by
//! its producer, [`super::stdout`]), its status (`{{tasks.T.status}}`), a
//! gate's `passed` and `run.id`, `run.started` and `run.status`
//! (`{{workflow.name}}`, `{{workflow.creationTimestamp}}`,
//! `{{workflow.status}}`). A value Argo gives in its own words (a phase) is
//! turned into wfc's by a fixed line of shell before the command (the
//! *prelude*), over the variable only.

use super::when::Producers;
use super::{diag, text};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockId, Expr, ExprKind, Func, InterpPart, RunField, Workflow};
use wfc_language::shell_syntax::{Context, ShellCommand};

/// How the shell turns a value Argo gives in its own words into wfc's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Convert {
    /// A task's phase as wfc's status (`Succeeded` → `succeeded`, …).
    Status,
    /// A check gate's phase as its `passed`: skipped (its `when`, the
    /// negated check, was false) → `true`.
    Passed,
    /// `{{workflow.status}}` as `run.status`.
    RunStatus,
    /// A slack or email step's phase as its `delivered`: `Succeeded`.
    Delivered,
}

impl Convert {
    /// The `case` arms mapping Argo's word to wfc's.
    fn arms(self) -> &'static str {
        match self {
            Convert::Status => "Succeeded) echo succeeded ;; Failed|Error) echo failed ;; Skipped) echo skipped ;; Omitted) echo not_run ;; *) echo unknown ;;",
            Convert::Passed => "Skipped|Succeeded) echo true ;; *) echo false ;;",
            Convert::RunStatus => "Succeeded) echo succeeded ;; *) echo failed ;;",
            Convert::Delivered => "Succeeded) echo true ;; *) echo false ;;",
        }
    }
}

/// Where a run-time value comes from.
pub(super) enum Raw {
    /// A task's argument (`{{tasks.T.outputs.parameters.N}}`).
    Task(String),
    /// Text any template may hold (`{{workflow.name}}`).
    Global(String),
    /// The `withItems` task's `{{item}}`.
    Item,
}

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
    /// (variable, secret param) for the container's `env`: each a
    /// `secretKeyRef`, never a value.
    pub secrets: Vec<(String, String)>,
    /// The pod's volumes (a `mount`).
    pub volumes: Vec<Json>,
    /// Containers run before the step's (the clone a `mount` of the
    /// repository needs, [`super::mount`]).
    pub init_containers: Vec<Json>,
    /// A call's join: the tasks of the call's required steps ([`super::join`]).
    pub joined: Vec<String>,
    /// Lines of shell run before the command: each turns a variable's
    /// value from Argo's words into wfc's.
    pub prelude: Vec<String>,
    /// The workflow's name (`run.workflow`).
    pub workflow: String,
    /// Another step reads this step's stdout: its script keeps it.
    pub keeps_stdout: bool,
    /// Files in `/tmp/wf-outputs` other steps read, output parameters too:
    /// a sql step's `rows` / `row_count` ([`super::sql`]), an http step's
    /// answer, a script's result ([`super::answer`]).
    pub file_outputs: Vec<&'static str>,
    /// The artifacts this step keeps ([`super::files`]).
    pub kept: Vec<super::files::Kept>,
    /// The artifacts of earlier steps it unpacks: (template input, task argument).
    pub artifacts_in: Vec<(Json, Json)>,
    /// In an `on failure` handler: the task that finds the failed step
    /// ([`super::failed`]), and whether this step reads it.
    pub failed: Option<String>,
    pub reads_failed: bool,
    /// The command's `"$@"` is a kept artifact's files ([`super::files::words`]).
    pub artifact_words: bool,
    pub warnings: Vec<Diagnostic>,
    /// This step's task (the computing tasks are named after it).
    pub task: String,
    /// The tasks of each instance of a loop's step read as a list.
    pub lists: Vec<(wfc_language::ir::StepId, Vec<String>)>,
    /// Values computed by tasks before this one ([`super::computed`]).
    pub computed: Vec<super::computed::Task>,
    /// A member of a raced `wait any` ([`super::race`]): its template must
    /// be a container script (an `http` step the curl one).
    pub race_member: bool,
}

impl<'p> RunTime<'p> {
    pub fn new(producers: &'p Producers, approximate: bool, workflow: &str) -> RunTime<'p> {
        RunTime {
            producers,
            approximate,
            item: None,
            inputs: Vec::new(),
            env: Vec::new(),
            secrets: Vec::new(),
            volumes: Vec::new(),
            init_containers: Vec::new(),
            joined: Vec::new(),
            prelude: Vec::new(),
            workflow: workflow.to_owned(),
            keeps_stdout: false,
            file_outputs: Vec::new(),
            kept: Vec::new(),
            artifacts_in: Vec::new(),
            failed: None,
            reads_failed: false,
            artifact_words: false,
            warnings: Vec::new(),
            task: String::new(),
            lists: Vec::new(),
            computed: Vec::new(),
            race_member: false,
        }
    }

    /// An input parameter whose task argument is `argument`: its reference.
    fn argument(&mut self, argument: String) -> String {
        let input = format!("wf-value-{}", self.inputs.len() + 1);
        self.inputs.push((input.clone(), argument));
        format!("{{{{inputs.parameters.{input}}}}}")
    }

    /// The Argo text standing for a run-time value `x`, if it has one, and
    /// how the shell turns it into wfc's value; else, a value computed by
    /// a task of its own before the step ([`super::computed`]).
    fn source(&mut self, x: &Expr) -> Option<(String, Option<Convert>)> {
        // JSON text (`x.json`, `x.result`) is parsed, then written as wfc does.
        let raw = if super::answer::parsed(x) {
            None
        } else {
            self.raw(x)
        };
        let Some((raw, convert)) = raw else {
            let task = self.compute(x, false)?;
            let read = format!("{{{{tasks.{task}.outputs.result}}}}");
            return Some((self.argument(read), None));
        };
        let text = match raw {
            Raw::Task(read) => self.argument(read),
            Raw::Global(text) => text,
            // The item reaches the step as an input parameter, like an output.
            Raw::Item => {
                if !self.inputs.iter().any(|(n, _)| n == ITEM_INPUT) {
                    self.inputs.push((ITEM_INPUT.into(), "{{item}}".into()));
                }
                format!("{{{{inputs.parameters.{ITEM_INPUT}}}}}")
            }
        };
        if matches!(x.kind, ExprKind::Failed(_)) {
            self.reads_failed = true;
        }
        Some((text, convert))
    }

    /// Where a run-time value `x` is read from, if Argo gives it.
    pub(super) fn raw(&self, x: &Expr) -> Option<(Raw, Option<Convert>)> {
        if let Some((step, trim)) = crate::stdout_reads::read(x) {
            return self.producers.parameter(step, super::stdout::output(trim));
        }
        let task = |read: String| Some((Raw::Task(read), None));
        match &x.kind {
            ExprKind::StepOutput {
                step,
                field,
                output: Some(name),
            } if field == "outputs" => self.producers.parameter(*step, name),
            // A sql step's, handed on as parameters ([`super::sql`]).
            ExprKind::StepOutput {
                step,
                field,
                output: None,
            } if matches!(field.as_str(), "rows" | "row_count") => {
                self.producers.parameter(*step, field)
            }
            // An http step's answer, a script's result ([`super::answer`]).
            ExprKind::StepOutput {
                step,
                field,
                output: None,
            } if super::answer::parameter(field).is_some() => self
                .producers
                .parameter(*step, super::answer::parameter(field)?),
            // A check gate's task is skipped when its check held.
            ExprKind::StepOutput {
                step,
                field,
                output: None,
            } if field == "passed" && self.producers.gates.contains(step) => {
                let task_name = self.producers.tasks.get(step)?;
                let read = format!("{{{{tasks.{task_name}.status}}}}");
                Some((Raw::Task(read), Some(Convert::Passed)))
            }
            ExprKind::StepOutput {
                step,
                field,
                output: None,
            } if field == "delivered" && self.producers.delivers.contains(step) => {
                let task_name = self.producers.tasks.get(step)?;
                let read = format!("{{{{tasks.{task_name}.status}}}}");
                Some((Raw::Task(read), Some(Convert::Delivered)))
            }
            ExprKind::StepStatus(step) => {
                let task_name = self.producers.tasks.get(step)?;
                let read = format!("{{{{tasks.{task_name}.status}}}}");
                Some((Raw::Task(read), Some(Convert::Status)))
            }
            ExprKind::Run(RunField::Id) => Some((Raw::Global("{{workflow.name}}".into()), None)),
            ExprKind::Run(RunField::Workflow) => Some((Raw::Global(self.workflow.clone()), None)),
            ExprKind::Run(RunField::Started) => {
                Some((Raw::Global("{{workflow.creationTimestamp}}".into()), None))
            }
            ExprKind::Run(RunField::Status) => Some((
                Raw::Global("{{workflow.status}}".into()),
                Some(Convert::RunStatus),
            )),
            ExprKind::LoopVar(b) if self.item == Some(*b) => Some((Raw::Item, None)),
            ExprKind::Failed(field) => {
                let task_name = self.failed.as_ref()?;
                let name = super::failed::parameter(*field);
                task(format!(
                    "{{{{tasks.{task_name}.outputs.parameters.{name}}}}}"
                ))
            }
            _ => None,
        }
    }

    /// `source` for env variable `var`: a conversion becomes a line of the
    /// prelude (`export`ed when the command reads the variable itself).
    fn source_for(&mut self, x: &Expr, var: &str, export: bool) -> Option<String> {
        let (text, convert) = self.source(x)?;
        if let Some(c) = convert {
            let export = if export { "export " } else { "" };
            self.prelude.push(format!(
                "{export}{var}=$(case \"${var}\" in {} esac)",
                c.arms()
            ));
        }
        Some(text)
    }

    /// A `json` body over values only the run knows, computed by a task
    /// before this one: its input parameter's reference.
    pub fn computed_json(&mut self, e: &Expr) -> Option<String> {
        let task = self.compute(e, true)?;
        Some(self.argument(format!("{{{{tasks.{task}.outputs.result}}}}")))
    }

    /// A new input parameter whose task argument is `argument` (Argo text
    /// such as `{{tasks.T.status}}`): its reference in the template.
    pub fn input(&mut self, argument: String) -> String {
        self.argument(argument)
    }

    /// Whether `e` reads anything [`RunTime::source`] can stand for.
    pub fn reads(e: &Expr) -> bool {
        let mut found = false;
        e.walk(&mut |x: &Expr| {
            found |= matches!(
                x.kind,
                ExprKind::StepOutput { .. }
                    | ExprKind::StepStatus(_)
                    | ExprKind::Failed(_)
                    | ExprKind::LoopVar(_)
                    | ExprKind::Run(_)
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

    /// A whole value read at run time where no shell can turn Argo's words
    /// into wfc's (a call's output, a message part): its Argo text.
    pub fn value(&mut self, wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
        // Argo's own word (`Succeeded`) where no shell reads it: a jq task
        // turns it into wfc's ([`super::computed`]).
        if matches!(self.raw(e), Some((_, Some(_)))) {
            if let Some(task) = self.compute(e, false) {
                return Ok(self.argument(format!("{{{{tasks.{task}.outputs.result}}}}")));
            }
        }
        match self.source(e) {
            Some((text, None)) => Ok(text),
            Some((_, Some(_))) => Err(diag::run_time_value(
                e.span,
                step,
                "a status (or a gate's `passed`, `run.status`) where no shell reads it: Argo gives it as its own word (`Succeeded`), which only a command's shell turns into wfc's; read it in a `run` or `env`",
            )),
            None => Err(refusal(wf, step, e)),
        }
    }

    /// A whole value given to the container as env variable `var` (an
    /// `env` entry, a script's value): its Argo text; a conversion is
    /// `export`ed by the prelude.
    pub fn env_value(
        &mut self,
        wf: &Workflow,
        step: &str,
        var: &str,
        e: &Expr,
    ) -> Result<String, Diagnostic> {
        self.source_for(e, var, true)
            .ok_or_else(|| refusal(wf, step, e))
    }

    /// The input artifact (its template input's name) holding the files
    /// `x` reads, when `x` is `STEP.artifacts.NAME` of a step whose
    /// artifacts this one unpacks.
    fn artifact_input(&self, x: &Expr) -> Option<String> {
        let ExprKind::StepOutput {
            step,
            field,
            output: Some(name),
        } = &x.kind
        else {
            return None;
        };
        if field != "artifacts" {
            return None;
        }
        let task = self.producers.tasks.get(step)?;
        let input = format!("{task}--{name}");
        self.artifacts_in
            .iter()
            .any(|(t, _)| t["name"] == input.as_str())
            .then_some(input)
    }

    /// `run` with the prelude before it (POSIX shell: `case` and `$(…)`).
    /// The folder a script's own files go in: a race member's own
    /// (`$RUNNER_TEMP`, set by the driver), as its members share a pod.
    pub fn tmp(&self) -> &'static str {
        if self.race_member {
            "$RUNNER_TEMP"
        } else {
            "/tmp"
        }
    }

    pub fn with_prelude(&self, run: String) -> String {
        if self.prelude.is_empty() {
            return run;
        }
        format!("{}\n{run}", self.prelude.join("\n"))
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
                InterpPart::Expr(x) if RunTime::reads(x) => {
                    out.push_str(&self.value(wf, step, x)?);
                    theirs.push(' ');
                }
                InterpPart::Expr(x) => {
                    let v = text::plain(wf, step, x)?;
                    out.push_str(&v);
                    theirs.push_str(&v);
                }
            }
        }
        text::no_braces(step, e.span, theirs)?;
        Ok(out)
    }

    /// A `run` command: literal text as written, plan-time values quoted
    /// as `wfc run` quotes them, each run-time value a quoted `$WF_VALUE_N`
    /// whose value reaches the container's `env`.
    pub fn command(&mut self, wf: &Workflow, step: &str, e: &Expr) -> Result<String, Diagnostic> {
        let text;
        let parts = match &e.kind {
            ExprKind::Interp(parts) => parts,
            ExprKind::Str(s) => {
                text = [InterpPart::Text(s.clone())];
                &text[..]
            }
            _ => {
                let var = format!("WF_VALUE_{}", self.env.len() + 1);
                let v = self
                    .source_for(e, &var, false)
                    .ok_or_else(|| refusal(wf, step, e))?;
                self.env.push((var.clone(), v));
                return Ok(format!("\"${var}\""));
            }
        };
        let mut cmd = ShellCommand::new();
        for part in parts {
            let x = match part {
                InterpPart::Text(t) => {
                    split_braces(&mut cmd, t);
                    continue;
                }
                InterpPart::Expr(x) => x,
            };
            if let ExprKind::Call(Func::Raw, args) = &x.kind {
                cmd.raw(&text::plain(wf, step, &args[0])?);
                continue;
            }
            // A kept artifact's files: the command's positional parameters.
            if let Some(input) = self.artifact_input(x) {
                if self.artifact_words || cmd.context() != Context::Bare {
                    return Err(diag::run_time_value(
                        x.span,
                        step,
                        "a kept artifact's files as words other than one bare list of the command (they are its `\"$@\"`)",
                    ));
                }
                self.artifact_words = true;
                self.prelude.push(super::files::words(&input));
                cmd.placeholder("\"$@\"");
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
            // A secret, as it is: a `secretKeyRef` env var, never its value.
            let secret = text::whole_secret(wf, x);
            let var = match secret {
                Some(_) => format!("WFC_SECRET_{}", self.secrets.len() + 1),
                None => format!("WF_VALUE_{}", self.env.len() + 1),
            };
            let value = match &secret {
                Some(key) => key.clone(),
                None => match self.source_for(x, &var, false) {
                    Some(v) => v,
                    None => return Err(refusal(wf, step, x)),
                },
            };
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
            if secret.is_some() {
                self.secrets.push((var, value));
            } else {
                self.env.push((var, value));
            }
            cmd.placeholder(&shown);
        }
        text::no_braces(step, e.span, cmd.finish())
    }

    /// The template's `inputs` (absent when it reads nothing).
    pub fn template_inputs(&self) -> Option<Json> {
        let mut inputs = serde_json::Map::new();
        if !self.inputs.is_empty() {
            let ps: Vec<Json> = self
                .inputs
                .iter()
                .map(|(n, _)| json!({ "name": n }))
                .collect();
            inputs.insert("parameters".into(), json!(ps));
        }
        if !self.artifacts_in.is_empty() {
            let arts: Vec<Json> = self.artifacts_in.iter().map(|(t, _)| t.clone()).collect();
            inputs.insert("artifacts".into(), json!(arts));
        }
        (!inputs.is_empty()).then_some(Json::Object(inputs))
    }

    /// The task's `arguments` (absent when it reads nothing).
    pub fn task_arguments(&self) -> Option<Json> {
        let mut args = serde_json::Map::new();
        if !self.inputs.is_empty() {
            let ps: Vec<Json> = self
                .inputs
                .iter()
                .map(|(n, v)| json!({ "name": n, "value": v }))
                .collect();
            args.insert("parameters".into(), json!(ps));
        }
        if !self.artifacts_in.is_empty() {
            let arts: Vec<Json> = self.artifacts_in.iter().map(|(_, a)| a.clone()).collect();
            args.insert("artifacts".into(), json!(arts));
        }
        (!args.is_empty()).then_some(Json::Object(args))
    }
}

/// Feeds the command's literal text `t` to `cmd`, writing each `{{` Argo
/// would expand as the same word of the shell with an empty quoted string
/// between the braces: `{''{` bare or in `'…'`, `{""{` in `"…"`. Where an
/// empty string is not nothing (a here-document, `${…}`, arithmetic,
/// backquotes, `$'…'`) the `{{` stays, and the command is refused (E0727).
fn split_braces(cmd: &mut ShellCommand, t: &str) {
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        cmd.text(&rest[..=i]);
        let empty = match cmd.context() {
            Context::Bare | Context::SingleQuoted | Context::Comment => "''",
            Context::DoubleQuoted => "\"\"",
            _ => "",
        };
        cmd.text(empty);
        rest = &rest[i + 1..];
    }
    cmd.text(rest);
}

/// Why `e` cannot be given to the step: the plain-text diagnostic (a
/// secret, a run-time value with no Argo source).
fn refusal(wf: &Workflow, step: &str, e: &Expr) -> Diagnostic {
    match text::plain(wf, step, e) {
        Err(d) => d,
        Ok(_) => diag::run_time_value(e.span, step, "a value the shell cannot quote"),
    }
}
