//! ARCHITECTURE.md stays true: its crate table is the workspace's graph as
//! `cargo metadata` reads it (every crate, its folder, the workspace crates
//! it depends on), the dependency trees hold none of what its limits rule
//! out, and the server holds no SQL.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The machine's own target triple (the graph of what builds here: other
/// platforms' crates are never fetched).
fn host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

/// `cargo metadata` of the workspace, with its resolved graph for this
/// machine's platform.
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host()])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The table between the `crates:` markers: crate → (folder, depends on).
fn documented() -> BTreeMap<String, (String, BTreeSet<String>)> {
    let text = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find("<!-- crates: begin -->")
        .expect("the begin marker");
    let end = text.find("<!-- crates: end -->").expect("the end marker");
    let mut rows = BTreeMap::new();
    for line in text[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let name = cells[0].trim_matches('`').to_owned();
        let folder = cells[1].trim_matches('`').trim_end_matches('/').to_owned();
        let deps = cells[2]
            .split(',')
            .map(|d| d.trim())
            .filter(|d| d.starts_with("wfc"))
            .map(str::to_owned)
            .collect();
        rows.insert(name, (folder, deps));
    }
    rows
}

/// Whether a dependency edge of the resolved graph is a normal one (not
/// only for tests or builds).
fn normal(dep: &Value) -> bool {
    dep["dep_kinds"]
        .as_array()
        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
}

#[test]
fn the_crate_table_is_the_workspace_s_graph() {
    let m = metadata();
    let members: BTreeSet<&str> = m["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let root = m["workspace_root"].as_str().unwrap();
    let mut actual = BTreeMap::new();
    for p in m["packages"].as_array().unwrap() {
        if !members.contains(p["id"].as_str().unwrap()) {
            continue;
        }
        let manifest = Path::new(p["manifest_path"].as_str().unwrap());
        let folder = manifest.parent().unwrap().strip_prefix(root).unwrap();
        let folder = match folder.to_str().unwrap() {
            "" => "src".to_owned(),
            f => f.to_owned(),
        };
        let names: BTreeSet<String> = m["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| members.contains(q["id"].as_str().unwrap()))
            .map(|q| q["name"].as_str().unwrap().to_owned())
            .collect();
        let deps = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .filter(|n| names.contains(n))
            .collect();
        actual.insert(p["name"].as_str().unwrap().to_owned(), (folder, deps));
    }
    assert_eq!(documented(), actual, "ARCHITECTURE.md's crate table");
}

#[test]
fn the_dependency_trees_keep_their_limits() {
    let m = metadata();
    let name_of: BTreeMap<&str, &str> = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, &Value> = m["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    // Every crate in `name`'s tree of normal dependencies.
    let tree = |name: &str| -> BTreeSet<&str> {
        let start = name_of.iter().find(|(_, n)| **n == name).unwrap().0;
        let (mut seen, mut todo) = (BTreeSet::new(), vec![*start]);
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            for d in nodes[id]["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| normal(d))
            {
                todo.push(d["pkg"].as_str().unwrap());
            }
        }
        seen.into_iter().map(|id| name_of[id]).collect()
    };
    let limits: [(&str, &[&str]); 4] = [
        ("wfc-store-db", &["tokio", "tokio-postgres", "wfc-language"]),
        ("wfc-language", &["tokio", "nix", "reqwest", "rusqlite"]),
        ("wfc-contract", &["tokio", "nix", "wfc-language"]),
        (
            "wfc-store",
            &[
                "wfc-run",
                "tokio",
                "reqwest",
                "bollard",
                "lettre",
                "tokio-postgres",
            ],
        ),
    ];
    for (krate, banned) in limits {
        let t = tree(krate);
        let found: Vec<&&str> = banned.iter().filter(|b| t.contains(**b)).collect();
        assert!(found.is_empty(), "{krate}'s tree holds {found:?}");
    }
    let contract: BTreeSet<&str> = tree("wfc-contract");
    assert!(contract.len() < 30, "wfc-contract grew: {contract:?}");
}

/// No SQL statement in the server's source: the store owns its tables.
#[test]
fn the_server_holds_no_sql() {
    let mut found = Vec::new();
    let mut dirs = vec![repo().join("crates/serve/src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let sql = [
                    "SELECT ",
                    "INSERT INTO",
                    "DELETE FROM",
                    "UPDATE runs",
                    "CREATE TABLE",
                ]
                .iter()
                .any(|k| code.contains(k));
                if sql && code.contains('"') {
                    found.push(format!("{}:{}: {line}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL in the server:\n{}", found.join("\n"));
    let m = metadata();
    let serve = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "wfc-serve")
        .unwrap();
    let direct: Vec<&str> = serve["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"].is_null())
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(!direct.contains(&"rusqlite"), "{direct:?}");
}

/// The `dist` profile inherits `release`'s light `opt-level`s unless it
/// names each crate again: fat LTO over crates built at level 0 crashed
/// rustc, and a packager's build would not be the optimised one it says.
#[test]
fn the_dist_profile_optimises_every_crate_release_optimises_lightly() {
    let text = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let overrides = |profile: &str| -> BTreeMap<String, String> {
        let head = format!("[profile.{profile}.package.");
        let mut found = BTreeMap::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some(name) = line.strip_prefix(&head) {
                let name = name.trim_end_matches(']').trim_matches('"').to_owned();
                let level = lines.next().unwrap_or_default();
                found.insert(name, level.trim().to_owned());
            }
        }
        found
    };
    let release = overrides("release");
    let dist = overrides("dist");
    assert!(
        release.len() > 10,
        "the release overrides were read: {release:?}"
    );
    for name in release.keys() {
        assert_eq!(
            dist.get(name).map(String::as_str),
            Some("opt-level = 3"),
            "[profile.dist.package.{name}] must set opt-level = 3"
        );
    }
    assert_eq!(
        release.keys().collect::<Vec<_>>(),
        dist.keys().collect::<Vec<_>>()
    );
}
