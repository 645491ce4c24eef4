//! The run store's commands end to end, through the real `wfc` binary:
//! concurrent runs sharing one store, `history`, `stats` and `status` with
//! and without a store and `--state-dir`, history estimates ordering a run,
//! and a run that does not compile leaving the store as it was.

use super::{Env, CHAIN};
use serde_json::Value as J;
use std::process::Child;

#[test]
fn concurrent_runs_share_one_store() {
    let mut wf = String::from("workflow wide {\n  param dir: string\n");
    for i in 0..15 {
        wf.push_str(&format!(
            "  step s{i}: shell {{ run \"echo x >> ${{dir}}/count/s{i}\" }}\n"
        ));
    }
    wf.push_str("}\n");
    let env = Env::new(&wf);
    let children: Vec<Child> = (0..4).map(|_| env.spawn_run(&["-j", "2"])).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    }
    let h = env.json(&["history", "wide", "--format", "json"]);
    let runs = h.as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"));
    let s = env.json(&["stats", "--format", "json"]);
    assert_eq!(s[0]["runs"], 4);
    assert_eq!(s[0]["steps"].as_array().unwrap().len(), 15);
    assert!(s[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["runs"] == 4));
    assert_eq!(env.count("s0"), 4);
}

#[test]
fn store_commands_without_a_store_and_state_dir() {
    let env = Env::new(CHAIN);
    if crate::on_postgres() {
        return; // (A database is always there: SQLite's missing file is the case.)
    }
    // No runs yet is an answer, not an error (as `git log` in a new repository).
    let out = env.wfc(&["history"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no runs recorded yet"));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no runs recorded\n");
    let out = env.wfc(&["stats", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    env.touch("go");
    let dir = env.path().display().to_string();
    let other = env.path().join("elsewhere");
    let out = env
        .cmd(&["run", "flow.wf", "--plain", "-p", &format!("dir={dir}")])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(other.join("runs.db").exists() && !env.path().join(".wfc").exists());
    let h = env.wfc(&["history", "--state-dir", &other.display().to_string()]);
    assert!(String::from_utf8_lossy(&h.stdout).contains("succeeded"));
    // An empty run id is not a prefix of every run (MCP's `run: ""` was).
    for blank in ["", " "] {
        let s = env.wfc(&["status", blank, "--state-dir", &other.display().to_string()]);
        assert_eq!(s.status.code(), Some(2), "{blank:?}");
        assert!(
            String::from_utf8_lossy(&s.stderr).contains("no run given"),
            "{blank:?}: {}",
            String::from_utf8_lossy(&s.stderr)
        );
    }
    // --no-store records nothing.
    let out = env.wfc(&[
        "run",
        "flow.wf",
        "--plain",
        "--no-store",
        "-p",
        &format!("dir={dir}"),
    ]);
    assert!(out.status.success());
    assert!(!env.path().join(".wfc").exists());
    // With history, `wfc plan` says where estimates come from.
    let plan = env
        .cmd(&["plan", "flow.wf", "-p", "dir=x", "--format", "json"])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    let plan: J = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["estimate_source"] == "history"));
    let text = env
        .cmd(&["plan", "flow.wf", "-p", "dir=x"])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("(history)"));
}

