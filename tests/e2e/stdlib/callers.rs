//! Workflows that import std modules and call them. They check clean now;
//! running them waits for the plan to inline calls (issue 33 item 4), so
//! those tests are ignored until it lands.

use super::server;
use crate::case;
use wfc_testkit::{skip, Case};

/// Waits for a service, tags a release, and tells a webhook about it — each
/// a std module, each reading the one before's outputs.
const RELEASE: &str = r#"
import "std/http-healthcheck.wf"
import "std/git-release.wf" as rel
import "std/notify.wf"

workflow release {
  param base: string
  param version: string = "3.1.0"

  step healthy: call http-healthcheck {
    url "${base}/flaky"
    interval 100ms
    deadline 5s
  }
  step tag: call rel {
    version version
    repo_dir "work"
    api_url "${base}/releases"
    depends on healthy
  }
  step tell: call notify.webhook {
    text "released ${tag.outputs.tag} at ${tag.outputs.url} (health ${healthy.outputs.status_code})"
    webhook_url "${base}/hook"
    retries 0
  }
  outputs {
    url: string = tag.outputs.url
  }
}
"#;

/// Migrates, then fails later in the caller: the module's rollback joins
/// the caller's saga and undoes the migration.
const MIGRATE: &str = r#"
import "std/db-migrate.wf"

workflow upgrade {
  step schema: call db-migrate {
    migrate "sqlite3 db.sqlite 'create table users(id int);' && echo users"
    rollback "sqlite3 db.sqlite 'drop table users;' && echo rolled-back >> journal"
  }
  step deploy: shell {
    run "echo deploying ${schema.outputs.applied} >> journal; false"
  }
}
"#;

fn caller(text: &str) -> Case {
    let c = case().workflow(text);
    let script = "git init -q --bare remote.git && git init -q work && cd work \
                  && git -c user.name=R -c user.email=r@example.com commit -q --allow-empty -m init \
                  && git remote add origin ../remote.git";
    let r = c.shell(script).output();
    assert_eq!(r.code, 0, "{r}");
    c
}

#[test]
fn the_std_callers_check_clean() {
    for text in [RELEASE, MIGRATE] {
        let c = case().workflow(text);
        let r = c.wfc(["check", "--deny", "warnings", "w.wf"]).output();
        assert_eq!(r.code, 0, "{r}");
    }
}

#[test]
fn a_caller_chains_std_modules_through_their_outputs() {
    let (base, seen) = server();
    let c = caller(RELEASE);
    let r = c
        .wfc_run(&["-p", &format!("base={base}"), "-o", "report.json"])
        .envs([
            ("GIT_COMMITTER_NAME", "R"),
            ("GIT_COMMITTER_EMAIL", "r@example.com"),
        ])
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(seen.at("/flaky").len(), 3, "{r}");
    let tags = c.shell("git --git-dir remote.git tag").output();
    assert_eq!(tags.stdout.trim(), "v3.1.0");
    let hook = seen.at("/hook");
    assert_eq!(hook.len(), 1, "{r}");
    let j: serde_json::Value = serde_json::from_str(&hook[0].body).unwrap();
    assert_eq!(
        j["text"],
        "released v3.1.0 at https://git.example.test/releases/v3.1.0 (health 200)"
    );
    assert_eq!(
        c.report()["outputs"]["url"],
        "https://git.example.test/releases/v3.1.0"
    );
}

#[test]
fn a_failure_after_a_std_migration_rolls_it_back() {
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_err()
    {
        return skip("no sqlite3");
    }
    let c = case().workflow(MIGRATE);
    let r = c.run(&[]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("journal"), ["deploying users", "rolled-back"]);
    let tables = c.shell("sqlite3 db.sqlite .tables").output();
    assert_eq!(tables.stdout.trim(), "", "{tables}");
}
