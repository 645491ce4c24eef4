//! `wfc schedule install --cron`, `list`, `remove` and `due`: the block of
//! lines kept in a crontab (a file given with `--crontab-file`, and a
//! throwaway user's real crontab through `crontab`), its line run as cron
//! runs it, and the guard that keeps the slots in the schedule's zone
//! whatever zone cron runs in (Debian's cron ignores `CRON_TZ=`).

use super::WFC;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// 02:30 in Paris: in the spring gap on 2026-03-29, twice on 2026-10-25.
const NIGHTLY: &str = "workflow nightly {\n  on schedule \"30 2 * * *\" { timezone \"Europe/Paris\" }\n  step save: shell { run \"echo saved >> saved.txt\" }\n}\n";

/// Lines of someone else's, which no command of ours may change.
const THEIRS: &str = "MAILTO=\"\"\n# theirs\n0 1 * * * /usr/bin/true 50\\%\n";

fn wfc(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(WFC)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// What cron hands `sh -c` of a line's command: `\%` read as `%`, any
/// other `\` kept, and an unescaped `%` ending the command (Debian's
/// cron, do_command.c).
fn as_cron_runs(command: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in command.chars() {
        if escaped {
            if c != '%' {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '%' {
            break;
        } else {
            out.push(c);
        }
    }
    out
}

/// The commands of the block's lines (every minute, every one).
fn our_commands(crontab: &str) -> Vec<&str> {
    let block = &crontab[crontab.find("# BEGIN wfc schedule wfc-nightly").unwrap()..];
    block
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            l.strip_prefix("* * * * * ")
                .unwrap_or_else(|| panic!("{l}"))
        })
        .collect()
}

#[test]
fn a_crontab_line_runs_the_workflow_only_at_its_slots_in_its_zone() {
    let tmp = tempfile::tempdir().unwrap();
    // `%` ends a crontab command, and cron keeps the `\` of `\\%`.
    let dir = tmp.path().join("it's a\\%b $x");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nightly.wf"), NIGHTLY).unwrap();
    let crontab = tmp.path().join("crontab");
    std::fs::write(&crontab, THEIRS).unwrap();
    let ct = crontab.to_str().unwrap();
    let args = [
        "schedule",
        "install",
        "nightly.wf",
        "--cron",
        "--crontab-file",
        ct,
    ];
    let out = wfc(&dir, &args, &[]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("installed 1 line for `nightly` in {ct}")),
        "{said}"
    );
    let text = std::fs::read_to_string(&crontab).unwrap();
    assert!(
        text.starts_with(THEIRS) && !text.contains("CRON_TZ"),
        "{text}"
    );
    let commands = our_commands(&text);
    assert_eq!(commands.len(), 1, "{text}");
    // Each instant as cron would run the line then, in a system zone of its own.
    let cases = [
        ("2026-03-29T00:30:00Z", false), // 01:30 CET
        ("2026-03-29T01:00:00Z", true),  // 03:00 CEST: 02:30 fell in the gap
        ("2026-03-29T01:30:00Z", false), // 03:30 CEST
        ("2026-07-15T00:30:20Z", true),  // 02:30 CEST, cron a little late
        ("2026-10-25T00:30:00Z", true),  // 02:30 CEST, the first pass
        ("2026-10-25T01:30:00Z", false), // 02:30 CET, the second pass
        ("2026-10-25T02:30:00Z", false), // 03:30 CET
    ];
    let mut runs = 0;
    for (at, due) in cases {
        let run = Command::new("sh")
            .args(["-c", &as_cron_runs(commands[0])])
            .env("WFC_NOW", at)
            .env("TZ", "America/New_York")
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(run.status.success(), due, "{at}: {run:?}");
        if !due {
            assert_eq!(run.status.code(), Some(1), "{at}: {run:?}");
            assert!(
                run.stdout.is_empty() && run.stderr.is_empty(),
                "cron mails any output: {run:?}"
            );
        }
        runs += usize::from(due);
        let saved = std::fs::read_to_string(dir.join("saved.txt")).unwrap_or_default();
        assert_eq!(saved.lines().count(), runs, "{at}");
    }
}

#[test]
fn install_list_and_remove_keep_every_other_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("nightly.wf"), NIGHTLY).unwrap();
    std::fs::write(dir.join("crontab"), THEIRS).unwrap();
    let file = ["--crontab-file", "crontab"];
    let install = [&["schedule", "install", "nightly.wf", "--cron"][..], &file].concat();
    assert!(wfc(dir, &install, &[]).status.success());
    let first = std::fs::read_to_string(dir.join("crontab")).unwrap();
    // Again: the block is replaced, not added.
    let out = wfc(dir, &install, &[]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("replaced its lines"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("crontab")).unwrap(), first);
    // `--print` prints the block and installs nothing.
    let out = wfc(
        dir,
        &["schedule", "install", "nightly.wf", "--cron", "--print"],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(first.ends_with(&printed), "{printed}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing installed"));
    let list = [&["schedule", "list", "--dir", "units"][..], &file].concat();
    let out = wfc(dir, &list, &[]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(listed.starts_with("wfc-nightly (cron)"), "{listed}");
    assert!(
        listed.contains("\"30 2 * * *\" in Europe/Paris"),
        "{listed}"
    );
    let remove = [
        &["schedule", "remove", "nightly", "--dir", "units"][..],
        &file,
    ]
    .concat();
    let out = wfc(dir, &remove, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("crontab")).unwrap(),
        THEIRS
    );
    let out = wfc(dir, &remove, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8(wfc(dir, &list, &[]).stdout)
        .unwrap()
        .is_empty());
}

