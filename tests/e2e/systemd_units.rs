//! `wfc serve --print-unit` and `wfc schedule install | list | remove`:
//! the units checked by `systemd-analyze verify`, each timer's calendar by
//! `systemd-analyze calendar` against the fire times `wfc plan` computes
//! with croner (crontab lines: `schedule_cron`).

use super::WFC;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `systemd-analyze ARGS` (user units get a runtime folder of their own);
/// `None` (skipped) when it is not installed.
fn analyze(args: &[&str], runtime: &Path) -> Option<Output> {
    match Command::new("systemd-analyze")
        .args(args)
        .env("TZ", "UTC")
        .env("XDG_RUNTIME_DIR", runtime)
        .output()
    {
        Ok(out) => Some(out),
        Err(_) => {
            wfc_testkit::skip("systemd-analyze (apt install systemd) is not installed");
            None
        }
    }
}

/// `systemd-analyze [--user] verify FILES` passes with nothing to say.
pub(super) fn verify(files: &[&Path], user: bool, runtime: &Path) -> Option<()> {
    let mut args = vec![];
    if user {
        args.push("--user");
    }
    args.push("verify");
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let out = analyze(&args, runtime)?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
    Some(())
}

pub(super) fn wfc(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(WFC)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn the_server_s_unit_is_hardened_and_verifies_for_the_system_and_a_user() {
    let tmp = tempfile::tempdir().unwrap();
    // A folder systemd reads specially: a space, a specifier, a variable.
    let dir = tmp.path().join("my 100% $HOME");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let args = [
        "serve",
        "--print-unit",
        "--state-dir",
        "st",
        "--grace",
        "60",
        "flows",
    ];
    let out = wfc(&dir, &args, &[]);
    assert!(out.status.success(), "{out:?}");
    let unit = String::from_utf8(out.stdout).unwrap();
    let exec = unit.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    let quoted = |p: &Path| {
        format!(
            "\"{}\"",
            p.display()
                .to_string()
                .replace('%', "%%")
                .replace('$', "$$")
        )
    };
    assert!(
        exec.starts_with(&format!("ExecStart={WFC} serve ")),
        "{exec}"
    );
    assert!(
        exec.ends_with(&format!(" -- {}", quoted(&dir.join("flows")))),
        "{exec}"
    );
    assert!(
        exec.contains(&format!("--state-dir {}", quoted(&dir.join("st")))),
        "{exec}"
    );
    for line in [
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "KillMode=mixed",
        "TimeoutStopSec=90",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "no {line}:\n{unit}");
    }
    let rw = format!("{}/st", dir.display()).replace('%', "%%");
    assert!(
        unit.contains(&format!("ReadWritePaths=\"{rw}\" ")),
        "{unit}"
    );
    let file = tmp.path().join("wfc-serve.service");
    std::fs::write(&file, &unit).unwrap();
    let Some(()) = verify(&[&file], false, &runtime) else {
        return;
    };
    let out = wfc(&dir, &["serve", "--print-unit", "--user", "flows"], &[]);
    let unit = String::from_utf8(out.stdout).unwrap();
    assert!(
        unit.contains("WantedBy=default.target") && !unit.contains("User="),
        "{unit}"
    );
    std::fs::write(&file, &unit).unwrap();
    verify(&[&file], true, &runtime);
}

/// A server on PostgreSQL: its unit names the database, never the
/// password (the service finds it as every wfc does: $PGPASSWORD,
/// ~/.pgpass), and keeps the pool's size.
#[test]
fn the_server_s_unit_names_its_database_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    let store = "postgres://ops:s3cret@db.internal:5433/runs?options=-csearch_path%3Dwfc";
    let args = [
        "serve",
        "--print-unit",
        "--store-connections",
        "12",
        "flows",
    ];
    let out = wfc(dir.path(), &args, &[("WFC_STORE", store)]);
    assert!(out.status.success(), "{out:?}");
    let unit = String::from_utf8(out.stdout).unwrap();
    assert!(!unit.contains("s3cret"), "{unit}");
    let exec = unit.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    // (systemd reads `%` as a specifier: written twice.)
    assert!(
        exec.contains(
            " --store \"postgres://ops@db.internal:5433/runs?options=-csearch_path%%3Dwfc\" "
        ),
        "{exec}"
    );
    assert!(exec.contains(" --store-connections 12 "), "{exec}");
}

const BACKUP: &str = r#"
workflow backup {
  on schedule "30 2 * * 1-5" {
    timezone "Europe/Berlin"
    catch up 1
  }
  on schedule "*/20 9-17 1,15 jan,may *"
  on schedule "15,45 * * * * SUN" { timezone "America/New_York" }
  on schedule "@daily" { timezone "Asia/Kolkata" }
  step save: shell { run "echo saved >> saved.txt" }
}
"#;

/// The times `systemd-analyze calendar` gives for `expr` after `base`.
fn systemd_times(expr: &str, base: &str, runtime: &Path) -> Option<Vec<DateTime<Utc>>> {
    let base = format!("--base-time={base}");
    let out = analyze(&["calendar", "--iterations=3", &base, expr], runtime)?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{expr}: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let times = text
        .lines()
        .filter_map(|l| {
            l.split_once("Next elapse: ")
                .or_else(|| l.split_once(": ").filter(|(k, _)| k.contains("Iter. #")))
        })
        .map(|(_, t)| {
            NaiveDateTime::parse_from_str(t.trim(), "%a %Y-%m-%d %H:%M:%S UTC")
                .unwrap_or_else(|e| panic!("{t}: {e}"))
                .and_utc()
        })
        .collect();
    Some(times)
}

