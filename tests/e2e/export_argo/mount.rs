//! A docker step's `mount` of a folder relative to the workflow's file,
//! exported to Argo with `--repo` (and `--revision`): the template's init
//! container clones the repository into a volume the step's container
//! mounts at the folder's `subPath`. The clone's script runs here with the
//! real `git` against a local repository, in the volume's place, and the
//! folder the `subPath` names holds what `wfc run` would mount: the
//! workflow's folder at that revision. The URL and revision stay data
//! (env), a mount outside the repository is refused, and hostile flags too.

use super::scripts::template;
use super::validate;
use crate::case;
use crate::export_github_change::git;
use std::process::Command;

const WF: &str = r#"workflow build {
  step build: docker {
    image "rust:1.83"
    run "ls"
    mount "." at "/src"
    workdir "/src"
  }
}
"#;

#[test]
fn a_relative_mount_is_the_repository_folder_at_the_revision() {
    let c = case();
    // The repository: the workflow in `flows/`, a file changed after the
    // revision the export names.
    let work = c.path("work");
    std::fs::create_dir_all(work.join("flows/src")).unwrap();
    std::fs::write(work.join("flows/w.wf"), WF).unwrap();
    std::fs::write(work.join("flows/src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(work.join("top.txt"), "outside\n").unwrap();
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "first"]);
    let first = git(&work, &["rev-parse", "HEAD"]);
    std::fs::write(work.join("flows/src/main.rs"), "fn main() { later() }\n").unwrap();
    git(&work, &["commit", "-qam", "second"]);
    let url = format!("file://{}", work.display());

    let file = work.join("flows/w.wf");
    let args = |extra: &[&str]| {
        let mut a = vec!["export", "argo", file.to_str().unwrap()];
        a.extend(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    // Without --repo: refused, the help naming it.
    c.wfc(args(&[]))
        .status(3)
        .stderr_has("E0721")
        .stderr_has("pass --repo URL")
        .output();
    let yaml = c
        .wfc(args(&["--repo", &url, "--revision", &first]))
        .success()
        .output()
        .stdout;
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let t = template(&yaml, "build");
    let mounts = &t["container"]["volumeMounts"];
    assert_eq!(mounts[0]["mountPath"], "/src");
    assert_eq!(mounts[0]["subPath"], "repo/flows");
    assert_eq!(t["volumes"][0]["emptyDir"], serde_json::json!({}));
    let init = &t["initContainers"][0];
    assert_eq!(init["image"], "alpine/git:2.45.2");
    // The URL and the revision are env values, not the script's text.
    let script = init["command"][2].as_str().unwrap();
    assert!(
        !script.contains(&url) && !script.contains(&first),
        "{script}"
    );
    let env = |name: &str| {
        init["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].as_str().unwrap().to_string())
    };
    assert_eq!(env("WF_REPO").as_deref(), Some(url.as_str()));
    assert_eq!(env("WF_REVISION").as_deref(), Some(first.as_str()));

    // The clone, run as the init container runs it, in the volume's place.
    let volume = c.path("volume");
    std::fs::create_dir(&volume).unwrap();
    let ran = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&volume)
        .env("WF_REPO", &url)
        .env("WF_REVISION", &first)
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    let mounted = volume.join(mounts[0]["subPath"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(mounted.join("src/main.rs")).unwrap(),
        "fn main() {}\n",
        "the revision's file"
    );
    assert_eq!(std::fs::read_to_string(mounted.join("w.wf")).unwrap(), WF);
    assert!(!mounted.join("top.txt").exists());

    // Without --revision: the default branch's last commit.
    let yaml = c.wfc(args(&["--repo", &url])).success().output().stdout;
    let init = &template(&yaml, "build")["initContainers"][0];
    assert_eq!(init["env"].as_array().unwrap().len(), 1, "{init}");
    let latest = c.path("latest");
    std::fs::create_dir(&latest).unwrap();
    let ran = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&latest)
        .env("WF_REPO", &url)
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    assert!(
        std::fs::read_to_string(latest.join("repo/flows/src/main.rs"))
            .unwrap()
            .contains("later")
    );
}

/// `mount` may repeat: one clone, each folder its own `subPath`.
#[test]
fn every_mount_is_a_folder_of_one_clone() {
    let c = case();
    std::fs::create_dir_all(c.path("flows")).unwrap();
    git(&c.path(""), &["init", "-q"]);
    c.write(
        "flows/w.wf",
        &WF.replace(
            "mount \".\" at \"/src\"",
            "mount \".\" at \"/src\"\n    mount \"../data\" at \"/data\"",
        ),
    );
    let file = c.path("flows/w.wf");
    let yaml = c
        .wfc([
            "export",
            "argo",
            file.to_str().unwrap(),
            "--repo",
            "https://example.com/r.git",
        ])
        .success()
        .output()
        .stdout;
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let t = template(&yaml, "build");
    assert_eq!(t["initContainers"].as_array().unwrap().len(), 1);
    assert_eq!(t["volumes"].as_array().unwrap().len(), 1);
    assert_eq!(
        t["container"]["volumeMounts"],
        serde_json::json!([
            { "name": "wf-repo", "mountPath": "/src", "subPath": "repo/flows" },
            { "name": "wf-repo", "mountPath": "/data", "subPath": "repo/data" },
        ])
    );
}

#[test]
fn what_the_repository_cannot_give_is_refused() {
    let c = case();
    std::fs::create_dir_all(c.path("flows")).unwrap();
    git(&c.path(""), &["init", "-q"]);
    c.write(
        "flows/w.wf",
        &WF.replace("mount \".\" at", "mount \"../..\" at"),
    );
    let file = c.path("flows/w.wf");
    let file = file.to_str().unwrap();
    c.wfc([
        "export",
        "argo",
        file,
        "--repo",
        "https://example.com/r.git",
    ])
    .status(3)
    .stderr_has("E0721")
    .stderr_has("outside the repository")
    .output();
    c.write("w.wf", WF);
    for (flag, value) in [
        ("--repo", "--upload-pack=touch pwned"),
        ("--repo", "https://example.com/{{workflow.name}}.git"),
        ("--revision", "main\nx"),
    ] {
        let mut args = vec!["export", "argo", "w.wf"];
        if flag == "--revision" {
            args.extend(["--repo", "https://example.com/r.git"]);
        }
        let arg = format!("{flag}={value}");
        args.push(&arg);
        c.wfc(&args).status(2).stderr_has(flag).output();
    }
    // `--revision` alone names nothing to clone.
    c.wfc(["export", "argo", "w.wf", "--revision", "v1"])
        .status(2)
        .output();
}
