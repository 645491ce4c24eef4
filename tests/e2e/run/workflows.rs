//! Whole workflows through `wfc run`: ordering, jobs, the critical path,
//! retries and timeouts, `wait any`, loops and branches, handlers and
//! compensations, approvals, Ctrl-C and SIGKILL, masking, the report,
//! timings, and what steps inherit. (Steps that talk to servers:
//! `run::services`; hostile values: `run::injection`.)

use super::fixture;
use crate::workflow;
use std::time::{Duration, Instant};
use wfc_testkit::{alive, wait_dead};

#[test]
fn dependencies_order_steps_and_the_run_succeeds() {
    let c = workflow(
        r#"workflow order {
          step a: shell { run "echo a >> log" }
          step b: shell { run "echo b >> log"  depends on a }
          step c: shell { run "echo c >> log"  depends on b }
          step d: shell { run "echo \"d ${trim(c.stdout)}\" >> log; echo fromc"  depends on a }
        }"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    let log = c.lines("log");
    assert_eq!(log[0], "a");
    let pos = |x: &str| log.iter().position(|l| l.starts_with(x)).unwrap();
    assert!(pos("b") < pos("c") && pos("c") < pos("d"), "{log:?}");
    assert!(r.stdout.contains("run succeeded"), "{r}");
    assert!(
        r.stdout.contains("run ") && r.stdout.contains(" · order · 4 steps"),
        "{r}"
    );
}

#[test]
fn jobs_bound_concurrency() {
    let step = |n: u32| {
        format!(r#"step s{n}: shell {{ run "echo start >> t; sleep 0.4; echo end >> t" }}"#)
    };
    let wf = format!(
        "workflow conc {{\n{}\n}}",
        (1..=4).map(step).collect::<Vec<_>>().join("\n")
    );
    let c = workflow(&wf);
    let t = Instant::now();
    assert_eq!(c.run(&["--jobs", "2"]).code, 0);
    let two = t.elapsed();
    assert!(two >= Duration::from_millis(800), "{two:?}");
    assert_eq!(most_running(&c.lines("t")), 2);
    let c = workflow(&wf);
    let t = Instant::now();
    assert_eq!(c.run(&["--jobs", "4"]).code, 0);
    assert!(
        t.elapsed() < two,
        "4 jobs ({:?}) not faster than 2 ({two:?})",
        t.elapsed()
    );
    assert!(most_running(&c.lines("t")) >= 3);
}

/// The most steps running at once, from `start` / `end` lines.
fn most_running(lines: &[String]) -> i32 {
    let (mut cur, mut most) = (0, 0);
    for l in lines {
        cur += if l == "start" { 1 } else { -1 };
        most = most.max(cur);
    }
    most
}

#[test]
fn the_critical_path_starts_first() {
    // One worker: the chain (30s estimates each) outranks the short steps
    // declared before it, so it starts first.
    let c = workflow(
        r#"workflow prio {
          step short1: shell { run "echo short1 >> log"  estimate 1s }
          step short2: shell { run "echo short2 >> log"  estimate 1s }
          step head: shell { run "echo head >> log" }
          step tail: shell { run "echo tail >> log"  depends on head }
        }"#,
    );
    assert_eq!(c.run(&["--jobs", "1"]).code, 0);
    assert_eq!(c.lines("log"), ["head", "tail", "short1", "short2"]);
}

#[test]
fn retries_count_attempts_and_back_off() {
    let c = workflow(
        r#"workflow retry {
          step always: shell { run "echo x >> always; exit 7"  retry 3 }
          step second: shell {
            run "echo x >> second; test $(wc -l < second) -ge 2"
            retry 2 backoff 300ms linear
          }
        }"#,
    );
    let t = Instant::now();
    let r = c.run(&["--keep-going", "--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("always").len(), 4, "retry 3 = 4 attempts");
    assert_eq!(c.lines("second").len(), 2);
    assert!(t.elapsed() >= Duration::from_millis(270), "backoff waited");
    let rep = c.report();
    let step = |n: &str| wfc_testkit::report_step(&rep, n);
    assert_eq!(step("always")["attempts"], 4);
    assert_eq!(step("always")["status"], "failed");
    assert_eq!(step("always")["exit_code"], 7);
    assert_eq!(step("second")["attempts"], 2);
    assert_eq!(step("second")["status"], "succeeded");
    assert_eq!(step("second")["attempt_log"][0]["status"], "failed");
}

#[test]
fn a_timeout_kills_the_whole_process_tree() {
    let c = workflow(
        r#"workflow t {
          step slow: shell {
            run "sleep 30 & echo $! > child.pid; echo $$ > shell.pid; wait"
            timeout 500ms
            retry 1
          }
          finally { step fin: shell { run "echo fin >> log" } }
        }"#,
    );
    let t = Instant::now();
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(r.stdout.contains("timed out"), "{r}");
    for f in ["child.pid", "shell.pid"] {
        let pid: i32 = c.read(f).trim().parse().unwrap();
        assert!(wait_dead(pid, Duration::from_secs(3)), "{f} {pid} survived");
    }
    assert_eq!(c.lines("log"), ["fin"]);
}

