//! The case builder for end-to-end tests: a [`Case`] is a temporary
//! directory holding a workflow and any other files, where the real `wfc`
//! binary runs; an [`Invocation`] is one command in it (arguments,
//! environment, stdin, and what to expect of its exit code and output);
//! its [`Output`] is what the command did, for further asserts.
//!
//! ```no_run
//! # fn example(wfc: &str) {
//! use wfc_testkit::Case;
//! // An end-to-end test passes `env!("CARGO_BIN_EXE_wfc")`.
//! let case = Case::new(wfc).file("ci.wf", "workflow ci {}\n");
//! let out = case
//!     .wfc(["check", "ci.wf"])
//!     .status(0)
//!     .stderr_has("ci.wf: ok")
//!     .output();
//! assert!(out.stdout.is_empty());
//! # }
//! ```
//!
//! Every command gets `NO_COLOR=1` and no `WFC_STATE_DIR` (so a developer's
//! own settings cannot change what a test sees), and an empty stdin unless
//! the test gives one. Environment is given to the child, never set in the
//! test process: the tests of one binary run as threads of one process.

use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The file [`Case::workflow`] writes and [`Case::wfc_run`] runs.
pub const WORKFLOW: &str = "w.wf";

/// A temporary directory to run `wfc` in, removed when the case is dropped.
pub struct Case {
    dir: tempfile::TempDir,
    wfc: PathBuf,
    /// The run store every `wfc` of the case uses (`WFC_STORE`), when the
    /// suite runs on PostgreSQL ([`crate::test_store`]).
    store: Option<String>,
}

impl Case {
    /// An empty directory, for the `wfc` binary at `wfc` (an end-to-end
    /// test passes `env!("CARGO_BIN_EXE_wfc")`).
    pub fn new(wfc: impl Into<PathBuf>) -> Case {
        Case {
            dir: tempfile::tempdir().expect("a temporary directory"),
            wfc: wfc.into(),
            store: crate::test_store::fresh(),
        }
    }

    /// The `WFC_STORE` of the case's commands (a PostgreSQL URL, a schema
    /// of the case's own), when `WFC_TEST_STORE` asks for one.
    pub fn store(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// With `text` written to `name` (folders made as needed).
    pub fn file(self, name: &str, text: &str) -> Case {
        self.write(name, text);
        self
    }

    /// With `text` as the workflow [`WORKFLOW`].
    pub fn workflow(self, text: &str) -> Case {
        self.file(WORKFLOW, text)
    }

    /// The case's directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside the case's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The `wfc` binary the case runs.
    pub fn wfc_path(&self) -> &Path {
        &self.wfc
    }

    /// Writes `text` to `name` (folders made as needed).
    pub fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// The text of `name`; empty when there is no such file (a step that
    /// never ran left nothing).
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// The lines of `name` (none when there is no such file).
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.read(name).lines().map(str::to_owned).collect()
    }

    /// The run report `report.json` (`wfc run -o report.json`).
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("report.json")).expect("report.json is JSON")
    }

    /// Waits until `name` exists and holds more than whitespace; false when
    /// it still does not after `within`.
    pub fn wait_for_file(&self, name: &str, within: Duration) -> bool {
        crate::wait_until(within, || !self.read(name).trim().is_empty())
    }

    /// `wfc ARGS` in the case's directory.
    pub fn wfc<I, S>(&self, args: I) -> Invocation<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Invocation::new(self, Command::new(&self.wfc)).args(args)
    }

    /// `wfc run w.wf --plain --no-store ARGS`: the workflow run without a
    /// terminal or a store, as most run tests want it.
    pub fn wfc_run(&self, args: &[&str]) -> Invocation<'_> {
        self.wfc(["run", WORKFLOW, "--plain", "--no-store"])
            .args(args)
    }

    /// [`Self::wfc_run`] with `args`, run to the end, expecting nothing.
    pub fn run(&self, args: &[&str]) -> Output {
        self.wfc_run(args).output()
    }

    /// `sh -c SCRIPT` in the case's directory, with `$0` the `wfc` binary:
    /// for what a shell sets up around wfc (`ulimit`, pipes, `exec 7>f`).
    pub fn shell(&self, script: &str) -> Invocation<'_> {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(script).arg(&self.wfc);
        Invocation::new(self, sh)
    }
}

