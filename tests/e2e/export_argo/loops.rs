//! `for each` in the Argo export: a parallel loop of one step becomes one
//! `withItems` task (its item an input parameter, then an env var); the
//! loops that cannot stay one task per iteration. The YAML is pinned and
//! validated against Argo's schema, and the loop's command is run for real
//! with `sh` for each item, as Argo would substitute it.

use super::{export, validate};
use crate::workflow;
use serde_norway::Value as Yaml;
use std::process::Command;

const LOOPS: &str = r#"workflow loops {
  param regions: list<string> = ["eu-west", "us-east"]
  param version: string = "1.2.3"
  step build: shell { run "make" }
  for each region in regions parallel 2 {
    step ship: shell {
      run "echo ${version} ${region} > \"$OUT/${region}\""
      env { REGION = region }
      depends on build
    }
  }
  for each n in [1, 2, 3] parallel {
    step count: shell { run "echo ${n}" }
  }
  step settle: sleep { duration 5s  depends on ship }
  for each region in regions parallel {
    step probe: shell {
      run "echo ok=true >> \"$WF_OUTPUTS\""
      outputs { ok: bool }
    }
  }
  for each region in regions {
    step drain: shell { run "drain ${region}" }
  }
  for each tag in ["3.19", "3.20"] parallel {
    step img: docker { image "alpine:${tag}"  run "true" }
  }
  step report: shell { run "echo done"  depends on probe }
}
"#;

fn tasks(yaml: &str) -> Vec<Yaml> {
    let doc: Yaml = serde_norway::from_str(yaml).unwrap();
    doc["spec"]["templates"][0]["dag"]["tasks"]
        .as_sequence()
        .unwrap()
        .clone()
}

fn names(tasks: &[Yaml]) -> Vec<&str> {
    tasks.iter().map(|t| t["name"].as_str().unwrap()).collect()
}

#[test]
fn parallel_loops_of_one_step_become_with_items() {
    let c = workflow(LOOPS);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_loops", yaml);
    c.write("loops.yaml", &yaml);
    let tasks = tasks(&yaml);
    // One task per withItems loop; the sequential loop, the loop whose
    // outputs are read, and the loop whose item is in the image stay unrolled.
    assert_eq!(
        names(&tasks),
        [
            "build",
            "ship",
            "count",
            "settle",
            "probe-eu-west",
            "probe-us-east",
            "drain-eu-west",
            "drain-us-east",
            "img-3-19",
            "img-3-20",
            "report"
        ]
    );
    let count = &tasks[2];
    assert_eq!(
        count["withItems"],
        serde_norway::from_str::<Yaml>("['1','2','3']").unwrap()
    );
    assert_eq!(count["arguments"]["parameters"][0]["value"], "{{item}}");
    assert_eq!(tasks[1]["depends"], "build");
    assert_eq!(tasks[3]["depends"], "ship");
    // `parallel 2`: the items run as steps of a template limited to 2.
    let doc: Yaml = serde_norway::from_str(&yaml).unwrap();
    let templates = doc["spec"]["templates"].as_sequence().unwrap();
    let wrapper = templates
        .iter()
        .find(|t| t["name"] == tasks[1]["template"])
        .unwrap();
    assert_eq!(wrapper["parallelism"], 2);
    assert_eq!(
        wrapper["steps"][0][0]["withItems"],
        serde_norway::from_str::<Yaml>("[eu-west, us-east]").unwrap()
    );
    validate(&c, &["loops.yaml"]);
}

/// The item is data: an item holding shell syntax, run as Argo would
/// (`{{inputs.parameters.wf-item}}` substituted into the env, not the
/// command), is written as it is and runs nothing.
#[test]
fn the_item_reaches_the_command_as_an_env_var() {
    let hostile = "x'; touch pwned; echo '$(id)";
    let src = LOOPS.replace(
        r#"["eu-west", "us-east"]"#,
        &format!(r#"["eu-west", "{}"]"#, hostile.replace('"', "\\\"")),
    );
    let c = workflow(&src);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: Yaml = serde_norway::from_str(&yaml).unwrap();
    let ship = doc["spec"]["templates"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ship")
        .unwrap()
        .clone();
    let command: Vec<&str> = ship["container"]["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(!command[2].contains("eu-west"), "{}", command[2]);
    let out = c.path("out");
    std::fs::create_dir(&out).unwrap();
    for item in ["eu-west", hostile] {
        let mut cmd = Command::new(command[0]);
        cmd.args(&command[1..])
            .current_dir(c.dir())
            .env("OUT", &out);
        for var in ship["container"]["env"].as_sequence().unwrap() {
            let value = var["value"].as_str().unwrap();
            cmd.env(
                var["name"].as_str().unwrap(),
                value.replace("{{inputs.parameters.wf-item}}", item),
            );
        }
        let status = cmd.status().unwrap();
        assert!(status.success());
    }
    assert_eq!(c.read("out/eu-west"), "1.2.3 eu-west\n");
    assert_eq!(
        std::fs::read_to_string(out.join(hostile)).unwrap(),
        format!("1.2.3 {hostile}\n")
    );
    assert!(!c.path("pwned").exists());
}

/// An item holding `{{` is refused (E0727) with its line, never written.
#[test]
fn items_holding_braces_are_refused() {
    let c = workflow(
        r#"workflow w {
  for each i in ["a", "{{workflow.name}}"] parallel {
    step e: shell { run "echo ${i}" }
  }
}
"#,
    );
    let out = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stdout_lacks("{{")
        .output();
    assert!(out.stderr.contains("E0727"), "{}", out.stderr);
    assert!(out.stderr.contains("w.wf:3:"), "{}", out.stderr);
}
