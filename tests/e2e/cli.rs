//! The `wfc` binary's commands besides `run`: `check`, `fmt`, `plan`,
//! `--version`, `--help` and completions — exit codes, messages and the
//! files they write — and the quickstart example run for real.

use crate::{case, workflow};

const GOOD: &str = "workflow ci {\n  step test: shell { run \"cargo test\" }\n}\n";
const BROKEN: &str = "workflow ci {\n  step test: shel {\n    run \"cargo test\"\n  }\n  step b: shell {\n    run \"x\"\n    depends on tset\n  }\n}\n";
const WARNS: &str =
    "workflow ci {\n  param unused: int = 3\n  step test: shell { run \"cargo test\" }\n}\n";

#[test]
fn check_clean_file_exits_zero() {
    case()
        .file("ci.wf", GOOD)
        .wfc(["check", "ci.wf"])
        .success()
        .stderr_has("ci.wf: ok")
        .output();
}

#[test]
fn check_reports_every_error_with_location_and_help() {
    case()
        .file("ci.wf", BROKEN)
        .wfc(["check", "ci.wf"])
        .status(1)
        .stderr_has("[ci.wf:2:14]")
        .stderr_has("did you mean `shell`?")
        .stderr_has("did you mean `test`?")
        .stderr_has("ci.wf: 2 errors")
        // NO_COLOR: no escape sequences.
        .stderr_lacks("\u{1b}")
        .output();
}

#[test]
fn check_json_gives_offsets_lines_and_columns() {
    let v = case()
        .file("ci.wf", BROKEN)
        .wfc(["check", "--format", "json", "ci.wf"])
        .status(1)
        .output()
        .json();
    let first = &v[0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "ci.wf");
    let label = &first["labels"][0];
    assert_eq!(label["line"], 2);
    assert_eq!(label["column"], 14);
    assert_eq!(label["offset"], BROKEN.find("shel ").unwrap());
    assert_eq!(label["length"], 4);
    assert!(first["help"].as_str().unwrap().contains("shell"));
}

#[test]
fn warnings_pass_unless_denied() {
    let t = case().file("ci.wf", WARNS);
    t.wfc(["check", "ci.wf"])
        .success()
        .stderr_has("1 warning")
        .output();
    t.wfc(["check", "--deny", "warnings", "ci.wf"])
        .status(1)
        .output();
}

#[test]
fn check_unreadable_file_exits_two() {
    case()
        .wfc(["check", "missing.wf"])
        .status(2)
        .stderr_has("cannot read missing.wf")
        .output();
}

#[test]
fn check_syntax_error_points_at_the_opening() {
    let text = "workflow ci {\n  step a: shell {\n    run \"echo\n  }\n}\n";
    case()
        .file("ci.wf", text)
        .wfc(["check", "ci.wf"])
        .status(1)
        .stderr_has("unterminated string")
        .stderr_has("[ci.wf:3:9]")
        .output();
}

