//! `wfc run`'s command line against the real binary: what it refuses before
//! anything runs (a report that cannot be written, `--approve` of no gate,
//! params-file mistakes), and what it must not report as a success.

use crate::workflow;

#[test]
fn a_report_that_cannot_be_written_stops_the_run_before_it_starts() {
    let c = workflow(r#"workflow w { step a: shell { run "echo ran >> ran" } }"#);
    let r = c.run(&["-o", "/nonexistent/r.json"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0412"), "{r}");
    assert!(r.stderr.contains("/nonexistent/r.json"), "{r}");
    assert!(r.stderr.contains("help:"), "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
    // A directory is no report file either.
    std::fs::create_dir(c.path("dir")).unwrap();
    let r = c.run(&["-o", "dir"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
    // The check leaves no file behind, and a writable path runs.
    let r = c.run(&["-o", "report.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.report()["status"], "succeeded");
}

/// #69: `--output -` wrote a file named `-`; as everywhere, `-` is the
/// standard output: the report alone is there, the run's lines on stderr.
#[test]
fn a_report_to_dash_is_the_standard_output() {
    let c = workflow(r#"workflow w { step a: shell { run "echo hello" } }"#);
    let r = c.run(&["--output", "-"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(!c.path("-").exists(), "a file named `-` was written");
    let report: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    assert_eq!(report["status"], "succeeded", "{r}");
    assert_eq!(report["steps"][0]["name"], "a", "{r}");
    assert!(r.stderr.contains("a") && r.stderr.contains("hello"), "{r}");
}

#[test]
fn a_report_that_cannot_be_written_at_the_end_fails_the_run() {
    let c = workflow(r#"workflow w { step a: shell { run "rm -r out" } }"#);
    std::fs::create_dir(c.path("out")).unwrap();
    let r = c.run(&["-o", "out/r.json"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("cannot write out/r.json"), "{r}");
}

#[test]
fn approve_must_name_a_gate_of_the_workflow() {
    let c = workflow(
        r#"workflow w {
          step a: shell { run "echo ran >> ran" }
          for each region in ["eu", "us"] {
            step approve: gate { approval "ops"  timeout 10ms }
          }
          step ship: shell { run "echo shipped >> ran"  depends on approve }
        }"#,
    );
    let r = c.run(&["--approve", "aprove"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0410"), "{r}");
    assert!(r.stderr.contains("`--approve aprove`"), "{r}");
    assert!(r.stderr.contains("did you mean `approve`?"), "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
    // A step that is no gate is refused too.
    let r = c.run(&["--approve", "ship"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
    // A gate, an instance of one, and `all` are taken.
    for ok in [
        &["--approve", "approve"][..],
        &["--approve", "approve[eu]", "--approve", "approve[us]"],
        &["--approve", "all"],
    ] {
        let r = c.run(ok);
        assert_eq!(r.code, 0, "{ok:?}: {r}");
    }
}

#[test]
fn an_optional_param_without_a_default_is_absent_unless_given() {
    let c = workflow(
        r#"workflow w {
          param maybe: string?
          param n: int?
          step s: shell { run "echo ${default(maybe, "none")} ${default(n, -1)} >> out" }
        }"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    let r = c.run(&["-p", "maybe=x y", "-p", "n=4"]);
    assert_eq!(r.code, 0, "{r}");
    std::fs::write(c.path("p.json"), r#"{"maybe": null, "n": 5}"#).unwrap();
    let r = c.run(&["--params-file", "p.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("out"), ["none -1", "x y 4", "none 5"]);
    // Given, it is still checked by its type.
    let r = c.run(&["-p", "n=four"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0403"), "{r}");
}

/// The plan shows a `run` command exactly as the run runs it: each `${…}`
/// quoted for its shell context (a hostile value stays one word).
#[test]
fn the_plan_shows_commands_quoted_as_they_run() {
    let c = workflow(
        r#"workflow w {
          param x: string
          step s: shell {
            run ": ${x} '${x}' \"${x}\"; tr '\\000' '\\n' < /proc/$$/cmdline > cmd"
          }
        }"#,
    );
    let x = "x=a b; rm -rf / $(id) 'q' \"d\"";
    let plan = c
        .wfc(["plan", "w.wf", "--format", "json", "-p", x])
        .success()
        .output()
        .json();
    let shown = plan["steps"][0]["fields"]["run"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        shown.contains("'a b; rm -rf / $(id) '\\''q'\\'' \"d\"'"),
        "{shown}"
    );
    let text = c.wfc(["plan", "w.wf", "-p", x]).output().stdout;
    assert!(
        text.contains(": 'a b; rm -rf / $(id) '\\''q'\\''"),
        "{text}"
    );
    let r = c.run(&["-p", x]);
    assert_eq!(r.code, 0, "{r}");
    // sh -e -c COMMAND: the command is the fourth word of the shell's
    // command line (a strict shell's option first).
    let ran = c.read("cmd");
    let words: Vec<&str> = ran.split('\n').collect();
    assert_eq!(words[1..3], ["-e", "-c"]);
    assert_eq!(words[3], shown);
}

#[test]
fn a_key_given_twice_in_a_params_file_is_refused() {
    let c = workflow(
        r#"workflow w {
          param region: string
          step s: shell { run "echo ${region} >> ran" }
        }"#,
    );
    std::fs::write(
        c.path("p.json"),
        "{\n  \"region\": \"eu\",\n  \"region\": \"us\"\n}\n",
    )
    .unwrap();
    let r = c.run(&["--params-file", "p.json"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0411"), "{r}");
    assert!(r.stderr.contains("`region` more than once"), "{r}");
    assert!(r.stderr.contains("help:"), "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
}

/// #69: a params file is JSON, whose values have types: `"2"` for an int
/// param was taken as 2. It is refused with the way to write it; a
/// `duration` or a `time` is a JSON string as ever.
#[test]
fn a_params_file_value_of_the_wrong_json_type_is_refused() {
    let c = workflow(
        r#"workflow w {
          param n: int
          param fast: bool = false
          param wait: duration = 1s
          step s: shell { run "echo ${n} ${fast} ${wait} >> ran" }
        }"#,
    );
    std::fs::write(c.path("p.json"), r#"{"n": "2", "fast": "true"}"#).unwrap();
    let r = c.run(&["--params-file", "p.json"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("expected int, found JSON string"), "{r}");
    assert!(r.stderr.contains("write 2 without quotes"), "{r}");
    assert!(r.stderr.contains("write true without quotes"), "{r}");
    assert_eq!(c.read("ran"), "", "nothing ran");
    std::fs::write(c.path("p.json"), r#"{"n": 2, "fast": true, "wait": "5s"}"#).unwrap();
    let r = c.run(&["--params-file", "p.json"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran"), ["2 true 5s"]);
}

/// On a terminal the first thing drawn is the `run …` line (a `0/0 steps`
/// bar used to come first), and counts are in words (`1 step · 1 job`).
#[test]
fn the_live_display_starts_with_the_run_line() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        return wfc_testkit::skip("no `script` (util-linux) to give wfc a terminal");
    }
    let c = workflow(r#"workflow one { step a: shell { run "sleep 0.3; echo hi" } }"#);
    // `script` runs its command on a terminal: `sh -c` gives it `$0`, wfc.
    let out = c
        .shell(r#"exec script -qec "$0 run w.wf --no-store -j 1" /dev/null"#)
        .output();
    let raw = out.stdout;
    // Without escape sequences, split where the terminal would start over.
    let mut text = String::new();
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        if ch == '\u{1b}' {
            for e in chars.by_ref() {
                if e.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            text.push(ch);
        }
    }
    let first = text
        .split(['\r', '\n'])
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    assert!(first.starts_with("run "), "first drawn: {first:?}\n{text}");
    assert!(first.ends_with("· 1 step · 1 job"), "{first:?}");
    assert!(!text.contains("0/0 steps"), "{text}");
}
