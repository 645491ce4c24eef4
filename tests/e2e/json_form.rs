//! The JSON form through the real `wfc`: `wfc export json` of every
//! example plans (`wfc plan --format json`) to the same plan as the `.wf`
//! file; a JSON file checks, runs, and reports into its own lines; `wfc
//! fmt` refuses one (E0937); `wfc list` and `wfc serve` find
//! `*.workflow.json` beside `.wf` files, and serve runs one.

use super::serve::{get, post, Server};
use super::{case, WFC};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// `wfc ARGS` → (exit code, stdout, stderr).
fn wfc(args: &[&str]) -> (i32, String, String) {
    // A store of its own, never the one beside the checkout's examples
    // (README's first command fills it, and a plan reads its estimates).
    static STATE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let state = STATE.get_or_init(|| tempfile::tempdir().unwrap());
    let out = Command::new(WFC)
        .args(args)
        .env("NO_COLOR", "1")
        .env("WFC_STATE_DIR", state.path().join(".wfc"))
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

/// A plan's JSON without its source lines (the two files differ there).
fn plan(file: &str, params: &[&str]) -> Value {
    let mut args = vec!["plan", file, "--format", "json"];
    args.extend(params.iter().flat_map(|p| ["-p", p]));
    let (code, out, err) = wfc(&args);
    assert_eq!(code, 0, "{file}: {err}");
    let mut v: Value = serde_json::from_str(&out).unwrap();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("line");
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn every_example_plans_the_same_from_its_json_form() {
    let dir = tempfile::tempdir().unwrap();
    let mut examples: Vec<_> = std::fs::read_dir(EXAMPLES)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 10);
    for wf in &examples {
        let stem = wf.file_stem().unwrap().to_string_lossy().to_string();
        let params: &[&str] = match stem.as_str() {
            "deploy" => &["version=1.2.3", "env=prod"],
            "release-with-std" => &["version=1.4.0"],
            "release-webhook" => &["version=v1.4.0"],
            _ => &[],
        };
        let json = dir.path().join(format!("{stem}.workflow.json"));
        let json = json.to_str().unwrap();
        let (code, _, err) = wfc(&["export", "json", wf.to_str().unwrap(), "-o", json]);
        assert_eq!(code, 0, "{stem}: {err}");
        let (code, _, err) = wfc(&["check", json]);
        assert_eq!(code, 0, "{stem}: {err}");
        assert_eq!(
            plan(wf.to_str().unwrap(), params),
            plan(json, params),
            "{stem}"
        );
    }
}

const HELLO: &str = r#"{
  "workflows": [
    {
      "name": "hello",
      "items": [
        { "param": "who", "type": "string", "default": "\"world\"" },
        {
          "step": "greet",
          "kind": "shell",
          "fields": { "run": "\"echo \\\"hello ${who}\\\" > greeted.txt\"" }
        },
        {
          "step": "shout",
          "kind": "shell",
          "fields": { "run": "\"tr a-z A-Z < greeted.txt\"", "depends_on": ["greet"] }
        }
      ]
    }
  ]
}
"#;

#[test]
fn a_json_file_runs_and_its_errors_point_into_it() {
    let c = case().file("hello.workflow.json", HELLO);
    c.wfc([
        "run",
        "hello.workflow.json",
        "--plain",
        "--no-store",
        "-p",
        "who=json",
    ])
    .success()
    .stdout_has("HELLO JSON")
    .output();
    assert_eq!(c.read("greeted.txt"), "hello json\n");
    // A typo in an expression: the checker's report, at the JSON's line 10.
    c.write("bad.json", &HELLO.replace("${who}", "${whom}"));
    c.wfc(["check", "bad.json"])
        .status(1)
        .stderr_has("unknown name `whom`")
        .stderr_has("bad.json:10:50]")
        .output();
    c.wfc(["run", "bad.json", "--plain", "--no-store"])
        .status(3)
        .stderr_has("E0140")
        .output();
}

#[test]
fn fmt_refuses_a_json_file_and_skips_those_of_a_folder() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/json_form/E0937-fmt.json"
    );
    let c = case()
        .file(
            "flows/hello.workflow.json",
            &std::fs::read_to_string(fixture).unwrap(),
        )
        .file(
            "flows/a.wf",
            "workflow a {\n  step s: shell { run \"true\" }\n}\n",
        );
    c.wfc(["fmt", "flows/hello.workflow.json"])
        .status(2)
        .stderr_has("E0937")
        .stderr_has("`wfc fmt` formats `.wf` files only")
        .output();
    c.wfc(["fmt", "--check", "flows"])
        .success()
        .stderr_lacks("E0937")
        .output();
}

