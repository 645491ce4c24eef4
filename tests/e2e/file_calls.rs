//! `call file(EXPR)` end to end with real processes: a workflow file an
//! earlier step wrote runs as the call's steps (`up.build`), in order, with
//! the params passed; a file with errors fails the call with their codes
//! and places in that file, and nothing of it runs; params are typed
//! against the file's own; a failed step of the file fails the call; a
//! run killed with -9 inside the file resumes without running again what
//! the file already ran; a value passed is a value, never code.

use super::case;
use std::time::Duration;
use wfc_testkit::Case;

/// The caller: `gen` copies `tmpl/NAME` to `out/NAME` (as a generator
/// would write it) and gives its path; `up` runs it; `after` waits for it.
fn caller(file: &str, params: &str) -> String {
    format!(
        r#"
workflow caller {{
  param region: string = "eu"
  step gen: shell {{
    run "mkdir -p out && cp tmpl/{file} out/{file} && echo pipeline=out/{file} >> \"$WF_OUTPUTS\""
    outputs {{ pipeline: string }}
  }}
  step up: call file(gen.outputs.pipeline) {{ {params} }}
  step after: shell {{
    run "echo after >> ran.log"
    depends on up
  }}
}}
"#
    )
}

const CHILD: &str = r#"
workflow child {
  param region: string
  param n: int = 2
  step build: shell { run "echo build ${region} >> ran.log" }
  step push: shell {
    run "echo push ${n} >> ran.log"
    depends on build
  }
}
"#;

fn run(c: &Case) -> wfc_testkit::Output {
    c.wfc(["run", "w.wf", "--plain"]).output()
}

