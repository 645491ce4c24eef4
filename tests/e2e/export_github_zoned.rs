//! `wfc export github-actions`: a schedule in a time zone. GitHub reads
//! cron in UTC, so the pattern is one UTC cron per offset of the zone, and
//! a job `wfc-schedule` that every job needs lets a run go on only when
//! the cron that fired was written for the zone's offset at the slot: run
//! here with `bash` as a runner runs it. A local time a clock change skips
//! or repeats stays refused (E0730).

use super::export_github::{export, lint};
use serde_json::Value as Json;
use std::process::Command;

const WF: &str = r#"workflow morning {
  on schedule "30 8 * * 1-5" { timezone "Europe/Berlin" }
  on schedule "0 12 * * *"
  step report: shell { run "echo report" }
  finally { step tidy: shell { run "echo tidy" } }
}
"#;

/// What the check decides for `event` and the cron that fired.
fn check(script: &str, crons: &str, event: &str, schedule: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    std::fs::write(&output, "").unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("WF_CRONS", crons)
        .env("WF_EVENT", event)
        .env("WF_SCHEDULE", schedule)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&output).unwrap().trim().to_string()
}

#[test]
fn a_zoned_schedule_is_a_utc_cron_per_offset_and_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.wf");
    std::fs::write(&wf, WF).unwrap();
    let out = dir.path().join("w.yml");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("export_github_zoned", yaml.split_once('\n').unwrap().1);
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let crons: Vec<&str> = doc["on"]["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cron"].as_str().unwrap())
        .collect();
    assert_eq!(crons, ["30 7 * * 1-5", "30 6 * * 1-5", "0 12 * * *"]);
    // Every job waits for the check, a `finally` too.
    for job in ["report", "tidy"] {
        let cond = doc["jobs"][job]["if"].as_str().unwrap();
        assert!(
            cond.starts_with("${{ needs.wfc-schedule.outputs.go == 'true'"),
            "{cond}"
        );
    }
    let step = &doc["jobs"]["wfc-schedule"]["steps"][0];
    let (script, table) = (
        step["run"].as_str().unwrap(),
        step["env"]["WF_CRONS"].as_str().unwrap(),
    );
    // Exactly one of Berlin's crons is today's: the one for its offset.
    let berlin = Command::new("date")
        .env("TZ", "Europe/Berlin")
        .arg("+%z")
        .output()
        .unwrap();
    let winter = String::from_utf8_lossy(&berlin.stdout).trim() == "+0100";
    let (now, other) = if winter {
        (crons[0], crons[1])
    } else {
        (crons[1], crons[0])
    };
    assert_eq!(check(script, table, "schedule", now), "go=true");
    assert_eq!(check(script, table, "schedule", other), "go=false");
    assert_eq!(check(script, table, "schedule", crons[2]), "go=true");
    assert_eq!(check(script, table, "workflow_dispatch", ""), "go=true");

    // `wfc import` folds the crons and the check back into the schedule.
    let back = dir.path().join("back.wf");
    let imported = Command::new(super::WFC)
        .args(["import"])
        .arg(&out)
        .arg("-o")
        .arg(&back)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let text = std::fs::read_to_string(&back).unwrap();
    assert!(
        text.contains("on schedule \"30 8 * * 1-5\" {\n    timezone \"Europe/Berlin\"\n  }"),
        "{text}"
    );
    assert!(text.contains("on schedule \"0 12 * * *\""), "{text}");
    assert!(!text.contains("wfc-schedule"), "{text}");
}

#[test]
fn a_time_a_clock_change_skips_or_repeats_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = export(
        std::path::Path::new("examples/nightly.wf"),
        &[],
        &dir.path().join("n.yml"),
    );
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let flat = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("E0730") && flat.contains("02:30 is skipped or repeated"),
        "{stderr}"
    );
}
