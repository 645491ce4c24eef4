//! The ports of public workflows in `tests/export/ports/` (each file's
//! header names its source and commit) through both exports without
//! `--approximate`: Flask's publish workflow (artifacts, an approval, step
//! outputs), tox's prepare-release (a choice input, a secret, a bash
//! script's output) and Argo's "enhanced depends" example (`after` and
//! `any(…)`), with just's release (its GitHub size is
//! `export_github_size.rs`'s). Each file lints (actionlint) or validates
//! (Argo's schema), its size stays within a bound of the original's, and
//! the YAML is pinned.

use super::export_github::{export, lint};
use crate::case;

/// (port, the original's lines, the shell steps' image on Argo).
const PORTS: &[(&str, usize, &str)] = &[
    ("flask-publish", 72, "python:3.12"),
    ("tox-prepare-release", 99, "python:3.12"),
    ("argo-enhanced-depends", 44, "alpine:3.20"),
    ("just-release", 284, "rust:1.83"),
];

fn source(port: &str) -> String {
    format!("tests/export/ports/{port}.wf")
}

#[test]
fn ports_export_to_github_and_lint() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (port, original, _) in PORTS {
        let text = std::fs::read_to_string(source(port)).unwrap();
        assert!(
            text.contains("# Source: https://github.com/") && text.contains("(commit "),
            "{port}: the header names the source and its commit"
        );
        // A port sits at its repository's root, where the original's
        // workflow ran: the export adds no `working-directory`.
        let file = dir.path().join(format!("{port}.wf"));
        std::fs::write(&file, &text).unwrap();
        let out = dir.path().join(format!("{port}.yml"));
        let run = export(&file, &[], &out);
        assert!(
            run.status.success(),
            "{port}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let yaml = std::fs::read_to_string(&out)
            .unwrap()
            .replace(&dir.path().display().to_string(), "REPO");
        let lines = yaml.lines().count();
        assert!(
            lines <= 3 * original,
            "{port}: {lines} lines, more than three times the original's {original}"
        );
        if *port != "just-release" {
            insta::assert_snapshot!(format!("export_port_github_{port}"), yaml);
        }
        files.push(out);
    }
    lint(&files);
}

#[test]
fn ports_export_to_argo_and_validate() {
    let c = case();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut names = Vec::new();
    for (port, original, image) in PORTS {
        let file = format!("{root}/{}", source(port));
        let out = c
            .wfc(["export", "argo", file.as_str(), "--image", image])
            .success()
            .output();
        let yaml = out.stdout.replace(root, "ROOT");
        let lines = yaml.lines().count();
        assert!(
            lines <= 5 * original,
            "{port}: {lines} lines, more than five times the original's {original}"
        );
        insta::assert_snapshot!(format!("export_port_argo_{port}"), yaml);
        let name = format!("{port}.yaml");
        c.write(&name, &yaml);
        names.push(name);
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    super::export_argo::validate(&c, &names);
}
