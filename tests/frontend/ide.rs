//! Tests of the editor features (`wfc_language::ide`), with cursor markers.
//!
//! Each case is a workflow text with `$0` where the cursor is; the results
//! (completions, hovers, definitions, references, renames, code actions) are
//! rendered as text and snapshotted with insta (`tests/frontend/snapshots/`).

use wfc_language::ide::{CompletionItem, Doc};

/// The text without its `$0` marker, and the marker's offset.
fn cursor(src: &str) -> (String, usize) {
    let at = src.find("$0").expect("a $0 cursor marker");
    (src.replacen("$0", "", 1), at)
}

fn doc(src: &str) -> (Doc, usize) {
    let (text, at) = cursor(src);
    (Doc::analyze("test.wf", &text), at)
}

fn render_completions(items: &[CompletionItem]) -> String {
    let mut items: Vec<&CompletionItem> = items.iter().collect();
    items.sort_by(|a, b| {
        let ka = a.sort_key.as_deref().unwrap_or(&a.label);
        let kb = b.sort_key.as_deref().unwrap_or(&b.label);
        ka.cmp(kb).then(a.label.cmp(&b.label))
    });
    items
        .iter()
        .map(|i| {
            let mut line = format!("{} ({:?})", i.label, i.kind);
            if let Some(d) = &i.detail {
                line.push_str(&format!(" — {}", d.lines().next().unwrap_or("")));
            }
            if let Some(t) = &i.insert_text {
                if *t != i.label {
                    line.push_str(&format!("\n    insert: {}", t.replace('\n', "⏎")));
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn complete(src: &str) -> String {
    let (d, at) = doc(src);
    render_completions(&d.completion(at))
}

fn labels(src: &str) -> Vec<String> {
    let (d, at) = doc(src);
    let mut v: Vec<String> = d.completion(at).into_iter().map(|i| i.label).collect();
    v.sort();
    v
}

/// `line:col text` of a span (1-based), for readable snapshots.
fn show(text: &str, span: &std::ops::Range<usize>) -> String {
    let line = text[..span.start].matches('\n').count() + 1;
    let col = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{col} `{}`", &text[span.clone()])
}

const DEPLOY: &str = r#"workflow deploy {
  ## Which environment to deploy to.
  param env: string in ["staging", "prod"] = "staging"
  param version: string
  param regions: list<string> = ["eu", "us"]

  step lint: shell {
    run "cargo clippy"
    estimate 40s
  }

  ## Runs the whole test suite.
  step test: shell {
    run "cargo test"
    outputs { coverage: float }
  }

  step build: docker {
    image "rust:1.83"
    run "cargo build --release --features ${env}"
    depends on lint, test
  }

  for each region in regions parallel 2 {
    step ship: shell {
      run "deploy --version ${version} --region ${region}"
      depends on build
    }
  }

  parallel probes wait any {
    depends on ship
    step probe_eu: http { get "https://eu.example.com/health" }
  }

  step announce: slack {
    webhook "https://hooks.example.com"
    message "coverage ${test.outputs.coverage}, built ${build.stdout}"
    depends on probes
  }
}
"#;

/// DEPLOY with `$0` inserted before the `n`-th occurrence of `needle` (plus `shift` bytes).
fn at(needle: &str, n: usize, shift: usize) -> String {
    let pos = DEPLOY.match_indices(needle).nth(n).expect("needle").0 + shift;
    format!("{}$0{}", &DEPLOY[..pos], &DEPLOY[pos..])
}

// ---- completion ------------------------------------------------------------------

#[test]
fn completes_keywords_where_an_item_starts() {
    insta::assert_snapshot!(complete("workflow w {\n  $0\n}\n"));
}

#[test]
fn completes_step_kinds_after_step_name() {
    insta::assert_snapshot!(complete("workflow w {\n  step build: $0\n}\n"));
}

#[test]
fn completes_a_shell_steps_switches_to_their_other_value() {
    let (d, at) = doc("workflow w {\n  step s: shell {\n    run \"x\"\n    $0\n  }\n}\n");
    let items = d.completion(at);
    let insert = |label: &str| {
        let item = items.iter().find(|i| i.label == label);
        item.and_then(|i| i.insert_text.clone())
    };
    assert_eq!(insert("detach").as_deref(), Some("detach ${1:true}"));
    assert_eq!(insert("strict").as_deref(), Some("strict ${1:false}"));
    let hover = items.iter().find(|i| i.label == "detach").unwrap();
    assert!(format!("{hover:?}").contains("outlives it"), "{hover:?}");
}

#[test]
fn completes_kind_name_without_body_when_brace_follows() {
    let got = labels("workflow w {\n  step build: sh$0 {\n  }\n}\n");
    assert!(got.contains(&"shell".to_string()), "{got:?}");
    let (d, at) = doc("workflow w {\n  step build: sh$0 {\n  }\n}\n");
    let shell = d
        .completion(at)
        .into_iter()
        .find(|i| i.label == "shell")
        .unwrap();
    assert_eq!(shell.insert_text, None);
    assert_eq!(shell.replace, Some(at - 2..at));
}

#[test]
fn completes_fields_of_the_step_kind_with_required_snippet() {
    insta::assert_snapshot!(complete(
        "workflow w {\n  step mail: email {\n    to \"a@b.c\"\n    $0\n  }\n}\n"
    ));
}

#[test]
fn completes_fields_in_a_broken_file() {
    // The file does not parse (unclosed step), completion still knows the kind.
    let got = labels("workflow w {\n  step s: http {\n    get \"x\"\n    ex$0\n");
    assert!(got.contains(&"expect".to_string()), "{got:?}");
    assert!(
        !got.iter().any(|l| l == "get"),
        "present fields are left out: {got:?}"
    );
}

#[test]
fn completes_a_second_field_on_the_same_line() {
    let got = labels("workflow w {\n  step s: http { get \"x\"  $0 }\n}\n");
    assert!(got.contains(&"expect".to_string()), "{got:?}");
}

#[test]
fn completes_names_after_depends_on() {
    insta::assert_snapshot!(complete(&at("depends on lint, test", 0, 11)));
}

#[test]
fn depends_on_leaves_out_listed_names_and_the_step_itself() {
    let src = at("depends on lint, test", 0, 17);
    let got = labels(&src);
    assert!(!got.contains(&"lint".to_string()), "{got:?}");
    assert!(!got.contains(&"build".to_string()), "{got:?}");
    assert!(got.contains(&"probes".to_string()), "{got:?}");
    assert!(got.contains(&"ship".to_string()), "{got:?}");
}

#[test]
fn depends_on_while_typing_in_a_broken_file() {
    let src = "workflow w {\n  step a: shell { run \"a\" }\n  step b: shell {\n    run \"b\"\n    depends on $0\n";
    assert_eq!(labels(src), vec!["a", "any(…)"]);
}

#[test]
fn completes_expression_names_inside_interpolation() {
    insta::assert_snapshot!(complete(&at("${region}", 0, 2)));
}

#[test]
fn loop_variable_is_not_offered_outside_its_loop() {
    let got = labels(&at("${env}", 0, 2));
    assert!(!got.contains(&"region".to_string()), "{got:?}");
    assert!(got.contains(&"env".to_string()));
    assert!(got.contains(&"len".to_string()));
}

#[test]
fn completes_outputs_after_step_dot() {
    insta::assert_snapshot!(complete(&at("test.outputs.coverage}", 0, 5)));
}

#[test]
fn completes_declared_outputs_after_outputs_dot() {
    assert_eq!(labels(&at("coverage}", 0, 0)), vec!["coverage"]);
}

#[test]
fn completes_http_outputs() {
    let src =
        "workflow w {\n  step p: http { get \"x\" }\n  step q: shell { run \"${p.$0}\" }\n}\n";
    assert_eq!(
        labels(src),
        vec!["body", "headers", "json", "status", "status_code"]
    );
}

#[test]
fn completes_param_types() {
    insta::assert_snapshot!(complete("workflow w {\n  param n: $0\n}\n"));
}

#[test]
fn completes_types_in_outputs_and_type_arguments() {
    assert!(labels("workflow w {\n  param n: list<$0\n}\n").contains(&"int".to_string()));
    let src = "workflow w {\n  step s: shell {\n    run \"x\"\n    outputs { n: $0 }\n  }\n}\n";
    assert!(labels(src).contains(&"float".to_string()));
}

#[test]
fn completes_keyword_values() {
    let src = "workflow w {\n  step g: gate {\n    check true\n    on fail $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["abort", "continue", "pause"]);
    let src = "workflow w {\n  step d: docker {\n    image \"x\"\n    pull $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["always", "missing", "never"]);
}

#[test]
fn offers_failed_in_the_failure_handler() {
    let src = "workflow w {\n  step a: shell { run \"a\" }\n  on failure {\n    step n: shell { run \"echo ${failed.$0}\" }\n  }\n}\n";
    assert_eq!(labels(src), vec!["error", "step"]);
}

#[test]
fn nothing_inside_string_text_or_comments() {
    assert!(labels("workflow w {\n  step a: shell { run \"ec$0ho\" }\n}\n").is_empty());
    assert!(labels("workflow w {\n  # a comm$0ent\n}\n").is_empty());
}

#[test]
fn completes_workflow_at_file_start() {
    assert_eq!(labels("$0"), vec!["workflow"]);
}

// ---- hover -----------------------------------------------------------------------

fn hover(src: &str) -> String {
    let (d, at) = doc(src);
    match d.hover(at) {
        Some(h) => format!("{}\n---\n{}", show(d.text(), &h.span), h.markdown),
        None => "(no hover)".into(),
    }
}

#[test]
fn hover_param_shows_declaration_and_doc() {
    insta::assert_snapshot!(hover(&at("${env}", 0, 3)));
}

#[test]
fn hover_required_param() {
    insta::assert_snapshot!(hover(&at("${version}", 0, 3)));
}

#[test]
fn hover_step_shows_kind_summary_estimate_deps_outputs() {
    insta::assert_snapshot!(hover(&at("lint, test", 0, 1)));
    insta::assert_snapshot!("hover_step_with_deps", hover(&at("build:", 0, 1)));
}

#[test]
fn hover_step_kind_and_field() {
    insta::assert_snapshot!(hover(&at("docker {", 0, 2)));
    insta::assert_snapshot!("hover_field_image", hover(&at("image", 0, 1)));
}

#[test]
fn hover_output_and_declared_output() {
    insta::assert_snapshot!(hover(&at("stdout}", 0, 2)));
    insta::assert_snapshot!("hover_declared_output", hover(&at("coverage}", 0, 2)));
}

#[test]
fn hover_function_loop_var_and_block() {
    let src = "workflow w {\n  param xs: list<string> = [\"a\"]\n  step s: shell { run \"${le$0n(xs)}\" }\n}\n";
    insta::assert_snapshot!(hover(src));
    insta::assert_snapshot!("hover_loop_var", hover(&at("${region}", 0, 3)));
    insta::assert_snapshot!("hover_block", hover(&at("depends on probes", 0, 12)));
}

#[test]
fn hover_field_in_a_broken_file() {
    let src = "workflow w {\n  step s: shell {\n    wor$0kdir \"/tmp\"\n";
    assert!(
        hover(src).contains("The directory to run in."),
        "{}",
        hover(src)
    );
}

// ---- definition, references, rename ------------------------------------------------

fn definition(src: &str) -> String {
    let (d, at) = doc(src);
    d.definition(at)
        .map_or("(none)".into(), |s| show(d.text(), &s))
}

fn references(src: &str) -> String {
    let (d, at) = doc(src);
    d.references(at, true)
        .iter()
        .map(|s| show(d.text(), s))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn definition_of_steps_params_loop_vars_blocks_outputs() {
    assert_eq!(definition(&at("lint, test", 0, 0)), "7:8 `lint`");
    assert_eq!(definition(&at("${env}", 0, 2)), "3:9 `env`");
    assert_eq!(definition(&at("${region}", 0, 2)), "24:12 `region`");
    assert_eq!(
        definition(&at("depends on probes", 0, 12)),
        "31:12 `probes`"
    );
    assert_eq!(definition(&at("coverage}", 0, 1)), "15:15 `coverage`");
    assert_eq!(definition(&at("test.outputs", 0, 1)), "13:8 `test`");
    assert_eq!(definition(&at("regions parallel", 0, 1)), "5:9 `regions`");
}

#[test]
fn references_of_a_step_include_depends_on_and_outputs() {
    insta::assert_snapshot!(references(&at("step test", 0, 6)));
}

#[test]
fn references_of_a_loop_variable() {
    assert_eq!(
        references(&at("region in", 0, 1)),
        "24:12 `region`\n26:51 `region`"
    );
}

fn rename(src: &str, new_name: &str) -> Result<String, String> {
    let (d, at) = doc(src);
    let mut edits = d.rename(at, new_name)?;
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut text = d.text().to_string();
    for e in edits {
        text.replace_range(e.span, &e.new_text);
    }
    Ok(text)
}

#[test]
fn rename_a_step_everywhere() {
    let out = rename(&at("step test", 0, 6), "unit_tests").unwrap();
    insta::assert_snapshot!(out);
    // The renamed file checks clean, like the original.
    assert!(!Doc::analyze("x.wf", &out).analysis.has_errors());
    // Strings that merely contain the word are untouched.
    assert!(out.contains("run \"cargo test\""));
}

#[test]
fn rename_param_block_and_loop_variable() {
    let out = rename(&at("${version}", 0, 2), "release").unwrap();
    assert!(out.contains("param release: string") && out.contains("${release}"));
    let out = rename(&at("parallel probes", 0, 10), "health").unwrap();
    assert!(out.contains("parallel health wait any") && out.contains("depends on health"));
    let out = rename(&at("${region}", 0, 2), "r").unwrap();
    assert!(out.contains("for each r in regions") && out.contains("--region ${r}"));
    assert!(!Doc::analyze("x.wf", &out).analysis.has_errors());
}

#[test]
fn rename_refuses_bad_and_clashing_names() {
    let src = at("step test", 0, 6);
    assert!(rename(&src, "lint").unwrap_err().contains("already"));
    assert!(rename(&src, "9lives")
        .unwrap_err()
        .contains("not a valid name"));
    assert!(rename(&src, "step").unwrap_err().contains("keyword"));
    assert!(rename(&src, "env").unwrap_err().contains("already"));
    let (d, at) = doc(&at("stdout}", 0, 2));
    assert!(d.prepare_rename(at).is_err());
    let (d, at) = doc("workflow w {\n  step a$0: shell {\n");
    assert!(d.prepare_rename(at).unwrap_err().contains("syntax error"));
}

#[test]
fn prepare_rename_gives_the_name_span() {
    let (d, at) = doc(&at("lint, test", 0, 2));
    assert_eq!(
        show(d.text(), &d.prepare_rename(at).unwrap()),
        "21:16 `lint`"
    );
}

// ---- code actions, diagnostics, outline, folding, tokens, formatting ---------------

fn apply(text: &str, edits: &[wfc_language::ide::TextEdit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut text = text.to_string();
    for e in edits {
        text.replace_range(e.span, &e.new_text);
    }
    text
}

#[test]
fn did_you_mean_fix_as_code_action() {
    let text = "workflow w {\n  step a: shell {\n    rnu \"echo\"\n  }\n}\n";
    let d = Doc::analyze("x.wf", text);
    let diags = d.diagnostics();
    let i = diags.iter().position(|x| x.code == "E0102").expect("E0102");
    assert!(diags[i].message.contains("help: did you mean `run`?"));
    let actions = d.code_actions(diags[i].span.clone());
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].title, "replace with `run`");
    assert_eq!(actions[0].diagnostic, Some(i));
    let fixed = apply(text, &actions[0].edits);
    assert!(
        !Doc::analyze("x.wf", &fixed).analysis.has_errors(),
        "{fixed}"
    );
}

#[test]
fn add_missing_required_fields_code_action() {
    let text = "workflow w {\n  step mail: email {\n    to \"ops@example.com\"\n  }\n  step s: slack {}\n}\n";
    let d = Doc::analyze("x.wf", text);
    let mut out = String::new();
    for diag in d.diagnostics().iter().filter(|x| x.code == "E0103") {
        for a in d.code_actions(diag.span.clone()) {
            out.push_str(&format!("{}\n{}\n", a.title, apply(text, &a.edits)));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn diagnostics_are_those_of_wfc_check() {
    let text = "workflow w {\n  step a: shell { run \"x\" }\n  step a: shell { run \"y\" }\n  param unused: int = 1\n}\n";
    let d = Doc::analyze("x.wf", text);
    let ours: Vec<(String, std::ops::Range<usize>)> = d
        .diagnostics()
        .into_iter()
        .map(|x| (x.code, x.span))
        .collect();
    let check = wfc_language::analysis::analyze("x.wf", text);
    let theirs: Vec<(String, std::ops::Range<usize>)> = check
        .diagnostics()
        .iter()
        .map(|x| {
            let s = x.primary_span().unwrap();
            (x.code.to_string(), s.start as usize..s.end as usize)
        })
        .collect();
    assert_eq!(ours, theirs);
    let dup = d
        .diagnostics()
        .into_iter()
        .find(|x| x.code == "E0120")
        .expect("duplicate step");
    assert_eq!(
        dup.related.len(),
        1,
        "the first definition is a related location"
    );
}

#[test]
fn outline_folding_and_tokens() {
    let d = Doc::analyze("x.wf", DEPLOY);
    let mut out = String::new();
    fn walk(s: &wfc_language::ide::Symbol, depth: usize, out: &mut String) {
        out.push_str(&format!(
            "{}{:?} {} {}\n",
            "  ".repeat(depth),
            s.kind,
            s.name,
            s.detail.clone().unwrap_or_default()
        ));
        for c in &s.children {
            walk(c, depth + 1, out);
        }
    }
    for s in d.symbols() {
        walk(&s, 0, &mut out);
    }
    out.push_str("-- folds\n");
    for f in d.folding_ranges() {
        let a = show(DEPLOY, &(f.span.start..f.span.start + 1));
        let b = show(DEPLOY, &(f.span.end - 1..f.span.end));
        out.push_str(&format!(
            "{a} .. {b}{}\n",
            if f.comment { " comment" } else { "" }
        ));
    }
    out.push_str("-- tokens of line 26\n");
    let line26 = DEPLOY.match_indices('\n').nth(24).unwrap().0
        ..DEPLOY.match_indices('\n').nth(25).unwrap().0;
    for t in d
        .semantic_tokens()
        .iter()
        .filter(|t| t.span.start > line26.start && t.span.end <= line26.end)
    {
        out.push_str(&format!(
            "{:?}{} `{}`\n",
            t.kind,
            if t.declaration { " (decl)" } else { "" },
            &DEPLOY[t.span.clone()]
        ));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn formatting_uses_wfc_fmt() {
    let text = "workflow w {\nstep a: shell {run \"x\"}\n}\n";
    let d = Doc::analyze("x.wf", text);
    assert_eq!(d.format(), wfc_language::fmt::format_source(text).ok());
    assert!(d.format().unwrap().contains("  step a: shell"));
    assert_eq!(Doc::analyze("x.wf", "workflow {").format(), None);
}

#[test]
fn every_query_survives_every_prefix_of_an_example() {
    // Never panics: run every query at many offsets of truncated texts.
    let text = std::fs::read_to_string("examples/deploy.wf").unwrap();
    let cuts: Vec<usize> = (0..text.len())
        .step_by(37)
        .filter(|i| text.is_char_boundary(*i))
        .collect();
    for &cut in &cuts {
        let d = Doc::analyze("x.wf", &text[..cut]);
        let _ = (
            d.diagnostics(),
            d.symbols(),
            d.semantic_tokens(),
            d.folding_ranges(),
            d.format(),
        );
        for at in (0..=cut).step_by(97) {
            let _ = (
                d.completion(at),
                d.hover(at),
                d.definition(at),
                d.references(at, true),
            );
            let _ = (d.prepare_rename(at), d.code_actions(at..at));
        }
    }
}

#[test]
fn depends_on_leaves_out_steps_of_handlers_and_rollbacks() {
    let src = "workflow w {\n  step a: shell {\n    run \"a\"\n    on failure rollback {\n      step undo: shell { run \"u\" }\n    }\n  }\n  on success {\n    step tell: shell { run \"t\" }\n  }\n  step b: shell {\n    run \"b\"\n    depends on $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["a", "any(…)"]);
}

// ---- polling, sleeping and block settings ------------------------------------------

const POLL: &str = "workflow w {\n  param pause: duration = 1s\n  step ready: http {\n    get \"http://x/status\"\n    until ready.status_code == 200 every 5s within 1m\n  }\n  step nap: sleep { duration pause }\n}\n";

#[test]
fn completes_until_sleep_and_their_keywords() {
    let src = "workflow w {\n  step ready: http {\n    get \"http://x\"\n    $0\n  }\n}\n";
    assert!(labels(src).contains(&"until".to_string()));
    assert!(labels("workflow w {\n  step nap: $0\n}\n").contains(&"sleep".to_string()));
    let src = "workflow w {\n  step nap: sleep {\n    $0\n  }\n}\n";
    assert!(labels(src).contains(&"duration".to_string()));
    let src = "workflow w {\n  step r: http {\n    get \"http://x\"\n    until r.status_code == 200 $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["every"]);
    let src = "workflow w {\n  step r: http {\n    get \"http://x\"\n    until r.status_code == 200 every 5s $0\n  }\n}\n";
    assert_eq!(labels(src), vec!["within"]);
    // A block's top offers `env` and `defaults`, which its members inherit.
    let src = "workflow w {\n  for each x in [\"a\"] {\n    $0\n  }\n}\n";
    let l = labels(src);
    assert!(
        l.contains(&"env".to_string()) && l.contains(&"defaults".to_string()),
        "{l:?}"
    );
}

#[test]
fn hovers_until_and_sleep_duration_and_highlights_the_keywords() {
    let (d, at) = doc(&POLL.replacen("until", "un$0til", 1));
    let h = d.hover(at).expect("a hover on `until`").markdown;
    assert!(
        h.contains("until") && h.contains("`within` it fails"),
        "{h}"
    );
    let (d, at) = doc(&POLL.replacen("step ready", "step rea$0dy", 1));
    let h = d.hover(at).expect("a hover on the step").markdown;
    assert!(
        h.contains("until ready.status_code == 200 every 5s within 1m"),
        "{h}"
    );
    let (d, at) = doc(&POLL.replacen("duration pause", "dura$0tion pause", 1));
    let h = d.hover(at).expect("a hover on `duration`").markdown;
    assert!(h.contains("How long to wait"), "{h}");
    // `until` is a field (as `retry`), `every` and `within` its keywords.
    let d = Doc::analyze("x.wf", POLL);
    let kinds: Vec<String> = d
        .semantic_tokens()
        .iter()
        .map(|t| format!("{:?} {}", t.kind, &POLL[t.span.clone()]))
        .collect();
    for k in [
        "Field until",
        "Keyword every",
        "Keyword within",
        "StepKind sleep",
    ] {
        assert!(kinds.contains(&k.to_string()), "no `{k}` in {kinds:?}");
    }
}

/// A release with a sequence, `after` and a `.status` read.
const ORDER: &str = r#"workflow w {
  step build: shell { run "make" }
  sequence release {
    step tag: shell { run "git tag" }
    step push: shell { run "git push" }
  }
  step cleanup: shell {
    run "echo ${push.status}"
    after release
  }
}
"#;

#[test]
fn completes_sequence_after_and_names_after_after() {
    let src = "workflow w {\n  step a: shell { run \"a\" }\n  sequence s { step b: shell { run \"b\" } }\n  step c: shell {\n    run \"c\"\n    after $0\n";
    // Steps and named blocks, the step itself left out.
    assert_eq!(labels(src), vec!["a", "b", "s"]);
    let items = labels("workflow w {\n  $0\n}\n");
    assert!(items.contains(&"sequence".to_string()), "{items:?}");
    let fields = labels("workflow w {\n  step a: shell {\n    $0\n  }\n}\n");
    assert!(fields.contains(&"after".to_string()), "{fields:?}");
    let outputs = labels(
        "workflow w {\n  step a: shell { run \"a\" }\n  step b: shell { run \"${a.$0}\" }\n}\n",
    );
    assert!(outputs.contains(&"status".to_string()), "{outputs:?}");
}

#[test]
fn hovers_status_and_a_sequence() {
    let at = |needle: &str, shift: usize| {
        let i = ORDER.find(needle).unwrap() + shift;
        format!("{}$0{}", &ORDER[..i], &ORDER[i..])
    };
    let status = hover(&at("status}", 2));
    assert!(status.contains("push.status: string"), "{status}");
    assert!(status.contains("however the step ended"), "{status}");
    let seq = hover(&at("release\n  }", 2));
    assert!(seq.contains("sequence release"), "{seq}");
    assert!(seq.contains("one after another"), "{seq}");
}

#[test]
fn outlines_a_sequence_and_marks_its_keywords_and_name() {
    let d = Doc::analyze("order.wf", ORDER);
    let outline = d.symbols();
    let seq = outline[0]
        .children
        .iter()
        .find(|s| s.name == "release")
        .expect("the sequence in the outline");
    let members: Vec<&str> = seq.children.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(members, ["tag", "push"]);
    let token = |word: &str| {
        let at = ORDER.find(word).unwrap();
        d.semantic_tokens()
            .into_iter()
            .find(|t| t.span.start == at)
            .map(|t| format!("{:?}", t.kind))
    };
    assert_eq!(token("sequence").as_deref(), Some("Keyword"));
    assert_eq!(token("after").as_deref(), Some("Keyword"));
    // `after release` goes to the sequence's name.
    let use_at = ORDER.find("after release").unwrap() + 8;
    let def = d.definition(use_at).expect("a definition");
    assert_eq!(&ORDER[def], "release");
}

#[test]
fn a_comprehension_variable_has_hover_definition_references_and_rename() {
    let on_use = "workflow w {\n  param xs: list<int> = [1, 2]\n  let doubled = [$0x * 2 for x in xs if x > 1]\n  step s: shell { run \"echo ${len(doubled)}\" }\n}\n";
    let h = hover(on_use);
    assert!(
        h.contains("x: int") && h.contains("comprehension over `xs`"),
        "{h}"
    );
    assert_eq!(definition(on_use), "3:28 `x`");
    assert_eq!(references(on_use), "3:18 `x`\n3:28 `x`\n3:39 `x`");
    let renamed = rename(on_use, "n").unwrap();
    assert!(
        renamed.contains("[n * 2 for n in xs if n > 1]"),
        "{renamed}"
    );
}