#[test]
fn the_workflow_timeout_cancels_and_fails_the_run() {
    let c = workflow(
        r#"workflow t {
          timeout 600ms
          step slow: shell { run "echo $$ > pid; sleep 30" }
          on failure { step why: shell { run "echo \"${failed.error}\" >> log" } }
        }"#,
    );
    let t = Instant::now();
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(t.elapsed() < Duration::from_secs(8));
    assert!(
        c.read("log").contains("timeout (600ms) expired"),
        "{}",
        c.read("log")
    );
    let pid: i32 = c.read("pid").trim().parse().unwrap();
    assert!(wait_dead(pid, Duration::from_secs(3)));
}

#[test]
fn wait_any_takes_the_first_success_and_kills_the_rest() {
    let c = fixture("waitany.wf");
    let t = Instant::now();
    let r = c.run(&["--jobs", "3", "--output", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(c.lines("log"), ["fast", "after"]);
    let pid: i32 = c.read("slow.pid").trim().parse().unwrap();
    assert!(wait_dead(pid, Duration::from_secs(3)), "the loser survived");
    let rep = c.report();
    let status = |n: &str| {
        rep["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("slow"), "cancelled");
    assert_eq!(status("broken"), "failed");
    assert_eq!(status("after"), "succeeded");
}

#[test]
fn loops_run_in_order_stop_on_failure_and_respect_parallel_n() {
    let c = fixture("loops.wf");
    let r = c.run(&["--jobs", "4", "--keep-going"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(
        c.lines("seq.log"),
        ["one", "two"],
        "a failed iteration stops the next"
    );
    let par = c.lines("par.log");
    assert_eq!(par.len(), 8);
    assert_eq!(most_running(&par), 2, "parallel 2: {par:?}");
    assert!(
        r.stdout.contains("seq[three]") && r.stdout.contains("not run"),
        "{r}"
    );
}

#[test]
fn run_time_branches_skip_the_other_side_and_its_dependents_go_on() {
    // `slow` is absent in fast mode: `after_slow`, which depends on it, runs
    // all the same, after what `slow` waited for.
    let c = fixture("branches.wf");
    assert_eq!(c.run(&[]).code, 0);
    let mut log = c.lines("log");
    log.sort();
    assert_eq!(log, ["after_slow", "quick", "report 0"]);
    let c = fixture("branches.wf");
    let r = c.run(&["--param", "mode=careful"]);
    assert_eq!(r.code, 0, "{r}");
    let mut log = c.lines("log");
    log.sort();
    assert_eq!(log, ["after_slow", "report -1", "slow"]);
    assert!(r.stdout.contains("skipped"), "{r}");
}

#[test]
fn compensations_run_in_reverse_order_of_completion_then_handlers() {
    let c = fixture("rollback.wf");
    let r = c.run(&["--jobs", "2"]);
    assert_eq!(r.code, 1, "{r}");
    let log = c.lines("log");
    assert_eq!(log[0], "a");
    assert_eq!(
        &log[4..],
        [
            "undo_deploy",
            "undo_b",
            "undo_c",
            "undo_a",
            "alert deploy: exit code 3: boom: disk full",
            "cleanup",
        ],
        "{log:?}"
    );
    assert!(!log.contains(&"never".to_string()) && !log.contains(&"undo_never".to_string()));
    assert!(r.stdout.contains("── rollback ──"), "{r}");
    // Plain lines line up, rollback steps' names included.
    let columns: std::collections::BTreeSet<usize> =
        r.stdout.lines().filter_map(|l| l.find(" | ")).collect();
    assert_eq!(columns.len(), 1, "{r}");
}

#[test]
fn success_runs_on_success_and_a_failing_handler_does_not_change_the_result() {
    let c = workflow(
        r#"workflow ok {
          step a: shell { run "true" }
          on success { step yay: shell { run "echo yay >> log; exit 1" } }
          on failure { step nay: shell { run "echo nay >> log" } }
          finally { step fin: shell { run "echo fin >> log" } }
        }"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["yay", "fin"]);
}

#[test]
fn keep_going_lets_independent_branches_finish() {
    let wf = r#"workflow kg {
      step bad: shell { run "exit 1" }
      step after_bad: shell { run "echo after_bad >> log"  depends on bad }
      step slow: shell { run "sleep 0.3; echo slow >> log" }
      step after_slow: shell { run "echo after_slow >> log"  depends on slow }
    }"#;
    let c = workflow(wf);
    assert_eq!(c.run(&["--jobs", "2"]).code, 1);
    assert_eq!(
        c.lines("log"),
        ["slow"],
        "running steps finish, nothing new starts"
    );
    let c = workflow(wf);
    assert_eq!(c.run(&["--jobs", "2", "--keep-going"]).code, 1);
    assert_eq!(c.lines("log"), ["slow", "after_slow"]);
}

#[test]
fn optional_failures_stop_dependents_and_gates_decide() {
    let c = workflow(
        r#"workflow g {
          param min: int = 5
          step measure: shell { run "echo n=3 >> $WF_OUTPUTS"  outputs { n: int } }
          step soft: shell { run "exit 2"  optional }
          step after_soft: shell { run "echo after_soft >> log"  depends on soft }
          step note: gate { check measure.outputs.n >= min  on fail continue }
          step use: shell { run "echo passed=${note.passed} >> log" }
          step hard: gate { check measure.outputs.n >= min }
          step after_hard: shell { run "echo after_hard >> log"  depends on hard }
        }"#,
    );
    let r = c.run(&["--jobs", "1"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("log"), ["passed=false"]);
    assert!(
        r.stdout
            .contains("the check `measure.outputs.n >= 5` is false"),
        "{r}"
    );
    assert!(r.stdout.contains("failed (optional)"), "{r}");
    // A check of params only is decided when the run is planned: the
    // failure says so, never "the check `false` is false".
    let planned = workflow(
        r#"workflow p {
          param min: int = 5
          step hard: gate { check min > 9 }
        }"#,
    );
    let p = planned.run(&[]);
    assert_eq!(p.code, 1, "{p}");
    assert!(!p.stdout.contains("the check `false` is false"), "{p}");
    assert!(p.stdout.contains("decided when the run was planned"), "{p}");
    assert!(
        r.stdout.contains("after_soft | · not run: `soft` failed"),
        "{r}"
    );
}

#[test]
fn approvals_wait_until_given() {
    let wf = r#"workflow appr {
      step build: shell { run "true" }
      step approve: gate { approval "release manager"  timeout 400ms  depends on build }
      step ship: shell { run "echo shipped >> log"  depends on approve }
    }"#;
    let c = workflow(wf);
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("waiting for approval by release manager"),
        "{r}"
    );
    assert!(r.stdout.contains("no approval within 400ms"), "{r}");
    let c = workflow(wf);
    let r = c.run(&["--approve", "approve"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("log"), ["shipped"]);
}

#[test]
fn exit_codes_for_bad_params_and_bad_workflows() {
    let c = workflow(r#"workflow p { param n: int  step a: shell { run "echo ${n}" } }"#);
    assert_eq!(c.run(&[]).code, 2, "missing param");
    assert_eq!(c.run(&["--param", "n=x"]).code, 2, "malformed param");
    assert_eq!(c.run(&["--param", "n=1"]).code, 0);
    let bad = workflow(r#"workflow p { step a: shell { runn "x" } }"#);
    assert_eq!(bad.run(&[]).code, 3);
}

/// Loops over lists a step wrote are unrolled when the run reaches them:
/// `parallel N`, a failed iteration stopping a sequential loop, compensations
/// with their own item, an empty list, outputs read as a list in item order.
#[test]
fn loops_over_run_time_lists_unroll_when_the_list_is_known() {
    let c = fixture("runtime_loops.wf");
    let r = c.run(&["--jobs", "4", "--keep-going", "--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    let par = c.lines("par.log");
    assert_eq!(par.len(), 8, "{r}");
    assert_eq!(most_running(&par), 2, "parallel 2: {par:?}");
    let mut after = c.lines("after.log");
    after.sort();
    assert_eq!(
        after,
        ["w1:2", "w2:2", "w3:2", "w4:2"],
        "each iteration reads its own outputs"
    );
    assert_eq!(c.read("report.txt").trim(), "w1|w2|w3|w4 4");
    assert_eq!(
        c.read("finally.txt").trim(),
        "w1,w2,w3,w4",
        "a handler reads them too"
    );
    assert_eq!(
        c.lines("seq.log"),
        ["one", "two"],
        "a failed iteration stops the next"
    );
    assert_eq!(c.lines("undo.log"), ["undo two", "undo one"]);
    assert!(!c.path("none.log").exists());
    assert_eq!(c.read("after_none.txt").trim(), "ran");
    assert!(
        r.stdout.contains("seq[three]") && r.stdout.contains("not run"),
        "{r}"
    );
    assert!(r.stdout.contains("undo[two]"), "{r}");
    assert!(!r.stdout.contains("[*]"), "a template was shown: {r}");
    let report = c.report();
    let names: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"par[w4]") && names.contains(&"after_par[w1]"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("[*]")), "{names:?}");
}

#[test]
fn blocks_and_loops_inside_a_run_time_loop_are_copied_per_iteration() {
    let c = fixture("runtime_nested.wf");
    let r = c.run(&["--jobs", "4"]);
    assert_eq!(r.code, 0, "{r}");
    let sorted = |name: &str| {
        let mut v = c.lines(name);
        v.sort();
        v
    };
    assert_eq!(sorted("any.log"), ["fast a", "fast b"], "{r}");
    assert!(
        r.stdout
            .contains("another member of `probes [a]` succeeded first"),
        "{r}"
    );
    assert_eq!(sorted("sized.log"), ["a1", "a2", "b1", "b2"]);
    assert_eq!(sorted("leaf.log"), ["a1", "a2", "b1", "b2"]);
    assert!(r.stdout.contains("leaf[b][b2]"), "{r}");
    assert_eq!(c.read("last.txt").trim(), "4 4");
}

#[test]
fn ctrl_c_cancels_runs_compensations_and_finally_and_exits_130() {
    let c = workflow(
        r#"workflow cancel {
          step first: shell {
            run "echo first >> log"
            on failure rollback { step undo: shell { run "echo undo >> log" } }
          }
          step long: shell { run "echo $$ > pid; sleep 30"  depends on first }
          finally { step fin: shell { run "echo fin >> log" } }
        }"#,
    );
    let child = c.wfc_run(&[]).spawn();
    assert!(c.wait_for_file("pid", Duration::from_secs(10)));
    let pid: i32 = c.read("pid").trim().parse().unwrap();
    wfc_testkit::signal(child.id() as i32, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        wait_dead(pid, Duration::from_secs(3)),
        "the step survived Ctrl-C"
    );
    assert_eq!(c.lines("log"), ["first", "undo", "fin"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("run cancelled"));
}

#[test]
fn steps_die_with_a_sigkilled_wfc() {
    let c = workflow(
        r#"workflow k {
          step long: shell { run "sleep 30 & echo $! > child.pid; setsid sleep 30 & echo $! > detached.pid; echo $$ > pid; wait" }
        }"#,
    );
    let mut child = c.wfc_run(&[]).spawn();
    assert!(c.wait_for_file("pid", Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(100));
    let pids: Vec<i32> = ["pid", "child.pid", "detached.pid"]
        .iter()
        .map(|f| c.read(f).trim().parse().unwrap())
        .collect();
    assert!(pids.iter().all(|&p| alive(p)));
    child.kill().unwrap();
    child.wait().unwrap();
    for p in pids {
        assert!(
            wait_dead(p, Duration::from_secs(5)),
            "process {p} outlived wfc"
        );
    }
}

#[test]
fn secrets_are_masked_everywhere_wfc_writes() {
    let c = workflow(
        r#"workflow s {
          secret token: string = env("WFC_TEST_TOKEN")
          step leak: shell {
            run "echo the token is $TOKEN; echo out=$TOKEN >> $WF_OUTPUTS"
            env { TOKEN = token }
            outputs { out: string }
          }
          step derived: shell {
            run "echo $D; echo $D >&2; exit 1"
            env { D = upper(token) }
          }
        }"#,
    );
    let r = c
        .wfc_run(&["--output", "report.json", "--keep-going"])
        .env("WFC_TEST_TOKEN", "hunter2-secret")
        .output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.read("report.json");
    for text in [&r.stdout, &r.stderr, &report] {
        assert!(!text.contains("hunter2-secret"), "leaked: {text}");
        assert!(
            !text.contains("HUNTER2-SECRET"),
            "derived value leaked: {text}"
        );
    }
    assert!(r.stdout.contains("the token is ***"), "{r}");
    assert!(report.contains("\"token\": \"***\""), "{report}");
    assert!(report.contains("\"out\": \"***\""), "{report}");
}

#[test]
fn the_report_describes_every_step() {
    let c = workflow(
        r#"workflow rep {
          step a: shell { run "echo hi; echo n=4 >> $WF_OUTPUTS"  outputs { n: int } }
          step b: shell { run "exit 1"  depends on a }
          step c: shell { run "true"  depends on b }
        }"#,
    );
    let r = c.run(&["--output", "report.json"]);
    assert_eq!(r.code, 1);
    let rep = c.report();
    assert_eq!(rep["schema"], "wfc-run/1");
    assert_eq!(rep["status"], "failed");
    assert_eq!(rep["exit_code"], 1);
    assert_eq!(rep["failed"]["step"], "b");
    assert!(rep["run_id"].as_str().unwrap().len() > 10);
    assert!(
        r.stdout.contains(rep["run_id"].as_str().unwrap()),
        "the run id is printed"
    );
    let steps = rep["steps"].as_array().unwrap();
    let a = steps.iter().find(|s| s["name"] == "a").unwrap();
    assert_eq!(a["status"], "succeeded");
    assert_eq!(a["outputs"]["stdout"], "hi");
    assert_eq!(a["outputs"]["outputs"]["n"], 4);
    assert_eq!(a["exit_code"], 0);
    assert!(a["duration_seconds"].as_f64().unwrap() >= 0.0);
    assert!(a["started_at"].as_str().unwrap().ends_with('Z'));
    let cc = steps.iter().find(|s| s["name"] == "c").unwrap();
    assert_eq!(cc["status"], "not_run");
    assert_eq!(cc["attempts"], 0);
}

/// Outputs are kept only for steps something reads (see `Runner::kept_outputs`):
/// a later step (`c` reads `b`), a rollback (`a`'s reads `a`) and a workflow
/// handler (reads `d`) each read theirs.
#[test]
fn outputs_read_later_by_steps_rollbacks_and_handlers_are_there() {
    let c = workflow(
        r#"workflow keep {
          step a: shell {
            run "echo from-a"
            on failure rollback {
              step undo_a: shell { run "echo undo ${a.stdout} >> log" }
            }
          }
          step b: shell {
            run "echo from-b"
            depends on a
          }
          step d: shell { run "echo from-d" }
          step unread: shell { run "echo nobody reads me" }
          step c: shell {
            run "echo c ${b.stdout} >> log; exit 1"
            depends on unread, d
          }
          on failure {
            step alert: shell { run "echo alert ${default(d.stdout, "-")} >> log" }
          }
        }"#,
    );
    let r = c.run(&["--jobs", "1", "--output", "report.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(
        c.lines("log"),
        ["c from-b", "undo from-a", "alert from-d"],
        "{r}"
    );
    // Unread outputs are still recorded in the report.
    let report = std::fs::read_to_string(c.path("report.json")).unwrap();
    assert!(report.contains("nobody reads me"), "{report}");
}

/// Past 40 steps the summary lists only the steps that did not succeed (the
/// display drops the rows of succeeded steps as they end) and counts the rest.
#[test]
fn a_large_run_summarises_what_did_not_succeed() {
    let mut wf = String::from("workflow many {\n");
    for i in 0..45 {
        wf.push_str(&format!("  step s{i}: shell {{ run \"true\" }}\n"));
    }
    wf.push_str("  step bad: shell {\n    run \"exit 3\"\n    optional\n  }\n}\n");
    let c = workflow(&wf);
    let r = c.run(&["--jobs", "2"]);
    assert_eq!(r.code, 0, "{r}");
    let table = &r.stdout[r.stdout.find("STEP").expect("a summary table")..];
    assert!(
        table.contains("bad") && table.contains("failed (optional)"),
        "{table}"
    );
    assert!(!table.contains("s44"), "{table}");
    assert!(table.contains("(45 more steps succeeded"), "{table}");
}

#[test]
fn wfc_timings_prints_each_phase_in_order_and_only_when_asked() {
    let c = workflow(
        r#"workflow timed {
          step a: shell { run "echo a > out" }
          step b: shell { run "echo b >> out"  depends on a }
        }"#,
    );
    let quiet = c.run(&[]);
    assert_eq!(quiet.code, 0, "{quiet}");
    assert!(!quiet.stderr.contains("wfc: timing"), "{quiet}");

    let r = c.wfc_run(&[]).env("WFC_TIMINGS", "1").output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("out"), ["a", "b"]);
    let marks: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("wfc: timing: "))
        .collect();
    let phase = |m: &&str| m.split("ms").last().unwrap_or_default().trim().to_owned();
    let names: Vec<String> = marks
        .iter()
        .filter(|m| !m.starts_with("cpu") && !m.starts_with("threads"))
        .map(phase)
        .collect();
    let order = [
        "source read",
        "parse",
        "check",
        "plan",
        "first step starting",
        "run ended",
        "finished",
    ];
    let at = |want: &str| {
        names
            .iter()
            .position(|n| n == want)
            .unwrap_or_else(|| panic!("no `{want}` mark in {names:?}"))
    };
    for pair in order.windows(2) {
        assert!(
            at(pair[0]) < at(pair[1]),
            "{pair:?} out of order: {names:?}"
        );
    }
    // Times since the start only grow.
    let since: Vec<f64> = marks
        .iter()
        .filter(|m| !m.starts_with("cpu") && !m.starts_with("threads"))
        .map(|m| m.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(since.windows(2).all(|w| w[0] <= w[1]), "{since:?}");
    let [.., cpu, threads] = marks.as_slice() else {
        panic!("no cpu lines: {marks:?}");
    };
    assert!(
        cpu.starts_with("cpu ") && cpu.contains(" ms wfc, ") && cpu.ends_with(" ms steps"),
        "{cpu}"
    );
    // The scheduler's thread (then each helper that ended: none here,
    // without a store).
    assert!(threads.starts_with("threads (cpu ms): main "), "{threads}");
}

/// More steps at once than the limit on open files allows: the step that
/// cannot start fails with what to do, and the run fails rather than hangs.
#[test]
fn too_many_steps_for_the_open_file_limit_say_what_to_do() {
    let steps: Vec<String> = (0..30)
        .map(|n| format!(r#"step s{n}: shell {{ run "sleep 0.3" }}"#))
        .collect();
    let c = workflow(&format!("workflow wide {{\n{}\n}}", steps.join("\n")));
    let r = c
        .shell("ulimit -n 48 && exec \"$0\" run w.wf --plain --no-store --jobs 30")
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("lower `--jobs` or raise `ulimit -n`"),
        "{r}"
    );
}

/// A descriptor wfc inherited open (as under `make`'s jobserver, or
/// `wfc run … 7>file`) is open in its steps too; wfc's own are not.
#[test]
fn steps_inherit_what_wfc_inherited_and_nothing_of_wfcs_own() {
    let c = workflow(
        r#"workflow fds {
          step a: shell { run "echo through-7 >&7; ls /proc/self/fd > fds" }
        }"#,
    );
    let r = c
        .shell("exec 7>seven && exec \"$0\" run w.wf --plain --no-store")
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("seven"), "through-7\n");
    // The same as `ls` under a shell that opened 7 itself (with whatever
    // this test inherited).
    let plain = std::process::Command::new("sh")
        .current_dir(c.path(""))
        .args(["-c", "exec 7>/dev/null && ls /proc/self/fd"])
        .output()
        .unwrap();
    let fds = |text: &str| {
        let mut v: Vec<i32> = text.lines().filter_map(|l| l.parse().ok()).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        fds(&c.read("fds")),
        fds(&String::from_utf8_lossy(&plain.stdout)),
        "the step's descriptors against a plain shell's"
    );
}
