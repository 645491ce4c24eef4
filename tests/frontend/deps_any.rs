//! `depends on a, any(b, c)` in the plan renderings and the editor:
//! dashed `any` edges in DOT and Mermaid, the group in the text plan,
//! completion of `any(` and of names inside it, and hover.

use std::path::Path;
use wfc_language::ide::Doc;
use wfc_plan::{render, DefaultEstimator, Options, ParamInput};

fn planned(text: &str) -> (wfc_plan::Plan, wfc_language::ir::Workflow) {
    let program = wfc_language::program::load(
        Path::new("any.wf"),
        text.to_string(),
        &wfc_language::program::Disk,
        false,
    );
    assert!(
        !program.has_errors(),
        "{:#?}",
        program.root().analysis.diagnostics()
    );
    let module = program.units.into_iter().next().unwrap().analysis.module;
    let wf = module.unwrap().into_first().ir;
    let options = Options { jobs: Some(2) };
    let plan =
        wfc_plan::plan(&wf, &ParamInput::default(), options, &DefaultEstimator).expect("plans");
    (plan, wf)
}

const ANY: &str = r#"workflow any {
  step build: shell { run "make" }
  step eu: shell { run "up eu"  depends on build }
  step us: shell { run "up us"  depends on build }
  step publish: shell {
    run "announce"
    depends on build, any(eu, us)
  }
}
"#;

#[test]
fn any_edges_are_dashed_and_labelled_in_dot_and_mermaid() {
    let (plan, wf) = planned(ANY);
    let dot = render::dot::render(&plan, &wf);
    let any_edges = dot
        .lines()
        .filter(|l| l.contains("->") && l.contains("style=dashed") && l.contains("label=\"any\""))
        .count();
    assert_eq!(any_edges, 2, "{dot}");
    let mermaid = render::mermaid::render(&plan, &wf);
    assert_eq!(mermaid.matches("-.->|any|").count(), 2, "{mermaid}");
    let text = render::text::render(&plan, &wf, false);
    assert!(
        text.contains("after eu, us once all have ended, if one succeeded (any(eu, us))"),
        "{text}"
    );
}

#[test]
fn completion_offers_any_in_depends_on_and_names_inside_it() {
    let head = &ANY[..ANY.find("any(eu").unwrap()];
    let d = Doc::analyze("t.wf", ANY);
    let labels: Vec<String> = d
        .completion(head.len())
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(labels.iter().any(|l| l == "any(…)"), "{labels:?}");
    // Inside `any(`: the names, not `any(…)` again.
    let inside = ANY.find("any(eu").unwrap() + "any(".len();
    let labels: Vec<String> = d.completion(inside).into_iter().map(|c| c.label).collect();
    assert!(labels.iter().any(|l| l == "eu"), "{labels:?}");
    assert!(!labels.iter().any(|l| l == "any(…)"), "{labels:?}");
    // `after` takes no groups.
    let after = ANY.replace("depends on build, any(eu, us)", "after build, any(eu, us)");
    let d = Doc::analyze("t.wf", &after);
    let at = after.find("any(eu").unwrap();
    let labels: Vec<String> = d.completion(at).into_iter().map(|c| c.label).collect();
    assert!(!labels.iter().any(|l| l == "any(…)"), "{labels:?}");
}

#[test]
fn hover_on_any_explains_the_group() {
    let d = Doc::analyze("t.wf", ANY);
    let at = ANY.find("any(eu").unwrap() + 1;
    let h = d.hover(at).expect("a hover").markdown;
    assert!(h.contains("any(eu, us)"), "{h}");
    assert!(h.contains("at least one succeeded"), "{h}");
}