#[test]
fn fmt_rewrites_in_place_and_check_shows_a_diff() {
    let messy = "workflow ci {\n      step test: shell {   run \"cargo test\"   }\n\n\n\n}\n";
    let t = case().file("ci.wf", messy);
    let out = t.wfc(["fmt", "--check", "ci.wf"]).output();
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("--- ci.wf"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("+  step test: shell { run \"cargo test\" }"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read_to_string(t.path("ci.wf")).unwrap(), messy);

    let t = case().file("ci.wf", messy);
    let out = t.wfc(["fmt", "ci.wf"]).output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let formatted = std::fs::read_to_string(t.path("ci.wf")).unwrap();
    assert_eq!(formatted, GOOD);
    let out = case()
        .file("ci.wf", &formatted)
        .wfc(["fmt", "--check", "ci.wf"])
        .output();
    assert_eq!(out.code, 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn fmt_reads_stdin_and_refuses_broken_files() {
    case()
        .wfc(["fmt", "-"])
        .stdin("workflow ci {\n step test: shell { run \"cargo test\" } }")
        .success()
        .stdout(GOOD)
        .output();
    // A file with errors is "problems found", as for `wfc check`: exit 1
    // with or without `--check`; a file that cannot be read is exit 2.
    let bad = case().file("bad.wf", "workflow ci {");
    for args in [&["fmt", "bad.wf"][..], &["fmt", "--check", "bad.wf"]] {
        bad.wfc(args).status(1).stderr_has("unclosed `{`").output();
        bad.wfc(["check", "bad.wf"]).status(1).output();
    }
    case()
        .wfc(["fmt", "--check", "missing.wf"])
        .status(2)
        .output();
    case().wfc(["check", "missing.wf"]).status(2).output();
}

#[test]
fn version_help_and_completions() {
    let out = case().wfc(["--version"]).output();
    assert!(out.stdout.starts_with("wfc "));
    case()
        .wfc(["check", "--help"])
        .success()
        .stdout_has("Examples:")
        .output();
    for shell in ["bash", "zsh", "fish"] {
        case()
            .wfc(["completions", shell])
            .success()
            .stdout_has("WFC_COMPLETE")
            .output();
    }
    case().wfc(["bogus"]).status(2).output();
}

#[test]
fn the_shipped_examples_check_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    // Each from its own folder: a relative path resolves there (W0300).
    for dir in ["examples", "std"] {
        let mut files = Vec::new();
        for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "wf") {
                files.push(p.display().to_string());
            }
        }
        let mut args = vec!["check", "--deny", "warnings"];
        args.extend(files.iter().map(String::as_str));
        let folder = format!("{root}/{dir}");
        let out = case().wfc(&args).current_dir(&folder).output();
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

/// The README's main job: the quickstart example runs for real, end to end.
#[test]
fn the_quickstart_example_runs() {
    let example = format!("{}/examples/quickstart.wf", env!("CARGO_MANIFEST_DIR"));
    let t = case();
    let out = t
        .wfc(["run", example.as_str(), "--param", "env=prod", "--no-store"])
        // It writes under `target/`: here, not in the repository's examples/.
        .args(["--workdir", "."])
        // Its estimates are read from a store of its own, not the one beside
        // the example (README's first command fills it).
        .env("WFC_STATE_DIR", t.path("state"))
        .output();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let summary = std::fs::read_to_string(t.path("target/quickstart/summary.txt")).unwrap();
    assert_eq!(summary.trim(), "3 regions, 27 bytes");
    for region in ["eu-west", "us-east", "ap-south"] {
        assert!(t.path("target/quickstart/regions").join(region).is_file());
    }
    // us-east failed once and was retried; prod ran the smoke test.
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("retrying"), "{all}");
    assert!(all.contains("smoke"), "{all}");
}

/// `wfc plan big.wf | head`: when the reader goes, wfc ends as `cat` would
/// (SIGPIPE), without a panic message; so does `wfc run --dry-run`.
#[test]
fn printing_commands_end_quietly_when_the_reader_goes() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut wf = String::from("workflow big {\n");
    for i in 0..3000 {
        wf.push_str(&format!("  step s{i}: shell {{ run \"true\" }}\n"));
    }
    wf.push_str("}\n");
    let c = case().file("big.wf", &wf);
    for args in [&["plan", "big.wf"][..], &["run", "big.wf", "--dry-run"]] {
        let mut child = c.wfc(args).spawn();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(13), "{args:?}: {status:?}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// An expression that depends only on params and fails — wherever the plan
/// folds it — is a workflow error found when planning: `wfc plan` and
/// `wfc run` exit 3 naming each one, and nothing runs.
#[test]
fn expressions_that_fail_at_plan_time_stop_everything() {
    let wf = r#"workflow w {
  param big: int = 9223372036854775807
  param zero: int = 0
  param hour: duration = 1h
  param digits: string = "[12345678901234567890]"
  env { RATIO = "${10 % zero}" }
  step first: shell { run "touch ran" }
  step index: shell {
    run "echo ${[1, 2][2]}"
    depends on first
  }
  step overflow: shell {
    run "echo hi"
    env { N = "${big + 1}" }
    depends on first
  }
  step late: shell { run "echo ${first.stdout} ${hour - 2h}" }
  step ratio: shell { run "echo ${1.0 / 0.0}" }
  step huge: shell { run "echo ${json(digits)}" }
  for each x in [[1], [2]][5] {
    step each: shell { run "echo ${x}" }
  }
  if default(first.exit_code, 1 / zero) == 0 {
    step two: shell { run "echo 2" }
    step steps: shell { run "echo steps" }
  }
}
"#;
    for cmd in ["plan", "run"] {
        let w = workflow(wf);
        let out = w.wfc([cmd, "w.wf"]).output();
        assert_eq!(out.code, 3, "{cmd}: {}", out.stderr);
        assert!(!w.path("ran").exists(), "a step ran");
        for (what, why) in [
            ("10 % zero", "division by zero"),
            ("[1, 2][2]", "index 2 is out of range"),
            ("big + 1", "integer overflow"),
            ("hour - 2h", "negative"),
            ("1.0 / 0.0", "division by zero"),
            ("json(digits)", "12345678901234567890"),
            ("[[1], [2]][5]", "index 5 is out of range"),
            ("1 / zero", "division by zero"),
        ] {
            let shown = out.stderr.lines().any(|l| l.contains(what));
            assert!(
                shown && out.stderr.contains(why),
                "{what}: {why}\n{}",
                out.stderr
            );
        }
        // (Once each, though the condition is on two steps.)
        assert_eq!(out.stderr.matches("E0407").count(), 8, "{}", out.stderr);
    }
}

/// Arithmetic that cannot give an exact value fails the step that needs
/// it, at run time, with a message saying why: a negative duration, a float
/// division by zero, an integer beyond 64 bits in JSON.
#[test]
fn inexact_arithmetic_fails_the_step_at_run_time() {
    let wf = r#"workflow w {
  step probe: shell {
    run "echo d=10s >> $WF_OUTPUTS; echo f=0.0 >> $WF_OUTPUTS; echo '[12345678901234567890]'"
    outputs {
      d: duration
      f: float
    }
  }
  step wait: shell { run "echo ${probe.outputs.d - 1m}" }
  step ratio: shell { run "echo ${1.5 / probe.outputs.f}" }
  step huge: shell { run "echo ${json(probe.stdout)}" }
  step after: shell {
    run "touch after"
    depends on wait
  }
}
"#;
    let w = workflow(wf);
    let out = w.run(&["-k"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    for (step, why) in [
        ("wait", "negative duration: 10s - 1m"),
        ("ratio", "division by zero"),
        ("huge", "12345678901234567890 does not fit"),
    ] {
        let failed = out
            .stdout
            .lines()
            .any(|l| l.starts_with(step) && l.contains("✗ failed") && l.contains(why));
        assert!(failed, "{step}: {why}\n{}", out.stdout);
    }
    assert!(!w.path("after").exists());
}

/// `--limit 0` used to list nothing and say "no runs recorded"; a count of
/// runs to show must be at least 1.
#[test]
fn a_limit_of_zero_runs_is_refused() {
    for args in [
        &["history", "--limit", "0"][..],
        &["history", "-n", "0"],
        &["stats", "--last", "0"],
    ] {
        let out = case().wfc(args).output();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("must be at least 1"), "{}", out.stderr);
    }
}

/// `wfc serve --help`'s examples are whole shell commands, at the width
/// help is printed: a line that goes on is continued with `\` (it wrapped
/// without one, issue 74), and `sh -n` reads them all.
#[test]
fn serve_help_examples_are_shell_commands_that_do_not_wrap() {
    let out = case().wfc(["serve", "--help"]).success().output();
    let examples: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(examples.len() >= 8, "{}", out.stdout);
    for (i, line) in examples.iter().enumerate() {
        if i > 0 && examples[i - 1].ends_with('\\') {
            assert!(
                line.starts_with("    "),
                "{line:?}: a continuation is indented"
            );
        } else {
            assert!(
                line.starts_with("  wfc ") || line.starts_with("  curl "),
                "{line:?} is not a command: the line before it wrapped without `\\`"
            );
        }
    }
    let script = examples.join("\n");
    let sh = std::process::Command::new("sh")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        sh.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&sh.stderr)
    );
}
