//! `wfc export github-actions`, the run-time mappings: the whole corpus
//! (every example and every `.wf` under tests/plan and tests/run) exports and
//! lints or is refused with export codes only; the retry loop and the
//! outputs step, run with a real `sh` as GitHub runs them; hostile param
//! values never reach a `run:` script.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::export_github::{export, lint, reported};
use super::WFC;
use serde_json::Value as Json;

/// Every `.wf` file under `dir`, at any depth, sorted.
fn wf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            wf_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "wf") {
            out.push(p);
        }
    }
}

/// The params a corpus file needs to plan.
fn params_of(file: &Path) -> &'static [&'static str] {
    match file.file_name().and_then(|n| n.to_str()) {
        Some("deploy.wf" | "release-webhook.wf" | "release-with-std.wf") => &["version=1.2.3"],
        _ => &[],
    }
}

#[test]
fn the_corpus_exports_and_lints_or_is_refused_with_export_codes_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for root in ["examples", "tests/plan", "tests/run"] {
        wf_files(Path::new(root), &mut files);
    }
    let (mut exported, mut refused, mut skipped) = (Vec::new(), 0, 0);
    for (i, file) in files.iter().enumerate() {
        let params = params_of(file);
        let mut plan = Command::new(WFC);
        // A store of its own: not the one beside the checkout's examples.
        plan.arg("plan")
            .arg(file)
            .env("WFC_STATE_DIR", dir.path().join(".wfc"));
        for p in params {
            plan.args(["-p", p]);
        }
        // Error fixtures (files that do not check or plan) are not exports' business.
        if !plan.output().unwrap().status.success() {
            skipped += 1;
            continue;
        }
        let out = dir.path().join(format!("{i}.yml"));
        let run = export(file, params, &out);
        let stderr = String::from_utf8_lossy(&run.stderr);
        let name = file.display().to_string();
        match run.status.code() {
            Some(0) => exported.push(out),
            Some(3) => {
                let found = reported(&stderr, &name);
                assert!(
                    !found.is_empty(),
                    "{name}: refused without a code\n{stderr}"
                );
                for (code, _) in &found {
                    assert!(
                        code.starts_with("E073")
                            || code == "E0740"
                            || code == "E0741"
                            || code == "E0744"
                            || code == "E0782"
                            || ["E075", "E076", "E077"].iter().any(|p| code.starts_with(p)),
                        "{name}: {code} is not an export refusal\n{stderr}"
                    );
                }
                assert!(!out.exists(), "{name}: written although refused");
                refused += 1;
            }
            other => panic!("{name}: exit {other:?}\n{stderr}"),
        }
    }
    println!(
        "github-actions corpus: {} exported, {refused} refused, {skipped} do not plan",
        exported.len()
    );
    assert!(exported.len() >= 8, "the corpus should mostly export");
    lint(&exported);
}

/// The steps of job `job` in the exported YAML that wfc wrote (not the
/// checkout).
pub(super) fn steps(yaml: &str, job: &str) -> Vec<Json> {
    let doc: Json = serde_norway::from_str(yaml).unwrap();
    let steps = doc["jobs"][job]["steps"].as_array().unwrap();
    steps
        .iter()
        .filter(|s| s.get("uses").is_none())
        .cloned()
        .collect()
}

