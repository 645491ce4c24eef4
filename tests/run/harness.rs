//! The `wfc run` test builder: a temporary directory holding one workflow,
//! the real binary run in it, and helpers to read what the steps left.

#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A workflow in its own directory.
pub struct Case {
    pub dir: tempfile::TempDir,
}

/// How a run ended.
pub struct Done {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Done {
    fn from(out: std::process::Output) -> Done {
        Done {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A fixture from tests/run/.
pub fn fixture(name: &str) -> Case {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/run")
        .join(name);
    Case::new(&std::fs::read_to_string(path).unwrap())
}

impl Case {
    pub fn new(workflow: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.wf"), workflow).unwrap();
        Case { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wfc"));
        cmd.current_dir(self.dir.path())
            .args(["run", "w.wf", "--plain", "--no-store"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Done {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Done {
        let out = self
            .command(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Done::from(out)
    }

    /// `wfc run w.wf --plain --no-store ARGS` started by a shell that first
    /// runs `setup` (`ulimit -n 48`, `exec 7>file`): what wfc inherits.
    pub fn run_after(&self, setup: &str, args: &str) -> Done {
        let script = format!("{setup} && exec \"$0\" run w.wf --plain --no-store {args}");
        let out = Command::new("sh")
            .current_dir(self.dir.path())
            .args(["-c", &script])
            .arg(env!("CARGO_BIN_EXE_wfc"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Done::from(out)
    }

    /// Starts a run in the background (stdout and stderr piped).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    pub fn lines(&self, name: &str) -> Vec<String> {
        self.read(name).lines().map(str::to_owned).collect()
    }

    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("report.json")).expect("report.json is JSON")
    }

    /// Waits until `name` exists and is not empty.
    pub fn wait_for(&self, name: &str, within: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < within {
            if !self.read(name).trim().is_empty() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// Alive and not a zombie.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

pub fn wait_dead(pid: i32, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

pub fn signal(pid: i32, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).unwrap();
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
