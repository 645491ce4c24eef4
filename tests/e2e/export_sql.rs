//! `sql` steps on both exports: psql with each value a `-v` argument from
//! the environment and each `:name` psql's quoted literal. Pinned, linted
//! / validated, then the exported scripts run for real against a local
//! PostgreSQL with hostile values, as GitHub and Argo would run them:
//! the rows and outputs are what `wfc run` gives, and the values arrive
//! as data. Queries psql would read otherwise, and SQLite, are refused.

use crate::export_argo::validate;
use crate::export_github::{export as export_github, lint};
use crate::export_github_runtime::steps;
use crate::workflow;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use wfc_testkit::{postgres, skip};

const SQL: &str = r#"workflow notes {
  param note: string = "plain"
  param n: int = 10
  secret db: string = env("DB_URL")
  step load: sql {
    database db
    query """
      create table if not exists victims (id int);
      create table notes (id serial primary key, body text not null, tag text);
      insert into notes (body, tag) values (:note, 'it''s :note -- not a param'), (:note || '!', $$ :n ; $$);
      /* :note */ select id, body, tag, length(body) as len, body = :note as same
      from notes where id <= :n order by id
    """
    params { note = note, n = n }
    outputs { body: string, len: int }
  }
  if load.row_count > 0 {
    step tell: shell { run "echo ${load.row_count} notes" }
  }
}
"#;

/// Quotes, backslashes, dollar quotes, psql's own syntax, a GitHub
/// expression, line breaks and a statement of its own.
const HOSTILE: &str =
    "O'Brien \\ \\\\ \" $$ $t$ :'note' :\"n\" :n \\! id ${{ github.token }}\nline two; drop table victims; --";

/// The same without `{{` (Argo folds values into the file, and refuses
/// `{{`, its own expression syntax, there).
fn hostile_for_argo() -> String {
    HOSTILE.replace("${{ github.token }}", "$(id) `id`")
}

