//! A run store that takes no writes (issue 51: "a store on a read-only
//! file system cannot be read"): `wfc history`, `status` and `logs` read it
//! as it is — after a clean end, and as a killed wfc left it (its
//! write-ahead log and the log's index beside it) — and say with a code
//! what they cannot read: a store of an older schema (E0601: its
//! migration would write) and a write-ahead log without its index (E0602).
//!
//! Writes are taken away two ways, each where it works here: a read-only
//! bind mount in a user and mount namespace of the test's own (`unshare
//! -rm`: a read-only file system, which stops root too), and `chmod a-w`
//! on the folders and files — run by root (CI), whom permissions do not
//! stop, `wfc` then runs as `nobody` (`setpriv`). A test fails if neither
//! works (it is skipped outside CI).

use super::{wait_for, Env, CHAIN};
use serde_json::Value as J;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
use wfc_testkit::kill9;

/// How writes are taken away.
#[derive(Clone, Copy, Debug)]
enum Way {
    /// The case's folder bind-mounted read-only over itself.
    Mount,
    /// `chmod a-w`; as `nobody` when the test runs as root.
    Chmod { as_nobody: bool },
}

fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The ways that work here.
fn ways() -> Vec<Way> {
    let mut ways = Vec::new();
    if works("unshare", &["-rm", "true"]) {
        ways.push(Way::Mount);
    }
    if !nix::unistd::Uid::effective().is_root() {
        ways.push(Way::Chmod { as_nobody: false });
    } else if works("setpriv", &[NOBODY[0], NOBODY[1], NOBODY[2], "true"]) {
        ways.push(Way::Chmod { as_nobody: true });
    }
    if ways.is_empty() {
        wfc_testkit::skip("neither `unshare -rm` nor a user that permissions stop");
    }
    ways
}

const NOBODY: [&str; 3] = ["--reuid=65534", "--regid=65534", "--clear-groups"];

/// Sets the write bits of `path` and everything under it.
fn writable(path: &Path, on: bool) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    if meta.is_symlink() {
        return;
    }
    if meta.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            writable(&e.unwrap().path(), on);
        }
    }
    let mut mode = meta.permissions().mode();
    mode = if on { mode | 0o200 } else { mode & !0o222 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `wfc ARGS` in the case's folder, its store taken no writes `way`.
fn read_only(env: &Env, way: Way, args: &[&str]) -> Output {
    let plain = env.cmd(args);
    let dir = env.path();
    let mut cmd = match way {
        Way::Mount => {
            let mut c = Command::new("unshare");
            c.args(["-rm", "sh", "-c"])
                .arg(r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$1" && shift && exec "$@""#)
                .arg("sh")
                .arg(dir)
                .arg(plain.get_program())
                .args(plain.get_args());
            c
        }
        Way::Chmod { as_nobody } => {
            writable(&dir.join(".wfc"), false);
            let mut c = if as_nobody {
                // `nobody` reads the case's folder (a temporary folder is 0700).
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
                let mut c = Command::new("setpriv");
                c.args(NOBODY).arg(plain.get_program());
                c
            } else {
                Command::new(plain.get_program())
            };
            c.args(plain.get_args()).current_dir(dir);
            c
        }
    };
    for (k, v) in plain.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().unwrap();
    if let Way::Chmod { .. } = way {
        writable(&dir.join(".wfc"), true);
    }
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What `wfc ARGS` prints, which must succeed.
fn ok(out: Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The state folder's files, to show nothing was written.
fn files(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let len = std::fs::metadata(&p).unwrap().len();
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), len));
            }
        }
    }
    out.sort();
    out
}

const LOUD: &str = r#"workflow loud {
  param dir: string
  step say: shell { run "echo one; echo two" }
}
"#;

