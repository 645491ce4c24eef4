//! A loop's header in the editor: after the list, completion offers the
//! loop's settings in their order (`parallel` or `batch`, `fail fast`,
//! `max failures`); hover explains `batch` and `failures`.

use wfc_language::ide::Doc;

fn labels(src: &str) -> Vec<String> {
    let at = src.find("$0").expect("a $0 cursor marker");
    let d = Doc::analyze("test.wf", &src.replacen("$0", "", 1));
    let mut v: Vec<String> = d.completion(at).into_iter().map(|i| i.label).collect();
    v.sort();
    v
}

fn header(head: &str) -> String {
    format!(
        "workflow w {{\n  param hosts: list<string> = [\"a\"]\n  for each h in {head}$0 {{\n    step up: shell {{ run \"up\" }}\n  }}\n}}\n"
    )
}

#[test]
fn completes_a_loops_settings_in_their_order() {
    assert_eq!(
        labels(&header("hosts ")),
        ["batch", "max failures", "parallel"]
    );
    assert_eq!(
        labels(&header("hosts parallel 2 ")),
        ["fail fast", "max failures"]
    );
    assert_eq!(
        labels(&header("hosts batch 2 ")),
        ["fail fast", "max failures"]
    );
    assert_eq!(
        labels(&header("hosts batch 2 fail fast ")),
        ["max failures"]
    );
    assert_eq!(labels(&header("hosts batch 2 max ")), ["failures"]);
    assert!(labels(&header("hosts batch ")).is_empty());
    assert!(labels(&header("hosts max failures 2 ")).is_empty());
    // Still in the list: names to read, not the settings.
    let in_list = labels(&header("h"));
    assert!(in_list.contains(&"hosts".to_string()), "{in_list:?}");
    assert!(!in_list.contains(&"batch".to_string()), "{in_list:?}");
}

#[test]
fn hovers_batch_and_failures() {
    let src = "workflow w {\n  param hosts: list<string> = [\"a\"]\n  for each h in hosts batch 2 max failures 25% {\n    step up: shell { run \"up\" }\n  }\n}\n";
    let d = Doc::analyze("x.wf", src);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let at = |w: &str| src.find(w).unwrap() + 1;
    let h = d.hover(at("batch")).expect("a hover on `batch`").markdown;
    assert!(h.contains("batch N") && h.contains("serial"), "{h}");
    let h = d
        .hover(at("failures"))
        .expect("a hover on `failures`")
        .markdown;
    assert!(h.contains("max failures N|P%"), "{h}");
}
