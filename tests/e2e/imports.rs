//! Imports across files, through the real binary: paths relative to the
//! importing file whatever the current directory, `std/` from the library
//! inside wfc, an imported file's errors shown at its own path and line
//! (text and JSON), and `wfc list` of a tree whose files call each other.

use crate::case;
use wfc_testkit::Case;

const MAIN: &str = r#"import "./lib/release.wf" as rel
import "std/notify.wf"

workflow deploy {
  param version: string = "1.2.3"
  outputs { url: string = ship.outputs.url }
  step ship: call rel.ship { version version  env "prod" }
  step tell: call notify { text "shipped ${ship.outputs.url}" }
}
"#;

const RELEASE: &str = r#"## Tags a release.
workflow ship {
  param version: string
  param env: string in ["dev", "prod"] = "dev"
  outputs { url: string = "https://releases.example.com/${env}/${version}" }
  step tag: shell { run "echo v${version} >> tags" }
}
"#;

fn app() -> Case {
    case()
        .file("app/main.wf", MAIN)
        .file("app/lib/release.wf", RELEASE)
}

#[test]
fn imports_resolve_from_the_importing_file_in_any_directory() {
    let c = app();
    let r = c.wfc(["check", "app/main.wf"]).output();
    assert_eq!(r.code, 0, "{r}");
    let r = c.wfc(["check", "main.wf"]).current_dir("app").output();
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn an_imported_files_error_is_shown_at_its_own_path_and_line() {
    let c = app();
    c.write(
        "app/lib/release.wf",
        &RELEASE.replace("echo v${version}", "echo v${verison}"),
    );
    let r = c.wfc(["check", "app/main.wf"]).output();
    assert_eq!(r.code, 1, "{r}");
    // The error inside the module, at the module's path and line 6…
    assert!(r.stderr.contains("E0140"), "{r}");
    assert!(r.stderr.contains("app/lib/release.wf:6:"), "{r}");
    // …and one error at the importer's import line.
    assert!(r.stderr.contains("E0224"), "{r}");
    assert!(r.stderr.contains("app/main.wf:1:8"), "{r}");
    let json = c
        .wfc(["check", "app/main.wf", "--format", "json"])
        .output()
        .json();
    let files: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].to_string(), d["file"].to_string()))
        .collect();
    assert!(
        files.contains(&("\"E0140\"".into(), "\"app/lib/release.wf\"".into())),
        "{files:?}"
    );
    assert!(
        files.contains(&("\"E0224\"".into(), "\"app/main.wf\"".into())),
        "{files:?}"
    );
}

#[test]
fn a_missing_module_is_an_error_at_the_import() {
    let c = case().file(
        "main.wf",
        "import \"./nowhere.wf\"\nimport \"std/nope.wf\"\n\nworkflow w {\n  step a: call nowhere {}\n}\n",
    );
    let r = c.wfc(["check", "main.wf"]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr
            .contains("cannot import `./nowhere.wf`: no such file"),
        "{r}"
    );
    assert!(
        r.stderr.contains("no such module in the std library"),
        "{r}"
    );
    assert!(
        r.stderr.contains("std/notify.wf"),
        "the help lists std: {r}"
    );
    // The call through the failed import is not reported again.
    assert!(!r.stderr.contains("E0210"), "{r}");
}

#[test]
fn list_counts_no_errors_in_a_file_that_calls_a_module() {
    let c = app();
    let json = c
        .wfc(["list", "app", "--format", "json"])
        .success()
        .output()
        .json();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{json}");
    assert!(files.iter().all(|f| f["errors"] == 0), "{json}");
}
