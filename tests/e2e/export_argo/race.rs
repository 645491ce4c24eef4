//! `parallel … wait any` on Argo: one task whose pod races the members
//! with the shared driver. Pinned, validated, and its script run for real
//! (busybox's `sh`, `setsid`, `mkfifo`, `timeout` as in the curl image,
//! this machine's curl) against a local server: the first success wins and
//! the others are stopped; when all fail, the task fails and its
//! termination message names the last member and wfc's error. What cannot
//! share one pod is refused with the reason (E0721), or approximated as
//! before with `--approximate`.

use super::notify::{template, which};
use super::{export, validate};
use crate::{case, workflow};
use serde_json::Value as Json;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// Answers `/ok` with 200, `/down` with 500, `/slow` with 200 after 20 s,
/// `/late-down` with 500 after 1 s, anything else 404. Returns the base URL.
fn server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let status = match request.split_whitespace().nth(1) {
                    Some("/ok") => "200 OK",
                    Some("/down") => "500 Internal Server Error",
                    Some("/slow") => {
                        std::thread::sleep(Duration::from_secs(20));
                        "200 OK"
                    }
                    Some("/late-down") => {
                        std::thread::sleep(Duration::from_secs(1));
                        "500 Internal Server Error"
                    }
                    _ => "404 Not Found",
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbody!"
                );
            });
        }
    });
    base
}

/// A folder of busybox's tools (as in the curl image) and this machine's
/// curl; None without busybox.
fn busybox(dir: &Path) -> Option<std::path::PathBuf> {
    let bb = which("busybox")?;
    let bin = dir.join("bb");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "sh", "awk", "cat", "printf", "echo", "grep", "tr", "date", "sed", "mkdir", "rm", "mkfifo",
        "setsid", "sleep", "cp", "timeout", "kill", "tee", "tail", "cut",
    ] {
        std::os::unix::fs::symlink(&bb, bin.join(tool)).unwrap();
    }
    std::os::unix::fs::symlink(which("curl")?, bin.join("curl")).unwrap();
    Some(bin)
}

struct Ran {
    code: i32,
    out: String,
    /// What the container left as its termination message.
    message: String,
    took: Duration,
}

/// Runs the race template `t`'s script as its pod would: its env, `PATH`
/// of busybox's tools, its termination message written in `dir`.
fn run(t: &Json, bin: &Path, dir: &Path) -> Ran {
    let log = dir.join("termination-log");
    let script = t["container"]["command"][2]
        .as_str()
        .unwrap()
        .replace("/dev/termination-log", &log.display().to_string());
    let temp = dir.join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let mut cmd = Command::new(bin.join("sh"));
    cmd.args(["-c", &script])
        .env_clear()
        .env("PATH", bin)
        .env("RUNNER_TEMP", &temp);
    for var in t["container"]["env"].as_array().unwrap() {
        cmd.env(
            var["name"].as_str().unwrap(),
            var["value"].as_str().unwrap(),
        );
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        message: std::fs::read_to_string(&log).unwrap_or_default(),
        took: start.elapsed(),
    }
}

fn doc(yaml: &str) -> Json {
    serde_norway::from_str(yaml).unwrap()
}