/// `wfc run`'s outputs of `load` (rows, row_count, outputs) for `note`.
fn wfc_run(c: &wfc_testkit::Case, url: &str, note: &str) -> Json {
    c.wfc(["run", "w.wf", "--plain", "--no-store", "-o", "report.json"])
        .args(["-p", &format!("note={note}")])
        .env("DB_URL", url)
        .success()
        .output();
    let report: Json = serde_json::from_str(&c.read("report.json")).unwrap();
    report["steps"][0]["outputs"].clone()
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh database `name` on the server of `url`; its URL.
fn database(url: &str, name: &str) -> String {
    psql(url, &format!("create database {name}"));
    url.replacen("/wfc", &format!("/{name}"), 1)
}

/// `name<<DELIM` blocks (and `name=value` lines) as GitHub reads them.
fn github_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            out.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

/// The run's outputs and the exported ones agree; the value is data.
fn same(run: &Json, rows: &str, row_count: &str, body: &str, len: &str, note: &str, url: &str) {
    let rows: Json = serde_json::from_str(rows).unwrap();
    assert_eq!(rows, run["rows"]);
    assert_eq!(rows[0]["body"], json!(note));
    assert_eq!(rows[0]["same"], json!(true));
    assert_eq!(rows[0]["tag"], json!("it's :note -- not a param"));
    assert_eq!(rows[1]["tag"], json!(" :n ; "));
    assert_eq!(row_count, run["row_count"].to_string());
    assert_eq!(body, run["outputs"]["body"].as_str().unwrap());
    assert_eq!(len, run["outputs"]["len"].to_string());
    // No value ran as SQL: the table it would drop is still there.
    assert_eq!(psql(url, "select count(*) from victims").trim(), "0");
}

/// The Argo template named `name`.
fn template(doc: &Json, name: &str) -> Json {
    let all = doc["spec"]["templates"].as_array().unwrap();
    all.iter().find(|t| t["name"] == name).unwrap().clone()
}

fn server() -> Option<wfc_testkit::Postgres> {
    match postgres() {
        Ok(pg) => Some(pg),
        Err(why) => {
            skip(&format!("PostgreSQL cannot start here: {why}"));
            None
        }
    }
}

#[test]
fn sql_exports_to_github_as_psql_and_gives_what_wfc_run_gives() {
    let c = workflow(SQL);
    let out = c.path("sql.yml");
    let run = export_github(&c.path("w.wf"), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("export_github_sql", yaml.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    assert!(yaml.contains("WF_DATABASE: ${{ secrets.DB }}"), "{yaml}");
    let Some(pg) = server() else { return };
    let expected = wfc_run(&c, &database(&pg.url, "by_run"), HOSTILE);
    let url = database(&pg.url, "by_github");
    let job = steps(&yaml, "load");
    let temp = tempfile::tempdir().unwrap();
    let github_output = temp.path().join("github-output");
    std::fs::write(&github_output, "").unwrap();
    let mut wfc_outputs = String::new();
    // The job's steps as the runner runs them: the query, then the step
    // that hands the declared outputs to GitHub.
    for step in &job {
        let script = temp.path().join("step.sh");
        std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-e")
            .arg(&script)
            .current_dir(temp.path())
            .env("RUNNER_TEMP", temp.path())
            .env("GITHUB_OUTPUT", &github_output);
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            let v = v
                .as_str()
                .unwrap()
                .replace("${{ secrets.DB }}", &url)
                .replace("${{ inputs.note }}", HOSTILE)
                .replace("${{ inputs.n }}", "10");
            assert!(
                !v.contains("${{ secrets") && !v.contains("${{ inputs"),
                "{k}"
            );
            cmd.env(k, v);
        }
        let got = cmd.output().unwrap();
        assert!(got.status.success(), "{got:?}");
        if step["id"] == "run" {
            // As `wfc run` logs it: the statements, never a value.
            let log = String::from_utf8_lossy(&got.stdout);
            assert!(log.contains("sql: create table notes"), "{log}");
            assert!(!log.contains("O'Brien"), "{log}");
            wfc_outputs = std::fs::read_to_string(temp.path().join("wfc-outputs")).unwrap();
        }
    }
    let all = github_outputs(&wfc_outputs);
    let declared = github_outputs(&std::fs::read_to_string(&github_output).unwrap());
    // `row_count` is read by `tell`: a job output too.
    assert_eq!(
        declared.keys().collect::<Vec<_>>(),
        ["body", "len", "row_count"]
    );
    assert!(
        yaml.contains("fromJSON(needs.load.outputs.row_count) > 0"),
        "{yaml}"
    );
    same(
        &expected,
        &all["rows"],
        &declared["row_count"],
        &declared["body"],
        &declared["len"],
        HOSTILE,
        &url,
    );
}

#[test]
fn sql_exports_to_argo_as_the_postgres_image_and_gives_what_wfc_run_gives() {
    let c = workflow(SQL);
    let note = hostile_for_argo();
    let yaml = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .args(["-p", &format!("note={note}")])
        .success()
        .output()
        .stdout;
    insta::assert_snapshot!("export_argo_sql", yaml);
    assert!(yaml.contains("image: postgres:16-alpine"), "{yaml}");
    assert!(yaml.contains("key: db"), "{yaml}");
    c.write("sql.yaml", &yaml);
    validate(&c, &["sql.yaml"]);
    let Some(pg) = server() else { return };
    let expected = wfc_run(&c, &database(&pg.url, "by_run_a"), &note);
    let url = database(&pg.url, "by_argo");
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let t = template(&doc, "load");
    let dir = tempfile::tempdir().unwrap();
    let script = t["container"]["command"][2]
        .as_str()
        .unwrap()
        .replace("/tmp/", &format!("{}/", dir.path().display()));
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]).current_dir(dir.path());
    for var in t["container"]["env"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        match var["value"].as_str() {
            Some(v) => cmd.env(name, v),
            None => {
                assert_eq!(var["valueFrom"]["secretKeyRef"]["key"], "db");
                cmd.env(name, &url)
            }
        };
    }
    let got = cmd.output().unwrap();
    assert!(got.status.success(), "{got:?}");
    let read =
        |name: &str| std::fs::read_to_string(dir.path().join("wf-outputs").join(name)).unwrap();
    // The files the template declares as its output parameters.
    let declared: Vec<&str> = t["outputs"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["valueFrom"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        declared,
        [
            "/tmp/wf-outputs/body",
            "/tmp/wf-outputs/len",
            "/tmp/wf-outputs/row_count"
        ]
    );
    assert!(
        yaml.contains("when: ({{tasks.load.outputs.parameters.row_count}} > 0)"),
        "{yaml}"
    );
    same(
        &expected,
        &read("rows"),
        &read("row_count"),
        &read("body"),
        &read("len"),
        &note,
        &url,
    );
}

/// A failing statement rolls the whole step back, as under `wfc run`.
#[test]
fn a_failing_statement_fails_the_exported_step_and_keeps_nothing() {
    let c = workflow(&SQL.replace("from notes where id <= :n", "from notes where id <= :n / 0"));
    let yaml = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .success()
        .output()
        .stdout;
    let Some(pg) = server() else { return };
    let url = database(&pg.url, "rolled_back");
    let doc: Json = serde_norway::from_str(&yaml).unwrap();
    let t = &template(&doc, "load");
    let dir = tempfile::tempdir().unwrap();
    let script = t["container"]["command"][2]
        .as_str()
        .unwrap()
        .replace("/tmp/", &format!("{}/", dir.path().display()));
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]).env("WF_DATABASE", &url);
    for var in t["container"]["env"].as_array().unwrap() {
        if let Some(v) = var["value"].as_str() {
            cmd.env(var["name"].as_str().unwrap(), v);
        }
    }
    let got = cmd.output().unwrap();
    assert!(!got.status.success(), "{got:?}");
    assert!(String::from_utf8_lossy(&got.stderr).contains("division by zero"));
    assert_eq!(
        psql(
            &url,
            "select count(*) from pg_tables where tablename = 'notes'"
        )
        .trim(),
        "0"
    );
    assert!(!Path::new(&dir.path().join("wf-outputs/body")).exists());
}

