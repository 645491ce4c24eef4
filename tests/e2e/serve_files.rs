//! The files a real `wfc serve` serves: `POST /validate` reads only the
//! served files and says the same of every other path.

use super::serve::Server;
use serde_json::Value;
use std::path::Path;

const HELLO: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";

/// Writes `path` as editors do: a whole new file renamed over the old
/// one, so the server never reads half of it.
fn write(path: &Path, text: impl AsRef<[u8]>) {
    let folder = path.parent().unwrap();
    std::fs::create_dir_all(folder).unwrap();
    let tmp = folder.join(".saving");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_says_the_same_of_every_path_outside_the_served_files() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    write(&server.path("private.wf"), HELLO);
    write(&server.path("secret/deep.wf"), HELLO);
    let validate = |import: String| {
        let http = reqwest::Client::new();
        let url = server.url("/validate");
        let key = server.reader.clone();
        async move {
            let text = format!(
                "import \"{import}\" as m\nworkflow x {{\n  step a: shell {{ run \"true\" }}\n}}\n"
            );
            let r = http.post(url).bearer_auth(key).body(text).send().await;
            let v: Value = r.unwrap().json().await.unwrap();
            assert_eq!(v["valid"], false, "{v}");
            let d = &v["diagnostics"][0];
            assert_eq!(d["code"], "E0220", "{v}");
            // The answer without the path asked for (and so its length).
            let said = [
                &d["code"],
                &d["message"],
                &d["help"],
                &d["labels"][0]["message"],
            ];
            let normal = import.replace("flows/../", "");
            serde_json::to_string(&said)
                .unwrap()
                .replace(&import, "PATH")
                .replace(&normal, "PATH")
        }
    };
    let dir = server.dir.path().display().to_string();
    let mut answers = Vec::new();
    for import in [
        format!("{dir}/private.wf"),
        format!("{dir}/missing.wf"),
        format!("{dir}/secret/deep.wf"),
        format!("{dir}/nowhere/deep.wf"),
        "private.wf".to_owned(),
        "missing.wf".to_owned(),
        "flows/../private.wf".to_owned(),
        "/etc/passwd.wf".to_owned(),
        "/root/x.wf".to_owned(),
    ] {
        answers.push((import.clone(), validate(import).await));
    }
    for (import, answer) in &answers {
        assert_eq!(
            answer, &answers[0].1,
            "`{import}` is answered unlike `{}`",
            answers[0].0
        );
    }
    assert!(
        answers[0]
            .1
            .contains("not a workflow file this server serves"),
        "{}",
        answers[0].1
    );
    // A served file is imported as before.
    let r = reqwest::Client::new()
        .post(server.url("/validate"))
        .bearer_auth(&server.reader)
        .body("import \"flows/hello.wf\" as h\nworkflow x {\n  step a: call h.hello {}\n}\n")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");
}
