//! `wfc check --level strict|paranoid` and `wfc doctor` through the real
//! binary (docs/preflight.md).
//!
//! Each code's fixture is `tests/preflight/<CODE>-<what>.wf`; its header
//! says how to provoke it: `# wfc: ARGS` (`FILE` is the fixture), `# env:
//! KEY=VALUE` for wfc's environment, `# needs: shellcheck`. Each runs in a
//! temporary directory with a `PATH` of its own (`bin/`: stand-ins for
//! `sh`, `python3`, `node`, `git`, `make`, `grep`, `rm`, and the real ShellCheck when it
//! is installed), so what is found, and the "did you mean", is the same on
//! every machine. Unreachable services are closed ports (`127.0.0.1:1`)
//! and a socket that does not exist; the reachable ones are the suite's
//! own Podman, PostgreSQL and SMTP sink. Update the snapshots with
//! `INSTA_UPDATE=always cargo test --test e2e preflight`.

use crate::case;
use std::path::{Path, PathBuf};
use wfc_testkit as services;

const DIR: &str = "tests/preflight";

/// Stand-ins for the commands a fixture's `PATH` holds.
const STAND_INS: [&str; 7] = ["sh", "python3", "node", "git", "make", "grep", "rm"];

/// What resolvers say of a name they do not find, which differs by machine.
const RESOLVER_REASONS: [&str; 4] = [
    "Name or service not known",
    "Temporary failure in name resolution",
    "No address associated with hostname",
    "nodename nor servname provided, or not known",
];

/// The real ShellCheck, if it is installed.
fn shellcheck() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("shellcheck"))
        .find(|p| p.is_file())
}

/// Makes `dir/bin` with the stand-ins (and ShellCheck when `with_shellcheck`
/// and installed); returns it, for `PATH`.
fn path_dir(dir: &Path, with_shellcheck: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in STAND_INS {
        let p = bin.join(name);
        std::fs::write(&p, "#!/bin/false\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    if let Some(real) = shellcheck().filter(|_| with_shellcheck) {
        std::os::unix::fs::symlink(real, bin.join("shellcheck")).unwrap();
    }
    bin
}

fn header<'a>(text: &'a str, key: &str) -> impl Iterator<Item = &'a str> {
    let prefix = format!("# {key}:");
    text.lines()
        .filter_map(move |l| l.strip_prefix(prefix.as_str()).map(str::trim))
}

fn fixtures() -> Vec<(String, (String, String))> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, (file, std::fs::read_to_string(&p).unwrap()))
        })
        .collect()
}

#[test]
fn preflight_fixtures() {
    wfc_testkit::check_each(fixtures(), |name, (file, text)| {
        let code = name.split('-').next().unwrap();
        if header(&text, "needs").any(|n| n == "shellcheck") && shellcheck().is_none() {
            wfc_testkit::skip(&format!("{name}: shellcheck is not installed"));
            return;
        }
        let c = case().file(&file, &text);
        let bin = path_dir(c.dir(), true);
        let args = header(&text, "wfc").next().expect("a `# wfc: ARGS` line");
        let argv: Vec<&str> = args
            .split_whitespace()
            .map(|a| if a == "FILE" { file.as_str() } else { a })
            .collect();
        let mut run = c.wfc(&argv).env("PATH", &bin).env_remove("DOCKER_HOST");
        for kv in header(&text, "env") {
            let (k, v) = kv.split_once('=').unwrap();
            run = run.env(k, v);
        }
        let out = run.output();
        assert_eq!(out.code, 0, "warnings only, exit 0\n{out}");
        assert!(
            out.stderr.lines().any(|l| l.trim() == code),
            "no {code} on stderr\n{out}"
        );
        // Strict findings fail the check with `--deny warnings`.
        let mut denied = c.wfc(&argv).arg("--deny").arg("warnings");
        denied = denied.env("PATH", &bin).env_remove("DOCKER_HOST");
        for kv in header(&text, "env") {
            let (k, v) = kv.split_once('=').unwrap();
            denied = denied.env(k, v);
        }
        assert_eq!(denied.output().code, 1, "{name}: --deny warnings fails");
        let mut stderr = out.stderr.replace(&c.dir().display().to_string(), "[TMP]");
        if let Ok(real) = c.dir().canonicalize() {
            stderr = stderr.replace(&real.display().to_string(), "[TMP]");
        }
        for reason in RESOLVER_REASONS {
            stderr = stderr.replace(reason, "[RESOLVER]");
        }
        insta::assert_snapshot!(name, format!("$ wfc {args}\nexit 0\n\n{stderr}"));
    });
}

