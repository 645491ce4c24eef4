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
