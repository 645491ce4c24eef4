//! Calls inlined by the plan: golden plans (text, JSON, DOT, Mermaid) of
//! the fixtures in `tests/plan/calls/` (a call of a call, a call in a loop,
//! a call with handlers and compensations, `depends on` a call), what the
//! merged graph holds, and the plan-time errors of calls (E0230, E0231, E0236, E0237).
//!
//! A fixture lists its cases as `tests/plan/` fixtures do (`# case: NAME
//! name=value …`). Update the snapshots with
//! `INSTA_UPDATE=always cargo test --test frontend plan_calls::`.

use std::path::PathBuf;

use wfc_language::analysis::analyze;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::Workflow;
use wfc_plan::{self as plan, render, DefaultEstimator, Options, ParamInput, Plan};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks `text` and plans its first workflow, calls inlined, with 2 workers.
fn plan_calls(text: &str, params: &[&str]) -> Result<(Plan, Workflow), Vec<Diagnostic>> {
    let a = analyze("calls.wf", text);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics());
    let wf = a.module.unwrap().into_first().ir;
    let mut input = ParamInput::default();
    for p in params {
        input.push_assignment(p).map_err(|d| vec![d])?;
    }
    plan::plan_with_calls(wf, &input, Options { jobs: Some(2) }, &DefaultEstimator)
}

fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn golden_calls() {
    let dir = root().join("tests/plan/calls");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut cases = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut listed: Vec<(String, Vec<String>)> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("# case:"))
            .map(|rest| {
                let mut words = rest.split_whitespace().map(str::to_string);
                (words.next().unwrap(), words.collect())
            })
            .collect();
        if listed.is_empty() {
            listed.push(("default".into(), Vec::new()));
        }
        for (case, params) in listed {
            cases.push((
                format!("{stem}@{case}"),
                (text.clone(), stem.clone(), params),
            ));
        }
    }
    wfc_testkit::check_each(cases, |name, (text, stem, params)| {
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let (p, wf) = plan_calls(&text, &params).unwrap_or_else(|d| panic!("{name}: {d:#?}"));
        let source = wfc_language::span::SourceFile::new(stem.as_str(), text.clone());
        insta::with_settings!({
            snapshot_path => root().join("tests/plan/calls/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}.txt"), render::text::render(&p, &wf, false));
            insta::assert_snapshot!(format!("{name}.json"), render::json::render(&p, &wf, Some(&source)));
            insta::assert_snapshot!(format!("{name}.dot"), render::dot::render(&p, &wf));
            insta::assert_snapshot!(format!("{name}.mermaid"), render::mermaid::render(&p, &wf));
        });
    });
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/plan/calls").join(name)).unwrap()
}

fn deps<'a>(p: &'a Plan, name: &str) -> Vec<&'a str> {
    let g = &p.main;
    let i = g.named(name).unwrap_or_else(|| panic!("no step {name}"));
    g.steps[i]
        .deps
        .iter()
        .map(|d| g.steps[d.on()].name.as_str())
        .collect()
}

#[test]
fn a_call_of_a_call_is_one_graph_with_the_callees_estimates_on_the_critical_path() {
    let (p, wf) = plan_calls(&fixture("call_of_call.wf"), &[]).unwrap();
    let names: Vec<&str> = p.main.steps.iter().map(|s| s.name.as_str()).collect();
    for n in [
        "ship.make.compile",
        "ship.make.test",
        "ship.make",
        "ship.push",
        "ship",
        "tell",
    ] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
    // The innermost callee's param default and the argument built from
    // the caller's param are both folded.
    let compile = &p.main.steps[p.main.named("ship.make.compile").unwrap()];
    let shown = render::summary(&wf, compile);
    assert_eq!(shown, "make -j4 TAG=v1.2.3");
    let path: Vec<&str> = p
        .schedule
        .critical_path
        .iter()
        .map(|&i| p.main.steps[i].name.as_str())
        .collect();
    assert_eq!(path[0], "ship.make.compile", "{path:?}");
    // 2m + 1m + 20s + 1s: the callees' own estimates.
    assert_eq!(p.schedule.critical_ms, 201_000);
    // No call is left for the run to refuse.
    assert!(p
        .main
        .steps
        .iter()
        .all(|s| s.kind != wfc_language::ir::StepKind::Call
            || s.fields.iter().any(|f| f.name == "failed")));
}

