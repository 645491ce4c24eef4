//! A required param a webhook sets: `wfc serve` gives it per delivery, but
//! the Argo export carries no trigger and folds params at export, so it
//! asks for a value (E0402) and says why; given one, it exports.

use super::export;
use crate::case;

#[test]
fn a_param_a_trigger_sets_needs_a_value_and_says_why() {
    let c = case();
    c.write(
        "w.wf",
        &std::fs::read_to_string("examples/release-webhook.wf").unwrap(),
    );
    let out = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine"])
        .status(2)
        .stderr_has("E0402")
        .output();
    // The help is wrapped to the terminal's width.
    let words = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "`version` is set by the workflow's trigger",
        "the Argo export carries no trigger",
        "pass `--param version=VALUE`",
    ] {
        assert!(words.contains(part), "{part}: {words}");
    }
    let yaml = export(&c, &["w.wf", "--image", "alpine", "-p", "version=v1.4.0"]);
    assert!(yaml.contains("value: v1.4.0"), "{yaml}");
}