#[test]
fn a_run_orders_its_steps_by_history_estimates() {
    // Two independent steps, one worker. With equal (default) estimates the
    // one declared first goes first; once the history says `slow` takes
    // longer, `slow` goes first (highest remaining critical path first).
    // (A file this small has its history store opened while it compiles:
    // `cli::plan::HistoryReader::early`.)
    let env = Env::new(
        "workflow order {\n  step quick: shell {\n    run \"echo quick >> order\"\n  }\n  step slow: shell {\n    run \"sleep 0.3; echo slow >> order\"\n  }\n}\n",
    );
    let order = || std::fs::read_to_string(env.path().join("order")).unwrap();
    for expected in ["quick\nslow\n", "slow\nquick\n"] {
        let _ = std::fs::remove_file(env.path().join("order"));
        let out = env.wfc(&["run", "flow.wf", "--plain", "--jobs", "1"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(order(), expected);
    }
    // --no-store reads the history too (it records nothing).
    let _ = std::fs::remove_file(env.path().join("order"));
    let out = env.wfc(&["run", "flow.wf", "--plain", "--jobs", "1", "--no-store"]);
    assert!(out.status.success());
    assert_eq!(order(), "slow\nquick\n");
}

#[test]
fn a_run_that_does_not_compile_leaves_the_store_as_it_was() {
    // A file with errors records nothing, creates no store where none is,
    // and leaves an existing one as it was.
    let env = Env::new(CHAIN);
    std::fs::write(
        env.path().join("broken.wf"),
        "workflow broken {\n  step a: shel { }\n}\n",
    )
    .unwrap();
    let out = env.wfc(&["run", "broken.wf", "--plain"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(!env.path().join(".wfc").exists(), "no store is created");

    env.touch("go");
    let dir = env.path().display().to_string();
    let p = format!("dir={dir}");
    let first = env.wfc(&["run", "flow.wf", "--plain", "-p", &p]);
    assert!(first.status.success(), "{first:?}");
    let out = env.wfc(&["run", "broken.wf", "--plain"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let runs = |env: &Env| env.one("SELECT COUNT(*) FROM runs", &[]).int().unwrap();
    assert_eq!(runs(&env), 1, "the broken file's run is not recorded");

    // The next good run is recorded whole, with its fingerprints.
    let second = env.wfc(&["run", "flow.wf", "--plain", "-p", &p]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(runs(&env), 2);
    let id = env.run_id();
    let steps: Vec<(String, String)> = env
        .rows(
            "SELECT name, status FROM steps WHERE run_id = $1 ORDER BY seq",
            &[(&id).into()],
        )
        .iter()
        .map(|r| (r[0].text().unwrap().into(), r[1].text().unwrap().into()))
        .collect();
    let want = ["a", "b", "c"].map(|s| (s.to_owned(), "succeeded".to_owned()));
    assert_eq!(steps, want);
    let rows = env.rows("SELECT plan FROM plans WHERE run_id = $1", &[(&id).into()]);
    let plan = &rows[0][0];
    assert!(
        plan.blob().is_some_and(|p| !p.is_empty()),
        "the fingerprints are recorded"
    );
}

/// A gate takes one decision: a second `wfc approve` / `wfc reject` of it,
/// either way, is refused and names the first (none is silently lost).
/// (The gate is never reached: its run failed before; a decision on it is
/// kept for `wfc resume`.)
#[test]
fn a_second_decision_on_a_gate_is_refused() {
    let env = Env::new(
        r#"workflow gated {
  param dir: string
  step broken: shell { run "false" }
  step ok: gate { approval "ops"  timeout 50ms  depends on broken }
}
"#,
    );
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    for (first, second) in [
        ("approve", "reject"),
        ("approve", "approve"),
        ("reject", "approve"),
    ] {
        let out = env.spawn_run(&[]).wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "the run failed");
        let id = env.run_id();
        let out = env.wfc(&[first, &id, "ok", "--as", "alice"]);
        assert!(out.status.success(), "{first}: {}", text(&out));
        let out = env.wfc(&[second, &id, "ok", "--as", "bob"]);
        assert_eq!(out.status.code(), Some(1), "{first} then {second}");
        let done = if first == "approve" {
            "approved"
        } else {
            "rejected"
        };
        let err = text(&out);
        assert!(
            err.contains(&format!("already {done} by alice at 20")),
            "{first} then {second}: {err}"
        );
        let rows = env.rows(
            "SELECT decision, by FROM approvals WHERE run_id = $1",
            &[(&id).into()],
        );
        assert_eq!(
            (rows[0][0].text(), rows[0][1].text()),
            (Some(done), Some("alice"))
        );
    }
}

/// `stdout` keeps its last 1 MiB: a cut stream is named in the step's
/// record (report, `wfc status` and its JSON), and `json()` of it is an
/// error naming the cap, not a parse error about what is left.
#[test]
fn a_truncated_stdout_is_recorded_and_json_of_it_names_the_cap() {
    let env = Env::new(
        r#"workflow big {
  param dir: string
  step produce: shell {
    run "awk 'BEGIN { printf \"[\"; for (i = 0; i < 200000; i++) printf \"%d,\", i; print \"0]\" }'"
  }
  step consume: shell { run "echo ${len(json(produce.stdout))}" }
}
"#,
    );
    let out = env
        .spawn_run(&["-o", "report.json"])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let id = env.run_id();
    let report: J =
        serde_json::from_str(&std::fs::read_to_string(env.path().join("report.json")).unwrap())
            .unwrap();
    let step = |list: &J, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    let cut = &step(&report["steps"], "produce")["outputs"]["truncated"]["stdout"];
    assert_eq!(cut["kept_bytes"], 1024 * 1024, "{cut}");
    // `[`, each number and its comma, `0]` and the newline.
    let total: u64 = 4
        + (0..200_000u64)
            .map(|i| i.to_string().len() as u64 + 1)
            .sum::<u64>();
    assert_eq!(cut["dropped_bytes"], total - 1024 * 1024, "{cut}");
    let error = step(&report["steps"], "consume")["error"].to_string();
    assert!(
        error.contains("`stdout` was truncated to its last 1 MiB"),
        "{error}"
    );
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(
        step(&st["step_list"], "produce")["outputs"]["truncated"]["stdout"],
        *cut
    );
    let text = String::from_utf8_lossy(&env.wfc(&["status", &id]).stdout).into_owned();
    assert!(
        text.contains("stdout truncated: only its last 1 MiB kept"),
        "{text}"
    );
}

/// Instances whose names become alike as file names (`l[a/b]`, `l[a_b]`)
/// keep their own log files, and `wfc logs RUN STEP` finds each.
#[test]
fn instances_named_alike_keep_their_own_logs() {
    let env = Env::new(
        r#"workflow alike {
  param dir: string
  for each item in ["a/b", "a_b", "a\\b"] {
    step l: shell { run "printf 'item=%s\\n' ${item}" }
  }
}
"#,
    );
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = env.run_id();
    for item in ["a/b", "a_b", "a\\b"] {
        let out = env.wfc(&["logs", &id, &format!("l[{item}]")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("item=")).collect();
        assert_eq!(lines, [format!("item={item}")], "{text}");
    }
}

/// A store that the wfc of schema version 6 made (`tests/store/v6/`) is
/// migrated by the first command, and every command shows what that wfc
/// showed: the history, the stats, each run's status and events. The run it
/// left killed before its first fold has its journal folded and is marked
/// interrupted as that wfc did, and it resumes.
#[test]
fn a_v6_store_shows_what_it_showed() {
    if crate::on_postgres() {
        return; // (An old SQLite file, made by hand: SQLite's own.)
    }
    let env = Env::new(CHAIN);
    let state = env.path().join(".wfc");
    let killed = "20261124-010224-1346";
    std::fs::create_dir_all(state.join("journal")).unwrap();
    // Raw SQLite: the v6 file is made before any store opens (and migrates) it.
    rusqlite::Connection::open(state.join("runs.db"))
        .unwrap()
        .execute_batch(include_str!("../../store/v6/runs.sql"))
        .unwrap();
    let journal = state.join(format!("journal/{killed}.wfj"));
    std::fs::write(
        &journal,
        include_bytes!("../../store/v6/20261124-010224-1346.wfj"),
    )
    .unwrap();
    let want: J = serde_json::from_str(include_str!("../../store/v6/expected.json")).unwrap();

    // Fields added since (who started a run: `cli` for these) are not
    // what that wfc showed.
    let mut history = env.json(&["history", "--format", "json"]);
    for run in history.as_array_mut().into_iter().flatten() {
        assert_eq!(run["started_by"], "cli", "{run}");
        run.as_object_mut().unwrap().remove("started_by");
    }
    assert_eq!(history, want["history"]);
    assert!(!journal.exists(), "folded, then removed");
    let version = env.one("PRAGMA user_version", &[]);
    assert_eq!(version.int(), Some(wfc_store::schema::VERSION));
    assert_eq!(env.json(&["stats", "--format", "json"]), want["stats"]);
    for (id, status) in want["status"].as_object().unwrap() {
        let mut shown = env.json(&["status", id, "--format", "json"]);
        assert_eq!(shown["started_by"], "cli", "{id}");
        shown.as_object_mut().unwrap().remove("started_by");
        assert_eq!(&shown, status, "{id}");
        let mut events = env.json(&["status", id, "--events", "--format", "json"]);
        if id == killed {
            // When it was reaped.
            let last = events.as_array_mut().unwrap().last_mut().unwrap();
            assert_eq!(last["kind"], "run_interrupted");
            last["at"] = J::Null;
        }
        assert_eq!(&events, &want["events"][id], "{id}");
    }

    // `b` is interrupted, `a` succeeded: `a` is restored, `b` runs.
    std::fs::write(
        env.path().join("slow.wf"),
        "workflow slow {\n  step a: shell { run \"echo a; echo n=1 >> $WF_OUTPUTS\" outputs { n: int } }\n  step b: shell { run \"echo b\" depends on a }\n}\n",
    )
    .unwrap();
    let out = env.resume_ok(killed);
    assert!(out.contains("a | ✓ restored"), "{out}");
}
