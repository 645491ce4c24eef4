//! The run store, through its library API (`library`) and end to end
//! through the real `wfc` binary (`cli`: crashes, resume, cancel and approve
//! from another process; `commands`: history, status, stats, shared stores;
//! `read_only`: a store that takes no writes; `big_run`: a run of 40,000
//! steps read back in linear time; `big_run_reads`: six
//! read-key GETs of it at once, the server's memory bounded).
//!
//! [`Env`] is the store tests' case: a [`Case`] holding one workflow
//! (`flow.wf`) and a `count/` folder where steps count their executions, with
//! helpers to read the store `wfc` leaves in `.wfc/`.

mod big_run;
mod big_run_reads;
mod cli;
mod commands;
mod escalation;
mod leave;
mod library;
mod order;
mod pause;
mod polling;
mod postgres;
mod read_only;
mod resume_attempts;

use serde_json::Value as J;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::Duration;
use wfc_store::testing::{self, Value as Val};
use wfc_store::Store;
use wfc_testkit::{wait_until, Case};

pub struct Env {
    pub case: Case,
}

impl Env {
    pub fn new(workflow: &str) -> Env {
        let case = crate::case().file("flow.wf", workflow);
        std::fs::create_dir_all(case.path("count")).unwrap();
        Env { case }
    }

    pub fn path(&self) -> &Path {
        self.case.dir()
    }

    /// `wfc ARGS` in the case's directory, as a command to adjust.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.case.wfc(args).command()
    }

    pub fn wfc(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// `wfc ARGS`, which must succeed, its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> J {
        self.case.wfc(args).success().output().json()
    }

    /// `wfc run flow.wf -p dir=DIR --plain …` in the background.
    pub fn spawn_run(&self, extra: &[&str]) -> Child {
        let dir = format!("dir={}", self.path().display());
        self.case
            .wfc(["run", "flow.wf", "--plain", "-p", dir.as_str()])
            .args(extra)
            .spawn()
    }

    pub fn count(&self, step: &str) -> usize {
        std::fs::read_to_string(self.path().join("count").join(step))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    pub fn touch(&self, name: &str) {
        std::fs::write(self.path().join(name), "").unwrap();
    }

    /// The store `wfc` leaves in `.wfc/`, opened for one look (so that
    /// none is held while `wfc` works).
    pub fn store(&self) -> Store {
        crate::open_store(&self.case, &self.path().join(".wfc")).unwrap()
    }

    /// The first column of the first row of `sql` (`Null`: none).
    pub fn one(&self, sql: &str, params: &[Val]) -> Val {
        testing::one(&self.store(), sql, params).unwrap()
    }

    /// Every row of `sql`.
    pub fn rows(&self, sql: &str, params: &[Val]) -> Vec<Vec<Val>> {
        testing::rows(&self.store(), sql, params).unwrap()
    }

    /// A raw SQLite connection: kept for `read_only`, whose old-schema
    /// file `Store::open` would migrate.
    pub fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path().join(".wfc/runs.db")).unwrap()
    }

    /// Whether `wfc` made the store yet (its `runs.db`; on PostgreSQL, the
    /// state folder it keeps logs in).
    pub fn has_store(&self) -> bool {
        match self.case.store() {
            Some(_) => self.path().join(".wfc").exists(),
            None => self.path().join(".wfc/runs.db").exists(),
        }
    }

    /// The only run's id (after it was recorded).
    pub fn run_id(&self) -> String {
        wait_for(Duration::from_secs(10), || self.recorded_run().is_some());
        self.recorded_run().unwrap()
    }

    /// The newest run's id, if one is recorded (no waiting: for a wfc that
    /// is gone).
    pub fn recorded_run(&self) -> Option<String> {
        if !self.has_store() {
            return None;
        }
        let store = crate::open_store(&self.case, &self.path().join(".wfc")).ok()?;
        let sql = "SELECT id FROM runs ORDER BY started_at DESC LIMIT 1";
        let id = testing::one(&store, sql, &[]).ok()?;
        id.text().map(str::to_owned)
    }

    /// A step's status in the store (`None`: not recorded yet).
    pub fn step_status(&self, step: &str) -> Option<String> {
        // Not opened before `wfc` made it: opening would make it.
        if !self.has_store() {
            return None;
        }
        let graph = if step.starts_with("undo") {
            "rollback"
        } else {
            "main"
        };
        let store = crate::open_store(&self.case, &self.path().join(".wfc")).ok()?;
        let sql = "SELECT status FROM steps WHERE graph = $2 AND name = $1";
        let status = testing::one(&store, sql, &[step.into(), graph.into()]).ok()?;
        status.text().map(str::to_owned)
    }

    pub fn wait_step(&self, step: &str, status: &str) {
        wait_for(Duration::from_secs(20), || {
            self.step_status(step).as_deref() == Some(status)
        });
    }

    /// Checks the store after a kill: integrity, the run interrupted once a
    /// store command has looked, nothing left running. Returns the steps
    /// recorded as succeeded.
    pub fn check_after_kill(&self, id: &str) -> Vec<String> {
        let st = self.json(&["status", id, "--format", "json"]);
        assert_eq!(st["status"], "interrupted", "{st:#}");
        // (SQLite's file checked whole; PostgreSQL keeps its own.)
        if self.case.store().is_none() {
            let ok = self.one("PRAGMA integrity_check", &[]);
            assert_eq!(ok.text(), Some("ok"));
        }
        let running = self.one(
            "SELECT (SELECT COUNT(*) FROM steps WHERE status IN ('running', 'waiting'))
                  + (SELECT COUNT(*) FROM attempts WHERE status = 'running')",
            &[],
        );
        assert_eq!(running.int(), Some(0));
        let sql = "SELECT name FROM steps WHERE graph = 'main' AND status = 'succeeded'";
        let done: Vec<String> = self
            .rows(sql, &[])
            .iter()
            .map(|r| r[0].text().unwrap().to_owned())
            .collect();
        done
    }

    /// `wfc resume ID` to the end; asserts it succeeds.
    pub fn resume_ok(&self, id: &str) -> String {
        self.resume_ok_with(id, &[])
    }

    /// [`Self::resume_ok`] with more arguments.
    pub fn resume_ok_with(&self, id: &str, more: &[&str]) -> String {
        let mut args = vec!["resume", id, "--plain"];
        args.extend_from_slice(more);
        let out = self.wfc(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "resume failed:\n{text}");
        let st = self.json(&["status", id, "--format", "json"]);
        assert_eq!(st["status"], "succeeded");
        assert_eq!(st["sessions"], 2);
        text
    }
}

/// Waits until `cond` holds; fails the test after `limit`.
#[track_caller]
pub fn wait_for(limit: Duration, cond: impl FnMut() -> bool) {
    assert!(wait_until(limit, cond), "timed out waiting");
}

/// a → b → c with counting steps; `b` waits for the file `go` (or sleeps,
/// recording its pid in `b.pid`), so a test can kill wfc while it runs.
pub const CHAIN: &str = r#"workflow chain {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a; echo value=42 >> $WF_OUTPUTS"
    outputs { value: int }
  }
  step b: shell {
    run "echo b >> ${dir}/count/b; echo running b; echo $$ > ${dir}/b.pid; if [ -f ${dir}/go ]; then exit 0; fi; exec sleep 30"
    depends on a
  }
  step c: shell {
    run "echo c >> ${dir}/count/c; echo got ${a.outputs.value} > ${dir}/c.out"
    depends on b
  }
}
"#;
