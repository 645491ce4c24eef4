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
    let (text, _) = super::export_github::import_back(&out);
    assert!(
        text.contains("on schedule \"30 8 * * 1-5\" {\n    timezone \"Europe/Berlin\"\n  }"),
        "{text}"
    );
    assert!(text.contains("on schedule \"0 12 * * *\""), "{text}");
    assert!(!text.contains("wfc-schedule"), "{text}");
}

/// What the check decides for the cron `schedule` fired at `slot` (epoch
/// seconds, UTC) and run 5 minutes later: the script's "now" and "today"
/// set to that moment.
fn check_at(script: &str, crons: &str, schedule: &str, slot: i64) -> bool {
    let day = chrono::DateTime::from_timestamp(slot, 0)
        .unwrap()
        .format("%Y-%m-%d");
    let script = script
        .replace(
            "\"today $hour:$minute\"",
            &format!("\"{day} $hour:$minute\""),
        )
        .replace("$(date -u +%s)", &(slot + 300).to_string());
    check(&script, crons, "schedule", schedule) == "go=true"
}

/// 02:30 in Europe/Berlin, which the clocks skip one night a year and
/// repeat another: `wfc run` fires at the gap's end (03:00) and once on the
/// repeated night. The exported crons and check go at exactly the slots
/// `wfc run` fires at — compared with croner's fire times (wfc's own) on
/// every night around each clock change of 2025–2044 and on ordinary ones.
#[test]
fn a_time_a_clock_change_skips_or_repeats_fires_as_wfc_run_fires() {
    use chrono::{Datelike, TimeZone};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.yml");
    let run = export(std::path::Path::new("examples/nightly.wf"), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: Json = serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let step = &doc["jobs"]["wfc-schedule"]["steps"][0];
    let (script, table) = (
        step["run"].as_str().unwrap(),
        step["env"]["WF_CRONS"].as_str().unwrap(),
    );
    let crons: Vec<String> = doc["on"]["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cron"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(crons, ["30 1 * * *", "0 1 * * *", "30 0 * * *"]);

    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let schedule = wfc_language::ir::Schedule {
        cron: "30 2 * * *".into(),
        timezone: berlin,
        overlap: Default::default(),
        catch_up: 0,
        when: None,
        from_env: Default::default(),
        span: Default::default(),
    };
    let start = chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let fires: std::collections::HashSet<i64> =
        wfc_language::ir::next_fires(&schedule, start, 7400)
            .iter()
            .map(|t| t.timestamp())
            .collect();
    // The nights around each clock change (the last Sundays of March and
    // October), and two ordinary ones, every year.
    let mut days = Vec::new();
    for year in 2025..2045 {
        for month in [3, 10] {
            let last = (25..=31)
                .rev()
                .map(|d| chrono::NaiveDate::from_ymd_opt(year, month, d).unwrap())
                .find(|d| d.weekday() == chrono::Weekday::Sun)
                .unwrap();
            days.extend([last.pred_opt().unwrap(), last, last.succ_opt().unwrap()]);
        }
        days.push(chrono::NaiveDate::from_ymd_opt(year, 1, 15).unwrap());
        days.push(chrono::NaiveDate::from_ymd_opt(year, 7, 15).unwrap());
    }
    let mut wrong = Vec::new();
    for day in days {
        let mut went = 0;
        for cron in &crons {
            let f: Vec<u32> = cron
                .split(' ')
                .take(2)
                .map(|x| x.parse().unwrap())
                .collect();
            let slot = chrono::Utc
                .from_utc_datetime(&day.and_hms_opt(f[1], f[0], 0).unwrap())
                .timestamp();
            let goes = check_at(script, table, cron, slot);
            went += usize::from(goes);
            if goes != fires.contains(&slot) {
                wrong.push(format!("{day} {cron}: the check says {goes}"));
            }
        }
        // Exactly once a night, as `wfc run`.
        if went != 1 {
            wrong.push(format!("{day}: {went} runs"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
