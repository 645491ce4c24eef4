//! `email` steps on both exports: curl's SMTP client, a fixed script, every
//! value from its env (GitHub: `env:`, secrets as `${{ secrets.NAME }}`;
//! Argo: the pinned curl image, secrets as `secretKeyRef`). Pinned,
//! linted / validated, and run for real against the SMTP sink with
//! hostile values — shell, SQL, GitHub expressions, a lone `.` line (the
//! end of SMTP's data), quotes in the password — that arrive as data.

use super::notify::{busybox_path, template, which};
use super::{export, validate};
use crate::export_github::{export as export_github, lint};
use crate::export_github_runtime::steps;
use crate::workflow;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::process::Command;
use wfc_testkit::SmtpSink;

const MAIL: &str = r#"workflow mail {
  param note: string
  param lead: string = "Lead <lead@example.com>"
  secret smtp_url: string = env("SMTP_URL")
  secret smtp_password: string = env("SMTP_PASSWORD")
  step tell: email {
    to ["ops@example.com", lead]
    from "Runbook <runbook@example.com>"
    subject "[wfc] ${note}"
    body "Note:\n${note}\n.\nRCPT TO:<evil@example.com>\n"
    smtp smtp_url
    username "runbook"
    password smtp_password
  }
}
"#;

/// A line of hostile text (a subject holds no line break).
const HOSTILE: &str = "'; DROP TABLE x; -- $(touch pwned) `id` \"q\" \\ ü 🎉";
const PASSWORD: &str = "p\"a\\ss $(id)";

