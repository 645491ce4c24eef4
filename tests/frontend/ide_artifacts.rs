//! Artifacts in the editor: the `artifacts` field among a step's fields,
//! `STEP.artifacts` among its members, the declared names after
//! `STEP.artifacts.`, and the hover of a read naming its glob.

use wfc_language::ide::Doc;

const SRC: &str = r#"workflow w {
  step build: shell {
    run "make"
    artifacts {
      bundle = "dist/*.tgz"
      notes = "dist/*.md" optional
    }
  }
  step publish: shell { run "upload ${join(build.artifacts.bundle, " ")}" }
}
"#;

fn labels(d: &Doc, at: usize) -> Vec<String> {
    d.completion(at).into_iter().map(|i| i.label).collect()
}

#[test]
fn completion_offers_the_field_the_member_and_the_names() {
    // `x.artifacts.` in an expression: the declared names.
    let src = SRC.replace("build.artifacts.bundle,", "build.artifacts.,");
    let d = Doc::analyze("test.wf", &src);
    let at = src.find("build.artifacts.,").unwrap() + "build.artifacts.".len();
    assert_eq!(labels(&d, at), ["bundle", "notes"]);
    // `x.` : `artifacts` among the members of a shell step.
    let src = SRC.replace("build.artifacts.bundle,", "build.,");
    let d = Doc::analyze("test.wf", &src);
    let at = src.find("build.,").unwrap() + "build.".len();
    assert!(
        labels(&d, at).contains(&"artifacts".to_owned()),
        "{:?}",
        labels(&d, at)
    );
    // A field of a shell step, not of an http one.
    for (kind, body, offered) in [("shell", "run \"x\"", true), ("http", "get \"x\"", false)] {
        let src = format!("workflow w {{\n  step s: {kind} {{\n    {body}\n    arti\n  }}\n}}\n");
        let d = Doc::analyze("test.wf", &src);
        let at = src.find("arti\n").unwrap() + 4;
        let got = labels(&d, at);
        assert_eq!(
            got.contains(&"artifacts".to_owned()),
            offered,
            "{kind}: {got:?}"
        );
    }
}

#[test]
fn hover_of_a_read_names_its_type_and_glob() {
    let d = Doc::analyze("test.wf", SRC);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let at = SRC.find("artifacts.bundle").unwrap() + "artifacts.bu".len();
    let h = d.hover(at).expect("a hover").markdown;
    assert!(h.contains("build.artifacts.bundle: list<string>"), "{h}");
    assert!(h.contains("`dist/*.tgz`"), "{h}");
    let at = SRC.find("artifacts {").unwrap() + 3;
    let h = d.hover(at).expect("a hover of the field").markdown;
    assert!(h.contains("Files the step hands on"), "{h}");
}