#[test]
fn list_finds_workflow_json_files_beside_wf_files() {
    let c = case()
        .file("flows/hello.workflow.json", HELLO)
        .file(
            "flows/a.wf",
            "workflow a {\n  step s: shell { run \"true\" }\n}\n",
        )
        .file("flows/package.json", "{\"name\": \"not a workflow\"}");
    let out = c
        .wfc(["list", "--format", "json", "flows"])
        .success()
        .output();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut names: Vec<(String, String)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let file = Path::new(f["file"].as_str().unwrap()).file_name().unwrap();
            let file = file.to_string_lossy().to_string();
            f["workflows"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |w| (file.clone(), w["name"].as_str().unwrap().to_string()))
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("a.wf".into(), "a".into()),
            ("hello.workflow.json".into(), "hello".into())
        ]
    );
}

#[tokio::test]
async fn serve_lists_and_runs_a_workflow_json_file() {
    let hello = HELLO.replace("greeted.txt", "@DIR/greeted.txt");
    let server = Server::start(&[("hello.workflow.json", &hello)], &[]);
    let http = reqwest::Client::new();
    let (status, list) = get(&http, &server.url("/workflows"), &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let names: Vec<&str> = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hello"], "{list}");
    let (status, started) = post(
        &http,
        &format!("{}?wait=20s", server.url("/workflows/hello/runs")),
        &server.operator,
        json!({"who": "api"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["status"], "succeeded", "{started}");
    assert_eq!(
        std::fs::read_to_string(server.path("greeted.txt")).unwrap(),
        "hello api\n"
    );
}

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-form.schema.json");
const VALIDATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/e2e/json_form/validate.py"
);

/// `validate.py` on `files`: `None` when python3's jsonschema is missing.
fn schema_valid(files: &[String]) -> Option<(bool, String)> {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        wfc_testkit::skip("python3 with jsonschema (pip install jsonschema) is not installed");
        return None;
    }
    let out = Command::new("python3")
        .arg(VALIDATE)
        .arg(SCHEMA)
        .args(files)
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// docs/json-form.schema.json takes the JSON form of every example, std
/// module and template, and refuses the fixtures of unknown keys, wrong
/// types, missing keys and items of no kind.
#[test]
fn the_schema_takes_every_export_and_refuses_bad_documents() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let mut exported = Vec::new();
    for folder in ["examples", "std", "templates"] {
        let mut wfs: Vec<_> = std::fs::read_dir(format!("{root}/{folder}"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wf"))
            .collect();
        wfs.sort();
        for wf in wfs {
            let stem = wf.file_stem().unwrap().to_string_lossy();
            let out = dir.path().join(format!("{folder}-{stem}.json"));
            let out = out.to_str().unwrap().to_string();
            let (code, _, err) = wfc(&["export", "json", wf.to_str().unwrap(), "-o", &out]);
            assert_eq!(code, 0, "{}: {err}", wf.display());
            exported.push(out);
        }
    }
    assert!(exported.len() > 20);
    let Some((ok, problems)) = schema_valid(&exported) else {
        return;
    };
    assert!(ok, "exports the schema refuses:\n{problems}");
    for code in [
        "E0931-unknown-key",
        "E0932-wrong-type",
        "E0933-missing-key",
        "E0934-item-kind",
    ] {
        let bad = format!("{root}/tests/json_form/{code}.json");
        let (ok, _) = schema_valid(&[bad]).unwrap();
        assert!(!ok, "the schema takes {code}.json");
    }
}

/// `wfc import FILE.json` writes the `.wf` text of the JSON form, which
/// plans as the file it came from.
#[test]
fn import_of_the_json_form_gives_back_a_wf_file_that_plans_the_same() {
    let c = wfc_testkit::Case::new(super::WFC);
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/quickstart.wf"
    ))
    .unwrap();
    c.write("q.wf", &source);
    let json = c.wfc(["export", "json", "q.wf"]).output();
    assert_eq!(json.code, 0, "{json}");
    c.write("q.workflow.json", &json.stdout);
    let back = c
        .wfc(["import", "q.workflow.json", "-o", "back.wf"])
        .output();
    assert_eq!(back.code, 0, "{back}");
    let plan = |f: &str| {
        // Lines differ: the JSON form carries no comments.
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(o) => {
                    o.remove("line");
                    o.values_mut().for_each(strip);
                }
                serde_json::Value::Array(xs) => xs.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut steps = c.wfc(["plan", f, "--format", "json"]).output().json()["steps"].clone();
        strip(&mut steps);
        steps.to_string()
    };
    assert_eq!(plan("back.wf"), plan("q.wf"));
    let broken = c.wfc(["import", "--from", "json", "q.wf"]).output();
    assert_eq!(broken.code, 2, "{broken}");
    assert!(broken.stderr.contains("E0930"), "{broken}");
}