#[test]
fn depends_on_a_call_waits_for_its_join_which_waits_for_every_step_of_it() {
    let (p, _) = plan_calls(&fixture("depends_on_call.wf"), &[]).unwrap();
    assert_eq!(deps(&p, "next"), ["x"]);
    let mut join = deps(&p, "x");
    join.sort_unstable();
    assert_eq!(join, ["x.audit", "x.clippy", "x.fmt"]);
    // Pruned in the callee by the caller's param: the join does not wait for it.
    let (p, _) = plan_calls(&fixture("depends_on_call.wf"), &["env=dev"]).unwrap();
    assert!(p.main.named("x.audit").is_none());
    assert_eq!(p.pruned[0].steps, ["x.audit"]);
}

#[test]
fn a_call_in_a_loop_is_planned_once_per_item() {
    let (p, _) = plan_calls(&fixture("call_in_loop.wf"), &[]).unwrap();
    assert_eq!(deps(&p, "d[us].check"), ["d[us].up"]);
    let mut done = deps(&p, "done");
    done.sort_unstable();
    assert_eq!(done, ["d[eu]", "d[us]"]);
    let (p, _) = plan_calls(&fixture("call_in_loop.wf"), &[r#"regions=["ap"]"#]).unwrap();
    assert!(p.main.named("d[ap].up").is_some());
}

#[test]
fn handlers_of_a_callee_are_conditional_steps_and_its_compensations_stay() {
    let (p, _) = plan_calls(&fixture("call_with_handlers.wf"), &[]).unwrap();
    for h in ["x.alert", "x.cheer", "x.tidy"] {
        let s = &p.main.steps[p.main.named(h).unwrap()];
        assert!(s.optional && s.finally, "{h}");
        assert_eq!(deps(&p, h), ["a", "x"], "{h}");
    }
    let up = &p.main.steps[p.main.named("x.up").unwrap()];
    let rb = up.rollback.as_ref().expect("x.up keeps its compensation");
    assert_eq!(rb.steps[0].name, "x.down");
    // The caller's own handler is still the run's.
    assert!(p.handler(wfc_language::ir::HandlerKind::Failure).is_some());
}

const CONSTRAINED: &str = r#"workflow main {
  param target: string = "prod"
  step x: call ship { env target }
}
workflow ship {
  param env: string in ["dev", "prod"]
  step s: shell { run "echo ${env}" }
}
"#;

#[test]
fn an_argument_outside_the_callees_constraint_is_e0230_at_plan_time() {
    assert!(plan_calls(CONSTRAINED, &[]).is_ok());
    let d = plan_calls(CONSTRAINED, &["target=qa"]).unwrap_err();
    assert_eq!(codes(&d), ["E0230"]);
    assert!(d[0].message.contains("`env` = \"qa\""), "{}", d[0].message);
    // Pointed at the argument.
    let at = d[0].labels[0].span;
    assert_eq!(&CONSTRAINED[at.range()], "target");
}

/// Each plan-time code of calls has a fixture in `tests/plan/calls/errors/`
/// (`# params: …` gives params), planned to exactly that code, and the
/// CLI exits with the code's status (2: the params; 3: the workflow).
#[test]
fn every_call_error_has_a_fixture() {
    let dir = root().join("tests/plan/calls/errors");
    let source = std::fs::read_to_string(root().join("crates/plan/src/errors/calls.rs")).unwrap();
    let mut seen = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = e.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let code = name.split('-').next().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let params: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("# params:"))
            .map_or(Vec::new(), |p| p.split_whitespace().collect());
        let d = plan_calls(&text, &params).expect_err(&name);
        assert_eq!(codes(&d), [code.as_str()], "{name}: {d:#?}");
        assert!(!d[0].labels.is_empty() && d[0].help.is_some(), "{name}");
        let mut args = vec!["plan".to_string(), path.display().to_string()];
        for p in &params {
            args.push("--param".into());
            args.push(p.to_string());
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wfc"))
            .args(&args)
            .output()
            .unwrap();
        let want = if wfc_plan::errors::of_the_workflow(&code) {
            3
        } else {
            2
        };
        assert_eq!(out.status.code(), Some(want), "{name}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&code),
            "{name}"
        );
        seen.push(code);
    }
    seen.sort();
    for code in ["E0230", "E0231", "E0236", "E0237"] {
        assert!(
            source.contains(&format!("\"{code}\"")),
            "{code} not in errors/calls.rs"
        );
        assert!(seen.iter().any(|c| c == code), "no fixture for {code}");
    }
}

