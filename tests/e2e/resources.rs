//! What each attempt used — its process tree's CPU time and peak memory,
//! from `wait4` when the step is reaped — in `wfc status` (text and
//! JSON), `wfc stats`, the `--output` report, the API's run detail and the
//! dashboard's run page.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// `burn` spins in a child shell it waits for, then holds 64 MiB in a
/// variable; `flaky` burns, fails once, then succeeds, using less memory
/// than wfc (Linux counts wfc's in the figure of a process it starts: its
/// own peak is not known); `nap` runs no process (a `sleep` step): nothing
/// is known of it.
const WORKFLOW: &str = r#"workflow used {
  step burn: shell {
    run """
      sh -c 'i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done'
      x=$(head -c 67108864 /dev/zero | tr '\0' a); echo \${#x}
    """
  }
  step flaky: shell {
    run "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; [ -e marker ] || { touch marker; exit 1; }"
    retry 2
  }
  step nap: sleep { duration 10ms }
}
"#;

const MIB: u64 = 1 << 20;

fn cpu(v: &Value) -> f64 {
    v["cpu_seconds"]
        .as_f64()
        .unwrap_or_else(|| panic!("no cpu_seconds: {v}"))
}

fn peak(v: &Value) -> u64 {
    v["peak_memory_bytes"]
        .as_u64()
        .unwrap_or_else(|| panic!("no peak_memory_bytes: {v}"))
}

/// The peak, or `None` where it could not be told from wfc's own.
fn peak_or_none(v: &Value) -> Option<u64> {
    v["peak_memory_bytes"].as_u64()
}

fn step<'a>(steps: &'a Value, name: &str) -> &'a Value {
    steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {steps}"))
}

/// A step's figures and its attempts' agree: CPU adds up, the peak is the
/// largest.
fn sums_its_attempts(s: &Value) {
    let attempts = s["attempt_log"].as_array().unwrap();
    let total: f64 = attempts.iter().map(cpu).sum();
    assert!((cpu(s) - total).abs() < 1e-6, "{s}");
    let most = attempts.iter().map(peak_or_none).max().unwrap();
    assert_eq!(peak_or_none(s), most, "{s}");
}

#[test]
fn status_stats_and_the_report_show_what_each_attempt_used() {
    let c = super::workflow(WORKFLOW);
    let run = c.wfc(["run", "w.wf", "--plain", "--output", "report.json"]);
    assert_eq!(run.output().code, 0);

    let status = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    let steps = &status["step_list"];
    let burn = step(steps, "burn");
    assert!(peak(burn) > 64 * MIB, "{burn}");
    assert!(
        cpu(burn) > 0.02,
        "the waited-for child's loop counts: {burn}"
    );
    sums_its_attempts(burn);
    let flaky = step(steps, "flaky");
    assert_eq!(flaky["attempt_log"].as_array().unwrap().len(), 2, "{flaky}");
    sums_its_attempts(flaky);
    assert!(cpu(flaky) > 0.01, "{flaky}");
    assert_eq!(flaky["peak_memory_bytes"], Value::Null, "{flaky}");
    let nap = step(steps, "nap");
    assert_eq!(
        (&nap["cpu_seconds"], &nap["peak_memory_bytes"]),
        (&Value::Null, &Value::Null)
    );

    let text = c.wfc(["status", "last", "--attempts"]).output().stdout;
    assert!(text.contains("CPU    PEAK MEM"), "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("burn"))
        .unwrap();
    assert!(line.contains(" MiB"), "{line}");
    let attempt = text.lines().find(|l| l.contains("attempt 2")).unwrap();
    assert!(
        attempt.contains(" · cpu ") && attempt.contains(" · peak "),
        "{attempt}"
    );

    let report = c.report();
    let burned = step(&report["steps"], "burn");
    assert!(peak(burned) > 64 * MIB, "{burned}");
    sums_its_attempts(burned);
    sums_its_attempts(step(&report["steps"], "flaky"));
    assert_eq!(step(&report["steps"], "nap")["cpu_seconds"], Value::Null);

    // A second run: the median and the most over both.
    std::fs::remove_file(c.path("marker")).unwrap();
    assert_eq!(c.wfc(["run", "w.wf", "--plain"]).output().code, 0);
    let stats = c.wfc(["stats", "--format", "json"]).output().json();
    let s = step(&stats[0]["steps"], "burn");
    let (p50, max) = (
        s["p50_peak_memory_bytes"].as_u64().unwrap(),
        s["max_peak_memory_bytes"].as_u64().unwrap(),
    );
    assert!(p50 > 64 * MIB && max >= p50, "{s}");
    let (p50, max) = (
        s["p50_cpu_seconds"].as_f64().unwrap(),
        s["max_cpu_seconds"].as_f64().unwrap(),
    );
    assert!(p50 > 0.02 && max >= p50, "{s}");
    assert_eq!(
        step(&stats[0]["steps"], "nap")["max_cpu_seconds"],
        Value::Null
    );
    let text = c.wfc(["stats"]).output().stdout;
    assert!(
        text.contains("CPU P50/MAX") && text.contains("PEAK MEM P50/MAX"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("burn"))
        .unwrap();
    assert!(line.contains(" MiB / "), "{line}");
}

#[tokio::test]
async fn the_api_gives_each_step_and_attempt_what_it_used() {
    let server = Server::start(&[("w.wf", WORKFLOW)], &[]);
    let http = reqwest::Client::new();
    let (status, run) = post(
        &http,
        &server.url("/workflows/used/runs?wait=60s"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let id = run["id"].as_str().unwrap();
    for steps in ["", "?steps=all"] {
        let (status, detail) = get(
            &http,
            &server.url(&format!("/runs/{id}{steps}")),
            &server.reader,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let burn = step(&detail["step_list"], "burn");
        assert!(peak(burn) > 64 * MIB, "{burn}");
        sums_its_attempts(burn);
    }
    // The dashboard's run page: a column each in the steps table.
    let http = super::dashboard::client();
    let cookie =
        super::dashboard::pair(&super::dashboard::login(&http, &server, &server.reader).await);
    let (status, _, body) =
        super::dashboard::page(&http, &server, &format!("/runs/{id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("<th scope=\"col\">CPU</th><th scope=\"col\">Peak memory</th>"),
        "{body}"
    );
    let row = body.split("<tr data-step=\"burn\"").nth(1).unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    let cell = |class: &str| {
        let at = row.find(&format!("class=\"{class}\">")).unwrap() + class.len() + 9;
        row[at..at + row[at..].find('<').unwrap()].to_owned()
    };
    assert!(
        cell("step-cpu").ends_with("ms") || cell("step-cpu").ends_with('s'),
        "{row}"
    );
    assert!(cell("step-memory").ends_with(" MiB"), "{row}");
}