/// A store of an ended run reads as it would with writes, and nothing in
/// it changes.
#[test]
fn a_read_only_store_of_ended_runs_is_read() {
    let env = Env::new(LOUD);
    let dir = format!("dir={}", env.path().display());
    ok(env.wfc(&["run", "flow.wf", "--plain", "-p", &dir]), "run");
    let id = env.run_id();
    let commands: [&[&str]; 5] = [
        &["history", "--format", "json"],
        &["status", &id, "--format", "json"],
        &["status", &id, "--events", "--format", "json"],
        &["logs", &id],
        &["stats", "--format", "json"],
    ];
    for way in ways() {
        let before = files(&env.path().join(".wfc"));
        for args in commands {
            let got = ok(read_only(&env, way, args), &format!("{way:?} {args:?}"));
            let want = ok(env.wfc(args), &format!("{args:?}"));
            assert_eq!(got, want, "{way:?} {args:?}");
        }
        let logs = ok(read_only(&env, way, &["logs", &id, "say"]), "logs");
        assert!(logs.ends_with("──\none\ntwo\n"), "{way:?}: {logs}");
        assert_eq!(files(&env.path().join(".wfc")), before, "{way:?}");
    }
}

/// What a killed wfc left — the database, its write-ahead log and the
/// log's index — is read with what the log holds; without the index the
/// log cannot be read, which E0602 says (it is not silently left out).
#[test]
fn a_read_only_store_a_killed_wfc_left_is_read_or_refused_with_e0602() {
    if crate::on_postgres() {
        return; // (SQLite's file on a read-only disk: SQLite's own.)
    }
    for way in ways() {
        let env = Env::new(CHAIN);
        let mut child = env.spawn_run(&[]);
        let id = env.run_id();
        env.wait_step("b", "running");
        wait_for(Duration::from_secs(10), || {
            std::fs::read_to_string(env.path().join(format!(".wfc/logs/{id}/b.log")))
                .is_ok_and(|l| l.contains("running b"))
        });
        kill9(&mut child);
        let state = env.path().join(".wfc");
        let wal = state.join("runs.db-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "{way:?}");
        assert!(state.join("runs.db-shm").exists(), "{way:?}");

        let st: J = serde_json::from_str(&ok(
            read_only(&env, way, &["status", &id, "--format", "json"]),
            "status",
        ))
        .unwrap();
        let status = |name: &str| {
            st["step_list"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name)
                .map(|s| s["status"].clone())
        };
        assert_eq!(status("a"), Some("succeeded".into()), "{way:?}: {st:#}");
        assert!(status("b").is_some(), "{way:?}: {st:#}");
        let logs = ok(read_only(&env, way, &["logs", &id, "b"]), "logs");
        assert!(logs.contains("running b"), "{way:?}: {logs}");
        let history = ok(read_only(&env, way, &["history"]), "history");
        assert!(history.contains(&id), "{way:?}: {history}");

        // The log's index gone: refused, saying why, not read without the log.
        std::fs::remove_file(state.join("runs.db-shm")).unwrap();
        for args in [&["history"][..], &["status", &id], &["logs", &id]] {
            let out = read_only(&env, way, args);
            let said = text(&out);
            assert_eq!(out.status.code(), Some(1), "{way:?} {args:?}: {said}");
            assert!(said.contains("error: E0602: the run store"), "{said}");
            assert!(said.contains("runs.db-shm"), "{said}");
        }
        // With writes, the same store is read (and the killed run reaped).
        let st = env.json(&["status", &id, "--format", "json"]);
        assert_eq!(st["status"], "interrupted", "{st:#}");
    }
}

/// A store of an older schema would have to be migrated to be read, and a
/// migration writes: E0601 says so, and what to do. With writes, the first
/// command migrates it.
#[test]
fn a_read_only_store_of_an_older_schema_is_refused_with_e0601() {
    if crate::on_postgres() {
        return; // (SQLite's file on a read-only disk: SQLite's own.)
    }
    let env = Env::new(CHAIN);
    let state = env.path().join(".wfc");
    std::fs::create_dir_all(&state).unwrap();
    rusqlite::Connection::open(state.join("runs.db"))
        .unwrap()
        .execute_batch(include_str!("../../store/v6/runs.sql"))
        .unwrap();
    for way in ways() {
        for args in [&["history"][..], &["status", "last"], &["logs", "last"]] {
            let out = read_only(&env, way, args);
            let said = text(&out);
            assert_eq!(out.status.code(), Some(1), "{way:?} {args:?}: {said}");
            assert!(
                said.contains("error: E0601: the run store .wfc/runs.db has schema version 6"),
                "{way:?}: {said}"
            );
            assert!(said.contains("open it once with write access"), "{said}");
        }
        let version: i64 = env
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 6, "{way:?}: left as it was");
    }
    let history = env.json(&["history", "--format", "json"]);
    assert!(!history.as_array().unwrap().is_empty());
}
