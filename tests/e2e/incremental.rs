//! Incremental runs end to end, with real files and timestamps: a
//! build → test → package workflow whose steps declare `sources` re-runs
//! exactly the steps whose inputs changed, after no change, a test file
//! edited, a comment-only edit (the build runs again and keeps the same
//! file: what follows it stays up to date), a real source edit, a param
//! changed, an artifact deleted (put back, not rebuilt) and its kept copy
//! deleted (rebuilt); `--force` and `--rerun` run anyway. `wfc plan` says
//! the same before each run, with its reasons.

use super::case;
use wfc_testkit::Case;

/// Each step appends its name to `ran.log` when it really runs.
const BUILD: &str = r#"
workflow build {
  param flags: string = "-O2"
  step compile: shell {
    run "echo compile >> ran.log && mkdir -p out && grep -hv '^//' src/*.c > out/app && echo ${flags} >> out/app"
    sources ["src/**/*.c"]
    artifacts { app = "out/app" }
  }
  step test: shell {
    run "echo test >> ran.log && sh tests/check.sh ${compile.artifacts.app[0]}"
    sources ["tests/*.sh"]
  }
  step package: shell {
    run "echo package >> ran.log && tar cf out/app.tar -C out app"
    depends on test
    sources ["pkg.txt"]
    artifacts { tar = "out/app.tar" }
  }
}
"#;

fn setup() -> Case {
    let c = case().file("build.wf", BUILD);
    c.write("src/main.c", "int main() { return 0; }\n");
    c.write("src/util.c", "// helpers\nint f() { return 1; }\n");
    c.write("tests/check.sh", "test -s \"$1\"\n");
    c.write("pkg.txt", "app\n");
    c
}

/// Runs the workflow; the steps that really ran, in order.
fn run(c: &Case, args: &[&str]) -> Vec<String> {
    let _ = std::fs::remove_file(c.path("ran.log"));
    c.wfc(["run", "build.wf", "--plain"])
        .args(args)
        .success()
        .output();
    c.read("ran.log").lines().map(str::to_owned).collect()
}

/// `wfc plan`'s incremental lines: `step state why`.
fn plan(c: &Case, args: &[&str]) -> String {
    let out = c.wfc(["plan", "build.wf"]).args(args).success().output();
    let from = out
        .stdout
        .find("\nIncremental")
        .expect("an Incremental section");
    out.stdout[from..].to_owned()
}

#[test]
fn only_the_steps_whose_inputs_changed_run_again() {
    let c = setup();
    assert!(plan(&c, &[]).contains("compile  will run  no earlier run"));
    assert_eq!(run(&c, &[]), ["compile", "test", "package"]);

    // No change: nothing runs; the plan and the run say up to date.
    let p = plan(&c, &[]);
    assert!(p.contains("3 of 3 steps with `sources` up to date"), "{p}");
    std::fs::remove_file(c.path("ran.log")).unwrap();
    let out = c.wfc(["run", "build.wf", "--plain"]).success().output();
    assert!(
        out.stdout.contains("compile | ✓ up to date (run "),
        "{}",
        out.stdout
    );
    assert!(!c.path("ran.log").exists(), "nothing ran");

    // A test file edited: only the test runs.
    c.write("tests/check.sh", "test -s \"$1\" && grep -q main \"$1\"\n");
    let p = plan(&c, &[]);
    assert!(
        p.contains("test     will run  sources: tests/check.sh changed"),
        "{p}"
    );
    assert!(p.contains("compile  up to date"), "{p}");
    assert_eq!(run(&c, &[]), ["test"]);

    // A comment-only edit: the build runs, keeps the same file, and what
    // reads it stays up to date (restat).
    c.write(
        "src/util.c",
        "// helpers, documented\nint f() { return 1; }\n",
    );
    let p = plan(&c, &[]);
    assert!(
        p.contains("compile  will run  sources: src/util.c changed"),
        "{p}"
    );
    assert!(
        p.contains("test     at run time  after `compile` run"),
        "{p}"
    );
    assert_eq!(run(&c, &[]), ["compile"]);

    // A real edit: the build keeps another file; the test reads it.
    c.write("src/util.c", "int f() { return 2; }\n");
    assert_eq!(run(&c, &[]), ["compile", "test"]);

    // A param the build reads.
    let p = plan(&c, &["-p", "flags=-O0"]);
    assert!(p.contains("param `flags`: \"-O2\" → \"-O0\""), "{p}");
    assert_eq!(run(&c, &["-p", "flags=-O0"]), ["compile", "test"]);
    // Back to the first value: that run is still in the store.
    assert_eq!(run(&c, &[]), Vec::<String>::new());

    // The built file deleted: put back from its kept copy, not rebuilt.
    std::fs::remove_file(c.path("out/app")).unwrap();
    assert_eq!(run(&c, &[]), Vec::<String>::new());
    assert!(c.read("out/app").contains("-O2"));

    // Its kept copies deleted: rebuilt.
    std::fs::remove_dir_all(c.path(".wfc/artifacts")).unwrap();
    let p = plan(&c, &[]);
    assert!(p.contains("compile  will run  the kept copy of"), "{p}");
    assert_eq!(run(&c, &[]), ["compile", "package"]);

    // Asked to run anyway.
    let out = c
        .wfc(["run", "build.wf", "--rerun", "tset"])
        .status(2)
        .output();
    assert!(
        out.stderr.contains("did you mean `test`?"),
        "{}",
        out.stderr
    );
    assert_eq!(run(&c, &["--rerun", "test"]), ["test"]);
    assert_eq!(run(&c, &["--force"]), ["compile", "test", "package"]);
}