#[test]
fn installed_timers_verify_and_elapse_when_croner_fires() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let runtime = dir.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::write(dir.join("backup.wf"), BACKUP).unwrap();
    let out = wfc(
        dir,
        &[
            "schedule",
            "install",
            "backup.wf",
            "--systemd",
            "--dir",
            "units",
        ],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("enable --now wfc-backup.timer wfc-backup-2.timer wfc-backup-3.timer wfc-backup-4.timer"), "{said}");
    let units = dir.join("units");
    let names = [
        "wfc-backup.service",
        "wfc-backup.timer",
        "wfc-backup-2.timer",
        "wfc-backup-3.timer",
        "wfc-backup-4.timer",
    ];
    let files: Vec<_> = names.iter().map(|n| units.join(n)).collect();
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let Some(()) = verify(&refs, false, &runtime) else {
        return;
    };
    let first = std::fs::read_to_string(&files[1]).unwrap();
    assert!(first.contains("\nPersistent=true\n"), "{first}");
    assert!(!std::fs::read_to_string(&files[2])
        .unwrap()
        .contains("Persistent"));
    // Each timer's calendar elapses when croner says the schedule fires.
    let now = "2026-05-01T09:00:00Z";
    let plan = wfc(
        dir,
        &["plan", "backup.wf", "--format", "json"],
        &[("WFC_NOW", now)],
    );
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    for (i, timer) in files[1..].iter().enumerate() {
        let text = std::fs::read_to_string(timer).unwrap();
        let calendar = text
            .lines()
            .find_map(|l| l.strip_prefix("OnCalendar="))
            .unwrap();
        let croner: Vec<DateTime<Utc>> = plan["triggers"][i]["next_fires"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                DateTime::parse_from_rfc3339(t.as_str().unwrap())
                    .unwrap()
                    .to_utc()
            })
            .collect();
        let systemd = systemd_times(calendar, "2026-05-01 09:00:00 UTC", &runtime).unwrap();
        assert_eq!(croner.len(), 3);
        assert_eq!(systemd, croner, "{calendar}");
    }
    // The service runs the workflow.
    let service = std::fs::read_to_string(&files[0]).unwrap();
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let words: Vec<&str> = exec.split(' ').collect();
    let run = Command::new(words[0])
        .args(&words[1..])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("saved.txt")).unwrap(),
        "saved\n"
    );
}

#[test]
fn list_and_remove_touch_only_the_units_install_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("backup.wf"), BACKUP).unwrap();
    let units = dir.join("units");
    std::fs::create_dir_all(&units).unwrap();
    let foreign = units.join("wfc-mine.timer");
    std::fs::write(&foreign, "[Timer]\nOnCalendar=daily\n").unwrap();
    let out = wfc(
        dir,
        &[
            "schedule",
            "install",
            "backup.wf",
            "--systemd",
            "--dir",
            "units",
        ],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    // `--crontab-file`: not this machine's crontab.
    let cron = ["--crontab-file", "crontab"];
    let out = wfc(
        dir,
        &[&["schedule", "list", "--dir", "units"][..], &cron].concat(),
        &[],
    );
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listed.lines().count(), 4, "{listed}");
    assert!(
        listed.contains("Mon..Fri *-*-* 02:30:00 Europe/Berlin") && !listed.contains("wfc-mine"),
        "{listed}"
    );
    let remove = ["schedule", "remove", "mine", "--dir", "units"];
    let out = wfc(dir, &[&remove[..], &cron].concat(), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(foreign.exists());
    let out = wfc(
        dir,
        &[
            "schedule",
            "remove",
            "wfc-backup",
            "--dir",
            "units",
            "--crontab-file",
            "crontab",
        ],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let left: Vec<_> = std::fs::read_dir(&units)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["wfc-mine.timer"]);
    // `--user`: the user's unit folder, under XDG_CONFIG_HOME.
    let config = dir.join("config");
    let env = [("XDG_CONFIG_HOME", config.to_str().unwrap())];
    let out = wfc(
        dir,
        &["schedule", "install", "backup.wf", "--systemd", "--user"],
        &env,
    );
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("systemctl --user daemon-reload"), "{said}");
    let user_units = config.join("systemd/user");
    let out = wfc(
        dir,
        &[&["schedule", "list", "--user"][..], &cron].concat(),
        &env,
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 4);
    let runtime = dir.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let files = [
        user_units.join("wfc-backup.service"),
        user_units.join("wfc-backup.timer"),
    ];
    verify(&[&files[0], &files[1]], true, &runtime);
}

#[tokio::test]
async fn the_server_s_unit_command_serves() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let args = [
        "serve",
        "--print-unit",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        "st",
        "flows",
    ];
    let out = wfc(dir, &args, &[]);
    let unit = String::from_utf8(out.stdout).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    // No word of it needs quoting here: systemd splits it at spaces.
    let words: Vec<&str> = exec.split(' ').collect();
    let mut child = Command::new(words[0])
        .args(&words[1..])
        .current_dir("/")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            let at = l.find("listening on http://")?;
            Some(
                l[at + "listening on ".len()..]
                    .split(' ')
                    .next()?
                    .to_owned(),
            )
        })
        .expect("the server did not start");
    // Its log read on to its end: a server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    // Its state folder is the absolute one the unit names, not `/st`.
    assert!(dir.join("st/serve.lock").exists());
    let _ = child.kill();
    let _ = child.wait();
}
