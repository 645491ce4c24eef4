//! `mount SRC at DST` of a docker step. `wfc run` mounts the folder SRC
//! relative to the workflow's file; a pod sees no folder of the machine
//! that submits it. With `--repo URL` (and `--revision REV`), the
//! repository the workflow is in: an init container clones it into an
//! `emptyDir` volume, and the step's container mounts the volume's
//! `repo/HOME/SRC` (HOME the workflow's folder in the repository) at DST,
//! as GitHub's export mounts the checked-out folder. The URL and the
//! revision reach the clone as environment variables, never script text.
//! Without `--repo`, refused (E0721); `--approximate` writes a `hostPath`
//! (absolute SRC: the node's folder) or an empty `emptyDir`, a warning.

use super::diag;
use super::runtime::RunTime;
use super::text;
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, StepField, Workflow};
use wfc_plan::PlannedStep;

/// The repository a relative `mount` comes from (`--repo`, `--revision`).
#[derive(Clone, Debug)]
pub struct Repo {
    /// What `git clone` takes: a URL, or `host:path`.
    pub url: String,
    /// A commit, tag or branch; None: the default branch's.
    pub revision: Option<String>,
    /// The workflow's folder in the repository (`.` at its root).
    pub home: String,
}

/// The image of the init container cloning the repository.
pub const GIT_IMAGE: &str = "alpine/git:2.45.2";

/// The volume the repository is cloned into, and where the clone sees it.
const VOLUME: &str = "wf-repo";
const CLONE_AT: &str = "/wf-repo";

/// The init container's script, run in the volume (`workingDir`): the
/// repository at the revision in `repo/`.
pub const CLONE: &str = r#"set -e
git clone -q --no-checkout -- "$WF_REPO" repo
cd repo
git -c advice.detachedHead=false checkout -q --detach "${WF_REVISION:-HEAD}"
"#;

