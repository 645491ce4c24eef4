//! Completions that know the domain, in real shells: the script `wfc
//! completions bash` prints is sourced in a real bash, whose completion
//! function is called as bash calls it (COMP_WORDS, COMP_CWORD); zsh is
//! driven through a pseudo-terminal, Tab and all. What they complete: `.wf`
//! files and templates, a file's workflows, `--param` names and their
//! allowed values, run ids, a run's steps and gates, recorded workflows.

use crate::{case, WFC};
use std::process::Command;
use std::time::Duration;
use wfc_testkit::Case;

const FLOWS: &str = r#"
## Ship it.
workflow ship {
  description "Build and ship"
  param env: string in ["staging", "prod"] = "staging"
  param region: string in ["eu:west", "us:east"] = "eu:west"
  param fast: bool = false
  ## How many copies.
  param replicas: int = 1
  step build: shell { run "true" }
  step ok: gate {
    check replicas > 0
    depends on build
  }
}

workflow other {
  step x: shell { run "true" }
}
"#;

/// A folder with the workflows, a second `.wf` file, a sub-folder and one
/// recorded run of `ship`.
fn folder() -> Case {
    let t = case()
        .file("flows.wf", FLOWS)
        .file(
            "fine.wf",
            "workflow fine {\n  step s: shell { run \"true\" }\n}\n",
        )
        .file("notes.txt", "not a workflow\n")
        .file(
            "sub/inner.wf",
            "workflow inner {\n  step s: shell { run \"true\" }\n}\n",
        );
    t.wfc(["run", "flows.wf", "--plain"]).success().output();
    t
}

/// What bash offers for `line` (the last word is being completed), with
/// the script `wfc completions bash` prints.
fn bash(t: &Case, line: &[&str]) -> Vec<String> {
    let script = t.wfc(["completions", "bash"]).success().output().stdout;
    t.write("wfc.bash", &script);
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        r#"source ./wfc.bash
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=()
_clap_complete_wfc wfc "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = words.join(" ")
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &driver])
        .current_dir(t.dir())
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_files_workflows_params_runs_steps_and_gates() {
    let t = folder();
    // FILE: `.wf` files and folders, never other files; and the templates.
    let files = bash(&t, &["wfc", "run", ""]);
    for want in ["flows.wf", "fine.wf", "sub/", "deploy-api", "blank"] {
        assert!(files.contains(&want.to_string()), "{want} in {files:?}");
    }
    assert!(!files.iter().any(|f| f.contains("notes")), "{files:?}");
    assert_eq!(bash(&t, &["wfc", "check", "sub/"]), ["sub/inner.wf"]);
    assert_eq!(bash(&t, &["wfc", "run", "fl"]), ["flows.wf"]);
    // WORKFLOW: the file's own.
    assert_eq!(bash(&t, &["wfc", "run", "flows.wf", ""]), ["ship", "other"]);
    // --param: the names, then the values a param allows.
    assert_eq!(
        bash(&t, &["wfc", "run", "flows.wf", "--param", ""]),
        ["env=", "region=", "fast=", "replicas="]
    );
    assert_eq!(
        bash(&t, &["wfc", "plan", "flows.wf", "-p", "env="]),
        ["env=staging", "env=prod"]
    );
    assert_eq!(
        bash(
            &t,
            &[
                "wfc",
                "run",
                "flows.wf",
                "-p",
                "env=staging",
                "--param",
                "fast="
            ]
        ),
        ["fast=true", "fast=false"]
    );
    // The other workflow of the file has no params.
    assert!(bash(&t, &["wfc", "run", "flows.wf", "other", "-p", ""]).is_empty());
    // --target / --from: the workflow's steps.
    assert_eq!(
        bash(&t, &["wfc", "run", "flows.wf", "--target", ""]),
        ["build", "ok"]
    );
    assert_eq!(
        bash(&t, &["wfc", "plan", "flows.wf", "--from", "b"]),
        ["build"]
    );
    assert_eq!(
        bash(&t, &["wfc", "run", "flows.wf", "other", "--target", ""]),
        ["x"]
    );
    // RUN: `last` and the recorded run's id.
    let id = {
        let s = t
            .wfc(["status", "last", "--format", "json"])
            .success()
            .output();
        let v: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    let runs = bash(&t, &["wfc", "status", ""]);
    assert_eq!(runs, ["last".to_string(), id.clone()]);
    assert_eq!(bash(&t, &["wfc", "logs", &id[..6]]), vec![id.clone()]);
    // STEP and GATE of the run on the line.
    assert_eq!(bash(&t, &["wfc", "logs", "last", ""]), ["build", "ok"]);
    assert_eq!(bash(&t, &["wfc", "approve", &id, ""]), ["ok"]);
    // Recorded workflows, and templates.
    assert_eq!(bash(&t, &["wfc", "stats", ""]), ["ship"]);
    assert_eq!(bash(&t, &["wfc", "new", "dep"]), ["deploy-api"]);
    // Another store, by --state-dir: nothing recorded there.
    assert!(bash(&t, &["wfc", "status", "--state-dir", "sub", ""]).is_empty());
}

/// An interactive `shell` (`args`) on a pseudo-terminal in `t`'s folder,
/// wfc on its `PATH`, once `setup` (sourcing the completions) said `ready`.
fn interactive(t: &Case, shell: &str, args: &[&str], setup: &str) -> expectrl::session::OsSession {
    use expectrl::{Expect, Session};
    let bin = std::path::Path::new(WFC).parent().unwrap();
    let mut cmd = Command::new(shell);
    cmd.args(args)
        .current_dir(t.dir())
        .env("TERM", "dumb")
        .env("PS1", "> ")
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        );
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    s.send_line(format!("{setup}; echo ready")).unwrap();
    s.expect("ready").expect("the shell set up");
    s
}

