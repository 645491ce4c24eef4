//! A `parallel` loop over a step's declared list output, exported to Argo:
//! one `withParam` task over the list a `jq` task reads from the
//! producer's output parameter as `wfc run` reads it. The YAML validates;
//! the jq task's program, run here with the real `jq`, gives for each
//! output text what `wfc_plan::params::parse_text` (what `wfc run` reads a
//! declared output with) gives, as wfc writes it, and fails where it
//! fails — and for an item holding `{{`, which Argo would expand. A
//! `parallel N` loop's wrapper template gets what it reads as inputs.
//! Loops that one `withParam` task would run otherwise are refused with why.

use super::{export, validate};
use crate::workflow;

const WF: &str = r#"workflow w {
  step list: shell {
    run "echo items=a >> $WF_OUTPUTS"
    outputs { items: list<string> }
  }
  for each f in list.outputs.items parallel {
    step count: shell { run "echo ${f}" }
  }
  step done: shell {
    run "echo done"
    depends on count
  }
}
"#;

/// The template `name`'s jq program run with its input = `text`.
fn run_list_task(yaml: &str, name: &str, text: &str) -> std::process::Output {
    super::runtime::computed_output(yaml, name, &[("wf-in-1", text)])
}

#[test]
fn a_loop_over_a_list_output_is_one_with_param_task() {
    let c = workflow(WF);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let tasks = doc["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap();
    let task = |n: &str| tasks.iter().find(|t| t["name"] == n).unwrap().clone();
    let count = task("count");
    assert_eq!(count["withParam"], "{{tasks.count-list.outputs.result}}");
    assert_eq!(count["depends"], "list && count-list");
    assert_eq!(
        count["arguments"]["parameters"][0]["value"], "{{item}}",
        "the item reaches the step as an input parameter"
    );
    assert_eq!(
        task("count-list")["arguments"]["parameters"][0]["value"],
        "{{tasks.list.outputs.parameters.items}}"
    );
    // An empty list skips the task; `depends: count` takes the skip.
    assert_eq!(task("done")["depends"], "count");

    let list = wfc_language::ir::Type::List(Box::new(wfc_language::ir::Type::String));
    for text in [
        "a",
        " a.csv, b c.csv ,",
        "[\"x\", \"$(id)\", \"it's\"]",
        "",
        "[ ]",
        "[oops",
        "[1, 2]",
    ] {
        let want = wfc_plan::params::parse_text(text, &list).map(|v| v.to_text());
        let got = run_list_task(&yaml, "count-list", text);
        match want {
            Ok(want) => {
                assert!(got.status.success(), "{text:?}: {got:?}");
                assert_eq!(String::from_utf8_lossy(&got.stdout), want, "{text:?}");
            }
            Err(_) => assert!(!got.status.success(), "{text:?}: {got:?}"),
        }
    }
    // What wfc reads but Argo would expand as `{{item}}`: the task fails.
    let braces = run_list_task(&yaml, "count-list", "[\"{{workflow.name}}\"]");
    assert!(!braces.status.success());
    assert!(String::from_utf8_lossy(&braces.stderr).contains("opening braces"));
}

/// `parallel N`: the task is the one step of a template with
/// `parallelism: N`, which sees no dag task: the list, and every value
/// the step reads from another task, reach it as the wrapper's inputs
/// (a `withItems` loop's too: its read of `build`'s output was out of
/// scope inside the wrapper before).
#[test]
fn a_bounded_loop_hands_what_it_reads_to_its_wrapper() {
    let head = r#"workflow w {
  step list: shell {
    run "echo items=a >> $WF_OUTPUTS; echo tag=t >> $WF_OUTPUTS"
    outputs { items: list<string>, tag: string }
  }
"#;
    let wf = format!(
        "{head}  for each f in list.outputs.items parallel 2 {{\n    step count: shell {{ run \"echo ${{f}} ${{list.outputs.tag}}\" }}\n  }}\n}}\n"
    );
    let listed = format!(
        "{head}  for each f in [\"a\", \"b\"] parallel 2 {{\n    step count: shell {{ run \"echo ${{f}} ${{list.outputs.tag}}\" }}\n  }}\n}}\n"
    );
    for (text, list) in [
        (wf.as_str(), Some("{{tasks.count-list.outputs.result}}")),
        (listed.as_str(), None),
    ] {
        let c = workflow(text);
        let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
        c.write("w.yaml", &yaml);
        validate(&c, &["w.yaml"]);
        let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
        let templates = doc["spec"]["templates"].as_array().unwrap();
        let wrapper = templates
            .iter()
            .find(|t| t["name"] == "count-items")
            .unwrap();
        assert_eq!(wrapper["parallelism"], 2);
        let step = &wrapper["steps"][0][0];
        // Inside the wrapper nothing reads a dag task.
        assert!(!step.to_string().contains("{{tasks."), "{step}");
        let task = doc["spec"]["templates"][0]["dag"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "count")
            .unwrap()
            .clone();
        assert_eq!(task["template"], "count-items");
        let given: Vec<String> = task["arguments"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_str().unwrap().to_string())
            .collect();
        assert!(
            given.iter().any(|v| v.starts_with("{{tasks.list.outputs.")),
            "{given:?}"
        );
        match list {
            Some(list) => {
                assert_eq!(step["withParam"], "{{inputs.parameters.wf-list}}");
                assert!(given.iter().any(|v| v == list), "{given:?}");
            }
            None => assert_eq!(step["withItems"], serde_json::json!(["a", "b"])),
        }
    }
}

#[test]
fn a_loop_one_with_param_task_would_run_otherwise_is_refused_with_why() {
    let c = workflow(&WF.replace(
        "for each f in list.outputs.items parallel",
        "for each f in list.outputs.items",
    ));
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0721")
        .stderr_has("side by side")
        .output();
    let two = WF.replace(
        "step count: shell { run \"echo ${f}\" }",
        "step count: shell { run \"echo ${f}\" }\n    step more: shell { run \"echo ${f}\" }",
    );
    workflow(&two)
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("its body is more than one step")
        .output();
}
