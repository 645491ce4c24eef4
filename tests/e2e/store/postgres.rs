//! The run store on PostgreSQL (issue 71), through the real `wfc` binary
//! and a real PostgreSQL 15 (`scripts/start-postgres`): `--store URL` and
//! `$WFC_STORE` record a run there, `history`/`status` read it back, a
//! failed run resumes without running again what succeeded, nothing is
//! written to a `runs.db`, four processes on an empty database migrate it
//! once, and a password never shows.

use wfc_testkit::{postgres, skip, Postgres};

/// `a` counts its runs and succeeds; `b` fails until the file `go` exists.
const FLOW: &str = r#"workflow flow {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a; echo \"store:\${WFC_STORE:-none}\""
  }
  step b: shell {
    run "test -f ${dir}/go"
    depends on a
  }
}
"#;

fn server() -> Option<Postgres> {
    match postgres() {
        Ok(pg) => Some(pg),
        Err(why) => {
            skip(&format!("PostgreSQL cannot start here: {why}"));
            None
        }
    }
}

/// `psql -Atc SQL` on `url`: its lines.
fn psql(url: &str, sql: &str) -> Vec<String> {
    let out = std::process::Command::new("/usr/lib/postgresql/15/bin/psql")
        .args([url, "-Atc", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_run_kept_in_postgresql_is_read_back_and_resumed_without_repeating_work() {
    let Some(pg) = server() else { return };
    let env = super::Env::new(FLOW);
    let dir = format!("dir={}", env.path().display());
    // `--store` on the command line (no password in it).
    env.case
        .wfc(["run", "flow.wf", "--plain", "-p", &dir, "--store", &pg.url])
        .status(1)
        .output();
    assert_eq!(env.count("a"), 1);
    assert!(
        !env.path().join(".wfc/runs.db").exists(),
        "nothing is written to runs.db when PostgreSQL is the store"
    );
    let rows = psql(&pg.url, "SELECT status, failed_step FROM runs");
    assert_eq!(rows, ["failed|b"]);
    // `$WFC_STORE` from here on, as a server's unit file would set it.
    env.case
        .wfc(["history"])
        .env("WFC_STORE", &pg.url)
        .success()
        .stdout_has("failed")
        .output();
    env.touch("go");
    env.case
        .wfc(["resume", "last", "--plain"])
        .env("WFC_STORE", &pg.url)
        .success()
        .output();
    assert_eq!(env.count("a"), 1, "a succeeded before: it is not run again");
    let status = env
        .case
        .wfc(["status", "last", "--format", "json"])
        .env("WFC_STORE", &pg.url)
        .success()
        .output()
        .json();
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(status["sessions"], 2, "{status}");
    assert!(!env.path().join(".wfc/runs.db").exists());
    // Without the setting, the folder's own (SQLite) store has no runs.
    env.case
        .wfc(["history"])
        .env_remove("WFC_STORE")
        .success()
        .stderr_has("no runs recorded yet")
        .output();
}

#[test]
fn four_processes_on_an_empty_database_migrate_it_once_and_all_run() {
    let Some(pg) = server() else { return };
    let env = super::Env::new(FLOW);
    env.touch("go");
    let dir = format!("dir={}", env.path().display());
    let runs: Vec<_> = (0..4)
        .map(|_| {
            env.case
                .wfc(["run", "flow.wf", "--plain", "-p", &dir])
                .env("WFC_STORE", &pg.url)
                .spawn()
        })
        .collect();
    for r in runs {
        let out = r.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        psql(&pg.url, "SELECT version FROM wfc_schema"),
        [wfc_store::schema::VERSION.to_string()]
    );
    assert_eq!(
        psql(
            &pg.url,
            "SELECT count(*) FROM runs WHERE status = 'succeeded'"
        ),
        ["4"]
    );
    // The runs had it in their environment; their steps did not.
    let out = env
        .case
        .wfc(["logs", "last", "a"])
        .env("WFC_STORE", &pg.url)
        .success()
        .output();
    assert!(
        out.stdout.contains("store:none"),
        "a step inherits no WFC_STORE: {}",
        out.stdout
    );
    // Each session took its own number, in order.
    assert_eq!(
        psql(&pg.url, "SELECT listed FROM runs ORDER BY listed"),
        ["1", "2", "3", "4"]
    );
}

#[test]
fn a_password_is_refused_on_the_command_line_and_never_printed() {
    let Some(pg) = server() else { return };
    let env = super::Env::new(FLOW);
    let with_password = pg.url.replacen("postgres@", "postgres:pg-s3cret-pw@", 1);
    let out = env
        .case
        .wfc(["history", "--store", &with_password])
        .status(2)
        .stderr_has("E0604")
        .output();
    assert!(!out.stderr.contains("pg-s3cret-pw"), "{}", out.stderr);
    // From the environment it is taken (the server trusts loopback, so it
    // never asks for it), and appears nowhere.
    let out = env
        .case
        .wfc(["history"])
        .env("WFC_STORE", &with_password)
        .output();
    assert!(!format!("{}{}", out.stdout, out.stderr).contains("pg-s3cret-pw"));
    // A server that is not there: the error names the store without it.
    let gone = "postgres://postgres:pg-s3cret-pw@127.0.0.1:1/wfc?connect_timeout=2";
    let out = env
        .case
        .wfc(["history"])
        .env("WFC_STORE", gone)
        .status(1)
        .stderr_has("127.0.0.1:1")
        .output();
    assert!(!out.stderr.contains("pg-s3cret-pw"), "{}", out.stderr);
}

/// `wfc store copy`: a SQLite history into PostgreSQL, where `history` and
/// `logs` read it (the logs stay in the state folder), and back into a new
/// folder; a copy into a store that holds runs is refused, writing nothing.
#[test]
fn a_history_is_copied_into_postgresql_and_back() {
    let Some(pg) = server() else { return };
    let env = super::Env::new(FLOW);
    let dir = format!("dir={}", env.path().display());
    std::fs::write(env.path().join("go"), "").unwrap();
    // On SQLite whatever the suite's store (`--store` wins over WFC_STORE).
    for _ in 0..2 {
        env.case
            .wfc(["run", "flow.wf", "--plain", "-p", &dir, "--store", ".wfc"])
            .status(0)
            .output();
    }
    let history = |store: &str| {
        let out = env
            .case
            .wfc(["history", "--format", "json", "--store", store])
            .status(0)
            .output();
        let runs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut ids: Vec<String> = runs
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["id"].as_str().unwrap(), r["status"]))
            .collect();
        ids.sort();
        ids
    };
    let before = history(".wfc");
    assert_eq!(before.len(), 2, "{before:?}");

    let out = env
        .case
        .wfc(["store", "copy", ".wfc", &pg.url])
        .status(0)
        .output();
    assert!(out.stderr.contains("copied 2 runs"), "{}", out.stderr);
    assert_eq!(history(&pg.url), before);
    assert_eq!(psql(&pg.url, "SELECT COUNT(*) FROM steps"), ["4"]);
    // Its step logs, read from the folder beside the database.
    let logs = env
        .case
        .wfc(["logs", "last", "a", "--state-dir", ".wfc"])
        .env("WFC_STORE", &pg.url)
        .status(0)
        .output();
    assert!(logs.stdout.contains("store:none"), "{}", logs.stdout);

    let again = env
        .case
        .wfc(["store", "copy", ".wfc", &pg.url])
        .status(1)
        .output();
    assert!(
        again.stderr.contains("holds 2 runs already"),
        "{}",
        again.stderr
    );
    assert_eq!(psql(&pg.url, "SELECT COUNT(*) FROM runs"), ["2"]);

    env.case
        .wfc(["store", "copy", &pg.url, "back"])
        .status(0)
        .output();
    assert_eq!(history("back"), before);
}

/// `build` prints and keeps a file; `use` reads it.
const ARTIFACTS: &str = r#"workflow ship {
  step build: shell {
    run "echo building; mkdir -p dist && echo one > dist/a.tgz"
    artifacts { bundle = "dist/a.tgz" }
  }
  step use: shell { run "cat ${build.artifacts.bundle[0]}"  depends on build }
}
"#;

