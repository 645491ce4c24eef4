//! `wfc new`: every template written, checked with `--deny warnings`,
//! formatted, and run with its defaults on nothing but `sh` (what each run
//! leaves behind is asserted); `--list`; overwrite refusal and `--force`;
//! unknown names; no prompt off a terminal; and an interactive session
//! driven through a real pseudo-terminal.

use crate::{case, WFC};
use std::time::Duration;
use wfc_testkit::Case;

/// `wfc new NAME NAME.wf`, then check, fmt --check and run it with its
/// defaults: every step succeeds.
#[track_caller]
fn made_and_run(name: &str) -> Case {
    let t = case();
    let file = format!("{name}.wf");
    t.wfc(["new", name, &file])
        .success()
        .stderr_has(format!("wrote {file} from the template {name}"))
        .output();
    assert!(t.read(&file).starts_with(&format!("# {file} — ")));
    t.wfc(["check", "--deny", "warnings", &file])
        .success()
        .stderr_has(format!("{file}: ok"))
        .output();
    t.wfc(["fmt", "--check", &file]).success().output();
    t.wfc(["run", &file, "--plain", "--output", "report.json"])
        .success()
        .output();
    let report = t.report();
    assert_eq!(report["status"], "succeeded", "{report:#}");
    for step in report["steps"].as_array().expect("steps") {
        assert_eq!(step["status"], "succeeded", "{step:#}");
    }
    t
}

#[test]
fn deploy_api_rolls_out_every_region() {
    let t = made_and_run("deploy-api");
    let out = "wfc-out/deploy-api";
    assert_eq!(
        t.read(&format!("{out}/deployed")).trim(),
        "api-0.1.0-staging"
    );
    for region in ["eu-west", "us-east"] {
        assert_eq!(
            t.read(&format!("{out}/regions/{region}.replicas")).trim(),
            "2"
        );
    }
}

#[test]
fn test_suite_tears_the_database_down() {
    let t = made_and_run("test-suite");
    let out = "wfc-out/test-suite";
    assert_eq!(t.read(&format!("{out}/db.stopped")).trim(), "stopped");
    assert!(!t.path(&format!("{out}/db.state")).exists());
    let summary = t.read(&format!("{out}/summary.txt"));
    assert!(summary.contains("shard 2/2: 10 passed"), "{summary}");
    assert!(summary.contains("unit: 42 passed"), "{summary}");
}

#[test]
fn data_pipeline_loads_every_partition() {
    let t = made_and_run("data-pipeline");
    let out = "wfc-out/data-pipeline/warehouse";
    let rows = t.read(&format!("{out}/orders-2024-01-01.csv"));
    assert_eq!(rows.lines().count(), 4, "{rows}");
    assert!(rows.contains("1,us,1050"), "{rows}");
    assert_eq!(t.read(&format!("{out}/_SUCCESS-2024-01-01")).trim(), "4");
    assert!(!t.path("wfc-out/data-pipeline/staging/2024-01-01").exists());
}

#[test]
fn ml_training_registers_the_best_model() {
    let t = made_and_run("ml-training");
    let out = "wfc-out/ml-training";
    assert_eq!(t.read(&format!("{out}/registered/ACCURACY")).trim(), "0.92");
    assert!(t
        .read(&format!("{out}/registered/metrics.json"))
        .contains("\"lr\": 0.01"));
}

#[test]
fn incident_response_writes_the_postmortem() {
    let t = made_and_run("incident-response");
    let out = "wfc-out/incident-response";
    assert_eq!(t.read(&format!("{out}/live-version")).trim(), "1.4.1");
    let pm = t.read(&format!("{out}/postmortem.md"));
    assert!(
        pm.contains("# Post-mortem: SEV2 api: elevated 5xx rate"),
        "{pm}"
    );
    assert!(pm.contains("Rollback to 1.4.1: succeeded"), "{pm}");
}

#[test]
fn security_alert_disables_and_rotates_the_key() {
    let t = made_and_run("security-alert");
    let case_dir = "wfc-out/security-alert/key-0001";
    assert_eq!(t.read(&format!("{case_dir}/key.state")).trim(), "disabled");
    assert!(t
        .read(&format!("{case_dir}/new-key.id"))
        .starts_with("key-0001-rotated-"));
    let report = t.read(&format!("{case_dir}/report.txt"));
    assert!(report.contains("Remediation: succeeded"), "{report}");
}

