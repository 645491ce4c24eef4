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
