//! `wfc export github-actions`: `until` as a bounded loop in the step's
//! script, run for real with `sh`: the rounds go on until the condition
//! over the step's stdout holds, a value of the condition comes from
//! `env:` only, and past `within` the step fails.

use super::export_github::{export, lint};
use super::export_github_runtime::{run_step, steps};

#[test]
fn until_polls_in_the_script_and_gives_up_past_within() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("poll.wf");
    std::fs::write(
        &wf,
        r#"workflow poll {
  param want: string = "ready"
  step wait: shell {
    run "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ $n -ge 2 ] && echo ' ready ' || echo starting"
    until trim(wait.stdout) == want && !contains(wait.stdout, "error") every 1s within 30s
  }
  step never: shell {
    run "echo starting"
    until never.stdout != "" && trim(never.stdout) == "ready" every 1s within 2s
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("poll.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    // The plan folds the condition's params; the value stays in `env:`.
    let wait = steps(&yaml, "wait")[0].clone();
    assert_eq!(wait["env"]["WF_UNTIL_1"], "ready");
    assert!(wait["run"]
        .as_str()
        .unwrap()
        .contains(r#"if { [ "$(wfc_trim "$wfc_stdout")" = "$WF_UNTIL_1" ] && ! { case "$wfc_stdout" in *"$WF_UNTIL_2"*)"#));
    let got = run_step(&wait, dir.path(), &[]);
    assert!(got.status.success(), "{got:?}");
    let stdout = String::from_utf8_lossy(&got.stdout);
    assert_eq!(stdout.matches("starting").count(), 2, "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("count")).unwrap(),
        "3\n"
    );
    let got = run_step(&steps(&yaml, "never")[0], dir.path(), &[]);
    assert!(!got.status.success());
    assert!(String::from_utf8_lossy(&got.stderr).contains("did not hold within 2s"));
}

/// Over the step's declared outputs: each round's `NAME=` lines are read
/// back (an int compared as a number, a string as text), the rounds go on
/// until the condition holds, and only the last round's outputs reach
/// GitHub. A float output, which the shell cannot compare as wfc does, is
/// refused with the place.
#[test]
fn until_over_declared_outputs_reads_each_rounds_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.wf");
    std::fs::write(
        &wf,
        r#"workflow w {
  step a: shell {
    run "n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count; echo n=0$n >> \"$WF_OUTPUTS\"; [ $n -ge 3 ] && s=ready || s=wait; echo state=$s >> \"$WF_OUTPUTS\""
    outputs { n: int, state: string }
    until a.outputs.n >= 3 && a.outputs.state == "ready" && a.outputs.n == 3 every 1s within 30s
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    let a = steps(&yaml, "a")[0].clone();
    let script = a["run"].as_str().unwrap();
    assert!(
        script.contains(r#"[ "$(wfc_out n)" -ge "$WF_UNTIL_1" ]"#),
        "{script}"
    );
    // `03` is 3 as an int, as wfc compares it.
    assert!(
        script.contains(r#"[ "$(wfc_out n)" -eq "$WF_UNTIL_3" ]"#),
        "{script}"
    );
    let temp = tempfile::tempdir().unwrap();
    let got = run_step(&a, dir.path(), &[("RUNNER_TEMP", temp.path())]);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("count")).unwrap(),
        "3\n"
    );
    let outputs = std::fs::read_to_string(temp.path().join("wfc-outputs")).unwrap();
    assert_eq!(outputs, "n=03\nstate=ready\n", "the last round's alone");

    std::fs::write(
        &wf,
        r#"workflow w {
  step a: shell {
    run "echo ratio=0.4 >> \"$WF_OUTPUTS\""
    outputs { ratio: float }
    until a.outputs.ratio > 0.5 every 1s within 10s
  }
}
"#,
    )
    .unwrap();
    let run = export(&wf, &[], &dir.path().join("w.yml"));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("E0738") && stderr.contains("cannot test this `until`"),
        "{stderr}"
    );
    let words = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("a float or JSON one cannot be compared"),
        "{words}"
    );
}

#[test]
fn retry_when_retries_only_the_exit_codes_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("fetch.wf");
    std::fs::write(
        &wf,
        r#"workflow fetch {
  param code: int = 7
  step get: shell {
    run "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ $n -ge 1 ] && exit 0; exit ${code}"
    retry 3 backoff 1s when exit_code in [6, 7, 28]
  }
}
"#,
    )
    .unwrap();
    for (code, passes, attempts) in [("7", true, "2"), ("3", false, "1")] {
        let out = dir.path().join("fetch.yml");
        let run = export(&wf, &[&format!("code={code}")], &out);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        lint(std::slice::from_ref(&out));
        let yaml = std::fs::read_to_string(&out).unwrap();
        let mut step = steps(&yaml, "get")[0].clone();
        assert_eq!(step["env"]["WF_WHEN_2"], "7");
        step["env"]["WF_VALUE_1"] = code.into();
        let _ = std::fs::remove_file(dir.path().join("count"));
        let got = run_step(&step, dir.path(), &[]);
        assert_eq!(got.status.success(), passes, "{code}: {got:?}");
        let count = std::fs::read_to_string(dir.path().join("count")).unwrap();
        assert_eq!(count.trim(), attempts, "{code}");
        if !passes {
            assert!(String::from_utf8_lossy(&got.stderr)
                .contains("not retried: its when is false (exit 3)"));
        }
    }
}

