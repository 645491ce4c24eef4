//! The modules that talk to servers, run directly: `notify` (its fan-out
//! and one channel), `http-healthcheck` and `git-release` (with a bare
//! remote and a releases endpoint).

use super::{module, server};
use crate::case;
use wfc_testkit::{report_step, skip, SmtpSink};

#[test]
fn notify_fans_out_to_every_configured_channel() {
    let (base, seen) = server();
    let sink = match SmtpSink::start(&[]) {
        Ok(sink) => sink,
        Err(why) => return skip(&format!("the SMTP sink cannot run here: {why}")),
    };
    let c = case();
    let r = c
        .wfc([
            "run",
            &module("notify.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .args(["-p", "text=backup done", "-p", "level=warning"])
        .arg("-p")
        .arg(format!("webhook_url={base}/hook"))
        .args(["-p", r#"email_to=["ops@example.com"]"#])
        .arg("-p")
        .arg(format!("smtp_url=smtp://127.0.0.1:{}", sink.port))
        .env("SLACK_WEBHOOK_URL", format!("{base}/slack"))
        .output();
    assert_eq!(r.code, 0, "{r}");
    let slack = seen.at("/slack");
    assert_eq!(slack.len(), 1, "{r}");
    let j: serde_json::Value = serde_json::from_str(&slack[0].body).unwrap();
    assert_eq!(j["text"], "[WARNING] backup done");
    let hook = seen.at("/hook");
    let j: serde_json::Value = serde_json::from_str(&hook[0].body).unwrap();
    assert_eq!(
        j,
        serde_json::json!({ "level": "warning", "text": "backup done" })
    );
    let mail = sink.wait_messages(1);
    let (envelope, eml) = mail.first().expect("no mail arrived");
    assert!(eml.contains("Subject: [WARNING] backup done"), "{eml}");
    assert!(
        envelope.to_string().contains("ops@example.com"),
        "{envelope}"
    );
    let out = &c.report()["outputs"];
    assert_eq!(out["delivered"], 3, "{out}");
    assert_eq!(out["slack"], true);
    assert_eq!(out["email"], true);
    // The Slack URL is a secret: nothing wfc wrote shows it.
    assert!(
        !c.read("report.json").contains("/slack"),
        "{}",
        c.read("report.json")
    );
}

/// Unconfigured channels are skipped; a channel that fails is reported
/// (the fan-out goes on), while `notify.webhook` alone fails the run.
#[test]
fn notify_skips_unconfigured_channels_and_one_channel_fails_loudly() {
    let (base, seen) = server();
    let c = case();
    let r = c
        .wfc([
            "run",
            &module("notify.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .args(["-p", "text=hi", "-p", "retries=0"])
        .arg("-p")
        .arg(format!("webhook_url={base}/fail"))
        .env_remove("SLACK_WEBHOOK_URL")
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(seen.at("/fail").len(), 1);
    let report = c.report();
    assert_eq!(report["outputs"]["delivered"], 0, "{report}");
    assert_eq!(report["outputs"]["webhook"], false, "{report}");
    assert_eq!(report_step(&report, "hook")["status"], "failed");
    // Slack and email were not configured: their steps were pruned.
    assert_eq!(report["steps"].as_array().unwrap().len(), 1, "{report}");

    let r = c
        .wfc([
            "run",
            &module("notify.wf"),
            "webhook",
            "--plain",
            "--no-store",
            "--workdir",
            ".",
        ])
        .args(["-p", "text=hi", "-p", "retries=0"])
        .arg("-p")
        .arg(format!("webhook_url={base}/fail"))
        .output();
    assert_eq!(r.code, 1, "{r}");
    let r = c
        .wfc([
            "run",
            &module("notify.wf"),
            "webhook",
            "--plain",
            "--no-store",
            "--workdir",
            ".",
        ])
        .args(["-p", "text=hi"])
        .arg("-p")
        .arg(format!("webhook_url={base}/hook"))
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("status_code = 201"), "{r}");
}

#[test]
fn healthcheck_polls_until_the_expected_answer() {
    let (base, seen) = server();
    let c = case();
    let r = c
        .wfc([
            "run",
            &module("http-healthcheck.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .arg("-p")
        .arg(format!("url={base}/flaky"))
        .args([
            "-p",
            "body_contains=\"up\"",
            "-p",
            "interval=100ms",
            "-p",
            "deadline=5s",
        ])
        .output();
    assert_eq!(r.code, 0, "{r}");
    // Two 503s, then the 200 that holds "up".
    assert_eq!(seen.at("/flaky").len(), 3, "{r}");
    assert_eq!(c.report()["outputs"]["status_code"], 200);

    // Never healthy: it fails at its deadline, having polled more than once.
    let r = c
        .wfc([
            "run",
            &module("http-healthcheck.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
        ])
        .arg("-p")
        .arg(format!("url={base}/fail"))
        .args(["-p", "interval=100ms", "-p", "deadline=1s"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("never held"), "{r}");
    assert!(seen.at("/fail").len() > 2, "{r}");
}

/// A temporary repository with one commit and a bare remote `origin`.
fn repo_with_remote() -> wfc_testkit::Case {
    let c = case();
    let script = "git init -q --bare remote.git && git init -q work && cd work \
                  && git commit -q --allow-empty -m init \
                  && git remote add origin ../remote.git";
    let r = c.shell(script).envs(git_identity()).output();
    assert_eq!(r.code, 0, "{r}");
    c
}

fn git_identity() -> [(&'static str, &'static str); 4] {
    [
        ("GIT_AUTHOR_NAME", "Rel Ease"),
        ("GIT_AUTHOR_EMAIL", "rel@example.com"),
        ("GIT_COMMITTER_NAME", "Rel Ease"),
        ("GIT_COMMITTER_EMAIL", "rel@example.com"),
    ]
}

#[test]
fn git_release_tags_pushes_and_publishes() {
    let (base, seen) = server();
    let c = repo_with_remote();
    let token = "ghp-s3cret-release-token";
    let r = c
        .wfc([
            "run",
            &module("git-release.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .args([
            "-p",
            "version=1.2.0",
            "-p",
            "repo_dir=work",
            "-p",
            "notes=First cut",
        ])
        .arg("-p")
        .arg(format!("api_url={base}/releases"))
        .env("GITHUB_TOKEN", token)
        .envs(git_identity())
        .output();
    assert_eq!(r.code, 0, "{r}");
    // The bare remote has the annotated tag, with its message.
    let tags = c
        .shell("git --git-dir remote.git for-each-ref --format='%(refname:short) %(objecttype) %(contents:subject)' refs/tags")
        .output();
    assert_eq!(tags.stdout.trim(), "v1.2.0 tag First cut", "{tags}");
    let rel = seen.at("/releases");
    assert_eq!(rel.len(), 1);
    assert_eq!(rel[0].headers["authorization"], format!("Bearer {token}"));
    let j: serde_json::Value = serde_json::from_str(&rel[0].body).unwrap();
    assert_eq!(j["tag_name"], "v1.2.0");
    assert_eq!(j["body"], "First cut");
    assert_eq!(j["draft"], false);
    let out = &c.report()["outputs"];
    assert_eq!(out["tag"], "v1.2.0");
    assert_eq!(out["url"], "https://git.example.test/releases/v1.2.0");
    let head = c.shell("git -C work rev-parse HEAD").output();
    assert_eq!(out["commit"], head.stdout.trim());
    assert!(!c.read("report.json").contains(token));
    assert!(!r.stdout.contains(token) && !r.stderr.contains(token));
}

/// A push that fails deletes the tag it made (the compensation), and no
/// release is created.
#[test]
fn git_release_drops_its_tag_when_the_push_fails() {
    let (base, seen) = server();
    let c = repo_with_remote();
    c.shell("git -C work remote set-url origin ../nowhere.git")
        .output();
    let r = c
        .wfc([
            "run",
            &module("git-release.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
        ])
        .args(["-p", "version=2.0.0", "-p", "repo_dir=work"])
        .arg("-p")
        .arg(format!("api_url={base}/releases"))
        .envs(git_identity())
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("drop_tag"), "{r}");
    let tags = c.shell("git -C work tag").output();
    assert_eq!(tags.stdout.trim(), "", "the local tag is gone: {tags}");
    assert!(seen.at("/releases").is_empty());
}

/// A release that cannot be published leaves no tag behind: the pushed one
/// is deleted from the remote (its compensation), then the local one.
#[test]
fn git_release_drops_both_tags_when_publishing_fails() {
    let (base, seen) = server();
    let c = repo_with_remote();
    let r = c
        .wfc([
            "run",
            &module("git-release.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
        ])
        .args(["-p", "version=3.0.0", "-p", "repo_dir=work"])
        .arg("-p")
        .arg(format!("api_url={base}/fail"))
        .envs(git_identity())
        .output();
    assert_eq!(r.code, 1, "{r}");
    assert!(!seen.at("/fail").is_empty(), "{r}");
    assert!(r.stdout.contains("drop_remote_tag"), "{r}");
    let remote = c.shell("git --git-dir remote.git tag").output();
    assert_eq!(remote.stdout.trim(), "", "the remote tag is gone: {remote}");
    let local = c.shell("git -C work tag").output();
    assert_eq!(local.stdout.trim(), "", "the local tag is gone: {local}");
}
