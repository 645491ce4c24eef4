//! The driver run by real shells: the first success wins and the losers
//! are stopped with their children; when all fail, the last one's code and
//! name are reported; values and names stay data.

use super::*;
use std::path::Path;
use std::process::Command;

struct Ran {
    code: i32,
    out: String,
    temp: tempfile::TempDir,
}

impl Ran {
    /// Asserts the driver's log holds `text`.
    fn says(&self, text: &str) {
        assert!(self.out.contains(text), "{text:?} not in:\n{}", self.out);
    }
}

/// A member to run: its name, script and environment.
type Spec<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Runs the driver of `members` with `shell`, `PATH` as given.
fn run(shell: &str, path: Option<&str>, members: &[Spec]) -> Ran {
    let temp = tempfile::tempdir().unwrap();
    let list: Vec<Member> = members
        .iter()
        .map(|(_, script, env)| Member {
            command: "sh -e",
            script,
            env: env.iter().map(|(k, _)| k.to_string()).collect(),
            dir: None,
        })
        .collect();
    let text = driver(&list).unwrap();
    let mut cmd = Command::new(shell);
    cmd.arg("-c").arg(&text).env("RUNNER_TEMP", temp.path());
    cmd.env(BLOCK_VAR, "probes");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    for (i, (name, _, env)) in members.iter().enumerate() {
        cmd.env(name_var(i), name);
        for (k, v) in env.iter() {
            cmd.env(env_name(i, k), v);
        }
    }
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        temp,
    }
}

/// Whether process `pid` is gone (or a zombie), waiting up to 5 s for it.
fn gone(pid: &str) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return true
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
    false
}

/// A PATH of the tools the driver uses, without `setsid` (as on macOS).
fn path_without_setsid(dir: &Path) -> String {
    for tool in ["sh", "cat", "mkdir", "rm", "mkfifo", "sleep", "cp", "touch"] {
        let found = which(tool).unwrap_or_else(|| panic!("{tool} is on PATH"));
        std::os::unix::fs::symlink(found, dir.join(tool)).unwrap();
    }
    dir.display().to_string()
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .find(|p| p.exists())
}

const HOSTILE: &str = "$(touch pwned) `id` '\"; exit 9";

fn first_success_wins(shell: &str, path: Option<&str>) {
    let marks = tempfile::tempdir().unwrap();
    let loser = format!(
        "echo started\nsleep 30 &\necho $! > '{0}/child'\necho $$ > '{0}/pid'\nwait\ntouch '{0}/finished'",
        marks.path().display()
    );
    // The winner ends once the loser has started its child (its pid
    // written last): the loser is then surely running when stopped.
    let fast = format!(
        "while [ ! -s '{}/pid' ]; do sleep 0.05; done\nprintf 'greeting: %s\\n' \"$GREETING\"",
        marks.path().display()
    );
    let ran = run(
        shell,
        path,
        &[
            ("slow[$(id)]", &loser, &[]),
            ("fast", &fast, &[("GREETING", HOSTILE)]),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.out);
    ran.says(&format!("[fast] greeting: {HOSTILE}"));
    ran.says("[slow[$(id)]] started");
    ran.says("wfc: `fast` succeeded first");
    ran.says("wfc: `slow[$(id)]` cancelled");
    for f in ["pid", "child"] {
        let pid = std::fs::read_to_string(marks.path().join(f)).unwrap();
        assert!(gone(pid.trim()), "{f} {pid} still runs: {}", ran.out);
    }
    assert!(
        !marks.path().join("finished").exists(),
        "the loser ran to its end"
    );
    assert!(!Path::new("pwned").exists());
}

#[test]
fn first_success_wins_under_bash_and_dash() {
    first_success_wins("bash", None);
    first_success_wins("dash", None);
}

#[test]
fn first_success_wins_by_job_control_without_setsid() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_without_setsid(dir.path());
    let bash = which("bash").unwrap();
    first_success_wins(bash.to_str().unwrap(), Some(&path));
}

#[test]
fn every_member_failing_reports_the_last() {
    let ran = run(
        "dash",
        None,
        &[
            ("late", "sleep 0.3\necho late-fail >&2\nexit 3", &[]),
            ("early", "echo early-fail >&2\nexit 4", &[]),
        ],
    );
    assert_eq!(ran.code, 3, "{}", ran.out);
    ran.says("wfc: `early` failed (exit 4)");
    ran.says("wfc: every member of `probes` failed");
    let read = |f: &str| std::fs::read_to_string(ran.temp.path().join(f)).unwrap();
    assert_eq!(read("wfc-name"), "late");
    assert_eq!(read("wfc-status").trim(), "3");
    assert_eq!(read("wfc-stderr"), "late-fail\n");
    assert_eq!(read("wfc-block"), "probes");
}

#[test]
fn a_script_holding_the_delimiter_and_a_quoted_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("it's here");
    std::fs::create_dir(&folder).unwrap();
    let script = "cat <<'X'\nWFC_SCRIPT\nX\npwd";
    let text = driver(&[Member {
        command: "sh -e",
        script,
        env: vec![],
        dir: Some(folder.to_str().unwrap()),
    }])
    .unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(&text)
        .env("RUNNER_TEMP", dir.path())
        .env(name_var(0), "only")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("[only] WFC_SCRIPT\n"), "{text}");
    assert!(
        text.contains(&format!("[only] {}\n", folder.display())),
        "{text}"
    );
}

#[test]
fn an_env_name_that_is_no_shell_name_is_refused() {
    let m = Member {
        command: "sh -e",
        script: "true",
        env: vec!["A-B".into()],
        dir: None,
    };
    assert!(driver(&[m]).unwrap_err().contains("`A-B`"));
}

/// A driver stopped from outside (a cancelled job, a timeout) stops its
/// members and their children with it.
#[test]
fn stopping_the_driver_stops_every_member() {
    for shell in ["bash", "dash"] {
        let marks = tempfile::tempdir().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let script = format!(
            "sleep 30 &\necho $! > '{0}/child'\nwait\ntouch '{0}/finished'",
            marks.path().display()
        );
        let text = driver(&[Member {
            command: "sh -e",
            script: &script,
            env: vec![],
            dir: None,
        }])
        .unwrap();
        let mut child = Command::new(shell)
            .arg("-c")
            .arg(&text)
            .env("RUNNER_TEMP", temp.path())
            .env(name_var(0), "only")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mark = marks.path().join("child");
        for _ in 0..100 {
            if std::fs::read_to_string(&mark).is_ok_and(|p| !p.trim().is_empty()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let pid = std::fs::read_to_string(&mark).expect("the member started");
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(143), "{shell}");
        assert!(gone(pid.trim()), "{shell}: the member's child still runs");
        assert!(!marks.path().join("finished").exists(), "{shell}");
    }
}