/// What psql would read as its own, and SQLite, are refused on both
/// targets with the code and the line of the query.
#[test]
fn queries_psql_reads_otherwise_and_sqlite_are_refused() {
    for (query, database, code, said) in [
        ("select 1;\\n\\\\! id", "db", "E0742", "a backslash"),
        ("select :'note'", "db", "E0742", "a psql variable"),
        ("select [a:b]", "db", "E0742", "identifier"),
        ("explain select 1", "db", "E0742", "`explain`"),
        ("copy t from stdin", "db", "E0742", "`copy`"),
        ("select 1", "\"sqlite:app.db\"", "E0743", "not SQLite"),
    ] {
        let text = format!(
            "workflow w {{\n  secret db: string = env(\"DB_URL\")\n  step q: sql {{\n    database {database}\n    query \"{query}\"\n  }}\n}}\n"
        );
        let c = workflow(&text);
        for target in ["github-actions", "argo"] {
            let out = c.wfc(["export", target, "w.wf"]).status(3).output();
            assert!(
                out.stderr.contains(code),
                "{target} {query}: {}",
                out.stderr
            );
            assert!(
                out.stderr.contains(said),
                "{target} {query}: {}",
                out.stderr
            );
        }
    }
    // The query is the script's text: Argo may not expand `{{…}}` in it
    // (wfc's checker refuses `${{` in any text: E0010).
    let c = workflow(
        "workflow w {\n  secret db: string = env(\"DB_URL\")\n  step q: sql {\n    database db\n    query \"select '{{workflow.name}}'\"\n  }\n}\n",
    );
    let argo = c.wfc(["export", "argo", "w.wf"]).status(3).output();
    assert!(argo.stderr.contains("E0727"), "{}", argo.stderr);
    c.wfc(["export", "github-actions", "w.wf"])
        .success()
        .output();
}