/// `error is signal` in the export's loop: a status above 128 is a signal
/// (the shell's 128 + N); a plain failing status is not retried.
#[test]
fn retry_when_error_is_signal_tells_a_kill_from_an_exit() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("work.wf");
    std::fs::write(
        &wf,
        r#"workflow work {
  param how: string = "kill"
  step work: shell {
    run "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ $n -ge 1 ] && exit 0; if [ ${how} = kill ]; then sh -c 'kill -9 $$'; exit $?; fi; exit 3"
    retry 3 when error is signal
  }
}
"#,
    )
    .unwrap();
    for (how, passes, attempts) in [("kill", true, "2"), ("exit", false, "1")] {
        let out = dir.path().join("work.yml");
        let run = export(&wf, &[&format!("how={how}")], &out);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        lint(std::slice::from_ref(&out));
        let yaml = std::fs::read_to_string(&out).unwrap();
        let mut step = steps(&yaml, "work")[0].clone();
        step["env"]["WF_VALUE_1"] = how.into();
        let _ = std::fs::remove_file(dir.path().join("count"));
        let got = run_step(&step, dir.path(), &[]);
        assert_eq!(got.status.success(), passes, "{how}: {got:?}");
        let count = std::fs::read_to_string(dir.path().join("count")).unwrap();
        assert_eq!(count.trim(), attempts, "{how}");
    }
}

/// A server answering 503 `starting` twice, then 200 `ok ready`.
fn warming_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, mut conn) in listener.incoming().flatten().enumerate() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let (status, body) = if n < 2 {
                ("503 Service Unavailable", "starting")
            } else {
                ("200 OK", "ok ready")
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// `until` over an http step's `status_code` and `body` (std's
/// http-healthcheck): the request in rounds, run for real against a server
/// that warms up; `expect` from `range(…)` as `case` patterns, and a retry
/// of many attempts as a counted loop.
#[test]
fn until_polls_an_http_answer_in_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let base = warming_server();
    let wf = dir.path().join("health.wf");
    std::fs::write(
        &wf,
        format!(
            r#"workflow health {{
  param want: int = 200
  step probe: http {{
    get "{base}/health"
    expect range(100, 600)
    timeout 5s
    retry 1000 backoff 1s linear max 1s within 20s
    until probe.status_code == want && contains(probe.body, "ready") every 1s within 20s
  }}
}}
"#
        ),
    )
    .unwrap();
    let out = dir.path().join("health.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    let pinned = yaml.replace(&base, "http://SERVER");
    insta::assert_snapshot!(
        "export_github_until_http",
        pinned.split_once('\n').unwrap().1
    );
    let probe = steps(&yaml, "probe")[0].clone();
    let script = probe["run"].as_str().unwrap();
    assert!(script.contains("1??|2??|3??|4??|5??) ;;"), "{script}");
    assert!(!script.contains("for wfc_wait in"), "1000 waits listed");
    let temp = dir.path().to_path_buf();
    let got = run_step(&probe, dir.path(), &[("RUNNER_TEMP", &temp)]);
    let stdout = String::from_utf8_lossy(&got.stdout);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(stdout.matches("starting").count(), 2, "{stdout}");
    assert!(stdout.ends_with("ok ready\n"), "{stdout}");
}

/// A loop's artifacts read as a value after it: refused (E0733), saying
/// why and what to do instead.
#[test]
fn a_loops_artifacts_as_a_value_are_refused_with_why() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.wf");
    std::fs::write(
        &wf,
        r#"workflow w {
  for each r in ["eu", "us"] {
    step build: shell {
      run "mkdir -p out && echo ${r} > out/${r}.txt"
      artifacts { out = "out/${r}.txt" }
    }
  }
  step pack: shell { run "echo ${flatten(build.artifacts.out)}" }
}
"#,
    )
    .unwrap();
    let run = export(&wf, &[], &dir.path().join("w.yml"));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let words = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("E0733"), "{words}");
    assert!(
        words.contains("a job is given another's declared outputs, not its artifacts as a value"),
        "{words}"
    );
}
