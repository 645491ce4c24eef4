//! Both exports' YAML read back by a YAML 1.1 parser (PyYAML, as Argo's
//! go-yaml reads YAML 1.1): every string a workflow gives them — a param's
//! value, an `env` value, a loop item — is read back as the same string,
//! never as a date, a boolean, null or a number. The Argo file then
//! validates against Argo's schema, and the GitHub file lints.

use std::process::Command;

use crate::workflow;

/// Strings a YAML 1.1 or 1.2 parser reads as something else when plain.
const HOSTILE: &[&str] = &[
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "2001-12-14 21:59:43.10 -5",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "null",
    "~",
    "=",
    "<<",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1:30",
    "190:20:30",
    "1e3",
    "-1.5",
    ".inf",
    "-.Inf",
    ".NaN",
    "1.2.3",
    "- dash",
    "? what",
    ": colon",
    "a: b",
    "a #b",
    "#hash",
    "!tag",
    "&anchor",
    "*alias",
    "|",
    ">",
    "%percent",
    "@at",
    "`tick",
    "'single'",
    "[list]",
    "{map}",
    " leading",
    "trailing ",
    "",
];

/// Each hostile string as a `.wf` string literal.
fn literal(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A workflow giving every hostile string to the YAML three ways: as a
/// param (`spec.arguments`, a `workflow_dispatch` default), as an `env`
/// value, and as a loop item (`withItems`, a matrix).
fn source() -> String {
    let params: String = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, s)| format!("  param p{i}: string = {}\n", literal(s)))
        .collect();
    let env: String = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, s)| format!("E{i} = {}  ", literal(s)))
        .collect();
    let uses: String = (0..HOSTILE.len()).map(|i| format!(" ${{p{i}}}")).collect();
    let items: Vec<String> = HOSTILE.iter().map(|s| literal(s)).collect();
    format!(
        "workflow quoting {{\n{params}  env {{ Y = \"n\"  ON = \"off\" }}\n  \
         step a: shell {{ run \"echo{uses}\"  env {{ {env} }} }}\n  \
         for each x in [{}] parallel {{\n    step b: shell {{ run \"echo ${{x}}\"  depends on a }}\n  }}\n}}\n",
        items.join(", ")
    )
}

/// The document as PyYAML reads it, as JSON; every value that is not a
/// JSON type (a date) is `{"NOT_A_STRING": repr}`. None without PyYAML.
fn read_as_yaml_1_1(path: &std::path::Path) -> Option<serde_json::Value> {
    let script = "import json, sys, yaml\n\
        doc = yaml.safe_load(open(sys.argv[1]))\n\
        print(json.dumps(doc, default=lambda o: {'NOT_A_STRING': repr(o)}))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .ok()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("No module named"), "PyYAML failed:\n{err}");
        wfc_testkit::skip("python3 with PyYAML is not installed");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Every string leaf of `v`, and every key.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(xs) => xs.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                strings(x, out);
            }
        }
        _ => {}
    }
}

/// Reads `file` back and checks every hostile string is there, as a string.
fn check(file: &std::path::Path, what: &str) {
    let Some(doc) = read_as_yaml_1_1(file) else {
        return;
    };
    let text = doc.to_string();
    assert!(
        !text.contains("NOT_A_STRING"),
        "{what}: a value read back as another type:\n{text}"
    );
    let mut found = Vec::new();
    strings(&doc, &mut found);
    for s in HOSTILE {
        assert!(
            found.iter().any(|f| f == s),
            "{what}: {s:?} is not read back as itself"
        );
    }
    for key in ["Y", "ON"] {
        assert!(found.iter().any(|f| f == key), "{what}: env key {key}");
    }
}

#[test]
fn hostile_strings_read_back_as_themselves_in_both_exports() {
    let c = workflow(&source());
    c.wfc([
        "export",
        "argo",
        "w.wf",
        "--image",
        "alpine:3.20",
        "-o",
        "argo.yaml",
    ])
    .success()
    .output();
    check(&c.path("argo.yaml"), "argo");
    crate::export_argo::validate(&c, &["argo.yaml"]);

    c.wfc(["export", "github", "w.wf", "-o", "github.yml"])
        .success()
        .output();
    check(&c.path("github.yml"), "github");
    crate::export_github::lint(&[c.path("github.yml")]);
}