#[test]
fn a_setting_from_defaults_is_not_the_calls_own() {
    let text = r#"workflow main {
  defaults { timeout 5m  retry 1 }
  step x: call w { }
}
workflow w { step s: shell { run "true" } }
"#;
    assert!(plan_calls(text, &[]).is_ok());
}

/// A callee from another file (an import) has spans into that file: every
/// inlined span becomes the call's, so nothing points into the wrong text.
#[test]
fn spans_of_a_callee_from_another_file_are_the_calls() {
    let text = r#"workflow main {
  step x: call w { }
}
workflow w {
  step s: shell { run "echo s" }
  step t: shell { run "echo ${s.stdout}"  depends on s }
}
"#;
    let a = analyze("calls.wf", text);
    let mut wf = a.module.unwrap().into_first().ir;
    let call = wf.steps[0].call.as_mut().unwrap();
    let mut callee = Workflow::clone(call.callee.as_ref().unwrap());
    callee.file = Some("lib/other.wf".into());
    call.callee = Some(std::sync::Arc::new(callee));
    let site = wf.steps[0].span;
    let merged = plan::inline::inline(wf).unwrap().wf;
    for s in merged.steps.iter().filter(|s| s.name.starts_with("x.")) {
        assert_eq!((s.span, s.name_span), (site, site), "{}", s.name);
        for f in &s.fields {
            if let wfc_language::ir::FieldValue::Expr(e) = &f.value {
                e.walk(&mut |x| assert_eq!(x.span, site, "{}", s.name));
            }
        }
        assert!(s.depends_on.iter().all(|d| d.span == site));
    }
}

#[test]
fn loop_items_follow_the_name_they_repeat() {
    let text = r#"workflow main {
  for each r in ["eu", "us"] {
    step d: call inner { region r }
  }
}
workflow inner {
  param region: string
  for each k in [1, 2] {
    step w: call leaf { }
  }
}
workflow leaf { step s: shell { run "true" } }
"#;
    let (p, _) = plan_calls(text, &[]).unwrap();
    let names: Vec<&str> = p.main.steps.iter().map(|s| s.name.as_str()).collect();
    for n in ["d[eu].w[1].s", "d[eu].w[2]", "d[us].w[2].s", "d[us]"] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
}

/// In a callee's handlers, `failed.error`, `run.duration` and
/// `run.failures` read what the join recorded, through `default(…)` so the
/// read only orders; `run.status` is the join's status.
#[test]
fn a_callees_handlers_read_how_the_call_ended() {
    let text = r#"workflow main { step x: call w { } }
workflow w {
  step s: shell { run "true" }
  on failure {
    step tell: shell { run "echo ${failed.error} ${run.duration}" }
    step count: shell { run "echo ${len(run.failures)} ${run.status}" }
  }
}
"#;
    let (p, wf) = plan_calls(text, &[]).unwrap();
    let summary = |name: &str| render::summary(&wf, &p.main.steps[p.main.named(name).unwrap()]);
    assert_eq!(
        summary("x.tell"),
        r#"echo ${default(x.error, "")} ${default(x.duration, 0s)}"#
    );
    assert_eq!(
        summary("x.count"),
        "echo ${len(default(x.failures, []))} ${x.status}"
    );
}

/// `retry` on a call is each callee step's that sets none of its own; the
/// join itself retries nothing.
#[test]
fn retry_on_a_call_is_its_steps_that_set_none() {
    let text = r#"workflow main { step x: call w { retry 3 backoff 1s } }
workflow w {
  step a: shell { run "true" }
  step b: shell { run "true"  retry 1 }
}
"#;
    let (p, _) = plan_calls(text, &[]).unwrap();
    let count = |name: &str| {
        let s = &p.main.steps[p.main.named(name).unwrap()];
        s.retry.as_ref().map(|r| r.count)
    };
    assert_eq!(count("x.a"), Some(3));
    assert_eq!(count("x.b"), Some(1));
    assert_eq!(count("x"), None);
}
