//! Hover on every construct of the language's second round: the run
//! context (`run.*`, `failed.*`), import lines, call targets and params,
//! workflow outputs, `let`, `sequence`, `after`, `until` and the keywords
//! around them. Each hover names the thing and says what it is.

use wfc_language::ide::Doc;
use wfc_language::program::{Disk, FileKey};

const SRC: &str = r#"import "std/notify.wf" as note

## Ships it.
workflow w {
  param version: string = "1.0"
  let image = "api:${version}"
  step build: shell { run "make ${image} ${run.id}" }
  sequence rollout {
    step a: shell { run "a" }
    step b: shell { run "b" }
  }
  step probe: http {
    get "http://x"
    until probe.status_code == 200 every 5s within 1m
    after build
  }
  step tell: call note.slack { text "shipped ${version}" }
  outputs {
    url: string = build.stdout
  }
  on failure {
    step log: shell { run "echo ${failed.step} ${failed.error} ${run.trigger}" }
  }
}
"#;

fn doc() -> Doc {
    let d = Doc::analyze_program(FileKey::Path("/tmp/hover/w.wf".into()), SRC, &Disk);
    let errors: Vec<_> = d
        .diagnostics()
        .into_iter()
        .filter(|d| d.code.starts_with('E'))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    d
}

/// The hover at the `n`th occurrence of `needle`, `shift` bytes in.
fn hover(d: &Doc, needle: &str, n: usize, shift: usize) -> String {
    let at = SRC.match_indices(needle).nth(n).expect(needle).0 + shift;
    match d.hover(at) {
        Some(h) => {
            assert!(h.span.contains(&at) || h.span.end == at, "{h:?} at {at}");
            h.markdown
        }
        None => panic!("no hover on {needle:?} (+{shift})"),
    }
}

#[track_caller]
fn has(markdown: &str, want: &str) {
    assert!(markdown.contains(want), "{want:?} in:\n{markdown}");
}

#[test]
fn the_run_context_and_failed() {
    let d = doc();
    has(&hover(&d, "run.id", 0, 5), "run.id: string");
    has(&hover(&d, "run.id", 0, 5), "wfc history");
    has(&hover(&d, "run.trigger", 0, 6), "run.trigger: string");
    let run = hover(&d, "run.id", 0, 1);
    has(&run, "The run itself");
    has(&run, "run.failures");
    has(&hover(&d, "failed.step", 0, 8), "failed.step: string");
    has(&hover(&d, "failed.error", 0, 9), "failed.error: string");
    let failed = hover(&d, "failed.step", 0, 2);
    has(&failed, "on failure");
    has(&failed, "failed.error");
}

#[test]
fn an_import_line_shows_the_module_and_its_workflows() {
    let d = doc();
    for (needle, shift) in [("\"std/notify.wf\"", 3), ("note\n", 1), ("import", 2)] {
        let md = hover(&d, needle, 0, shift);
        if needle == "import" {
            has(&md, "import \"PATH\" [as NAME]");
            continue;
        }
        has(&md, "Module `note`, from `std/notify.wf`");
        has(&md, "`call note.slack`");
    }
    has(
        &hover(&d, "as note", 0, 1),
        "The name the imported module is called by",
    );
}

#[test]
fn a_call_target_and_its_params() {
    let d = doc();
    has(&hover(&d, "note.slack", 0, 6), "workflow slack");
    has(&hover(&d, "note.slack", 0, 1), "workflow slack");
    has(&hover(&d, "text \"shipped", 0, 1), "text");
    has(&hover(&d, "call note", 0, 1), "call");
}

#[test]
fn outputs_let_sequence_after_until() {
    let d = doc();
    has(&hover(&d, "url:", 0, 1), "url: string");
    has(
        &hover(&d, "outputs {", 0, 2),
        "outputs { NAME: TYPE = EXPR }",
    );
    has(&hover(&d, "let image", 0, 1), "let NAME = EXPR");
    has(&hover(&d, "let image", 0, 5), "let image: string");
    has(&hover(&d, "sequence rollout", 0, 2), "one after another");
    has(&hover(&d, "rollout {", 0, 2), "sequence rollout");
    has(&hover(&d, "after build", 0, 2), "after");
    has(&hover(&d, "until probe", 0, 2), "until");
    has(&hover(&d, "every 5s", 0, 2), "every D");
    has(&hover(&d, "within 1m", 0, 2), "deadline");
    has(&hover(&d, "on failure", 0, 1), "failed.step");
    has(&hover(&d, "on failure", 0, 5), "failed.step");
}

#[test]
fn a_keyword_hover_works_in_text_that_does_not_parse() {
    let src = "workflow w {\n  sequence {\n    step a: shell { run \"x\"\n";
    let d = Doc::analyze("t.wf", src);
    let h = d.hover(src.find("sequence").unwrap() + 1).expect("a hover");
    assert!(h.markdown.contains("one after another"), "{}", h.markdown);
}
