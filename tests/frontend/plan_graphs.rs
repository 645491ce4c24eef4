//! What the graph renderings (`--format dot`, `--format mermaid`) show of
//! a step beyond its summary, as the text plan does: a gate's check
//! decided false at plan time with its operands' values, its `message`,
//! an approval's `inputs`.

use crate::plan::{fixture, plan_text};
use wfc_plan::render;

#[test]
fn gates_show_why_their_message_and_their_inputs_in_the_graphs() {
    let (p, wf) = plan_text("gates.wf", &fixture("gates.wf"), &[]).unwrap();
    let dot = render::dot::render(&p, &wf);
    let mermaid = render::mermaid::render(&p, &wf);
    insta::assert_snapshot!("gates.dot", dot);
    insta::assert_snapshot!("gates.mermaid", mermaid);
    for out in [&dot, &mermaid] {
        for shown in [
            "false at plan time: `rows` is 6",
            "message: ",
            "inputs: notes",
        ] {
            assert!(out.contains(shown), "{shown}:\n{out}");
        }
    }
}

/// A loop's `parallel 16` held to fewer: the graphs' cluster says how many
/// run at once, and what holds it, as the text plan's groups do.
#[test]
fn a_held_parallel_loop_says_what_it_gets_in_the_graphs() {
    let text = r#"workflow fan {
  concurrency 2
  for each i in range(0, 20) parallel 16 {
    step work: shell { run "sleep 0.1" }
  }
}
"#;
    let (p, wf) = plan_text("fan.wf", text, &[]).unwrap();
    let said = "(parallel 16; 2 at once: concurrency 2 is smaller)";
    let plain = render::text::render(&p, &wf, false);
    assert!(
        plain.contains("16 at a time; 2 at once: concurrency 2 is smaller"),
        "{plain}"
    );
    for out in [
        render::dot::render(&p, &wf),
        render::mermaid::render(&p, &wf),
    ] {
        assert!(out.contains(said), "{out}");
    }
}