#[test]
fn the_report_names_the_run_a_step_is_up_to_date_with() {
    let c = setup();
    run(&c, &[]);
    c.wfc(["run", "build.wf", "--plain", "-o", "report.json"])
        .success()
        .output();
    let report = c.report();
    let step = wfc_testkit::report_step(&report, "compile");
    let origin = step["up_to_date"].as_str().expect("up_to_date");
    assert_ne!(origin, report["run_id"].as_str().unwrap());
    assert_eq!(step["status"], "succeeded");
    assert_eq!(step["attempts"], 0);
}

#[test]
fn explain_says_why_a_step_ran_or_was_up_to_date() {
    let c = setup();
    run(&c, &[]);
    let explain = |step: &str| {
        c.wfc(["explain", "last", step, "--format", "json"])
            .success()
            .output()
            .json()
    };
    let e = explain("compile");
    assert_eq!(e["verdict"], "ran");
    assert_eq!(
        e["reasons"][0],
        "no earlier run of it succeeded in this store"
    );

    run(&c, &[]);
    let e = explain("package");
    assert_eq!(e["verdict"], "up_to_date", "{e}");
    let origin = e["up_to_date_with"].as_str().unwrap().to_owned();
    let logs = c.wfc(["logs", "last", "package"]).success().output();
    assert!(
        logs.stderr
            .contains(&format!("`wfc logs {origin} package`")),
        "{}",
        logs.stderr
    );

    c.write("src/main.c", "int main() { return 1; }\n");
    run(&c, &["-p", "flags=-O1"]);
    let e = explain("compile");
    assert_eq!(e["verdict"], "ran");
    let reasons = e["reasons"].to_string();
    assert!(reasons.contains("sources: src/main.c changed"), "{reasons}");
    assert!(
        reasons.contains("param `flags`: \\\"-O2\\\" → \\\"-O1\\\""),
        "{reasons}"
    );
    let e = explain("test");
    assert!(
        e["reasons"]
            .to_string()
            .contains("`compile` kept other files"),
        "{e}"
    );

    // A step with no `sources` and an unknown step.
    let out = c.wfc(["explain", "last", "nope"]).status(2).output();
    assert!(out.stderr.contains("has no step `nope`"), "{}", out.stderr);
}

