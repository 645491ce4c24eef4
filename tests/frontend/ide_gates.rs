//! Approval inputs and `on busy` in the editor: `gate.` offers `outputs`
//! when the gate declares `inputs { … }`, `gate.outputs.` its inputs; a
//! hover on a read of one, or on its declaration, says what it is; after
//! `on busy` the three modes are offered, each explained, and a hover on
//! one explains it. Completions and hovers are pinned with insta.

use wfc_language::ide::Doc;

const GATE: &str = r#"workflow release {
  step approve: gate {
    approval "release manager"
    inputs { notes: string = "", rollout: int in 1..100 = 10 }
  }
  step ship: shell {
    run "deploy --rollout ${approve.outputs.rollout}"
  }
}
"#;

/// `text` with `$0` removed, analysed, and the marker's offset.
fn at(text: &str) -> (Doc, usize) {
    let at = text.find("$0").expect("a $0 cursor marker");
    (Doc::analyze("t.wf", &text.replacen("$0", "", 1)), at)
}

/// The completions at `$0`: label, detail and documentation, one a line.
fn completions(text: &str) -> String {
    let (d, at) = at(text);
    let mut items = d.completion(at);
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items
        .iter()
        .map(|i| {
            format!(
                "{} — {} — {}",
                i.label,
                i.detail.as_deref().unwrap_or(""),
                i.documentation.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn hover(text: &str) -> String {
    let (d, at) = at(text);
    d.hover(at).expect("a hover").markdown
}

#[test]
fn a_gates_inputs_are_completed_after_its_name_and_outputs() {
    let d = Doc::analyze("t.wf", GATE);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let member = GATE.replace("${approve.outputs.rollout}", "${approve.$0}");
    insta::assert_snapshot!("gate_member", completions(&member));
    let inputs = GATE.replace("${approve.outputs.rollout}", "${approve.outputs.$0}");
    insta::assert_snapshot!("gate_inputs", completions(&inputs));
    // While the file is being typed, the inputs come from the text.
    let broken = inputs.replace("  step ship", "  step ship:\n  step after");
    assert!(
        completions(&broken).contains("rollout — int"),
        "{}",
        completions(&broken)
    );
}

#[test]
fn a_read_of_an_input_and_its_declaration_hover_and_navigate() {
    let read = GATE.replace("outputs.rollout}", "outputs.roll$0out}");
    insta::assert_snapshot!("gate_input_read", hover(&read));
    let decl = GATE.replace("rollout: int", "roll$0out: int");
    insta::assert_snapshot!("gate_input_declaration", hover(&decl));
    let (d, at) = self::at(&read);
    let def = d.definition(at).expect("a definition");
    assert_eq!(def.start, GATE.find("rollout: int").unwrap());
}

const LOCK: &str = r#"workflow deploy {
  param env: string = "staging"
  lock "deploy-${env}" { on busy $0 }
  step s: shell { run "echo ${env}" }
}
"#;

#[test]
fn the_modes_of_on_busy_are_completed_and_hovered() {
    insta::assert_snapshot!("on_busy_modes", completions(LOCK));
    let text = LOCK.replace("$0 }", "sk$0ip }");
    insta::assert_snapshot!("on_busy_skip", hover(&text));
}

/// `on fail continue` is a gate's alone (E0389): the field's snippet offers
/// it on a gate and not on a shell step.
#[test]
fn on_fail_offers_continue_on_gates_only() {
    use wfc_language::ide::Doc;
    let insert = |src: &str| {
        let at = src.find("$0").unwrap();
        let text = src.replacen("$0", "", 1);
        Doc::analyze("t.wf", &text)
            .completion(at)
            .into_iter()
            .find(|i| i.label == "on fail")
            .and_then(|i| i.insert_text)
            .expect("an `on fail` item")
    };
    let shell = insert("workflow w {\n  step s: shell {\n    run \"x\"\n    $0\n  }\n}\n");
    assert_eq!(shell, "on fail ${1|abort,pause|}");
    let gate = insert("workflow w {\n  step g: gate {\n    check true\n    $0\n  }\n}\n");
    assert!(gate.contains("continue"), "{gate}");
}
