//! `up to date when shell|sql` end to end, with a real SQLite file and real
//! processes: a load whose row is there already is up to date with its last
//! run's outputs (Luigi's `complete()`), runs again once the row is gone
//! or the day changes, and always under `--force`; a deploy with `sources`
//! is up to date only while its check also holds (drift makes it run); a
//! check that cannot answer (a missing command, a timeout) makes the step
//! run; a value in a check is a value, never code.

use super::case;
use wfc_testkit::Case;

const LOAD: &str = r#"
workflow nightly {
  param day: string = "2026-11-28"
  step load: sql {
    database "sqlite:warehouse.db"
    query "insert into loaded (day) values (:day) returning day"
    params { day = day }
    outputs { day: string }
    up to date when sql "select exists(select 1 from loaded where day = :day)"
  }
  step report: shell {
    run "echo loaded ${load.outputs.day} >> report.log"
  }
}
"#;

fn rows(c: &Case) -> i64 {
    let db = rusqlite::Connection::open(c.path("warehouse.db")).unwrap();
    db.query_row("SELECT count(*) FROM loaded", [], |r| r.get(0))
        .unwrap()
}

fn explain(c: &Case, step: &str) -> serde_json::Value {
    c.wfc(["explain", "last", step, "--format", "json"])
        .success()
        .output()
        .json()
}