/// deploy.wf's probes: one task `probes` (dependants wait for it), one
/// template in the curl image whose pod holds both probes' budgets, each
/// probe's values in env under its own prefix; pinned and validated.
#[test]
fn deploy_races_its_probes_in_one_task() {
    let c = case();
    let file = format!("{EXAMPLES}/deploy.wf");
    let args = [
        file.as_str(),
        "--image",
        "alpine:3.20",
        "--approximate",
        "-p",
        "version=1",
    ];
    let yaml = export(&c, &args);
    let d = doc(&yaml);
    let tasks = d["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap();
    let task = |n: &str| tasks.iter().find(|t| t["name"] == n).cloned();
    assert!(task("probe-eu").is_none() && task("probe-us").is_none());
    let probes = task("probes").expect("one task for the block");
    assert_eq!(probes["depends"], "ship-eu-west && ship-us-east");
    assert_eq!(task("announce").unwrap()["depends"], "probes");
    let t = template(&d, "probes");
    // Each probe: `timeout 10m` per attempt, 6 attempts, waits 2+4+6+8+10 s.
    assert_eq!(t["activeDeadlineSeconds"], "3630");
    let pinned =
        serde_norway::to_string(&serde_json::json!({ "task": probes, "template": t })).unwrap();
    insta::assert_snapshot!("export_argo_race_probes", pinned);
    c.write("deploy.yaml", &yaml);
    validate(&c, &["deploy.yaml"]);
}

/// The exported probes run against a real server: the first to succeed
/// wins at once, the slow one is stopped; a failing one keeps retrying
/// until the other wins, and is stopped then.
#[test]
fn the_first_success_wins_and_the_others_are_stopped() {
    let c = case();
    let Some(bin) = busybox(&c.path("")) else {
        wfc_testkit::skip("busybox is not installed");
        return;
    };
    let base = server();
    let file = format!("{EXAMPLES}/deploy.wf");
    for (eu, us, winner, loser) in [
        ("ok", "slow", "probe_eu", "probe_us"),
        ("down", "ok", "probe_us", "probe_eu"),
    ] {
        let eu = format!("health_eu={base}/{eu}");
        let us = format!("health_us={base}/{us}");
        let args = [
            file.as_str(),
            "--image",
            "alpine:3.20",
            "--approximate",
            "-p",
            "version=1",
            "-p",
            &eu,
            "-p",
            &us,
        ];
        let yaml = export(&c, &args);
        let t = template(&doc(&yaml), "probes");
        let dir = tempfile::tempdir().unwrap();
        let ran = run(&t, &bin, dir.path());
        assert_eq!(ran.code, 0, "{}", ran.out);
        assert!(
            ran.out
                .contains(&format!("wfc: `{winner}` succeeded first")),
            "{}",
            ran.out
        );
        assert!(
            ran.out.contains(&format!("wfc: `{loser}` cancelled")),
            "{}",
            ran.out
        );
        assert!(
            ran.took < Duration::from_secs(15),
            "{:?}: {}",
            ran.took,
            ran.out
        );
        assert_eq!(ran.message, "", "{}", ran.out);
    }
}

/// Every member fails: the task fails with the last one's exit code, and
/// its termination message says which and wfc's error, for `wfc-failed`.
/// A retry Argo would run per pod runs in each member's script.
#[test]
fn when_every_member_fails_the_last_is_reported() {
    let base = server();
    let c = workflow(&format!(
        r#"workflow w {{
  parallel probes wait any {{
    step first: http {{ get "{base}/down"  expect 200  retry 1 backoff 1s exponential }}
    step last: http {{ get "{base}/late-down"  expect 200  retry 1 backoff 1s exponential  timeout 20s }}
  }}
  step after: shell {{ run "true"  depends on probes }}
  on failure {{
    step alert: shell {{ run "echo ${{failed.step}}: ${{failed.error}}" }}
  }}
}}
"#
    ));
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let t = template(&doc(&yaml), "probes");
    assert!(t.get("retryStrategy").is_none(), "{t}");
    // `last`'s budget (2 × 20 s + 1 s) is the pod's; `first` has none.
    assert_eq!(t["activeDeadlineSeconds"], Json::Null);
    let script = t["container"]["command"][2].as_str().unwrap();
    assert!(script.contains("exec timeout 41 sh"), "{script}");
    let Some(bin) = busybox(&c.path("")) else {
        wfc_testkit::skip("busybox is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ran = run(&t, &bin, dir.path());
    assert_eq!(ran.code, 1, "{}", ran.out);
    assert!(
        ran.out.contains("every member of `probes` failed"),
        "{}",
        ran.out
    );
    assert_eq!(
        ran.message,
        "wfc-race\nlast\nevery member of `probes` failed; the last: exit code 1: wfc: expected HTTP 200, got 500"
    );
    // Each failed its first attempt and was retried once.
    assert_eq!(ran.out.matches("retrying in 1s").count(), 2, "{}", ran.out);
}

/// What one pod cannot run is refused with the reason; `--approximate`
/// writes the members as tasks, as before.
#[test]
fn members_that_cannot_share_a_pod_are_refused_with_the_reason() {
    for (members, reason) in [
        (
            r#"step a: shell { run "true" }
    step b: docker { image "busybox:1.36"  run "true" }"#,
            "different images",
        ),
        (
            r#"step a: shell { run "echo n=1 >> $WF_OUTPUTS"  outputs { n: int } }
    step b: shell { run "true" }"#,
            "member `a` has outputs",
        ),
        (
            r#"step a: http { get "https://example.com" }
    step b: http { get "https://example.org" }
    step c: sleep { duration 1s }"#,
            "member `c` is a `sleep` step",
        ),
        (
            r#"step a: shell { run "true"  on failure rollback { step undo: shell { run "true" } } }
    step b: shell { run "true" }"#,
            "member `a` has `on failure rollback`",
        ),
        (
            r#"sequence s { step a: shell { run "true" }  step a2: shell { run "true" } }
    step b: shell { run "true" }"#,
            "inside a block of its own",
        ),
        (
            r#"step a: docker { image "alpine:3.20"  run "true"  mount "/data" at "/data" }
    step b: docker { image "alpine:3.20"  run "true" }"#,
            "member `a` has `mount`",
        ),
        (
            r#"step a: docker { image "alpine:3.20"  run "true"  pull always }
    step b: docker { image "alpine:3.20"  run "true" }"#,
            "member `b` has another `pull` policy than `a`",
        ),
        (
            r#"step a: shell { run "true"  retry 2 when exit_code == 3 }
    step b: shell { run "true" }"#,
            "member `a` retries only when its `when` holds",
        ),
    ] {
        let c = workflow(&format!(
            "workflow w {{\n  parallel probes wait any {{\n    {members}\n  }}\n  step next: shell {{ run \"true\"  depends on probes }}\n}}\n"
        ));
        c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
            .status(3)
            .stderr_has("E0721")
            .stderr_has("Argo cannot express `wait any`")
            .stderr_has(reason)
            .output();
        let out = c
            .wfc([
                "export",
                "argo",
                "w.wf",
                "--image",
                "alpine:3.20",
                "--approximate",
            ])
            .success()
            .output();
        assert!(out.stderr.contains(reason), "{}", out.stderr);
        assert!(
            out.stdout.contains("depends: (a.Succeeded || "),
            "{}",
            out.stdout
        );
    }
}

/// Values only the run knows reach each member as input parameters of
/// its own (`wf-m1-…`, `wf-m2-…`: two members' `wf-value-1` do not clash),
/// a `json` body over outputs is computed by a task before the race, and
/// an `on failure` race reads `failed.*` after `wfc-failed`; valid.
#[test]
fn members_read_run_time_values_through_inputs_of_their_own() {
    let c = workflow(
        r#"workflow w {
  step build: shell { run "echo tag=v1 >> \"$WF_OUTPUTS\""  outputs { tag: string } }
  parallel probes wait any {
    step a: shell { run "echo ${build.outputs.tag}" }
    step b: webhook { url "https://example.com/a"  json { tag: build.outputs.tag } }
  }
  step next: shell { run "true"  depends on probes }
  on failure {
    parallel tell wait any {
      step hook_a: webhook { url "https://example.com/a"  body "failed at ${failed.step}: ${failed.error}" }
      step hook_b: webhook { url "https://example.com/b"  body "failed at ${failed.step}" }
    }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "curlimages/curl:8.11.1"]);
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let d = doc(&yaml);
    let tasks = |dag: usize| d["spec"]["templates"][dag]["dag"]["tasks"].clone();
    let find = |dag: usize, n: &str| {
        tasks(dag)
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("no task {n}"))
    };
    let probes = find(0, "probes");
    assert_eq!(probes["depends"], "probes-v1 && build");
    let args = probes["arguments"]["parameters"].to_string();
    assert!(
        args.contains(
            r#"{"name":"wf-m1-value-1","value":"{{tasks.build.outputs.parameters.tag}}"}"#
        ),
        "{args}"
    );
    assert!(args.contains(r#""name":"wf-m2-value-1""#), "{args}");
    let t = template(&d, "probes");
    let env = t["container"]["env"].to_string();
    assert!(
        env.contains(
            r#"{"name":"WF_M1_WF_VALUE_1","value":"{{inputs.parameters.wf-m1-value-1}}"}"#
        ),
        "{env}"
    );
    let tell = find(1, "tell");
    assert_eq!(tell["depends"], "wfc-failed");
    let env = template(&d, "tell")["container"]["env"].to_string();
    assert!(
        env.contains(
            "failed at {{inputs.parameters.wf-m1-value-1}}: {{inputs.parameters.wf-m1-value-2}}"
        ),
        "{env}"
    );
}

/// The exported race of shell members run in a real container of the
/// busybox test image (Podman, as a pod would run it: its env, `sh -c`):
/// the quick member wins, the slow one is killed, the failing one does
/// not matter; when all fail, the container fails with the last one's
/// code and leaves its termination message.
#[test]
fn shell_members_race_in_a_real_container() {
    let engine = match wfc_testkit::docker_engine() {
        Ok(e) => e,
        Err(why) => return wfc_testkit::skip(&format!("no container engine can run here: {why}")),
    };
    let podman = || {
        let mut cmd = Command::new("podman");
        if let Some(conf) = &engine.containers_conf {
            cmd.env("CONTAINERS_CONF", conf);
        }
        cmd
    };
    let seen = podman().args(["image", "exists", &engine.image]).status();
    if !seen.is_ok_and(|s| s.success()) {
        return wfc_testkit::skip(&format!("the podman CLI does not see `{}`", engine.image));
    }
    for (members, code, said, message) in [
        (
            r#"step slow: shell { run "sleep 30; echo slow done" }
    step quick: shell { run "sleep 1; echo quick done" }
    step broken: shell { run "exit 3" }"#,
            0,
            "wfc: `quick` succeeded first",
            "",
        ),
        (
            r#"step broken: shell { run "exit 3" }
    step later: shell { run "sleep 1; echo boom >&2; exit 4" }"#,
            4,
            "every member of `probes` failed",
            // As `wfc run` says it: the last line of the last one's stderr.
            "wfc-race\nlater\nevery member of `probes` failed; the last: exit code 4: boom",
        ),
    ] {
        let c = workflow(&format!(
            "workflow w {{\n  parallel probes wait any {{\n    {members}\n  }}\n}}\n"
        ));
        let yaml = export(&c, &["w.wf", "--image", &engine.image]);
        let t = template(&doc(&yaml), "probes");
        assert_eq!(t["container"]["image"], engine.image.as_str());
        let mut cmd = podman();
        cmd.args(["run", "--rm", "--network", "none"]);
        for var in t["container"]["env"].as_array().unwrap() {
            let (k, v) = (
                var["name"].as_str().unwrap(),
                var["value"].as_str().unwrap(),
            );
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        let script = t["container"]["command"][2].as_str().unwrap();
        // The pod's command, then what Kubernetes would read as its message.
        cmd.args([
            "-e",
            &format!("WFC_POD={script}"),
            &engine.image,
            "sh",
            "-c",
        ]);
        cmd.arg(r#"sh -c "$WFC_POD"; code=$?; echo "--- $code"; cat /dev/termination-log 2>/dev/null; exit "$code""#);
        let start = Instant::now();
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{text}");
        assert!(text.contains(said), "{text}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (_, left) = stdout
            .split_once(&format!("--- {code}\n"))
            .expect("the marker");
        assert_eq!(left.trim_end_matches('\n'), message, "{text}");
        if code == 0 {
            assert!(text.contains("wfc: `slow` cancelled"), "{text}");
            assert!(!text.contains("slow done"), "{text}");
            assert!(start.elapsed() < Duration::from_secs(25), "{text}");
        }
    }
}

/// A `wait any` in a loop the plan unrolls is one racing task per
/// iteration, each iteration's dependant waiting for its own.
#[test]
fn a_race_in_an_unrolled_loop_is_one_task_per_iteration() {
    let c = workflow(
        r#"workflow l {
  for each r in ["a", "b"] {
    parallel probes wait any {
      step x: shell { run "echo ${r}" }
      step y: shell { run "true" }
    }
    step after: shell { run "echo after ${r}"  depends on probes }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    c.write("l.yaml", &yaml);
    validate(&c, &["l.yaml"]);
    let d = doc(&yaml);
    let tasks = d["spec"]["templates"][0]["dag"]["tasks"].clone();
    let shown: Vec<String> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{} <- {}", t["name"], t["depends"]))
        .collect();
    assert_eq!(
        shown,
        [
            r#""probes-a" <- null"#,
            r#""after-a" <- "probes-a""#,
            r#""probes-b" <- "after-a""#,
            r#""after-b" <- "probes-b""#,
        ]
    );
    let env = template(&d, "probes-b")["container"]["env"].to_string();
    assert!(
        env.contains(r#"{"name":"WF_RACE","value":"probes [b]"}"#),
        "{env}"
    );
    assert!(
        env.contains(r#"{"name":"WF_RACE_1","value":"x[b]"}"#),
        "{env}"
    );
}

/// Two `python` members in one pod: each writes its script to a folder
/// of its own (the pod's `/tmp` is shared), the quick one wins.
#[test]
fn python_members_race_with_files_of_their_own() {
    let c = workflow(
        r#"workflow p {
  parallel calc wait any {
    step slow: python { script "import time\ntime.sleep(20)\nprint('slow')" }
    step fast: python { script "print('fast')" }
  }
}
"#,
    );
    let yaml = export(&c, &["w.wf"]);
    let t = template(&doc(&yaml), "calc");
    assert_eq!(t["container"]["image"], "python:3-slim");
    let script = t["container"]["command"][2].as_str().unwrap();
    assert!(!script.contains("/tmp/wfc-script"), "{script}");
    assert!(script.contains("> $RUNNER_TEMP/wfc-script"), "{script}");
    let (Some(bin), Some(python)) = (busybox(&c.path("")), which("python3")) else {
        return wfc_testkit::skip("busybox or python3 is not installed");
    };
    // The interpreter itself, not a wrapper (pyenv's) that needs this env.
    let real = Command::new(python)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_owned();
    std::os::unix::fs::symlink(real, bin.join("python3")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ran = run(&t, &bin, dir.path());
    assert_eq!(ran.code, 0, "{}", ran.out);
    assert!(ran.out.contains("[fast] fast"), "{}", ran.out);
    assert!(ran.out.contains("wfc: `slow` cancelled"), "{}", ran.out);
    assert!(!ran.out.contains("[slow] slow"), "{}", ran.out);
    assert!(
        ran.took < Duration::from_secs(15),
        "{:?}: {}",
        ran.took,
        ran.out
    );
}
