//! Comprehensions, the collection functions and times folded at plan time:
//! what is known becomes a value (and the plan's literals read back as the
//! same value), what fails fails with its code, and `now()` is never folded.

use wfc_language::analysis::analyze;
use wfc_language::ir::Workflow;
use wfc_plan::lets::LetValue;
use wfc_plan::{plan, DefaultEstimator, Options, ParamInput, Plan, Value};

fn checked(body: &str) -> Workflow {
    let a = analyze(
        "t.wf",
        format!("workflow w {{\n{body}\n  step s: shell {{ run \"true\" }}\n}}\n"),
    );
    let c = a.first().unwrap();
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    c.ir.clone()
}

fn planned(body: &str, cli: &[(&str, &str)]) -> Result<Plan, String> {
    let wf = checked(body);
    let input = ParamInput {
        cli: cli
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    plan(&wf, &input, Options { jobs: Some(1) }, &DefaultEstimator).map_err(|ds| {
        ds.iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The folded value of each let, as text (`?` for one the run computes).
fn lets(body: &str, cli: &[(&str, &str)]) -> Vec<String> {
    let p = planned(body, cli).unwrap();
    p.lets
        .iter()
        .map(|l| match &l.value {
            LetValue::Known(v) => v.literal(),
            _ => "?".into(),
        })
        .collect()
}

#[test]
fn comprehensions_and_collection_functions_fold() {
    let body = r#"
  param files: list<string> = ["a.csv", "b.txt", "c.csv", "a.csv"]
  let csvs = [upper(f) for f in files if ends_with(f, ".csv")]
  let nested = [[x * y for y in [1, 2]] for x in [1, 10]]
  let flat = flatten(nested)
  let stats = [sum(flat), min(flat), max(flat), count(files, "a.csv")]
  let tidy = sort(unique(files))
  let checks = [any([f == "b.txt" for f in files]), all([len(f) == 5 for f in files])]
  let mixed = sum([1, 0.5])"#;
    assert_eq!(
        lets(body, &[]),
        [
            r#"["A.CSV", "C.CSV", "A.CSV"]"#,
            "[[1, 2], [10, 20]]",
            "[1, 2, 10, 20]",
            "[33, 1, 20, 2]",
            r#"["a.csv", "b.txt", "c.csv"]"#,
            "[true, true]",
            "1.5",
        ]
    );
    // Bound params are folded too.
    assert_eq!(lets(body, &[("files", "x.csv")])[0], r#"["X.CSV"]"#);
}

#[test]
fn times_fold_and_read_back() {
    let body = r#"
  param at: time
  let later = at + 90m
  let gap = parse_time("2026-05-02T00:00:00Z") - at
  let text = format_time(at, "%Y-%m-%d %H:%M %Z", "Europe/Berlin")
  let parsed = parse_time("01/05/2026 09:30", "%d/%m/%Y %H:%M") == at
  let ordered = sort([at + 1h, at])
  let now_is_not_folded = now() - at
  let started_is_not_folded = run.started"#;
    assert_eq!(
        lets(body, &[("at", "2026-05-01T11:30:00+02:00")]),
        [
            r#"parse_time("2026-05-01T11:00:00Z")"#,
            "14h30m",
            r#""2026-05-01 11:30 CEST""#,
            "true",
            r#"[parse_time("2026-05-01T09:30:00Z"), parse_time("2026-05-01T10:30:00Z")]"#,
            "?",
            "?",
        ]
    );
    // A folded time is a literal that reads back as the same value.
    let v = Value::Time(1_777_627_800_250);
    let e = v
        .to_expr(&wfc_language::ir::Type::Time, Default::default())
        .unwrap();
    assert_eq!(Value::of_literal(&e), Some(v));
}

#[test]
fn what_fails_at_plan_time_fails_with_its_code() {
    // The expression in a step's command, with `p`, a param, to read.
    let err = |p: &str, e: &str| {
        let body =
            format!("  param p: string = \"{p}\"\n  step t: shell {{ run \"echo ${{{e}}}\" }}");
        planned(&body, &[]).unwrap_err()
    };
    let t = r#"parse_time("2026-05-01T00:00:00Z")"#;
    for (p, e, code) in [
        ("", "min(slice([1], 0, 0))", "E0820: min() of an empty list"),
        ("%Q", &format!("format_time({t}, p)"), "E0821"),
        (
            "Mars/Base",
            &format!("format_time({t}, \"%H\", p)"),
            "E0822",
        ),
        ("yesterday", "parse_time(p)", "E0823"),
        ("", &format!("{t} + 100000000d"), "E0824"),
        (
            "",
            &format!("{t} - parse_time(\"2026-05-02T00:00:00Z\")"),
            "negative duration",
        ),
    ] {
        let why = err(p, e);
        assert!(why.contains(code), "{e}: {code} in {why}");
    }
}
