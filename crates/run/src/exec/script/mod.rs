//! The `python` and `node` executors: `INTERPRETER FILE ARGS…` run as a
//! `shell` step's command is (its own process group, stdin closed, the same
//! streaming, capture, timeout, cancellation and clean-up: [`super::shell`]).
//!
//! The script is the rendered source ([`wfc_plan::script`]: values are
//! literals of the language, secrets are reads of environment variables),
//! written to a fresh 0600 file in wfc's scratch directory, or a `file`
//! relative to the workflow file's directory. The rendered source holds no
//! secret: those reach the process only through its environment
//! ([`ScriptSpec::secret_env`]), never a file, log or record.
//!
//! Environment, later wins: wfc's, the workflow's `env`, the step's `env`,
//! `NODE_PATH` (node `packages`), `WF_OUTPUTS` (as for shell), `WF_RESULT`
//! (a fresh empty file) and the secret reads. Outputs: `stdout`, `stderr`,
//! `exit_code` as for shell, and `result`: the JSON the script wrote to
//! `$WF_RESULT` (`null` when it wrote nothing). Declared `outputs { … }`
//! are the keys of that JSON object, checked against their declared types,
//! else `name=value` lines in `$WF_OUTPUTS`.
//!
//! `requirements` (python) and `packages` (node) are installed once into a
//! cache directory keyed by their hash (`deps.rs`).

mod deps;
mod result;

use super::shell::{follow, resolve_shell, start_error, OutputsFile};
use super::spawn::{start, Launch, Var};
use super::{Executor, Outcome, Status, StepContext};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
pub use wfc_plan::script::ScriptLang;

/// The name of `lang`'s step kind, as written in `.wf` files.
pub fn kind_name(lang: ScriptLang) -> &'static str {
    match lang {
        ScriptLang::Python => "python",
        ScriptLang::Node => "node",
    }
}

/// The interpreter a step of `lang` runs with when it names none.
/// Where the script's text comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ScriptSource {
    /// Rendered source (no secret in it), written to a scratch file.
    Inline(String),
    /// A file (a relative `file` was joined to the workflow file's
    /// directory when the step was prepared).
    File(PathBuf),
}

/// Environment variables whose values are secrets: `Debug` shows their
/// names only.
#[derive(Clone, Default, PartialEq)]
pub struct SecretEnv(pub Vec<(String, String)>);

impl std::fmt::Debug for SecretEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| format!("{k}=***")))
            .finish()
    }
}

/// An evaluated `python` or `node` step.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptSpec {
    pub lang: ScriptLang,
    /// The interpreter: a name on `PATH` or a path.
    pub interpreter: String,
    pub source: ScriptSource,
    /// The script's arguments (`sys.argv[1:]`, `process.argv.slice(2)`).
    pub args: Vec<String>,
    /// The workflow's `env { … }`, applied first.
    pub workflow_env: Vec<(String, String)>,
    /// The step's `env { … }`, applied over the workflow's.
    pub env: Vec<(String, String)>,
    /// The variables the rendered source reads its secrets from.
    pub secret_env: SecretEnv,
    /// Where to run (default: wfc's working directory).
    pub workdir: Option<PathBuf>,
    /// `requirements` (python) or `packages` (node) to install first.
    pub packages: Vec<String>,
    /// Give the step a fresh `$WF_OUTPUTS` file (see `ShellSpec`).
    pub outputs_file: bool,
    /// The file's `executor` and `resources` for the step, folded.
    pub placement: Option<wfc_plan::settings::Placement>,
}

impl ScriptSpec {
    /// A step of `lang` running `source` with the default interpreter.
    pub fn new(lang: ScriptLang, source: ScriptSource) -> Self {
        ScriptSpec {
            lang,
            interpreter: lang.default_interpreter().to_owned(),
            source,
            args: Vec::new(),
            workflow_env: Vec::new(),
            env: Vec::new(),
            secret_env: SecretEnv::default(),
            workdir: None,
            packages: Vec::new(),
            outputs_file: true,
            placement: None,
        }
    }
}

/// What a script step runs: the interpreter, the script file and what the
/// packages add to the environment. Shared by the local and Slurm runs.
pub(crate) struct Prepared {
    pub interpreter: PathBuf,
    /// The script's path; for an inline script, a scratch file removed on drop.
    pub script: ScriptFile,
    /// `NODE_PATH` for installed node packages.
    pub node_path: Option<OsString>,
}

/// Resolves the interpreter, installs the packages and finds or writes the
/// script; `dir` is where an inline script is written (else wfc's scratch
/// directory).
pub(crate) async fn prepare(
    ex: &Executor,
    spec: &ScriptSpec,
    ctx: &StepContext,
    dir: Option<&Path>,
) -> Result<Prepared, Outcome> {
    if let Some(d) = &spec.workdir {
        crate::paths::make_workdir(d).map_err(Outcome::failed)?;
    }
    let Some(interpreter) = resolve_shell(&spec.interpreter) else {
        return Err(Outcome::failed(format!(
            "interpreter `{}` not found on PATH: install it or name another with `interpreter \"…\"`",
            spec.interpreter
        )));
    };
    let script = match &spec.source {
        ScriptSource::File(path) if path.is_file() => ScriptFile::Given(path.clone()),
        ScriptSource::File(path) => {
            return Err(Outcome::failed(format!(
                "script file `{}` does not exist (a relative `file` is read from the workflow file's directory)",
                path.display()
            )))
        }
        ScriptSource::Inline(source) => {
            ScriptFile::write(spec.lang, source, dir)
                .map_err(|e| Outcome::failed(format!("cannot write the script file: {e}")))?
        }
    };
    let (interpreter, node_path) = if spec.packages.is_empty() {
        (interpreter, None)
    } else {
        match spec.lang {
            ScriptLang::Python => {
                let python = deps::python_env(ex, &interpreter, &spec.packages, ctx).await?;
                (python, None)
            }
            ScriptLang::Node => {
                let modules = deps::node_modules(ex, &interpreter, &spec.packages, ctx).await?;
                let mut path = modules.into_os_string();
                let mut set = spec.workflow_env.iter().chain(&spec.env).rev();
                let given = set.find(|(k, _)| k == "NODE_PATH").map(|(_, v)| v.into());
                if let Some(rest) = given.or_else(|| std::env::var_os("NODE_PATH")) {
                    if !rest.is_empty() {
                        path.push(":");
                        path.push(rest);
                    }
                }
                (interpreter, Some(path))
            }
        }
    };
    Ok(Prepared {
        interpreter,
        script,
        node_path,
    })
}