/// The volumes and the container's `volumeMounts` of every `mount` of
/// step `s` (a `mount` may repeat), with the init container the
/// repository's volume needs in `rt.init_containers`.
pub fn mounts(
    wf: &Workflow,
    s: &PlannedStep,
    rt: &mut RunTime,
    repo: Option<&Repo>,
) -> Result<(Vec<Json>, Vec<Json>), Vec<Diagnostic>> {
    let (mut volumes, mut mounts, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    let fields = s.fields.iter().filter(|f| f.name == "mount");
    for (i, m) in fields.enumerate() {
        match mount(wf, s, m, rt, repo) {
            Ok(Some(Mounted::Repository(sub, target))) => {
                if !volumes.iter().any(|v: &Json| v["name"] == VOLUME) {
                    volumes.push(json!({ "name": VOLUME, "emptyDir": {} }));
                    rt.init_containers.push(clone(repo.expect("a repository")));
                }
                mounts.push(json!({ "name": VOLUME, "mountPath": target, "subPath": sub }));
            }
            Ok(Some(Mounted::Volume(mut volume, target))) => {
                // (`wf-mount`, then `wf-mount-2`, …)
                let name = match i {
                    0 => "wf-mount".to_string(),
                    _ => format!("wf-mount-{}", i + 1),
                };
                volume["name"] = json!(name);
                volumes.push(volume);
                mounts.push(json!({ "name": name, "mountPath": target }));
            }
            Ok(None) => {}
            Err(d) => errors.push(d),
        }
    }
    match errors.is_empty() {
        true => Ok((volumes, mounts)),
        false => Err(errors),
    }
}

/// Where one `mount` comes from.
enum Mounted {
    /// The repository's folder (`subPath`), at the target.
    Repository(String, String),
    /// A volume of its own (approximated), at the target.
    Volume(Json, String),
}

/// One `mount SOURCE at TARGET`.
fn mount(
    wf: &Workflow,
    s: &PlannedStep,
    m: &StepField,
    rt: &mut RunTime,
    repo: Option<&Repo>,
) -> Result<Option<Mounted>, Diagnostic> {
    let FieldValue::Mount { source, target } = &m.value else {
        return Ok(None);
    };
    let source = text::plain(wf, &s.name, source)?;
    let target = text::plain(wf, &s.name, target)?;
    if let (Some(repo), false) = (repo, source.starts_with('/')) {
        return match in_repository(&repo.home, &source) {
            Some(sub) => Ok(Some(Mounted::Repository(sub, target))),
            None => Err(diag::cannot_express(
                m.span,
                "`mount`",
                "the folder is outside the repository `--repo` names: mount one inside it",
            )),
        };
    }
    if !rt.approximate {
        let why = if source.starts_with('/') {
            "an Argo pod sees no folder of the machine that submits it (a `hostPath` is the node's): put the files in the image, use an artifact, or pass --approximate"
        } else {
            "an Argo pod sees no folder of the machine that submits it: pass --repo URL (and --revision) to mount the folder of the repository, put the files in the image, or pass --approximate"
        };
        return Err(diag::cannot_express(m.span, "`mount`", why));
    }
    let (volume, differs) = if source.starts_with('/') {
        (
            json!({ "hostPath": { "path": source } }),
            "a `hostPath` volume: the folder of the Kubernetes node the pod runs on, not of the machine that submits it",
        )
    } else {
        (
            json!({ "emptyDir": {} }),
            "an empty `emptyDir` volume: the relative folder of the submitting machine is not there; pass --repo to mount the repository's, or put its files in the image",
        )
    };
    rt.warnings
        .push(diag::approximated(m.span, "`mount`", differs));
    Ok(Some(Mounted::Volume(volume, target)))
}

/// The init container cloning `repo` into the volume.
fn clone(repo: &Repo) -> Json {
    let mut env = vec![json!({ "name": "WF_REPO", "value": repo.url })];
    if let Some(r) = &repo.revision {
        env.push(json!({ "name": "WF_REVISION", "value": r }));
    }
    json!({
        "name": "wf-clone",
        "image": GIT_IMAGE,
        "command": ["sh", "-c", CLONE],
        "env": env,
        "workingDir": CLONE_AT,
        "volumeMounts": [{ "name": VOLUME, "mountPath": CLONE_AT }],
    })
}

/// `repo/HOME/SOURCE` with `.` and `..` resolved (a volume's `subPath`
/// takes neither), or None when it leaves the repository.
pub fn in_repository(home: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in home.split('/').chain(source.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let mut sub = String::from("repo");
    for p in parts {
        sub.push('/');
        sub.push_str(p);
    }
    Some(sub)
}

/// Why `--repo` or `--revision` cannot be given to Argo as it is, if so.
pub fn check(repo: &Repo) -> Result<(), String> {
    for (flag, value) in [
        ("--repo", Some(&repo.url)),
        ("--revision", repo.revision.as_ref()),
    ] {
        let Some(v) = value else { continue };
        if v.is_empty() || v.starts_with('-') {
            return Err(format!("{flag} must not be empty or start with `-`"));
        }
        if v.contains("{{") {
            return Err(format!("{flag} holds `{{{{`, which Argo would expand"));
        }
        if v.chars().any(char::is_control) {
            return Err(format!("{flag} holds a control character"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_a_folder_of_the_repository() {
        assert_eq!(
            in_repository("examples", ".").as_deref(),
            Some("repo/examples")
        );
        assert_eq!(in_repository(".", ".").as_deref(), Some("repo"));
        assert_eq!(
            in_repository("a/b", "../c/./d/").as_deref(),
            Some("repo/a/c/d")
        );
        assert_eq!(in_repository("a", "../..").as_deref(), None);
        assert_eq!(in_repository(".", "..").as_deref(), None);
    }

    #[test]
    fn flags_argo_would_expand_or_git_would_read_as_options_are_refused() {
        let repo = |url: &str, rev: Option<&str>| Repo {
            url: url.into(),
            revision: rev.map(str::to_string),
            home: ".".into(),
        };
        assert!(check(&repo("https://example.com/r.git", Some("v1.2"))).is_ok());
        assert!(check(&repo("git@example.com:o/r.git", None)).is_ok());
        assert!(check(&repo("--upload-pack=x", None)).is_err());
        assert!(check(&repo("https://x/{{workflow.name}}", None)).is_err());
        assert!(check(&repo("https://x/r", Some("main\nx"))).is_err());
        assert!(check(&repo("https://x/r", Some(""))).is_err());
    }
}
