//! The editor knows the first day's additions: `run.dir` and `require_env`
//! are completed and hovered like the rest of the run context and the
//! functions.

use wfc_language::ide::Doc;
use wfc_language::program::{Disk, FileKey};

const SRC: &str = r#"workflow w {
  param region: string = require_env("AWS_REGION")
  step s: shell { run "ls ${run.dir} ${region}" }
}
"#;

fn doc(text: &str) -> Doc {
    Doc::analyze_program(FileKey::Path("/tmp/first-day/w.wf".into()), text, &Disk)
}

#[test]
fn run_dir_and_require_env_are_hovered() {
    let d = doc(SRC);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let at = |needle: &str, shift: usize| SRC.find(needle).unwrap() + shift;
    let md = d
        .hover(at("run.dir", 5))
        .expect("a hover on run.dir")
        .markdown;
    assert!(
        md.contains("run.dir: string") && md.contains("WFC_RUN_DIR"),
        "{md}"
    );
    let md = d
        .hover(at("require_env", 3))
        .expect("a hover on require_env")
        .markdown;
    assert!(md.contains("require_env(name: string) -> string"), "{md}");
    assert!(md.contains("refuses to start"), "{md}");
}

#[test]
fn run_dir_and_require_env_are_completed() {
    let text = "workflow w {\n  step s: shell { run \"ls ${run.}\" }\n}\n";
    let d = doc(text);
    let labels: Vec<String> = d
        .completion(text.find("run.}").unwrap() + 4)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(labels.iter().any(|l| l == "dir"), "{labels:?}");
    let text = "workflow w {\n  param r: string = req\n}\n";
    let d = doc(text);
    let labels: Vec<String> = d
        .completion(text.find("req").unwrap() + 3)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(labels.iter().any(|l| l == "require_env"), "{labels:?}");
}