/// The run fails saying `expected`, and nothing of the file ran.
#[track_caller]
fn fails_before_the_file_runs(c: &Case, expected: &str) {
    let out = run(c);
    assert_eq!(out.code, 1, "{expected}: {}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(expected), "{expected}: {}", out.stdout);
    assert!(
        !c.path("ran.log").exists(),
        "{expected}: nothing of the file ran"
    );
}

#[test]
fn a_generated_workflow_runs_as_the_calls_steps_in_order() {
    let c = case()
        .workflow(&caller("child.wf", "region region  n 3"))
        .file("tmpl/child.wf", CHILD);
    let out = run(&c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.lines("ran.log"), ["build eu", "push 3", "after"]);
    assert!(
        out.stdout.contains("up.build | ✓ succeeded"),
        "{}",
        out.stdout
    );
    // The file's steps are the run's: in its status and its logs.
    let status = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    let names: Vec<&str> = status["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for name in ["gen", "up.build", "up.push", "up", "after"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    c.wfc(["logs", "last", "up.push"]).success().output();
}

#[test]
fn a_file_written_by_a_heredoc_with_its_own_loop_runs() {
    let c = case().workflow(
        r#"
workflow caller {
  step gen: shell {
    run """
      mkdir -p out
      cat > out/fan.wf <<'WF'
      workflow fan {
        param items: list<string>
        for each item in items parallel {
          step work: shell { run "echo work \${item} >> ran.log" }
        }
        step sum: shell { run "echo sum >> ran.log"  depends on work }
      }
      WF
      echo "pipeline=out/fan.wf" >> "$WF_OUTPUTS"
    """
    outputs { pipeline: string }
  }
  step up: call file(gen.outputs.pipeline) { items ["a", "b", "c"] }
}
"#,
    );
    let out = run(&c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let mut lines = c.lines("ran.log");
    assert_eq!(
        lines.pop().as_deref(),
        Some("sum"),
        "sum waits for every item"
    );
    lines.sort();
    assert_eq!(lines, ["work a", "work b", "work c"]);
    assert!(
        out.stdout.contains("up.work[b] | ✓ succeeded"),
        "{}",
        out.stdout
    );
}

#[test]
fn errors_in_the_file_fail_the_call_with_their_places_and_nothing_runs() {
    let bad = r#"workflow child {
  step build: shell { run "echo build >> ran.log" }
  step oops: shel { run "echo hi" }
  step use: shell { run "echo ${nope}" }
}
"#;
    let c = case()
        .workflow(&caller("bad.wf", ""))
        .file("tmpl/bad.wf", bad);
    let out = run(&c);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("bad.wf has errors; nothing of it ran"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("out/bad.wf:3:14: E0101 unknown step kind `shel`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("out/bad.wf:4:33: E0140 unknown name `nope`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("after | · not run: `up` failed"),
        "{}",
        out.stdout
    );
    assert!(!c.path("ran.log").exists(), "nothing of the file ran");
}

#[test]
fn params_are_typed_against_the_files_params_when_it_starts() {
    let cases = [
        ("region region  n \"three\"", "E0214: param `n`"),
        ("region region  count 3", "E0212:"),
        ("n 3", "E0213: the call does not pass `region`"),
    ];
    for (params, expected) in cases {
        let c = case()
            .workflow(&caller("child.wf", params))
            .file("tmpl/child.wf", CHILD);
        fails_before_the_file_runs(&c, expected);
    }
}

#[test]
fn a_failed_step_of_the_file_fails_the_call_and_the_callers_handler_runs() {
    let child = r#"
workflow child {
  param region: string
  step build: shell { run "echo build >> ran.log; exit 3" }
  step push: shell { run "echo push >> ran.log"  depends on build }
}
"#;
    let mut w = caller("child.wf", "region region");
    w = w.replacen(
        "step after:",
        "on failure {\n    step tell: shell { run \"echo handler ${failed.step} >> ran.log\" }\n  }\n  step after:",
        1,
    );
    let c = case().workflow(&w).file("tmpl/child.wf", child);
    let out = run(&c);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.lines("ran.log"), ["build", "handler up.build"]);
    assert!(out.stdout.contains("up.push | · not run"), "{}", out.stdout);
}

#[test]
fn a_value_passed_to_the_file_is_one_word_never_code() {
    let child = r#"
workflow child {
  param region: string
  step build: shell { run "echo ${region} > got.txt" }
}
"#;
    let c = case()
        .workflow(&caller(
            "child.wf",
            "region \"eu; touch pwned $(touch pwned2)\"",
        ))
        .file("tmpl/child.wf", child);
    let out = run(&c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.read("got.txt").trim(), "eu; touch pwned $(touch pwned2)");
    assert!(!c.path("pwned").exists() && !c.path("pwned2").exists());
}

/// `wfc` killed with -9 while a step of the file runs: `wfc resume` reads
/// the file again, keeps what it ran (its first step does not run again)
/// and runs the rest.
#[test]
fn a_run_killed_inside_the_file_resumes_without_repeating_it() {
    let child = r#"
workflow child {
  param region: string
  step build: shell { run "echo build >> ran.log" }
  step slow: shell {
    run "if [ -e slow ]; then echo $$ > slow.pid; sleep 30; fi; echo slow >> ran.log"
    depends on build
  }
}
"#;
    let c = case()
        .workflow(&caller("child.wf", "region region"))
        .file("tmpl/child.wf", child);
    c.write("slow", "");
    let wfc = c.wfc(["run", "w.wf", "--plain"]).spawn();
    assert!(
        c.wait_for_file("slow.pid", Duration::from_secs(30)),
        "the file's second step never started"
    );
    wfc_testkit::signal(wfc.id() as i32, nix::sys::signal::Signal::SIGKILL);
    let _ = wfc.wait_with_output();
    std::fs::remove_file(c.path("slow")).unwrap();
    let out = c.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.lines("ran.log"), ["build", "slow", "after"]);
    assert!(
        out.stderr.contains(
            "1 of 3 steps succeeded before (1 step of files called) and is not run again"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn the_exports_refuse_a_file_call_even_approximated() {
    let c = case().workflow(&caller("child.wf", "region region"));
    for (target, code) in [("github-actions", "E0738"), ("argo", "E0721")] {
        for approximate in [false, true] {
            let mut cmd = c.wfc(["export", target, "w.wf"]);
            if target == "argo" {
                cmd = cmd.args(["--image", "alpine:3"]);
            }
            if approximate {
                cmd = cmd.args(["--approximate"]);
            }
            let out = cmd.output();
            assert_ne!(out.code, 0, "{target}: {}", out.stdout);
            assert!(out.stderr.contains(code), "{target}: {}", out.stderr);
            assert!(
                out.stderr.contains("`call file(…)` of step `up`"),
                "{target}: {}",
                out.stderr
            );
            assert!(out.stdout.is_empty(), "{target}: nothing written");
        }
    }
}

/// `examples/dynamic-pipeline.wf`: one test step per changed package, then
/// the package step; a package name that makes the generated file wrong
/// fails `ci` with the place in that file, and nothing of it runs.
#[test]
fn the_dynamic_pipeline_example_runs_what_it_wrote() {
    let text = std::fs::read_to_string("examples/dynamic-pipeline.wf").unwrap();
    let c = case().workflow(&text);
    let out = run(&c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for line in [
        "ci.test_api | testing api",
        "ci.test_web | testing web",
        "ci.package | packaging 1.4.0",
        "publish | published 1.4.0",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == line),
            "{line}:\n{}",
            out.stdout
        );
    }
    let out = c
        .wfc(["run", "w.wf", "--plain", "-p", "changed=api,web ui"])
        .output();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("out/pipeline.wf:5:"), "{}", out.stdout);
    assert!(!out.stdout.contains("testing api"), "{}", out.stdout);
}

/// Outputs a file call declares are the file's workflow outputs, read as
/// any step's; a file that does not give one, or gives another type,
/// fails the call (E0218) before anything of it runs.
#[test]
fn declared_outputs_are_the_files_and_are_checked_when_it_starts() {
    let child = r#"
workflow child {
  param region: string
  step count: shell {
    run "echo count >> ran.log; echo total=42 >> \"$WF_OUTPUTS\""
    outputs { total: int }
  }
  outputs { total: int = count.outputs.total }
}
"#;
    let w = caller("child.wf", "region region  outputs { total: int }").replace(
        "echo after >> ran.log",
        "echo after ${up.outputs.total} >> ran.log",
    );
    let c = case().workflow(&w).file("tmpl/child.wf", child);
    let out = run(&c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.lines("ran.log"), ["count", "after 42"]);

    for (declared, expected) in [
        ("total: string", "E0218: output `total` of "),
        ("sum: int", "E0218: the call declares output `sum`"),
    ] {
        let w = caller(
            "child.wf",
            &format!("region region  outputs {{ {declared} }}"),
        );
        let c = case().workflow(&w).file("tmpl/child.wf", child);
        fails_before_the_file_runs(&c, expected);
    }
}

/// Faults: a file that calls itself stops at the calls' depth bound
/// (E0236) instead of growing the run for ever; a file over 4 MiB is not
/// read; a path that is a folder or missing fails the call saying so.
#[test]
fn a_file_calling_itself_and_files_too_big_or_missing_fail_the_call() {
    let me = r#"
workflow again {
  step more: call file("tmpl/me.wf") {}
}
"#;
    let w = caller("me.wf", "").replace("cp tmpl/me.wf out/me.wf && ", "");
    let w = w.replace("pipeline=out/me.wf", "pipeline=tmpl/me.wf");
    let c = case().workflow(&w).file("tmpl/me.wf", me);
    let started = std::time::Instant::now();
    let out = run(&c);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("E0236: file calls nest 65 deep"),
        "{}",
        out.stdout
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "bounded quickly"
    );

    let big = format!("workflow big {{\n{}}}\n", "# padding\n".repeat(500_000));
    let c = case()
        .workflow(&caller("big.wf", ""))
        .file("tmpl/big.wf", &big);
    let out = run(&c);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("more than a file call reads"),
        "{}",
        out.stdout
    );

    let w = caller("x.wf", "").replace("cp tmpl/x.wf out/x.wf", "mkdir -p out/x.wf");
    let c = case().workflow(&w);
    let out = run(&c);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("out/x.wf is not a file"),
        "{}",
        out.stdout
    );
}

/// A gate of the file waits for a person like any gate: `wfc approve`
/// from another process lets the run go on; a name the file does not
/// have is refused.
#[test]
fn a_gate_of_the_file_is_approved_from_another_process() {
    let child = r#"
workflow child {
  param region: string
  step build: shell { run "echo build >> ran.log" }
  step ok: gate { approval "release manager"  depends on build }
  step ship: shell { run "echo ship >> ran.log"  depends on ok }
}
"#;
    let c = case()
        .workflow(&caller("child.wf", "region region"))
        .file("tmpl/child.wf", child);
    let wfc = c.wfc(["run", "w.wf", "--plain"]).spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = c.wfc(["status", "last", "--format", "json"]).output();
        if status.stdout.contains("\"waiting\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never waited: {}",
            status.stdout
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let nope = c.wfc(["approve", "last", "up.nope"]).output();
    assert_ne!(nope.code, 0);
    assert!(
        nope.stderr.contains("has no gate `up.nope`"),
        "{}",
        nope.stderr
    );
    c.wfc(["approve", "last", "up.ok"]).success().output();
    let out = wfc_testkit::Output::from(wfc.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(c.lines("ran.log"), ["build", "ship", "after"]);
}