/// What an [`Invocation`] expects of one output stream.
enum Expect {
    Is(String),
    Has(String),
    Lacks(String),
}

impl Expect {
    /// Why `text` does not meet the expectation, if it does not.
    fn check(&self, stream: &str, text: &str) -> Option<String> {
        match self {
            Expect::Is(want) if text != want => Some(format!("{stream} is not {want:?}")),
            Expect::Has(part) if !text.contains(part.as_str()) => {
                Some(format!("{stream} does not contain {part:?}"))
            }
            Expect::Lacks(part) if text.contains(part.as_str()) => {
                Some(format!("{stream} contains {part:?}"))
            }
            _ => None,
        }
    }
}

/// One command in a [`Case`]'s directory: build it, say what to expect,
/// then run it with [`Self::output`] (or start it with [`Self::spawn`]).
#[must_use = "an invocation does nothing until `output` or `spawn`"]
pub struct Invocation<'a> {
    case: &'a Case,
    command: Command,
    stdin: Option<Vec<u8>>,
    status: Option<i32>,
    stdout: Vec<Expect>,
    stderr: Vec<Expect>,
}

impl<'a> Invocation<'a> {
    fn new(case: &'a Case, mut command: Command) -> Invocation<'a> {
        command
            .current_dir(case.dir())
            .env("NO_COLOR", "1")
            .env_remove("WFC_STATE_DIR");
        match case.store() {
            Some(url) => command.env("WFC_STORE", url),
            None => command.env_remove("WFC_STORE"),
        };
        Invocation {
            case,
            command,
            stdin: None,
            status: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// The case's `.wfc` is the command's store, wherever its workflow
    /// is: a file of the checkout (an example) would otherwise find or
    /// place one beside it, which the test did not make.
    pub fn own_store(mut self) -> Self {
        self.command.env("WFC_STATE_DIR", self.case.path(".wfc"));
        self
    }

    /// Sets `key` in the command's environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Sets each `(key, value)` in the command's environment.
    pub fn envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.command.envs(vars);
        self
    }

    /// Leaves `key` out of the command's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Runs in `dir` (relative to the case's directory, or absolute).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(self.case.dir().join(dir));
        self
    }

    /// Gives `text` as stdin (else stdin is empty).
    pub fn stdin(mut self, text: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(text.into());
        self
    }

    /// Expects exit code `code`.
    pub fn status(mut self, code: i32) -> Self {
        self.status = Some(code);
        self
    }

    /// Expects exit code 0.
    pub fn success(self) -> Self {
        self.status(0)
    }

    /// Expects stdout to be exactly `text`.
    pub fn stdout(mut self, text: impl Into<String>) -> Self {
        self.stdout.push(Expect::Is(text.into()));
        self
    }

    /// Expects stdout to contain `part`.
    pub fn stdout_has(mut self, part: impl Into<String>) -> Self {
        self.stdout.push(Expect::Has(part.into()));
        self
    }

    /// Expects stdout not to contain `part`.
    pub fn stdout_lacks(mut self, part: impl Into<String>) -> Self {
        self.stdout.push(Expect::Lacks(part.into()));
        self
    }

    /// Expects stderr to be exactly `text`.
    pub fn stderr(mut self, text: impl Into<String>) -> Self {
        self.stderr.push(Expect::Is(text.into()));
        self
    }

    /// Expects stderr to contain `part`.
    pub fn stderr_has(mut self, part: impl Into<String>) -> Self {
        self.stderr.push(Expect::Has(part.into()));
        self
    }

    /// Expects stderr not to contain `part`.
    pub fn stderr_lacks(mut self, part: impl Into<String>) -> Self {
        self.stderr.push(Expect::Lacks(part.into()));
        self
    }

    /// Runs the command to the end and checks every expectation; on a
    /// mismatch it panics naming each one, with the whole output.
    #[track_caller]
    pub fn output(mut self) -> Output {
        let child = self.start();
        let out = child.wait_with_output().expect("the command's output");
        let out = Output::from(out);
        let mut wrong = Vec::new();
        if let Some(code) = self.status.filter(|&c| c != out.code) {
            wrong.push(format!("exit code is {}, not {code}", out.code));
        }
        wrong.extend(
            self.stdout
                .iter()
                .filter_map(|e| e.check("stdout", &out.stdout)),
        );
        wrong.extend(
            self.stderr
                .iter()
                .filter_map(|e| e.check("stderr", &out.stderr)),
        );
        assert!(
            wrong.is_empty(),
            "{:?}:\n  {}\n{out}",
            self.command,
            wrong.join("\n  ")
        );
        out
    }

    /// Starts the command in the background, stdin empty (unless given,
    /// then closed once written) and stdout and stderr piped. Expectations
    /// are for [`Self::output`]: a spawned command has none.
    pub fn spawn(mut self) -> Child {
        assert!(
            self.status.is_none() && self.stdout.is_empty() && self.stderr.is_empty(),
            "expectations are checked by `output`, not `spawn`"
        );
        self.start()
    }

    /// Starts the command: stdin empty, or `self.stdin` written then closed;
    /// stdout and stderr piped.
    fn start(&mut self) -> Child {
        let stdin = self.stdin.take();
        let mut child = self
            .command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.command));
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A command that does not read its stdin may be gone before the write.
            let _ = pipe.write_all(&text);
        }
        child
    }

    /// The command as built, stdin empty, for what the builder does not
    /// cover (a terminal, a pipe whose reader goes away).
    pub fn command(mut self) -> Command {
        self.command.stdin(Stdio::null());
        self.command
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Output {
    /// The exit code; -1 when a signal ended the command.
    pub code: i32,
    /// The signal that ended the command, if one did.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Stdout parsed as JSON (panics, showing the output, when it is not).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    /// Stdout then stderr, for asserts that do not care which.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        use std::os::unix::process::ExitStatusExt;
        Output {
            code: out.status.code().unwrap_or(-1),
            signal: out.status.signal(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.signal {
            Some(sig) => write!(f, "killed by signal {sig}")?,
            None => write!(f, "exit {}", self.code)?,
        }
        write!(
            f,
            "\n--- stdout\n{}--- stderr\n{}",
            self.stdout, self.stderr
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Case;

    // `sh` stands in for wfc: the builder runs whatever binary it is given.
    fn sh() -> Case {
        Case::new("sh").file("in.txt", "from a file\n")
    }

    #[test]
    fn expectations_that_hold_pass_and_the_output_is_returned() {
        let out = sh()
            .wfc(["-c", "cat in.txt; cat; echo \"$X\" >&2; exit 3"])
            .env("X", "given")
            .stdin("from stdin\n")
            .status(3)
            .stdout("from a file\nfrom stdin\n")
            .stdout_has("stdin")
            .stderr_has("given")
            .stderr_lacks("NO_COLOR")
            .output();
        assert_eq!(out.stderr, "given\n");
    }

    #[test]
    fn every_expectation_that_fails_is_named() {
        let failed = std::panic::catch_unwind(|| {
            sh().wfc(["-c", "echo out; echo err >&2"])
                .status(1)
                .stdout("other\n")
                .stderr_has("missing")
                .stderr_lacks("err")
                .output()
        })
        .expect_err("four expectations fail");
        let why = failed.downcast_ref::<String>().unwrap();
        for part in [
            "exit code is 0, not 1",
            "stdout is not \"other\\n\"",
            "stderr does not contain \"missing\"",
            "stderr contains \"err\"",
            "--- stdout\nout\n--- stderr\nerr\n",
        ] {
            assert!(why.contains(part), "{part:?} in:\n{why}");
        }
    }

    #[test]
    fn commands_get_no_color_and_no_state_dir() {
        let out = sh()
            .wfc(["-c", "echo \"${NO_COLOR}-${WFC_STATE_DIR:-unset}\""])
            .output();
        assert_eq!(out.stdout, "1-unset\n");
    }
}