#[test]
fn the_url_names_the_artifacts_folder_and_the_logs_stay_in_the_database() {
    let Some(pg) = server() else { return };
    let env = super::Env::new(ARTIFACTS);
    let shared = env.path().join("shared");
    let sep = if pg.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}artifacts={}", pg.url, shared.display());
    env.case
        .wfc(["run", "flow.wf", "--plain"])
        .env("WFC_STORE", &url)
        .success()
        .output();
    let id = psql(&pg.url, "SELECT id FROM runs").remove(0);
    // The copy is in the named folder, by content; nothing in the state
    // folder but the (removed) journal's place: no logs, no artifacts.
    let kept: Vec<_> = std::fs::read_dir(shared.join(&id))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].len(), 64, "named by its SHA-256: {kept:?}");
    assert!(!env.path().join(".wfc/artifacts").exists());
    assert!(!env
        .path()
        .join(".wfc/logs")
        .join(&id)
        .join("build.log")
        .exists());
    let logged = psql(
        &pg.url,
        "SELECT log, convert_from(bytes, 'UTF8') LIKE '%building%' FROM log_chunks ORDER BY log",
    );
    assert_eq!(
        logged,
        [
            format!("logs/{id}/build.log|t"),
            format!("logs/{id}/use.log|f")
        ]
    );
    // Read back from there, checked by hash, by another command.
    env.case
        .wfc(["logs", "last", "build"])
        .env("WFC_STORE", &url)
        .success()
        .stdout_has("building")
        .output();
    env.case
        .wfc(["artifacts", "last", "build", "-o", "out"])
        .env("WFC_STORE", &url)
        .success()
        .output();
    assert_eq!(
        std::fs::read_to_string(env.path().join("out/build/bundle/a.tgz")).unwrap(),
        "one\n"
    );
    // Deleting the run deletes its rows, logs and copies.
    env.case
        .wfc(["runs", "delete", &id, "--yes"])
        .env("WFC_STORE", &url)
        .success()
        .output();
    assert!(!shared.join(&id).exists());
    assert_eq!(psql(&pg.url, "SELECT COUNT(*) FROM log_chunks"), ["0"]);
}
