//! What an import says it leaves out, at the place.

use crate::{import, Format};

fn warnings(name: &str, text: &str, format: Format) -> Vec<String> {
    let imported = import(name, text, format).expect("it imports");
    imported
        .warnings
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[test]
fn a_calls_vars_are_said_to_be_left_out() {
    let text = r#"version: '3'
tasks:
  build:
    cmds:
      - echo "$OS"
  all:
    deps:
      - task: build
        vars: { OS: linux }
    cmds:
      - task: build
        vars: { OS: mac }
"#;
    let w = warnings("Taskfile.yml", text, Format::Taskfile);
    let left_out = w
        .iter()
        .filter(|m| m.starts_with("W0900 the call's `vars` are left out"))
        .count();
    assert_eq!(left_out, 2, "{w:#?}");
}

/// Issue 73: `working-directory` is read from the repository's root, a
/// `workdir` from the `.wf` file's folder; a round trip doubled it.
#[test]
fn a_working_directory_is_made_relative_to_the_wf_files_folder() {
    use crate::github::rebase;
    assert_eq!(rebase("proj/sub", Some("proj")), "sub");
    assert_eq!(rebase("./proj/sub/", Some("proj")), "sub");
    assert_eq!(rebase("proj", Some("proj")), ".");
    assert_eq!(rebase("lib", Some("proj/ci")), "../../lib");
    assert_eq!(rebase("proj/lib", Some("proj/ci")), "../lib");
    assert_eq!(rebase("sub", None), "sub");
    assert_eq!(rebase("sub", Some("")), "sub");
    assert_eq!(rebase("/abs/dir", Some("proj")), "/abs/dir");
    assert_eq!(
        rebase("${{ matrix.dir }}", Some("proj")),
        "${{ matrix.dir }}"
    );

    let gh = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pwd\n        working-directory: proj/sub\n";
    let wf = crate::import_into("w.yml", gh, Format::Github, Some("proj"))
        .unwrap()
        .wf;
    assert!(wf.contains("workdir \"sub\""), "{wf}");
}