#[test]
fn a_load_whose_row_is_there_is_up_to_date_with_its_last_outputs() {
    let c = case().file("load.wf", LOAD);
    let db = rusqlite::Connection::open(c.path("warehouse.db")).unwrap();
    db.execute_batch("CREATE TABLE loaded (day TEXT)").unwrap();
    let run = |args: &[&str]| {
        c.wfc(["run", "load.wf", "--plain"])
            .args(args)
            .success()
            .output()
    };

    // No earlier run to take outputs from: the check is not asked.
    let plan = c.wfc(["plan", "load.wf"]).success().output();
    assert!(
        plan.stdout.contains("load  will run  no earlier run"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("(0 of 1 steps with `sources` or `up to date when` up to date;"),
        "{}",
        plan.stdout
    );
    run(&[]);
    let plan = c.wfc(["plan", "load.wf"]).success().output();
    assert!(
        plan.stdout
            .contains("its `up to date when sql` check decides as it starts"),
        "{}",
        plan.stdout
    );
    assert_eq!(rows(&c), 1);
    let e = explain(&c, "load");
    let first = e["run"].as_str().unwrap().to_owned();
    assert_eq!(e["verdict"], "ran", "{e}");
    assert!(e["reasons"][0]
        .as_str()
        .unwrap()
        .contains("no earlier run of it succeeded"));

    // The row is there: not run, its outputs restored for `report`.
    let out = run(&[]);
    assert!(
        out.stdout
            .contains(&format!("load   | ✓ up to date (run {first}): not run")),
        "{}",
        out.stdout
    );
    assert_eq!(rows(&c), 1, "the insert did not run again");
    assert_eq!(
        c.lines("report.log"),
        ["loaded 2026-11-28", "loaded 2026-11-28"]
    );
    let e = explain(&c, "load");
    assert_eq!(e["verdict"], "up_to_date", "{e}");
    assert_eq!(e["up_to_date_with"], first.as_str());
    let reasons = e["reasons"].to_string();
    assert!(
        reasons.contains("`up to date when sql` answered 1"),
        "{reasons}"
    );

    // The row is gone: the check says no, and the step runs.
    db.execute_batch("DELETE FROM loaded").unwrap();
    run(&[]);
    assert_eq!(rows(&c), 1);
    let e = explain(&c, "load");
    assert_eq!(e["verdict"], "ran", "{e}");
    assert_eq!(e["reasons"][0], "`up to date when sql` answered 0");

    // Another day: its row is not there.
    run(&["-p", "day=2026-11-29"]);
    assert_eq!(rows(&c), 2);
    assert_eq!(c.lines("report.log").last().unwrap(), "loaded 2026-11-29");

    // `--force` runs it without asking.
    run(&["--force"]);
    assert_eq!(rows(&c), 3);
    let e = explain(&c, "load");
    assert_eq!(e["reasons"][0], "`--force` or `--rerun` asked for it");
}

const DEPLOY: &str = r#"
workflow deploy {
  param version: string = "1.4.2"
  step deploy: shell {
    run "echo deploy >> ran.log && sh deploy.sh ${version}"
    sources ["deploy.sh"]
    up to date when shell "test \"$(cat deployed)\" = ${version}"
  }
}
"#;

/// Runs `w.wf`; whether the step really ran.
fn deployed(c: &Case, args: &[&str]) -> bool {
    let _ = std::fs::remove_file(c.path("ran.log"));
    c.wfc(["run", "w.wf", "--plain"])
        .args(args)
        .success()
        .output();
    c.path("ran.log").exists()
}

#[test]
fn with_sources_both_must_hold_and_drift_makes_it_run() {
    let c = case().file("w.wf", DEPLOY);
    c.write("deploy.sh", "echo \"$1\" > deployed\n");
    assert!(deployed(&c, &[]));
    assert!(!deployed(&c, &[]), "same sources, and the check holds");
    let plan = c.wfc(["plan", "w.wf"]).success().output();
    assert!(
        plan.stdout
            .contains("if its `up to date when shell` check says so"),
        "{}",
        plan.stdout
    );

    // Drift: the same sources, but what is deployed is not what was asked.
    c.write("deployed", "1.4.1\n");
    assert!(deployed(&c, &[]));
    let e = explain(&c, "deploy");
    assert_eq!(e["verdict"], "ran", "{e}");
    assert_eq!(e["reasons"][0], "`up to date when shell` exited 1");
    assert_eq!(c.read("deployed"), "1.4.2\n");

    // Sources changed: it runs, the check unasked.
    c.write("deploy.sh", "echo \"$1\" > deployed # v2\n");
    assert!(deployed(&c, &[]));
    let e = explain(&c, "deploy");
    assert!(
        e["reasons"][0].as_str().unwrap().starts_with("sources:"),
        "{e}"
    );
}

#[test]
fn a_check_that_cannot_answer_lets_the_step_run() {
    let c = case().workflow(
        r#"
workflow w {
  step a: shell {
    run "echo a >> ran.log"
    up to date when shell "no-such-command-wfc"
  }
  step b: shell {
    run "echo b >> ran.log"
    timeout 1s
    up to date when shell "sleep 30"
  }
}
"#,
    );
    let run = || {
        let _ = std::fs::remove_file(c.path("ran.log"));
        let started = std::time::Instant::now();
        c.wfc(["run", "w.wf", "--plain"]).success().output();
        let mut ran = c.lines("ran.log");
        ran.sort();
        (ran, started.elapsed())
    };
    run();
    let (ran, took) = run();
    assert_eq!(ran, ["a", "b"]);
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert_eq!(
        explain(&c, "a")["reasons"][0],
        "`up to date when shell` exited 127"
    );
    assert_eq!(
        explain(&c, "b")["reasons"][0],
        "`up to date when shell` timed out"
    );
    let logs = c.wfc(["logs", "last", "a"]).success().output();
    assert!(
        logs.all()
            .contains("`up to date when shell` exited 127: the step runs"),
        "{}",
        logs.all()
    );
}

#[test]
fn a_value_in_a_check_is_never_code() {
    let c = case().workflow(
        r#"
workflow w {
  param version: string = "x"
  step a: shell {
    run "echo a >> ran.log"
    up to date when shell "test ${version} = x"
  }
}
"#,
    );
    let hostile = "x; touch pwned #";
    for _ in 0..2 {
        c.wfc(["run", "w.wf", "--plain", "-p"])
            .arg(format!("version={hostile}"))
            .success()
            .output();
    }
    assert!(!c.path("pwned").exists(), "the value ran as code");
    assert_eq!(c.lines("ran.log"), ["a", "a"], "`test` got one word: false");
}

#[test]
fn the_exports_refuse_a_check_or_run_the_step_every_time() {
    let c = case().file("w.wf", DEPLOY);
    c.wfc(["export", "github", "w.wf"])
        .status(3)
        .stderr_has("E0738")
        .stderr_has("GitHub Actions has no mapping for `up to date when shell` of step `deploy`")
        .output();
    let out = c
        .wfc(["export", "github", "w.wf", "--approximate"])
        .success()
        .stderr_has("`up to date when shell` of step `deploy` is approximated")
        .output();
    assert!(out.stdout.contains("deploy.sh"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("deployed"),
        "no trace of the check: {}",
        out.stdout
    );
    c.wfc(["export", "argo", "w.wf", "--image", "alpine"])
        .status(3)
        .stderr_has("E0721")
        .stderr_has("Argo cannot express `up to date when shell` of step `deploy`")
        .output();
    c.wfc([
        "export",
        "argo",
        "w.wf",
        "--image",
        "alpine",
        "--approximate",
    ])
    .success()
    .stderr_has("E0726")
    .output();
}

#[test]
fn the_luigi_port_does_nothing_twice() {
    let c = case().file(
        "top.wf",
        &std::fs::read_to_string("examples/top-artists.wf").unwrap(),
    );
    let statuses = |args: &[&str]| {
        c.wfc(["run", "top.wf", "--plain", "--output", "report.json"])
            .args(args)
            .success()
            .output();
        let report = c.report();
        ["streams", "aggregate", "load"].map(|s| {
            let step = wfc_testkit::report_step(&report, s);
            (step["status"].to_string(), step["up_to_date"].is_string())
        })
    };
    let ran = ("\"succeeded\"".to_string(), false);
    let kept = ("\"succeeded\"".to_string(), true);
    assert_eq!(statuses(&[]), [ran.clone(), ran.clone(), ran.clone()]);
    assert_eq!(statuses(&[]), [kept.clone(), kept.clone(), kept.clone()]);
    let db = rusqlite::Connection::open(c.path("target/top-artists/toplists.db")).unwrap();
    let rows: i64 = db
        .query_row("SELECT count(*) FROM artist_toplist", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 10, "the day's ten rows, loaded once");
    assert_eq!(
        statuses(&["-p", "date=2026-11-29"]),
        [ran.clone(), ran.clone(), ran]
    );
}

/// `wfc` killed with -9 while a step's check runs: the resumed run asks
/// the check again (no attempt was recorded), the step ends up to date,
/// and the check cut by the kill does not live on.
#[test]
fn a_check_cut_by_kill_9_is_asked_again_on_resume() {
    use std::time::Duration;
    let c = case().workflow(
        r#"
workflow w {
  step make: shell {
    run "echo made >> ran.log; echo x > out.txt"
    up to date when shell "if [ -e slow ]; then sleep 30 & echo $! > check.pid; wait $!; fi; test -s out.txt"
  }
}
"#,
    );
    c.wfc(["run", "w.wf", "--plain"]).success().output();
    c.write("slow", "");
    let child = c.wfc(["run", "w.wf", "--plain"]).spawn();
    assert!(
        c.wait_for_file("check.pid", Duration::from_secs(20)),
        "the check never started"
    );
    let pid = child.id() as i32;
    wfc_testkit::signal(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait_with_output();
    let check: i32 = c.read("check.pid").trim().parse().unwrap();
    std::fs::remove_file(c.path("slow")).unwrap();
    let out = c.wfc(["resume", "last", "--plain"]).success().output();
    assert!(
        out.stdout.contains("make | ✓ up to date (run "),
        "{}",
        out.stdout
    );
    assert_eq!(c.lines("ran.log"), ["made"], "it never ran again");
    assert!(
        wfc_testkit::wait_dead(check, Duration::from_secs(10)),
        "the check cut by the kill still runs"
    );
}
