//! Triggers and locks through the `wfc` binary: `wfc plan` and `wfc list`
//! show the triggers (with `WFC_NOW` fixing "now"), and two `wfc run`s of
//! one lock key on one store never overlap — what their steps write says
//! so — while a lock whose holder was killed is free for the next run.

use super::case;
use std::time::Duration;
use wfc_testkit::{kill9, wait_until, Case};

const NIGHTLY: &str = r#"workflow nightly {
  param env: string in ["staging", "prod"] = "staging"
  param version: string = "latest"
  param files: list<string> = []
  secret hook_key: string = env("HOOK_KEY")

  on schedule "0 2 * * *" { timezone "Europe/Berlin"  overlap queue  catch up 1 }
  on schedule "*/2 * * * * *"
  on webhook "/deploy" {
    secret hook_key
    params { version = request.json.release.tag_name }
  }
  on change "incoming/*.csv" { debounce 2s  params { files = changed } }
  lock "nightly-${env}"

  step build: shell { run "echo ${version} ${len(files)}" }
}
"#;

#[test]
fn plan_shows_triggers_next_fire_times_and_the_lock() {
    let c = case().file("nightly.wf", NIGHTLY);
    let now = ("WFC_NOW", "2026-03-29T00:30:00Z");
    let text = c
        .wfc(["plan", "nightly.wf", "--param", "env=prod"])
        .env(now.0, now.1)
        .env("HOOK_KEY", "s3cr3t-hook")
        .output();
    assert_eq!(text.code, 0, "{text}");
    assert!(!text.all().contains("s3cr3t-hook"), "{text}");
    insta::assert_snapshot!("plan_triggers_text", text.stdout);
    let json = c
        .wfc(["plan", "nightly.wf", "--format", "json"])
        .env(now.0, now.1)
        .output();
    let plan = json.json();
    // Berlin leaves winter time this night: 02:00 does not exist, and
    // croner moves the first slot to 03:00 summer time.
    let fires = &plan["triggers"][0]["next_fires"];
    assert_eq!(
        fires,
        &serde_json::json!([
            "2026-03-29T03:00:00+02:00",
            "2026-03-30T02:00:00+02:00",
            "2026-03-31T02:00:00+02:00"
        ]),
        "{json}"
    );
    assert_eq!(
        plan["triggers"][1]["next_fires"][0],
        "2026-03-29T00:30:02+00:00"
    );
    assert_eq!(plan["triggers"][2]["secret"], "hook_key");
    assert_eq!(plan["lock"]["key"], "nightly-staging");
    for format in ["dot", "mermaid"] {
        let g = c.wfc(["plan", "nightly.wf", "--format", format]).output();
        assert!(g.stdout.contains("lock nightly-staging"), "{g}");
        assert!(g.stdout.contains("webhook \"/deploy\""), "{g}");
    }
    let bad = c
        .wfc(["plan", "nightly.wf"])
        .env("WFC_NOW", "yesterday")
        .output();
    assert_eq!(bad.code, 2, "{bad}");
    assert!(bad.stderr.contains("WFC_NOW"), "{bad}");
}

#[test]
fn list_shows_triggers() {
    let c = case().file("nightly.wf", NIGHTLY);
    let r = c
        .wfc(["list", "--format", "json"])
        .env("WFC_NOW", "2026-01-01T00:00:00Z")
        .output();
    assert_eq!(r.code, 0, "{r}");
    let wf = &r.json()["files"][0]["workflows"][0];
    let kinds: Vec<&str> = (wf["triggers"].as_array().unwrap().iter())
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["schedule", "schedule", "webhook", "change"]);
    assert_eq!(
        wf["triggers"][0]["next_fires"][0],
        "2026-01-01T02:00:00+01:00"
    );
    assert_eq!(wf["triggers"][3]["glob"], "incoming/*.csv");
    assert_eq!(wf["lock"], "\"nightly-${env}\"");
    let t = c.wfc(["list"]).output();
    assert!(t.stdout.contains("TRIGGERS"), "{t}");
    assert!(t.stdout.contains("schedule \"0 2 * * *\""), "{t}");
}

/// A workflow whose one step appends `start TAG NANOS` and, a second later,
/// `end TAG NANOS` to `log.txt`.
const LOCKED: &str = r#"workflow nightly {
  param env: string = "prod"
  param tag: string = "a"
  lock "nightly-${env}"
  step work: shell {
    run "echo start ${tag} $(date +%s%N) >> log.txt; sleep 1; echo end ${tag} $(date +%s%N) >> log.txt"
  }
}
"#;

/// `(tag, start, end)` of each run, from `log.txt`, in start order.
fn spans(c: &Case) -> Vec<(String, u128, u128)> {
    let lines = c.lines("log.txt");
    let mut out = Vec::new();
    for l in lines.iter().filter(|l| l.starts_with("start ")) {
        let parts: Vec<&str> = l.split(' ').collect();
        let end = lines
            .iter()
            .find(|e| e.starts_with(&format!("end {} ", parts[1])))
            .expect("each run ended");
        let end: u128 = end.rsplit(' ').next().unwrap().parse().unwrap();
        out.push((parts[1].to_string(), parts[2].parse().unwrap(), end));
    }
    out.sort_by_key(|s| s.1);
    out
}

fn locked_run<'c>(c: &'c Case, tag: &str, env: &str) -> wfc_testkit::Invocation<'c> {
    c.wfc(["run", "w.wf", "--plain", "--param"])
        .arg(format!("tag={tag}"))
        .args(["--param", &format!("env={env}")])
}

#[test]
fn two_runs_with_one_lock_key_never_overlap() {
    let c = case().workflow(LOCKED);
    let first = locked_run(&c, "a", "prod").spawn();
    assert!(
        c.wait_for_file("log.txt", Duration::from_secs(10)),
        "the first run started"
    );
    let second = locked_run(&c, "b", "prod").output();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{first:?}");
    assert_eq!(second.code, 0, "{second}");
    assert!(
        second.stderr.contains("waiting for lock nightly-prod"),
        "{second}"
    );
    let s = spans(&c);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!((s[0].0.as_str(), s[1].0.as_str()), ("a", "b"));
    assert!(s[0].2 <= s[1].1, "b started before a ended: {s:?}");
}

#[test]
fn other_keys_do_not_wait_and_a_killed_holder_frees_its_lock() {
    let c = case().workflow(&LOCKED.replace("sleep 1", "sleep 30"));
    let mut holder = locked_run(&c, "a", "prod").spawn();
    assert!(
        c.wait_for_file("log.txt", Duration::from_secs(10)),
        "the holder started"
    );
    // Another key starts at once, while the holder sleeps.
    let mut other = c
        .wfc([
            "run",
            "w.wf",
            "--plain",
            "--param",
            "env=dev",
            "--param",
            "tag=other",
        ])
        .spawn();
    assert!(
        wait_until(Duration::from_secs(10), || c
            .read("log.txt")
            .contains("start other")),
        "a run of another key started while the lock was held"
    );
    kill9(&mut other);
    // The holder dies: its lock is free for the next run.
    kill9(&mut holder);
    let mut next = c
        .wfc(["run", "w.wf", "--plain", "--param", "tag=next"])
        .spawn();
    assert!(
        wait_until(Duration::from_secs(10), || c
            .read("log.txt")
            .contains("start next")),
        "the lock of a killed run was taken over:\n{}",
        c.read("log.txt")
    );
    kill9(&mut next);
}