#[test]
fn maintenance_window_patches_one_node_at_a_time() {
    let t = made_and_run("maintenance-window");
    let out = "wfc-out/maintenance-window";
    let log = t.lines(&format!("{out}/window.log"));
    assert_eq!(
        log[1..],
        [
            "drained node-1",
            "rebooted node-1",
            "returned node-1",
            "drained node-2",
            "rebooted node-2",
            "returned node-2",
            "window closed: succeeded",
        ],
        "{log:?}"
    );
    for node in ["node-1", "node-2"] {
        assert_eq!(t.read(&format!("{out}/pool/{node}")).trim(), "in service");
    }
}

#[test]
fn config_update_applies_to_every_host() {
    let t = made_and_run("config-update");
    let out = "wfc-out/config-update";
    for host in ["app-1", "app-2"] {
        let conf = t.read(&format!("{out}/hosts/{host}.conf"));
        assert_eq!(conf, "listen = 8080\nmax_connections = 256\n");
        assert!(t.path(&format!("{out}/backup/{host}.conf")).exists());
    }
    assert!(!t.path(&format!("{out}/new.conf")).exists());
}

#[test]
fn list_shows_every_template_with_one_line() {
    let out = case().wfc(["new", "--list"]).success().output();
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let t = case().file("deploy-api.wf", "# mine\n");
    t.wfc(["new", "deploy-api"])
        .status(1)
        .stderr_has("deploy-api.wf exists; nothing written")
        .stderr_has("--force")
        .output();
    assert_eq!(t.read("deploy-api.wf"), "# mine\n");
    t.wfc(["new", "deploy-api", "--force"]).success().output();
    assert!(t.read("deploy-api.wf").contains("workflow deploy-api {"));
}

#[test]
fn an_unknown_template_suggests_a_near_name_and_lists_them() {
    let t = case();
    t.wfc(["new", "deploy-apy", "x.wf"])
        .status(2)
        .stderr_has("no template named `deploy-apy`; did you mean `deploy-api`?")
        .stderr_has("maintenance-window  Drain, patch")
        .output();
    assert!(!t.path("x.wf").exists());
    t.wfc(["new", "ci.wf"])
        .status(2)
        .stderr_has("the template comes first: `wfc new TEMPLATE ci.wf`")
        .output();
}

#[test]
fn without_a_terminal_it_never_asks() {
    let t = case();
    for args in [vec!["new"], vec!["new", "--yes"]] {
        t.wfc(args)
            .status(2)
            .stderr_has("name a template")
            .stderr_has("wfc new --list")
            .output();
    }
    assert_eq!(std::fs::read_dir(t.dir()).unwrap().count(), 0);
}

#[test]
fn a_file_name_and_its_directory_are_honoured() {
    let t = case();
    t.wfc(["new", "test-suite", "ci.wf"]).success().output();
    assert!(t.read("ci.wf").contains("workflow test-suite {"));
    t.wfc(["new", "test-suite", "missing/dir/ci.wf"])
        .status(2)
        .stderr_has("cannot write missing/dir/ci.wf")
        .output();
}

/// Keys as a terminal sends them.
const DOWN: &str = "\u{1b}[B";
const ENTER: &str = "\r";
const BACKSPACE: &str = "\u{7f}";