/// The message the sink got: envelope, subject and body (parsed by
/// Python's `email`, so encodings are read as a mail client reads them).
fn received(sink: &SmtpSink, n: usize) -> (Json, String, String) {
    let msgs = sink.wait_messages(n + 1);
    assert_eq!(msgs.len(), n + 1, "{msgs:?}");
    let (envelope, eml) = msgs[n].clone();
    let parse = "import email, email.policy, json, sys\nm = email.message_from_string(sys.stdin.read(), policy=email.policy.default)\nprint(json.dumps([str(m['subject']), m.get_content()]))";
    let mut child = Command::new("python3")
        .args(["-c", parse])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(eml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let got: (String, String) = serde_json::from_slice(&out.stdout).unwrap();
    (envelope, got.0, got.1)
}

/// The `n`th message the sink got is the one sent, `note` and all.
fn check(sink: &SmtpSink, n: usize, note: &str) {
    let (envelope, subject, body) = received(sink, n);
    assert_eq!(envelope["mail_from"], "runbook@example.com");
    assert_eq!(
        envelope["rcpt_tos"],
        serde_json::json!(["ops@example.com", "lead@example.com"])
    );
    assert_eq!(subject, format!("[wfc] {note}"));
    assert_eq!(
        body,
        format!("Note:\n{note}\n.\nRCPT TO:<evil@example.com>\n")
    );
}

fn sink() -> Option<SmtpSink> {
    if which("curl").is_none() {
        wfc_testkit::skip("curl is not installed");
        return None;
    }
    match SmtpSink::start(&["--auth", &format!("runbook:{PASSWORD}")]) {
        Ok(s) => Some(s),
        Err(why) => {
            wfc_testkit::skip(&format!("the SMTP sink cannot run here: {why}"));
            None
        }
    }
}

#[test]
fn email_exports_to_github_as_curl_smtp_with_values_in_env() {
    let c = workflow(MAIL);
    let out = c.path("mail.yml");
    let run = export_github(&c.path("w.wf"), &["note=x"], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("export_github_email", yaml.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    assert!(!yaml.contains("runbook:"), "{yaml}");
    let Some(sink) = sink() else { return };
    // The values GitHub would put in `env:`, a GitHub expression among them.
    let note = format!("{HOSTILE} ${{{{ github.token }}}}");
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let step = steps(&yaml, "tell")[0].clone();
    let mut cmd = Command::new("sh");
    cmd.args(["-e", "-c", step["run"].as_str().unwrap()])
        .current_dir(c.dir())
        .env("RUNNER_TEMP", c.dir());
    for (k, v) in step["env"].as_object().unwrap() {
        let v = v
            .as_str()
            .unwrap()
            .replace("${{ secrets.SMTP_URL }}", &url)
            .replace("${{ secrets.SMTP_PASSWORD }}", PASSWORD)
            .replace("${{ inputs.note }}", &note)
            .replace("${{ inputs.lead }}", "Lead <lead@example.com>");
        assert!(
            !v.contains("${{ secrets") && !v.contains("${{ inputs"),
            "{k}"
        );
        cmd.env(k, v);
    }
    let got = cmd.output().unwrap();
    assert!(got.status.success(), "{got:?}");
    check(&sink, 0, &note);
    assert!(!c.path("pwned").exists());
}

#[test]
fn email_exports_to_argo_as_the_curl_image_with_secret_key_refs() {
    // The user in the URL, as std/notify.wf gives it.
    let c = workflow(&MAIL.replace("    username \"runbook\"\n", ""));
    let yaml = export(
        &c,
        &[
            "w.wf",
            "--image",
            "alpine:3.20",
            "-p",
            &format!("note={HOSTILE}"),
        ],
    );
    insta::assert_snapshot!("export_argo_email", yaml);
    assert!(yaml.contains("image: curlimages/curl:8.11.1"), "{yaml}");
    assert!(yaml.contains("key: smtp_password"), "{yaml}");
    c.write("mail.yaml", &yaml);
    validate(&c, &["mail.yaml"]);
    let Some(sink) = sink() else { return };
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let t = template(&doc, "tell");
    let secrets = BTreeMap::from([
        (
            "smtp_url",
            format!("smtp://runbook@127.0.0.1:{}", sink.port),
        ),
        ("smtp_password", PASSWORD.to_owned()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut shells = vec![None];
    shells.extend(busybox_path(dir.path()).map(Some));
    for (n, path) in shells.iter().enumerate() {
        let script = t["container"]["command"][2]
            .as_str()
            .unwrap()
            .replace("/tmp/", &format!("{}/", dir.path().display()));
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]).current_dir(dir.path());
        if let Some(p) = path {
            cmd.env("PATH", p);
        }
        for var in t["container"]["env"].as_array().unwrap() {
            let name = var["name"].as_str().unwrap();
            match var["value"].as_str() {
                Some(v) => cmd.env(name, v),
                None => {
                    let key = var["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap();
                    cmd.env(name, &secrets[key])
                }
            };
        }
        let got = cmd.output().unwrap();
        assert!(got.status.success(), "{path:?}: {got:?}");
        check(&sink, n, HOSTILE);
    }
    assert!(!dir.path().join("pwned").exists());
}

/// A `to` from a `list` input on GitHub: its JSON text in `env:`, read by
/// `jq` on the runner; an item with a line break (a header smuggled in)
/// fails the step before anything is sent.
#[test]
fn email_to_a_list_input_reads_its_json_on_the_runner() {
    let text = MAIL
        .replace(
            "param lead: string = \"Lead <lead@example.com>\"",
            "param team: list<string> = [\"ops@example.com\"]",
        )
        .replace("to [\"ops@example.com\", lead]", "to team");
    let c = workflow(&text);
    let out = c.path("mail.yml");
    let run = export_github(&c.path("w.wf"), &["note=x"], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    lint(std::slice::from_ref(&out));
    let step = steps(&yaml, "tell")[0].clone();
    assert_eq!(step["env"]["WF_TO_LIST"], "${{ inputs.team }}");
    if which("jq").is_none() {
        return wfc_testkit::skip("jq is not installed");
    }
    let Some(sink) = sink() else { return };
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let send = |team: &str| {
        let mut cmd = Command::new("sh");
        cmd.args(["-e", "-c", step["run"].as_str().unwrap()])
            .current_dir(c.dir())
            .env("RUNNER_TEMP", c.dir());
        for (k, v) in step["env"].as_object().unwrap() {
            let v = v
                .as_str()
                .unwrap()
                .replace("${{ secrets.SMTP_URL }}", &url)
                .replace("${{ secrets.SMTP_PASSWORD }}", PASSWORD)
                .replace("${{ inputs.note }}", HOSTILE)
                .replace("${{ inputs.team }}", team);
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let got = send(r#"["ops@example.com", "Lead <lead@example.com>"]"#);
    assert!(got.status.success(), "{got:?}");
    check(&sink, 0, HOSTILE);
    for bad in [
        r#"["ops@example.com\nBcc: evil@example.com"]"#,
        r#"["ops@example.com\u0000evil@example.com"]"#,
        r#""ops@example.com""#,
        "[]",
    ] {
        let got = send(bad);
        assert!(!got.status.success(), "{bad}: {got:?}");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1);
}
