//! `wfc backfill`: one run per slot of a schedule in a past range, each
//! with its slot as `run.scheduled` and the trigger `backfill`, listed and
//! confirmed first; each slot runs once however often (or however many at
//! once) it is asked; the refusals E0990–E0993 from `tests/run`.

use wfc_testkit::Case;

fn fixture(name: &str) -> Case {
    let path = wfc_testkit::repo().join("tests/run").join(name);
    super::workflow(&std::fs::read_to_string(path).unwrap())
}

const NIGHTLY: &str = r#"
workflow nightly {
  on schedule "0 2 * * *" { timezone "Europe/Berlin" }
  step s: shell { run "echo ${run.scheduled} ${run.trigger} >> slots.txt" }
}
"#;

/// The runs a backfill started.
fn history(c: &Case) -> Vec<serde_json::Value> {
    let args = [
        "history",
        "--format",
        "json",
        "--limit",
        "100",
        "--trigger",
        "backfill",
    ];
    let h = c.wfc(args).output();
    h.json().as_array().unwrap().clone()
}

#[test]
fn a_range_runs_each_slot_once_with_its_time() {
    let c = super::workflow(NIGHTLY);
    let range = ["--from", "2026-11-01", "--to", "2026-11-10"];
    // Listed, nothing started.
    let r = c
        .wfc(["backfill", "w.wf"])
        .args(range)
        .arg("--dry-run")
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("10 slots from 2026-11-01T01:00:00Z to 2026-11-10T01:00:00Z"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2026-11-01T01:00:00Z (2026-11-01 02:00 CET)"),
        "{}",
        r.stdout
    );
    assert!(!c.path("slots.txt").exists());

    let r = c
        .wfc(["backfill", "w.wf"])
        .args(range)
        .arg("--yes")
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("10 succeeded, 0 skipped"), "{}", r.stdout);
    let lines = c.lines("slots.txt");
    assert_eq!(lines.len(), 10, "{lines:?}");
    assert_eq!(lines[0], "2026-11-01T01:00:00Z backfill");
    assert_eq!(lines[9], "2026-11-10T01:00:00Z backfill");
    let runs = history(&c);
    assert_eq!(runs.len(), 10, "{runs:?}");

    // Again, overlapping: only the new slots run.
    let r = c
        .wfc([
            "backfill",
            "w.wf",
            "--from",
            "2026-11-09",
            "--to",
            "2026-11-12",
            "--yes",
        ])
        .output();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("2 succeeded, 2 skipped (ran before)"),
        "{}",
        r.stdout
    );
    assert_eq!(c.lines("slots.txt").len(), 12);

    // Two at once over a new range: each slot once.
    let args = [
        "backfill",
        "w.wf",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-05",
        "--yes",
    ];
    let a = c.wfc(args).spawn();
    let b = c.wfc(args).spawn();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let mut lines = c.lines("slots.txt");
    assert_eq!(lines.len(), 17, "{lines:?}");
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), 17, "a slot ran twice");
    assert_eq!(history(&c).len(), 17);
}

#[test]
fn bad_ranges_and_unconfirmed_backfills_start_nothing() {
    let cases = [
        (
            "E0990-backfill-range-without-slots.wf",
            vec![
                "--from",
                "2026-11-01T03:00:00Z",
                "--to",
                "2026-11-01T04:00:00Z",
                "--yes",
            ],
            "E0990: schedule \"0 2 * * *\"",
        ),
        (
            "E0991-backfill-over-its-cap.wf",
            vec![
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--max",
                "20",
                "--yes",
            ],
            "has 30 slots from 2026-11-01T00:00:00Z to 2026-11-30T23:59:59Z, over the cap of 20",
        ),
        (
            "E0992-backfill-not-confirmed.wf",
            vec!["--from", "2026-11-01", "--to", "2026-11-03"],
            "E0992: a backfill of 3 slots starts up to 3 runs; pass --yes",
        ),
        (
            "E0993-backfill-without-schedule.wf",
            vec!["--from", "2026-11-01", "--to", "2026-11-03", "--yes"],
            "E0993: no workflow of w.wf has an `on schedule` to backfill",
        ),
    ];
    for (file, args, says) in cases {
        let c = fixture(file);
        let r = c.wfc(["backfill", "w.wf"]).args(&args).stdin("").output();
        assert_eq!(r.code, 2, "{file}: {}", r.all());
        assert!(r.stderr.contains(says), "{file}: {}", r.stderr);
        assert!(history(&c).is_empty(), "{file} started a run");
    }
    let c = fixture("E0990-backfill-range-without-slots.wf");
    let r = c
        .wfc([
            "backfill",
            "w.wf",
            "--from",
            "2026-11-05",
            "--to",
            "2026-11-01",
            "--yes",
        ])
        .output();
    assert!(r.stderr.contains("E0990: the range ends"), "{}", r.stderr);
    let r = c
        .wfc([
            "backfill",
            "w.wf",
            "--from",
            "last tuesday",
            "--to",
            "2026-11-01",
            "--yes",
        ])
        .output();
    assert!(
        r.stderr.contains("E0990: `last tuesday` is no time"),
        "{}",
        r.stderr
    );
}
