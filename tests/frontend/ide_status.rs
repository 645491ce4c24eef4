//! `status` on `http` and `webhook` steps: how the step ended, as on every
//! kind, with the response code as `status_code` — in completion, hover and
//! the quick fix for a `status` compared with a number (E0176).

use wfc_language::ide::Doc;

const SRC: &str = r#"workflow w {
  step probe: http { get "https://example.com/health"  expect [200, 503] }
  step hook: webhook { url "https://example.com/hook" }
  step heal: shell { run "restart"  optional }
  if probe.status == 503 {
    step page: shell { run "page ${hook.status}" }
  }
  step report: gate { check hook.status in [200, 204] && heal.status == "failed" }
}
"#;

#[test]
fn status_compared_with_a_number_is_fixed_to_status_code() {
    let d = Doc::analyze("test.wf", SRC);
    let diags = d.diagnostics();
    let e0176: Vec<_> = diags.iter().filter(|x| x.code == "E0176").collect();
    // `${hook.status}` in text and `heal.status == "failed"` are fine.
    assert_eq!(e0176.len(), 2, "{diags:?}");
    assert_eq!(diags.len(), 2, "{diags:?}");
    let mut fixed = SRC.to_string();
    for diag in e0176.iter().rev() {
        let actions = d.code_actions(diag.span.clone());
        assert_eq!(actions.len(), 1, "{actions:?}");
        assert!(actions[0].preferred);
        assert!(
            actions[0].title.ends_with(".status_code`"),
            "{}",
            actions[0].title
        );
        for e in actions[0].edits.iter().rev() {
            fixed.replace_range(e.span.clone(), &e.new_text);
        }
    }
    assert!(fixed.contains("if probe.status_code == 503"), "{fixed}");
    assert!(
        fixed.contains("check hook.status_code in [200, 204]"),
        "{fixed}"
    );
    assert!(fixed.contains("page ${hook.status}"), "{fixed}");
    assert!(
        Doc::analyze("test.wf", &fixed).diagnostics().is_empty(),
        "{fixed}"
    );
}

#[test]
fn hover_tells_status_from_status_code() {
    let src = SRC.replace("probe.status == 503", "probe.status_code == 503");
    let d = Doc::analyze("test.wf", &src);
    let at = |needle: &str| src.find(needle).unwrap() + needle.len() - 2;
    let status = d.hover(at("${hook.status")).expect("a hover").markdown;
    assert!(status.contains("hook.status: string"), "{status}");
    assert!(status.contains("How the step ended"), "{status}");
    let code = d.hover(at("probe.status_code")).expect("a hover").markdown;
    assert!(code.contains("probe.status_code: int"), "{code}");
    assert!(code.contains("HTTP response status code"), "{code}");
}

#[test]
fn completion_offers_status_and_status_code_on_webhooks() {
    let src =
        "workflow w {\n  step h: webhook { url \"x\" }\n  step q: shell { run \"${h.}\" }\n}\n";
    let at = src.find("h.}").unwrap() + 2;
    let items = Doc::analyze("test.wf", src).completion(at);
    let detail = |label: &str| {
        let item = items.iter().find(|i| i.label == label).expect(label);
        item.detail.clone().unwrap_or_default()
    };
    assert_eq!(detail("status"), "string");
    assert_eq!(detail("status_code"), "int");
    assert_eq!(items.iter().filter(|i| i.label == "status").count(), 1);
}