/// The default level is the file alone: nothing on this machine is looked
/// at, so a missing command passes.
#[test]
fn standard_level_looks_at_nothing_on_the_machine() {
    let text = "workflow w {\n  step s: shell {\n    run \"definitely-not-a-command\"\n    timeout 0s\n  }\n}\n";
    let c = case().file("w.wf", text);
    let bin = path_dir(c.dir(), false);
    for level in [None, Some("basic"), Some("standard")] {
        let mut argv = vec!["check", "w.wf"];
        argv.extend(level.map(|l| ["--level", l]).into_iter().flatten());
        c.wfc(&argv)
            .env("PATH", &bin)
            .success()
            .stderr_lacks("W0965")
            .stderr_lacks("W0962")
            .stderr_has("w.wf: ok")
            .output();
    }
}

/// Found commands, interpreters, builtins and functions are no findings;
/// the JSON output carries the findings like the checker's.
#[test]
fn found_commands_are_no_findings() {
    let text = r#"workflow w {
  param tool: string = "lint"
  step build: shell {
    run "f() { make all; }; CC=cc f && git status | grep -q x; cd /; export A=1; ${tool} x"
  }
  step py: python {
    script "print(1)"
  }
  step js: node {
    script "console.log(1)"
  }
  step bad: shell {
    run "nope-tool"
  }
}
"#;
    let c = case().file("w.wf", text);
    let bin = path_dir(c.dir(), false);
    let out = c
        .wfc(["check", "--level", "strict", "--format", "json", "w.wf"])
        .env("PATH", &bin)
        .success()
        .stderr_has("note: shellcheck is not installed")
        .output();
    let found: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        found,
        ["W0965 step `bad` runs `nope-tool`, which is not on PATH"],
        "{out}"
    );
    assert_eq!(out.stderr.matches("note: shellcheck").count(), 1, "{out}");
}

/// `wfc doctor` reaches the suite's real Podman, PostgreSQL and SMTP sink,
/// and a SQLite file that exists: each is listed as fine, none is a finding.
#[test]
fn doctor_reaches_real_services() {
    let engine = match services::docker_engine() {
        Ok(e) => e,
        Err(why) => return wfc_testkit::skip(&why),
    };
    let pg = match services::postgres() {
        Ok(p) => p,
        Err(why) => return wfc_testkit::skip(&why),
    };
    let sink = match services::SmtpSink::start(&[]) {
        Ok(s) => s,
        Err(why) => return wfc_testkit::skip(&why),
    };
    let text = format!(
        r#"workflow w {{
  step img: docker {{
    image "{image}"
    run "true"
  }}
  step pg: sql {{
    database "{pg}"
    query "select 1"
  }}
  step lite: sql {{
    database "sqlite:app.db"
    query "select 1"
  }}
  step mail: email {{
    to "ops@example.com"
    subject "s"
    body "b"
    smtp "smtp://127.0.0.1:{port}"
  }}
}}
"#,
        image = engine.image,
        pg = pg.url,
        port = sink.port
    );
    let c = case().file("w.wf", &text);
    c.write("app.db", "");
    let bin = path_dir(c.dir(), false);
    let out = c
        .wfc(["doctor", "w.wf"])
        .env("PATH", &bin)
        .env("DOCKER_HOST", &engine.host)
        .success()
        .stderr_has("✓ the Docker engine: ok")
        .stderr_has("✓ database sqlite:app.db: ok")
        .stderr_has("✓ SMTP server smtp://127.0.0.1:")
        .stderr_has("w.wf: ok")
        .stderr_lacks("✗")
        .output();
    assert!(out.stderr.contains("✓ database postgres"), "{out}");
    // Nothing was sent: doctor only asks.
    assert!(sink.messages().is_empty());
}

/// `wfc doctor` lists what it looked at, found or not, and fails on a
/// finding with `--deny warnings`; a file that needs nothing of the machine
/// says so.
#[test]
fn doctor_lists_what_it_looked_at() {
    let text = "workflow w {\n  step b: shell {\n    run \"make && nope-tool\"\n  }\n}\n";
    let c = case().file("w.wf", text).file(
        "gate.wf",
        "workflow g {\n  step wait: sleep {\n    duration 1s\n  }\n}\n",
    );
    let bin = path_dir(c.dir(), false);
    c.wfc(["doctor", "w.wf", "gate.wf"])
        .env("PATH", &bin)
        .success()
        .stderr_has("  ✓ `sh` (step `b`): ok\n")
        .stderr_has("  ✓ command `make` (step `b`): ok\n")
        .stderr_has("  ✗ command `nope-tool` (step `b`): see its warning above\n")
        .stderr_has("w.wf: 1 warning")
        .stderr_has("  nothing on this machine to check\ngate.wf: ok")
        .output();
    c.wfc(["doctor", "--deny", "warnings", "w.wf"])
        .env("PATH", &bin)
        .status(1)
        .stderr_has("W0965")
        .output();
}
