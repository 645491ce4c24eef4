//! Each expression computed by jq against `wfc run`'s own evaluator: the
//! params reach jq as the run would hand them on (text, or JSON text), and
//! the program's output must be the text `${…}` gives under `wfc run`, or
//! both must fail.

use super::{Jq, Leaf, Leaves};
use std::process::Command;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, ExprKind, FieldValue, Type, Workflow};
use wfc_plan::eval::{eval, Eval, Scope};
use wfc_plan::Value;

/// Params become inputs (as the run gives them); the rest is computed.
struct AllParams<'a>(&'a Workflow, &'a [Option<Value>]);

impl Leaves for AllParams<'_> {
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>> {
        match &e.kind {
            ExprKind::Param(p) => {
                let v = self.1[*p].clone().expect("a default");
                Some(Ok(Leaf::Input(match (&self.0.params[*p].ty, v) {
                    (Type::String, v) => v.to_text(),
                    (_, v) => in_order(&v),
                })))
            }
            _ => None,
        }
    }
    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic {
        Diagnostic::error("E0733", format!("refused: {what}")).primary(e.span, "here")
    }
}

/// JSON text keeping a map's order, as a step's output does.
fn in_order(v: &Value) -> String {
    match v {
        Value::List(xs) => format!(
            "[{}]",
            xs.iter().map(in_order).collect::<Vec<_>>().join(",")
        ),
        Value::Map(m) => {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::Value::String(k.clone()), in_order(v)))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        v => v.to_json().to_string(),
    }
}

const PARAMS: &str = r#"
  param n: int = 7
  param m: int = -3
  param zero: int = 0
  param f: float = 2.5
  param whole: float = 4.0
  param s: string = "  Hello, World  "
  param quote: string = "it's \"$HOME\" \\( $(id) `ls` {{x}}"
  param xs: list<int> = [3, 1, 2, 3]
  param names: list<string> = ["b", "a", "c"]
  param flags: list<bool> = [true, false]
  param nested: list<list<int>> = [[1, 2], [3]]
  param labels: map<string> = { team: "ml", model: "resnet" }
  param doc: string = "{\"primary\": \"ana\", \"n\": [1, 2.5, {\"k\": null}]}"
  param empty: list<int> = []
"#;

/// Each is computed both ways; some fail both ways.
const CASES: &[&str] = &[
    "n + m * 2",
    "n / 2",
    "m / 2",
    "n % 3",
    "m % 2",
    "n / zero",
    "n % zero",
    "f * 2",
    "whole",
    "f / 2",
    "whole + 1.0",
    "n > 3 && !(m > 0)",
    "n == 7.0",
    "s",
    "trim(s)",
    "upper(trim(s))",
    "lower(s)",
    "len(s)",
    "len(xs)",
    "len(labels)",
    "xs",
    "xs[1]",
    "xs[9]",
    "labels.team",
    "labels[\"model\"]",
    "labels[\"none\"]",
    "default(labels[\"none\"], \"fallback\")",
    // Only the member `default` reads may be missing: before it, an error.
    "default(json(doc).none.deeper, \"fallback\")",
    "default(json(doc).primary.none, \"fallback\")",
    "json(doc).primary",
    "json(doc).n",
    "json(doc).n[1]",
    "json(doc)",
    "join(names, \", \")",
    "join([string(x) for x in xs], \"-\")",
    "contains(xs, 2)",
    "contains(s, \"World\")",
    "2 in xs",
    "\"team\" in labels",
    "\"lo, W\" in s",
    "starts_with(trim(s), \"Hell\")",
    "ends_with(s, \"x\")",
    "replace(s, \"l\", \"L\")",
    "split(\"a,b,,c\", \",\")",
    "split(\"\", \",\")",
    "slice(names, 1, 2)",
    "slice(\"héllo\", 1, 3)",
    "slice(xs, -2, 99)",
    "range(1, 4)",
    "keys(labels)",
    "values(labels)",
    "string(f)",
    "string(whole)",
    "int(\" 42 \")",
    "int(f)",
    "int(\"4.5\")",
    "float(\"2.25\")",
    "matches(s, \"W.r\")",
    "flatten(nested)",
    "any(flags)",
    "all(flags)",
    "sum(xs)",
    "sum(empty)",
    "min(xs)",
    "max(xs)",
    "max(empty)",
    "sort(names)",
    "unique(xs)",
    "count(xs, 3)",
    "[x * 10 for x in xs if x > 1]",
    "[upper(k) for k in names]",
    "n > 5 ? \"big\" : \"small\"",
    "{team: labels.team, total: sum(xs), ok: true}",
    "quote",
    "\"${quote} and ${n}\"",
    "coalesce(labels[\"team\"], \"x\")",
    // A `json` value's type is known only at run time.
    "json(doc).primary < \"b\"",
    "json(doc).primary < 3",
    "json(doc).n[0] + 1",
    "json(doc).n[1] * 3",
    "json(doc).primary + 1",
    "json(doc).primary + \"!\"",
    "json(doc).n[2].k + 1",
    "json(doc).n[0] == 1",
    "!json(doc).n[0]",
    "json(doc).n[0] > 0 && json(doc).primary",
];

fn jq(program: &str, inputs: &[(String, String)]) -> Result<String, String> {
    let mut cmd = Command::new("jq");
    cmd.args(["-n", "-j", program]);
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("jq runs (the tests' setup installs it)");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn jq_computes_what_wfc_run_computes() {
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    let steps: String = CASES
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  step s{i}: http {{\n    post \"http://127.0.0.1/\"\n    json {{ v: {c} }}\n  }}\n"))
        .collect();
    let source = format!("workflow t {{\n{PARAMS}\n{steps}}}\n");
    let parsed = wfc_language::syntax::parse(&source);
    let file = parsed.file.expect("the cases parse");
    let module = wfc_language::check::check_module(&file);
    let checked = module.first();
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let wf = &checked.ir;
    let mut params: Vec<Option<Value>> = Vec::new();
    for p in &wf.params {
        let scope = Scope {
            params: &params,
            loops: &[],
            pruned: &|_| false,
        };
        let Eval::Known(v) = eval(p.default.as_ref().unwrap(), &scope) else {
            panic!("param {}", p.name)
        };
        params.push(Some(v));
    }
    let leaves = AllParams(wf, &params);
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let step = &wf.steps[i];
        let FieldValue::Expr(body) = &step.fields.iter().find(|f| f.name == "json").unwrap().value
        else {
            panic!("json of {case}")
        };
        let ExprKind::Map(entries) = &body.kind else {
            panic!("{case}: {:?}", body.kind)
        };
        let e = &entries[0].1;
        let scope = Scope {
            params: &params,
            loops: &[],
            pruned: &|_| false,
        };
        let want = match eval(e, &scope) {
            Eval::Known(Value::Null) => Err("no value".to_string()),
            Eval::Known(v) => Ok(v.to_text()),
            Eval::Error(why) => Err(why),
            // What `wfc run` cannot compute (a value of the wrong type) fails the run.
            Eval::Unknown => Err("cannot be computed".to_string()),
        };
        let mut program = Jq::default();
        let text = program.text(&leaves, e).unwrap();
        let got = jq(&super::single(&text), &program.inputs);
        let agree = match (&want, &got) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !agree {
            failures.push(format!("{case}: wfc {want:?}, jq {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
