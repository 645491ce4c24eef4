//! The files `wfc schedule install` writes, lists and removes: per
//! workflow `wfc-NAME.service` (a oneshot `wfc run` of it) and a timer per
//! `on schedule` (`wfc-NAME.timer`, then `wfc-NAME-2.timer`…), each
//! marked by its first line so `list` and `remove` touch only ours.
//! Nothing here calls `systemctl`: the next command is printed for the
//! person to run.

use super::super::say;
use super::super::serve::unit::{exec_start, quote, In};
use super::job::Job;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use wfc_language::ir::Schedule;

/// The first line of every file written here.
const MARK: &str = "# Written by `wfc schedule install`";

/// Writes the service and the timers (`calendars[i]` is `schedules[i]`'s
/// `OnCalendar=`) into `dir`; says what to run next.
pub fn write(
    dir: &Path,
    job: &Job,
    schedules: &[Schedule],
    calendars: &[String],
    user: bool,
) -> Result<(), String> {
    let name = job.name();
    let [program, args @ ..] = job.argv();
    let exec = exec_start(program, &args)?;
    let mut service = format!(
        "{MARK}: runs `{}` of {} at its `on schedule` slots.\n",
        job.workflow, job.file
    );
    let _ = write!(
        service,
        "[Unit]\nDescription={}\n\n[Service]\nType=oneshot\nExecStart={exec}\nWorkingDirectory={}\n",
        quote(&format!("wfc: workflow {} ({})", job.workflow, job.file), In::Text)?,
        quote(&job.workdir, In::Path)?,
    );
    let mut files = vec![(format!("{name}.service"), service)];
    for (i, (s, calendar)) in schedules.iter().zip(calendars).enumerate() {
        let timer = if i == 0 {
            name.clone()
        } else {
            format!("{name}-{}", i + 1)
        };
        let mut text = format!(
            "{MARK}: `on schedule \"{}\"` of `{}`.\n",
            s.cron.replace('\n', " "),
            job.workflow
        );
        let _ = write!(
            text,
            "[Unit]\nDescription=wfc: schedule of workflow {}\n\n[Timer]\nOnCalendar={calendar}\nUnit={name}.service\n",
            job.workflow
        );
        if s.catch_up > 0 {
            text.push_str("Persistent=true\n");
        }
        text.push_str("\n[Install]\nWantedBy=timers.target\n");
        files.push((format!("{timer}.timer"), text));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("error: cannot make {}: {e}", dir.display()))?;
    for (file, text) in &files {
        let path = dir.join(file);
        std::fs::write(&path, text)
            .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        say::err(&format!("wrote {}", path.display()));
    }
    let ctl = if user {
        "systemctl --user"
    } else {
        "systemctl"
    };
    let timers: Vec<&str> = files[1..].iter().map(|(f, _)| f.as_str()).collect();
    say::err(&format!(
        "next: {ctl} daemon-reload && {ctl} enable --now {}",
        timers.join(" ")
    ));
    Ok(())
}

/// Prints each timer of ours in `dir`: its unit, its calendar, its service.
pub fn list(dir: &Path) -> Result<(), String> {
    for (path, text) in ours(dir)? {
        if path.extension().is_some_and(|e| e == "timer") {
            let field = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .unwrap_or("")
                    .to_owned()
            };
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            say::out(&format!(
                "{name:<32}  {:<40}  {}",
                field("OnCalendar="),
                field("Unit=")
            ));
        }
    }
    Ok(())
}

/// Removes `wfc-NAME.service` and its timers (ours only) from `dir`;
/// how many there were.
pub fn remove(dir: &Path, unit: &str, user: bool) -> Result<usize, String> {
    let service = format!("{unit}.service");
    let mine = |p: &Path| {
        let f = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let timer = f
            .strip_prefix(unit)
            .and_then(|rest| rest.strip_suffix(".timer"))
            .is_some_and(|n| {
                n.is_empty()
                    || n.strip_prefix('-')
                        .is_some_and(|d| d.parse::<u32>().is_ok())
            });
        f == service || timer
    };
    let found: Vec<PathBuf> = ours(dir)?
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| mine(p))
        .collect();
    if found.is_empty() {
        return Ok(0);
    }
    let ctl = if user {
        "systemctl --user"
    } else {
        "systemctl"
    };
    say::err(&format!(
        "stop them first if enabled: {ctl} disable --now {unit}.timer"
    ));
    for p in &found {
        std::fs::remove_file(p)
            .map_err(|e| format!("error: cannot remove {}: {e}", p.display()))?;
        say::err(&format!("removed {}", p.display()));
    }
    Ok(found.len())
}

/// The files in `dir` that `wfc schedule install` wrote, by name.
fn ours(dir: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("error: cannot read {}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("wfc-") || !(name.ends_with(".service") || name.ends_with(".timer")) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            if text.starts_with(MARK) {
                out.push((path, text));
            }
        }
    }
    out.sort();
    Ok(out)
}