#[test]
fn on_a_terminal_it_asks_for_template_params_and_file() {
    use expectrl::process::unix::WaitStatus;
    use expectrl::{Eof, Expect, Session};
    // A Dockerfile: deploy-api fits the folder and comes first, saying why.
    let t = case().file("Dockerfile", "FROM scratch\n");
    let mut cmd = std::process::Command::new(WFC);
    cmd.arg("new").current_dir(t.dir()).env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    let mut step = |wait_for: &str, keys: &[&str]| {
        s.expect(wait_for)
            .unwrap_or_else(|e| panic!("waiting for {wait_for:?}: {e}"));
        for k in keys {
            s.send(k).expect("a key");
        }
    };
    // Template: the first, deploy-api: it fits, and says why.
    step("Template:", &[]);
    step("deploy-api         [fits: Dockerfile]", &[ENTER]);
    // env: `in ["staging", "prod"]`: a select, down once to "prod".
    step("env (string):", &[DOWN, ENTER]);
    // version: text, the default kept.
    step("version (string):", &[ENTER]);
    // replicas: an int in 1..20. An answer outside is refused, then 5.
    step("replicas (int):", &["25", ENTER]);
    step("in 1..20", &[BACKSPACE, BACKSPACE, "5", ENTER]);
    step("regions (list<string>):", &[ENTER]);
    // notify: a bool, a confirm; the default (no) kept.
    step("notify (bool)", &[ENTER]);
    step("out (string):", &[ENTER]);
    step("File:", &["my-deploy.wf", ENTER]);
    s.expect("wrote my-deploy.wf").expect("the file written");
    s.expect(Eof).expect("the end");
    let status = s.get_process().wait().expect("the exit status");
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");

    let text = t.read("my-deploy.wf");
    assert!(
        text.contains("param env: string in [\"staging\", \"prod\"] = \"prod\"\n"),
        "{text}"
    );
    assert!(
        text.contains("param replicas: int in 1..20 = 5\n"),
        "{text}"
    );
    // Everything else is the template as it is.
    let template = std::fs::read_to_string(wfc_testkit::repo().join("templates/deploy-api.wf"))
        .expect("the template");
    let expected = template
        .replace("= \"staging\"\n", "= \"prod\"\n")
        .replace("in 1..20 = 2\n", "in 1..20 = 5\n");
    assert_eq!(text, expected);
    t.wfc(["check", "--deny", "warnings", "my-deploy.wf"])
        .success()
        .output();
    t.wfc(["plan", "my-deploy.wf"])
        .success()
        .stdout_has("approve")
        .output();
}

#[test]
fn escape_on_a_terminal_cancels_and_writes_nothing() {
    use expectrl::process::unix::WaitStatus;
    use expectrl::{Eof, Expect, Session};
    let t = case();
    let mut cmd = std::process::Command::new(WFC);
    cmd.arg("new").current_dir(t.dir()).env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    s.expect("Template:").expect("the template list");
    // The first in an empty folder: blank, whose one param is `name`.
    s.send(ENTER).expect("a key");
    s.expect("name (string):").expect("the first param");
    s.send("\u{1b}").expect("escape");
    s.expect("cancelled; nothing written").expect("the message");
    s.expect(Eof).expect("the end");
    let status = s.get_process().wait().expect("the exit status");
    assert!(matches!(status, WaitStatus::Exited(_, 130)), "{status:?}");
    assert_eq!(std::fs::read_dir(t.dir()).unwrap().count(), 0);
}

#[test]
fn the_templates_that_fit_the_folder_are_marked_and_proposed() {
    let t = case()
        .file("Cargo.toml", "[package]\nname = \"x\"\n")
        .file(".github/workflows/ci.yml", "on: push\n");
    let out = t.wfc(["new", "--list"]).success().output();
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {}", out.stdout))
            .to_string()
    };
    assert!(
        line("test-suite").ends_with("[fits: Cargo.toml, .github/workflows]"),
        "{}",
        out.stdout
    );
    assert!(!line("ml-training").contains("fits"), "{}", out.stdout);
    // Off a terminal nothing is asked; the error proposes the best fit and
    // `wfc import` for the Actions workflows.
    t.wfc(["new"])
        .status(2)
        .stderr_has("For this folder: `wfc new test-suite` (it has Cargo.toml (a Rust crate)")
        .stderr_has("wfc import .github/workflows/FILE.yml")
        .output();
    // An empty folder: nothing is marked.
    let bare = case().wfc(["new", "--list"]).success().output();
    assert!(!bare.stdout.contains("fits"), "{}", bare.stdout);
}

#[test]
fn blank_is_a_template_that_runs() {
    let t = made_and_run("blank");
    t.wfc(["logs", "last", "hello"])
        .success()
        .stdout_has("hello world")
        .output();
}