/// #69: in a real bash, Tab after `--param env=` offered nothing — bash
/// splits the word at `=` — while the test above handed the completion
/// function `env=` as one word.
#[test]
fn bash_completes_param_values_on_tab() {
    use expectrl::Expect;
    let t = folder();
    let script = t.wfc(["completions", "bash"]).success().output().stdout;
    t.write("wfc.bash", &script);
    let setup = "source ./wfc.bash; bind 'set show-all-if-ambiguous on'";
    let mut s = interactive(&t, "bash", &["--norc", "--noprofile", "-i"], setup);
    s.send("wfc plan flows.wf -p env=\t").unwrap();
    s.expect("staging").expect("the first allowed value");
    s.expect("prod").expect("the second");
    // Ctrl-U: a new line. One value left: completed in place, the name
    // kept; the line then echoed (Ctrl-A, `echo `) shows it whole.
    s.send("\u{15}").unwrap();
    s.send("wfc plan flows.wf -p env=st\t").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    s.send("\u{1}echo \n").unwrap();
    s.expect("wfc plan flows.wf -p env=staging")
        .expect("the value completed after `env=`");
    // A value with a `:`, where bash splits too.
    s.send("wfc plan flows.wf -p region=eu:\t").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    s.send("\u{1}echo \n").unwrap();
    s.expect("wfc plan flows.wf -p region=eu:west")
        .expect("the value completed after `eu:`");
}

#[test]
fn zsh_completes_param_values_on_tab() {
    use expectrl::Expect;
    if Command::new("zsh").arg("--version").output().is_err() {
        wfc_testkit::skip("zsh is not installed (scripts/install-test-deps installs it)");
        return;
    }
    let t = folder();
    let script = t.wfc(["completions", "zsh"]).success().output().stdout;
    t.write("_wfc.zsh", &script);
    let setup = "autoload -U compinit; compinit -u; source ./_wfc.zsh";
    let mut s = interactive(&t, "zsh", &["-f", "-i"], setup);
    s.send("wfc run flows.wf --param env=\t").unwrap();
    s.expect("env=staging").expect("the first allowed value");
    s.expect("env=prod").expect("the second");
    s.send("\u{15}").unwrap(); // Ctrl-U: a new line.
    s.send("wfc logs last b\t").unwrap();
    // One candidate: zsh completes it in place.
    s.expect("wfc logs last build").expect("the step completed");
}