#[test]
fn plan_diff_shows_what_changed_since_the_last_run() {
    let c = setup();
    run(&c, &[]);
    let same = c.wfc(["plan", "build.wf", "--diff"]).success().output();
    assert!(same.stdout.contains("No changes"), "{}", same.stdout);
    c.write(
        "build.wf",
        &BUILD
            .replace("tar cf", "tar czf")
            .replace("app.tar", "app.tgz"),
    );
    let out = c
        .wfc(["plan", "build.wf", "--diff", "-p", "flags=-O3"])
        .success()
        .output();
    let text = out.stdout.lines().skip(1).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(text);
    let json = c
        .wfc(["plan", "build.wf", "--diff", "last", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(json["changes"]["changed"][0]["step"], "package");
    assert_eq!(json["same"], false);
}

/// `wfc resume` restores what succeeded in the run it resumes ("restored",
/// not "up to date"); a later run finds both steps up to date.
#[test]
fn resume_restores_and_later_runs_are_up_to_date() {
    let c = case().file(
        "r.wf",
        r#"
workflow r {
  step make: shell {
    run "echo make >> ran.log && mkdir -p out && cat in.txt > out/made"
    sources ["in.txt"]
    artifacts { made = "out/made" }
  }
  step check: shell {
    run "echo check >> ran.log && test -f ok"
    sources ["in.txt"]
    depends on make
  }
}
"#,
    );
    c.write("in.txt", "v1\n");
    c.wfc(["run", "r.wf", "--plain"]).status(1).output();
    c.write("ok", "");
    let out = c.wfc(["resume", "last", "--plain"]).success().output();
    assert!(out.stdout.contains("make  | ✓ restored"), "{}", out.stdout);
    assert!(!out.stdout.contains("up to date"), "{}", out.stdout);
    assert_eq!(
        c.read("ran.log").lines().collect::<Vec<_>>(),
        ["make", "check", "check"]
    );
    let out = c.wfc(["run", "r.wf", "--plain"]).success().output();
    assert!(
        out.stdout.contains("make  | ✓ up to date"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("check | ✓ up to date"),
        "{}",
        out.stdout
    );
}

/// Two runs of the same workflow at once: neither restores from the
/// other's step before it has succeeded and its files are kept; both end
/// succeeded with their files whole, and the next run is up to date.
#[test]
fn concurrent_runs_never_restore_a_half_kept_step() {
    let c = case().file(
        "slow.wf",
        r#"
workflow slow {
  step big: shell {
    run "echo big >> ran.log && mkdir -p out && head -c 3000000 /dev/zero > out/big.$WFC_RUN_ID && sleep 1 && mv out/big.$WFC_RUN_ID out/big"
    sources ["in.txt"]
    artifacts { big = "out/big" }
  }
}
"#,
    );
    c.write("in.txt", "v1\n");
    let a = c.wfc(["run", "slow.wf", "--plain"]).spawn();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let b = c.wfc(["run", "slow.wf", "--plain"]).output();
    let a = a.wait_with_output().expect("the first run ends");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert!(!b.stdout.contains("up to date"), "{}", b.stdout);
    assert_eq!(c.read("ran.log").lines().count(), 2, "both ran the step");
    let out = c.wfc(["run", "slow.wf", "--plain"]).success().output();
    assert!(out.stdout.contains("big | ✓ up to date"), "{}", out.stdout);
    assert_eq!(
        std::fs::metadata(c.path("out/big")).unwrap().len(),
        3_000_000
    );
}

/// A secret the step reads decides whether it is up to date, yet appears
/// nowhere wfc writes: not in the store, the stat cache or the key file.
#[test]
fn a_secret_decides_a_step_without_being_written() {
    let c = case().file(
        "s.wf",
        r#"
workflow s {
  secret token: string = env("DEPLOY_TOKEN")
  step push: shell {
    run "echo push >> ran.log && test -n \"$T\""
    env { T = token }
    sources ["in.txt"]
  }
}
"#,
    );
    c.write("in.txt", "v1\n");
    let secret = "s3cr3t-Value-91f2";
    let run = |value: &str| {
        let _ = std::fs::remove_file(c.path("ran.log"));
        c.wfc(["run", "s.wf", "--plain"])
            .env("DEPLOY_TOKEN", value)
            .success()
            .output();
        c.path("ran.log").exists()
    };
    assert!(run(secret), "first run");
    assert!(!run(secret), "same secret: up to date");
    assert!(run("another-token-77"), "another secret: runs");
    assert!(!run("another-token-77"));
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => files(&e.path(), out),
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
    let mut all = Vec::new();
    files(&c.path(".wfc"), &mut all);
    assert!(all.iter().any(|p| p.ends_with("runs.db")));
    let mut leaks = Vec::new();
    for path in all {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for s in [secret, "another-token-77"] {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                leaks.push(format!("{} holds {s}", path.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:?}");
}

/// Up-to-date runs take no time for the step: no estimate reads their 0 ms.
#[test]
fn up_to_date_steps_leave_estimates_alone() {
    let c = setup();
    run(&c, &[]);
    for _ in 0..3 {
        assert!(run(&c, &[]).is_empty());
    }
    let plan = c
        .wfc(["plan", "build.wf", "--format", "json"])
        .success()
        .output()
        .json();
    let compile = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "compile")
        .unwrap()
        .clone();
    assert_eq!(compile["estimate_source"], "history", "{compile}");
    assert!(
        compile["estimate_seconds"].as_f64().unwrap() > 0.0,
        "{compile}"
    );
}
