//! Which templates fit a folder: what `wfc new` proposes first. Each rule
//! is a file or folder a kind of project has (`Cargo.toml`, `Dockerfile`,
//! `.github/workflows`), the templates it suggests and why, in words a
//! person can check against the folder.

use std::path::Path;

/// A template that fits, and the files that say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub template: &'static str,
    pub because: Vec<&'static str>,
}

/// (a file or folder of the project, what it is, the templates it suggests).
const RULES: &[(&str, &str, &[&str])] = &[
    ("Cargo.toml", "a Rust crate", &["test-suite", "deploy-api"]),
    (
        "package.json",
        "a Node package",
        &["test-suite", "deploy-api"],
    ),
    (
        "pyproject.toml",
        "a Python project",
        &["test-suite", "data-pipeline"],
    ),
    (
        "requirements.txt",
        "Python requirements",
        &["test-suite", "ml-training"],
    ),
    ("go.mod", "a Go module", &["test-suite", "deploy-api"]),
    ("Dockerfile", "a container image", &["deploy-api"]),
    ("docker-compose.yml", "a Compose project", &["deploy-api"]),
    ("compose.yaml", "a Compose project", &["deploy-api"]),
    (
        "Chart.yaml",
        "a Helm chart",
        &["deploy-api", "config-update"],
    ),
    ("dbt_project.yml", "a dbt project", &["data-pipeline"]),
    (
        ".github/workflows",
        "GitHub Actions workflows",
        &["test-suite", "deploy-api"],
    ),
    (
        "ansible.cfg",
        "an Ansible project",
        &["maintenance-window", "config-update"],
    ),
    ("runbooks", "a runbooks folder", &["incident-response"]),
];

/// The templates that fit `dir`, the best first (the most reasons, then
/// the order of the rules); empty when nothing there says.
pub fn of(dir: &Path) -> Vec<Fit> {
    let mut fits: Vec<Fit> = Vec::new();
    for (path, _, templates) in RULES {
        if !dir.join(path).exists() {
            continue;
        }
        for t in *templates {
            match fits.iter_mut().find(|f| f.template == *t) {
                Some(f) => f.because.push(path),
                None => fits.push(Fit {
                    template: t,
                    because: vec![path],
                }),
            }
        }
    }
    // A stable sort keeps the rules' order among equals.
    fits.sort_by_key(|f| std::cmp::Reverse(f.because.len()));
    fits
}

/// Why `fit` fits, for a person: "Cargo.toml (a Rust crate)".
pub fn why(fit: &Fit) -> String {
    fit.because
        .iter()
        .map(|p| {
            let what = RULES.iter().find(|r| r.0 == *p).map_or("", |r| r.1);
            format!("{p} ({what})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `dir` has GitHub Actions workflows `wfc import` could convert.
pub fn has_actions(dir: &Path) -> bool {
    dir.join(".github/workflows").is_dir()
}