/// Reads a `$WF_RESULT` file into `outcome` (`result` and the declared
/// outputs' JSON).
pub(crate) fn read_result(path: &Path, outcome: &mut Outcome) -> Result<(), String> {
    result::read(path, outcome)
}

pub(crate) async fn run(ex: &Executor, spec: &ScriptSpec, ctx: &StepContext) -> Outcome {
    let prepared = match prepare(ex, spec, ctx, None).await {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let files = OutputsFile::create().and_then(|o| Ok((o, OutputsFile::create()?)));
    let (outputs_file, result_file) = match files {
        Ok(f) => f,
        Err(e) => return Outcome::failed(format!("cannot create the step's files: {e}")),
    };
    let outputs_path = if spec.outputs_file {
        outputs_file.0.as_os_str()
    } else {
        OsStr::new("/dev/null")
    };
    let mut vars: Vec<Var> = spec
        .workflow_env
        .iter()
        .chain(&spec.env)
        .map(|(k, v)| (OsStr::new(k), OsStr::new(v)))
        .collect();
    if let Some(p) = &prepared.node_path {
        vars.push((OsStr::new("NODE_PATH"), p));
    }
    vars.push((OsStr::new("WF_OUTPUTS"), outputs_path));
    vars.push((OsStr::new("WF_RESULT"), result_file.0.as_os_str()));
    vars.extend(
        (spec.secret_env.0.iter()).map(|(k, v)| (OsStr::new(k.as_str()), OsStr::new(v.as_str()))),
    );
    let nul = |s: &OsStr| s.as_encoded_bytes().contains(&0);
    if let Some((k, _)) = vars.iter().find(|(k, v)| nul(k) || nul(v)) {
        return Outcome::failed(format!(
            "cannot set up the environment: environment variable `{}` contains a NUL byte",
            k.to_string_lossy()
        ));
    }
    let script = prepared.script.path().to_string_lossy().into_owned();
    let args: Vec<&str> = std::iter::once(script.as_str())
        .chain(spec.args.iter().map(String::as_str))
        .collect();
    let launch = Launch {
        program: &prepared.interpreter,
        arg0: None,
        args: &args,
        vars,
        workdir: spec.workdir.as_deref(),
        supervised: ex.opts.supervise,
    };
    let child = match start(&launch) {
        Ok(c) => c,
        Err(e) => return Outcome::failed(start_error(&spec.interpreter, &e)),
    };
    let mut outcome = follow(ex, child, ctx).await;
    if let (Status::Failed, Some(code)) = (outcome.status, outcome.exit_code) {
        if let Some(line) = error_line(&outcome.stderr.text) {
            outcome.error = Some(format!("exit code {code}: {}", super::excerpt(line, 200)));
        }
    }
    if outcome.status == Status::Succeeded {
        if spec.outputs_file {
            match outputs_file.read() {
                Ok(declared) => outcome.declared = declared,
                Err(e) => return fail(outcome, e),
            }
        }
        if let Err(e) = result::read(&result_file.0, &mut outcome) {
            return fail(outcome, e);
        }
    }
    outcome
}

/// The line of a failed script's stderr that says what went wrong: the
/// last one, but for the stack (`at …`) and `Node.js vX` lines Node
/// prints after an uncaught error's message.
fn error_line(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Node.js v") && !l.starts_with("at "))
}

/// `outcome`, failed with `why`.
pub(crate) fn fail(mut outcome: Outcome, why: String) -> Outcome {
    outcome.status = Status::Failed;
    outcome.error = Some(why);
    outcome
}

/// The script a step runs.
pub(crate) enum ScriptFile {
    /// The step's `file`: not wfc's to remove.
    Given(PathBuf),
    /// The rendered source, written by wfc; removed on drop.
    Written(PathBuf),
}

impl ScriptFile {
    /// Writes `source` to a new file only its owner may read (0600) in
    /// `dir`, else in wfc's scratch directory; its name is random, so wfc
    /// processes sharing `dir` (a Slurm job root) never collide.
    fn write(lang: ScriptLang, source: &str, dir: Option<&Path>) -> std::io::Result<Self> {
        let ext = match lang {
            ScriptLang::Python => "py",
            // Node reads `.js` by `package.json`'s `type`: none here, CommonJS.
            ScriptLang::Node => "js",
        };
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => super::scratch::dir()?,
        };
        let mut file = tempfile::Builder::new()
            .prefix("script-")
            .suffix(&format!(".{ext}"))
            .tempfile_in(&dir)?;
        file.write_all(source.as_bytes())?;
        let (_, path) = file.keep().map_err(|e| e.error)?;
        Ok(ScriptFile::Written(path))
    }

    pub(crate) fn path(&self) -> &Path {
        match self {
            ScriptFile::Given(p) | ScriptFile::Written(p) => p,
        }
    }
}

impl Drop for ScriptFile {
    fn drop(&mut self) {
        if let ScriptFile::Written(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}
