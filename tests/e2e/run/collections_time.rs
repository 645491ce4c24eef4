//! Comprehensions, the collection functions and `time` through the whole
//! `wfc run`: values folded at plan time and values computed by the run
//! reach the steps' commands, a comprehension feeds a `for each` and reads
//! a loop's outputs, `until now() >= …` ends, a `time` param comes from the
//! command line, and each run-time error fails its step with its code
//! (the fixtures `tests/run/E082x-*.wf`).

use super::fixture;
use crate::workflow;

/// The report's entry for step `name`.
fn step(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
        .clone()
}

#[test]
fn times_reach_a_step_folded_and_computed() {
    let c = workflow(
        r#"workflow w {
  param at: time
  step src: shell { run "echo 2026-12-31T23:30:00Z" }
  step out: shell {
    run "echo ${format_time(run.started, "%Y-%m-%d")} ${run.started} > started; echo ${at} ${at + 90m} ${format_time(at, "%d.%m.%Y %H:%M", "Europe/Berlin")} > at; echo ${format_time(parse_time(trim(src.stdout)), "%Y-%m-%d %H:%M %Z", "Europe/Berlin")} ${parse_time(trim(src.stdout)) - at} > computed"
  }
}"#,
    );
    let r = c
        .wfc_run(&["--param", "at=2026-05-01T11:30:00+02:00"])
        .output();
    assert_eq!(r.code, 0, "{r}");
    let started = c.read("started");
    let (day, stamp) = started.trim().split_once(' ').unwrap();
    // `${run.started}` is RFC 3339, to the millisecond when it has some
    // (`until now() - run.started >= 1s` holds after a second, not before).
    assert!(
        (stamp.len() == 20 || stamp.len() == 24) && stamp.ends_with('Z'),
        "{stamp}"
    );
    assert!(stamp.starts_with(day), "{started}");
    assert_eq!(
        c.read("at").trim(),
        "2026-05-01T09:30:00Z 2026-05-01T11:00:00Z 01.05.2026 11:30"
    );
    assert_eq!(c.read("computed").trim(), "2027-01-01 00:30 CET 244d14h");
}

/// A params file's JSON string, as the API and MCP give params.
#[test]
fn a_time_param_comes_from_a_params_file_as_text() {
    let c = workflow(
        r#"workflow w {
  param at: time
  step out: shell { run "echo ${at - 30m} > at" }
}"#,
    );
    c.write("params.json", r#"{"at": "2026-05-01T00:10:00.5+00:00"}"#);
    let r = c.wfc_run(&["--params-file", "params.json"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("at").trim(), "2026-04-30T23:40:00.500Z");
}

#[test]
fn a_time_param_that_is_not_rfc_3339_is_refused_before_the_run() {
    let c = workflow(
        r#"workflow w {
  param at: time
  step out: shell { run "echo ${at} > at" }
}"#,
    );
    let r = c.wfc_run(&["--param", "at=tomorrow"]).output();
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("E0403"), "{r}");
    assert!(r.stderr.contains("RFC 3339"), "{r}");
    assert!(!c.path("at").exists());
}

#[test]
fn comprehensions_feed_a_loop_and_read_its_outputs() {
    let c = workflow(
        r#"workflow w {
  param regions: list<string> = ["eu", "us", "ap"]
  step ls: shell { run "printf 'a.csv\nb.txt\nc.csv\n'" }
  for each r in [upper(x) for x in regions if x != "us"] {
    step deploy: shell { run "echo ${r}" }
  }
  for each f in [l for l in split(trim(ls.stdout), "\n") if ends_with(l, ".csv")] {
    step load: shell { run "echo ${f} >> loaded" }
  }
  step sum: shell {
    run "echo ${join(sort([trim(o) for o in deploy.stdout]), "+")} ${count(regions, "us")} ${sum([len(x) for x in regions])} ${join(unique(flatten([regions, ["eu"]])), ",")} ${all([len(x) == 2 for x in regions])} > sum"
  }
}"#,
    );
    let plan = c.wfc(["plan", "w.wf"]).success().output();
    // Folded at plan time: the loop over params is unrolled into its items.
    for item in ["deploy[EU]", "deploy[AP]"] {
        assert!(plan.stdout.contains(item), "{item} in {plan}");
    }
    assert!(!plan.stdout.contains("deploy[US]"), "{plan}");
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("sum").trim(), "AP+EU 1 6 eu,us,ap true");
    let mut loaded = c.lines("loaded");
    loaded.sort();
    assert_eq!(loaded, ["a.csv", "c.csv"]);
}

#[test]
fn until_now_ends_when_the_time_has_come() {
    let c = workflow(
        r#"workflow w {
  step wait: shell {
    run "echo try >> tries"
    until now() >= run.started + 2s every 200ms within 1m
  }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 0, "{r}");
    let wait = step(&c.report(), "wait");
    assert_eq!(wait["status"], "succeeded", "{wait:#}");
    // `run.started` is to the second: at least one more try was needed.
    assert!(c.lines("tries").len() >= 2, "{wait:#}");
}

#[test]
fn run_time_errors_fail_their_step_with_their_code() {
    for (file, failed, text) in [
        (
            "E0820-min-of-an-empty-list.wf",
            "least",
            "E0820: min() of an empty list",
        ),
        (
            "E0821-time-format-from-a-step.wf",
            "stamp",
            "E0821: invalid time format: \"%Y-%Q\"",
        ),
        (
            "E0822-time-zone-from-a-step.wf",
            "stamp",
            "E0822: unknown time zone \"Mars/Olympus_Mons\"",
        ),
        (
            "E0823-text-from-a-step-not-a-time.wf",
            "stamp",
            "E0823: the text is not a time",
        ),
        (
            "E0824-time-out-of-range.wf",
            "later",
            "E0824: the time is out of range",
        ),
    ] {
        let c = fixture(file);
        let r = c.wfc_run(&["--output", "report.json"]).output();
        assert_eq!(r.code, 1, "{file}: {r}");
        let s = step(&c.report(), failed);
        assert_eq!(s["status"], "failed", "{file}: {s:#}");
        let error = s["error"].as_str().unwrap();
        assert!(error.contains(text), "{file}: {text:?} in {error}");
    }
}
