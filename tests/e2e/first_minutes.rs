//! A newcomer's first commands: `wfc run` on a terminal asks for the
//! required params it was not given (typed and checked, a secret without
//! echo) and shows the file's warnings; without a terminal nothing is
//! asked; `wfc new TEMPLATE -` writes to stdout; names typed wrong get a
//! did-you-mean.

use super::{case, WFC};
use std::time::Duration;

const ENTER: &str = "\r";
const DOWN: &str = "\u{1b}[B";

/// Two required params (a choice and a secret) and a warning (`$version`
/// for `${version}`, W0301).
const ASKS: &str = r#"
workflow ask {
  param env: string in ["staging", "prod"]
  secret token: string
  param version: string = "1.0"
  step show: shell {
    run "echo deploying $version to ${env} >> said.txt; test -n \"$TOKEN\" && echo token-set >> said.txt"
    env { TOKEN = token }
  }
}
"#;

#[test]
fn run_on_a_terminal_asks_for_missing_params_and_shows_warnings() {
    use expectrl::process::unix::WaitStatus;
    use expectrl::{Eof, Expect, Session};
    let t = case().file("ask.wf", ASKS);
    let mut cmd = std::process::Command::new(WFC);
    cmd.args(["run", "ask.wf"])
        .current_dir(t.dir())
        .env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    s.expect("W0301")
        .expect("the warning, before the questions");
    s.expect("2 required params are not given")
        .expect("the note");
    s.expect("env (string):").expect("the choice");
    s.send(DOWN).unwrap();
    s.send(ENTER).unwrap();
    s.expect("token (string):").expect("the secret");
    s.send("hunter2").unwrap();
    s.send(ENTER).unwrap();
    s.expect(Eof).expect("the end");
    let status = s.get_process().wait().expect("the exit status");
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let said = t.read("said.txt");
    assert_eq!(said, "deploying to prod\ntoken-set\n");
    // The secret was never echoed nor recorded.
    t.wfc(["status", "last", "--format", "json"])
        .success()
        .stdout_lacks("hunter2")
        .output();
}

#[test]
fn without_a_terminal_a_missing_param_is_an_error_and_nothing_runs() {
    let t = case().file("ask.wf", ASKS);
    t.wfc(["run", "ask.wf"])
        .status(2)
        .stderr_has("E0402")
        .output();
    assert!(!t.dir().join("said.txt").exists());
}

#[test]
fn new_writes_a_template_to_stdout_with_a_dash() {
    let t = case();
    t.wfc(["new", "deploy-api", "-"])
        .success()
        .stdout_has("workflow deploy-api {")
        .output();
    assert!(!t.dir().join("-").exists(), "a file named `-` was written");
}

#[test]
fn names_typed_wrong_get_a_did_you_mean() {
    let t = case().file(
        "demo.wf",
        "workflow demo {\n  step build: shell { run \"echo hi\" }\n}\n",
    );
    t.wfc(["run", "demo.wf", "--plain"]).success().output();
    t.wfc(["stats", "dmeo"])
        .success()
        .stdout_has("did you mean `demo`?")
        .output();
    t.wfc(["history", "dmeo"])
        .success()
        .stdout_has("did you mean `demo`?")
        .output();
    t.wfc(["logs", "last", "biuld"])
        .status(2)
        .stderr_has("Did you mean `build`?")
        .output();
}

#[test]
fn run_takes_a_built_in_template_by_name_and_says_so() {
    let t = case();
    t.wfc(["run", "blank", "-p", "name=newcomer", "--plain"])
        .success()
        .stderr_has("no file `blank` here: this is the built-in template blank")
        .output();
    t.wfc(["logs", "last", "hello"])
        .success()
        .stdout_has("hello newcomer")
        .output();
    // It is recorded as any run is.
    let status = t
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output();
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(v["workflow"], "blank", "{v:#}");
    assert_eq!(v["file"], "<template blank>", "{v:#}");
    // `wfc resume` finds the template again (and refuses only because
    // the run succeeded, not because no file is there).
    t.wfc(["resume", "last"])
        .stderr_has("succeeded; there is nothing to resume")
        .stderr_lacks("is not there")
        .output();
    // A name typed wrong gets the template it may mean.
    t.wfc(["run", "deploy-ap"])
        .status(2)
        .stderr_has("did you mean the built-in template `deploy-api`?")
        .output();
    // A file of that name wins over the template.
    let own = case().file(
        "blank",
        "workflow mine {\n  step s: shell { run \"echo mine\" }\n}\n",
    );
    own.wfc(["run", "blank", "--plain"])
        .success()
        .stderr_lacks("built-in template")
        .output();
    own.wfc(["logs", "last", "s"])
        .success()
        .stdout_has("mine")
        .output();
}