#[test]
fn the_guard_is_due_at_the_slots_of_paris_days_and_says_nothing() {
    let dir = Path::new("/");
    let due = |cron: &str, at: &str| {
        let args = [
            "schedule",
            "due",
            "--cron",
            cron,
            "--zone",
            "Europe/Paris",
            "--at",
            at,
        ];
        let out = wfc(dir, &args, &[]);
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
        out.status.code().unwrap()
    };
    for (cron, at, code) in [
        ("0 9 * * *", "2026-01-15T08:00:00Z", 0),
        ("0 9 * * *", "2026-01-15T09:00:00Z", 1),
        ("0 9 * * *", "2026-07-15T07:00:00Z", 0),
        ("0 9 * * *", "2026-07-15T09:00:00+02:00", 0),
        ("30 2 * * *", "2026-03-29T01:00:00Z", 0),
        ("30 2 * * *", "2026-03-29T00:30:00Z", 1),
        ("30 2 * * *", "2026-10-25T00:30:00Z", 0),
        ("30 2 * * *", "2026-10-25T01:30:00Z", 1),
        ("*/30 2 * * *", "2026-10-25T01:30:00Z", 0),
    ] {
        assert_eq!(due(cron, at), code, "{cron} at {at}");
    }
    for (args, why) in [
        (&["--cron", "0 9 * *", "--zone", "UTC"][..], "--cron"),
        (
            &["--cron", "0 9 * * *", "--zone", "Europe/Pariss"],
            "--zone",
        ),
        (&["--cron", "0 9 * * *", "--at", "tomorrow"], "--at"),
    ] {
        let out = wfc(dir, &[&["schedule", "due"][..], args].concat(), &[]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{out:?}"
        );
    }
}

/// A user made for the test and removed after it, crontab and all.
struct ThrowawayUser(String);

impl Drop for ThrowawayUser {
    fn drop(&mut self) {
        let _ = Command::new("crontab").args(["-u", &self.0, "-r"]).output();
        let _ = Command::new("userdel").args(["--remove", &self.0]).output();
    }
}

/// `id ARGS`: a user's or this process's uid or gid.
fn id(args: &[&str]) -> u32 {
    let out = Command::new("id").args(args).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn crontab_of(user: &str) -> String {
    let out = Command::new("crontab")
        .args(["-u", user, "-l"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn install_edits_a_user_s_real_crontab_through_crontab() {
    if Command::new("crontab").arg("-V").output().is_err() {
        return wfc_testkit::skip("crontab (apt install cron) is not installed");
    }
    if id(&["-u"]) != 0 {
        return wfc_testkit::skip("making a throwaway user for its crontab needs root");
    }
    let name = format!("wfc-cron-{}", std::process::id());
    let made = Command::new("useradd")
        .args(["--create-home", "--shell", "/bin/sh", &name])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let user = ThrowawayUser(name.clone());
    let (uid, gid) = (id(&["-u", &name]), id(&["-g", &name]));
    let home = format!("/home/{name}");
    let mut seed = Command::new("crontab")
        .args(["-u", &name, "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut seed.stdin.take().unwrap(), THEIRS.as_bytes()).unwrap();
    assert!(seed.wait().unwrap().success());
    let dir = Path::new(&home).join("flows");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nightly.wf"), NIGHTLY).unwrap();
    for p in [&dir, &dir.join("nightly.wf")] {
        std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    }
    // wfc as the user, as the user would run it.
    let as_user = |args: &[&str]| {
        Command::new(WFC)
            .args(args)
            .current_dir(&dir)
            .uid(uid)
            .gid(gid)
            .env("HOME", &home)
            .env("USER", &name)
            .env("LOGNAME", &name)
            .output()
            .unwrap()
    };
    let out = as_user(&["schedule", "install", "nightly.wf", "--cron"]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("in the crontab of {name}")),
        "{said}"
    );
    let installed = crontab_of(&name);
    assert!(installed.starts_with(THEIRS), "{installed}");
    assert_eq!(our_commands(&installed).len(), 1, "{installed}");
    assert!(!installed.contains("CRON_TZ"), "{installed}");
    // Again: the same crontab, whatever `crontab` adds or hides.
    assert!(as_user(&["schedule", "install", "nightly.wf", "--cron"])
        .status
        .success());
    assert_eq!(crontab_of(&name), installed);
    let listed = String::from_utf8(as_user(&["schedule", "list"]).stdout).unwrap();
    assert!(listed.contains("wfc-nightly (cron)"), "{listed}");
    let out = as_user(&["schedule", "remove", "nightly"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(crontab_of(&name), THEIRS);
    drop(user);
}

/// #69's probe: `--print` with stdout and stderr closed pipes (`2>&1 |
/// head -0`) panicked (exit 101) on EPIPE; what cannot be written is
/// dropped, as for every other command.
#[test]
fn printing_into_closed_pipes_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.wf"), NIGHTLY).unwrap();
    let mut child = Command::new(WFC)
        .args(["schedule", "install", "n.wf", "--cron", "--print"])
        .current_dir(dir.path())
        .env("WFC_STATE_DIR", dir.path().join(".wfc"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both readers gone before it writes a byte.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}