/// Runs one exported step as GitHub does (`sh -e FILE`, its `env:` set).
pub(super) fn run_step(step: &Json, dir: &Path, extra: &[(&str, &Path)]) -> std::process::Output {
    let script = dir.join("step.sh");
    std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-e").arg(&script).current_dir(dir);
    if let Some(env) = step["env"].as_object() {
        for (k, v) in env {
            cmd.env(k, v.as_str().unwrap());
        }
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A step failing twice then succeeding: three attempts, one second apart,
/// and only the declared outputs of the last one reach `$GITHUB_OUTPUT`,
/// each in the delimiter form (a multi-line value included).
#[test]
fn retries_loop_and_outputs_reach_github_output_safely() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("flaky.wf");
    std::fs::write(
        &wf,
        r#"workflow flaky {
  step work: shell {
    run """
      n=$(cat attempts 2>/dev/null || echo 0)
      echo $((n + 1)) > attempts
      echo "tries=$n" >> "$WF_OUTPUTS"
      printf 'notes<<EOF\nline one\nline two\nEOF\n' >> "$WF_OUTPUTS"
      echo "stray=1" >> "$WF_OUTPUTS"
      test "$n" -ge 2
    """
    outputs { tries: int, notes: string }
    retry 2 backoff 500ms linear
  }
  step use: shell {
    run "echo ${work.outputs.notes}"
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("flaky.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    lint(std::slice::from_ref(&out));
    // The reader gets the output through `env:` and needs the producer.
    assert!(
        yaml.contains("WF_VALUE_1: ${{ needs.work.outputs.notes }}"),
        "{yaml}"
    );
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(doc["jobs"]["use"]["needs"], serde_json::json!(["work"]));

    let temp = dir.path().join("runner-temp");
    std::fs::create_dir(&temp).unwrap();
    let github_output = dir.path().join("github-output");
    std::fs::write(&github_output, "").unwrap();
    let env = [
        ("RUNNER_TEMP", temp.as_path()),
        ("GITHUB_OUTPUT", github_output.as_path()),
    ];
    let steps = steps(&yaml, "work");
    let started = std::time::Instant::now();
    let first = run_step(&steps[0], dir.path(), &env);
    assert!(first.status.success(), "{first:?}");
    let attempts = std::fs::read_to_string(dir.path().join("attempts")).unwrap();
    assert_eq!(attempts.trim(), "3");
    // Waits of 0.5 s then 1 s, rounded up to whole seconds: 1 + 1.
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    let second = run_step(&steps[1], dir.path(), &env);
    assert!(second.status.success(), "{second:?}");

    let written = std::fs::read_to_string(&github_output).unwrap();
    let first_line = written.lines().next().unwrap();
    let delim = first_line.split("<<").nth(1).unwrap();
    assert!(delim.len() > 20, "a random delimiter: {written}");
    assert_eq!(
        written,
        format!("tries<<{delim}\n2\n{delim}\nnotes<<{delim}\nline one\nline two\n{delim}\n")
    );
}

/// A param value made to break out (quotes, backticks, `$(…)`, `${{`, a
/// newline) stays data: it is never inside a `run:` script.
#[test]
fn hostile_param_values_never_reach_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("hostile.wf");
    std::fs::write(
        &wf,
        r#"workflow hostile {
  param note: string = "a'b\"c `touch pwned` $(id) \${{ github.token }}\nsecond line"
  step plain: shell { run "echo ${note}" }
  step quoted: shell { run "echo '${note}' \"${note}\" > out-${note}" }
}
"#,
    )
    .unwrap();
    let hostile = "a'b\"c `touch pwned` $(id) ${{ github.token }}\nsecond line";
    for given in [None, Some(format!("note={hostile}"))] {
        let out = dir.path().join("hostile.yml");
        let params: Vec<&str> = given.iter().map(String::as_str).collect();
        let run = export(&wf, &params, &out);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let yaml = std::fs::read_to_string(&out).unwrap();
        let doc: Json = serde_norway::from_str(&yaml).unwrap();
        for (job, _) in doc["jobs"].as_object().unwrap() {
            for step in steps(&yaml, job) {
                let script = step["run"].as_str().unwrap();
                for piece in ["touch pwned", "$(id)", "${{", "github.token", "second line"] {
                    assert!(!script.contains(piece), "{job}: {piece} in {script}");
                }
            }
        }
        // The value is the input's default, as data.
        assert_eq!(
            doc["on"]["workflow_dispatch"]["inputs"]["note"]["default"],
            hostile
        );
        lint(std::slice::from_ref(&out));
    }
}

/// Answers every request on a real socket: `/created` with 201, `/ok` with
/// 200, anything else 404. Returns the base URL.
pub(super) fn status_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = conn.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let status = match request.split_whitespace().nth(1) {
                Some("/created") => "201 Created",
                Some("/ok") => "200 OK",
                _ => "404 Not Found",
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbody!"
            );
        }
    });
    base
}

/// An http step's `expect` is the script's status check, run with real
/// `curl` against a real server: the expected code passes, another fails
/// naming both, and no `expect` accepts any 2xx and nothing else.
#[test]
fn http_expect_checks_the_status_with_curl() {
    let dir = tempfile::tempdir().unwrap();
    let base = status_server();
    let wf = dir.path().join("probe.wf");
    std::fs::write(
        &wf,
        format!(
            r#"workflow probe {{
  step created: http {{
    post "{base}/created"
    expect [200, 201]
  }}
  step wrong: http {{
    get "{base}/created"
    expect 200
  }}
  step ok: http {{ get "{base}/ok" }}
  step missing: http {{ get "{base}/missing" }}
}}
"#
        ),
    )
    .unwrap();
    let out = dir.path().join("probe.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    let temp = dir.path().to_path_buf();
    for (job, passes, says) in [
        ("created", true, ""),
        ("wrong", false, "wfc: expected HTTP 200, got 201"),
        ("ok", true, ""),
        ("missing", false, "wfc: expected a 2xx status, got 404"),
    ] {
        let step = &steps(&yaml, job)[0];
        let got = run_step(step, dir.path(), &[("RUNNER_TEMP", &temp)]);
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert_eq!(got.status.success(), passes, "{job}: {stderr}");
        assert!(stderr.contains(says), "{job}: {stderr}");
        if passes {
            assert!(String::from_utf8_lossy(&got.stdout).contains("body!"));
        }
    }
    lint(std::slice::from_ref(&out));
}
