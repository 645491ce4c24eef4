//! Where a relative `file` of a script or a query is read: beside the
//! workflow file that says it — a served one (not in the server's working
//! directory), and an imported module's (not beside the root file).

use super::outputs;
use crate::serve::{post, Server};
use serde_json::json;

const BESIDE: &str = r#"
workflow beside {
  step tool: python { file "tools/tool.py"  args ["@DIR/tool.txt"] }
  step q: sql {
    database "sqlite::memory:"
    file "queries/answer.sql"
    outputs { answer: int }
  }
  step show: shell { run "echo ${q.outputs.answer} > @DIR/answer.txt" }
}
"#;

#[tokio::test]
async fn a_served_script_and_query_file_are_read_beside_the_workflow() {
    let server = Server::start(&[("beside.wf", BESIDE)], &[]);
    let flows = server.path("flows");
    for (name, text) in [
        (
            "tools/tool.py",
            "import sys\nopen(sys.argv[1], 'w').write('ran')\n",
        ),
        ("queries/answer.sql", "select 40 + 2 as answer\n"),
    ] {
        let path = flows.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let url = server.url("/workflows/beside/runs?wait=30s");
    let (status, body) = post(&reqwest::Client::new(), &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(body["status"], "succeeded", "{body}");
    let read = |name: &str| std::fs::read_to_string(server.path(name)).unwrap();
    assert_eq!(read("tool.txt"), "ran");
    assert_eq!(read("answer.txt").trim(), "42");
}

#[test]
fn a_module_reads_its_files_beside_itself() {
    let c = crate::case()
        .file(
            "proj/main.wf",
            r#"import "lib/etl.wf"
workflow main {
  step load: call etl { }
  step direct: python { file "lib/transform.py" }
}
"#,
        )
        .file(
            "proj/lib/etl.wf",
            r#"import "../shared/report.wf"
workflow etl {
  step transform: python { file "transform.py" }
  step count: sql {
    database "sqlite::memory:"
    file "sql/count.sql"
    outputs { n: int }
  }
  step report: call report { }
}
"#,
        )
        .file(
            "proj/shared/report.wf",
            "workflow report {\n  step say: node { file \"say.js\" }\n}\n",
        )
        .file("proj/lib/transform.py", "print('transformed')\n")
        .file("proj/lib/sql/count.sql", "select 7 as n\n")
        .file("proj/shared/say.js", "console.log('reported')\n");
    // Run from elsewhere: no path may be read against the working directory.
    let r = c
        .wfc([
            "run",
            "proj/main.wf",
            "--plain",
            "--no-store",
            "-o",
            "report.json",
        ])
        .output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(outputs(&c, "load.transform")["stdout"], "transformed");
    assert_eq!(outputs(&c, "load.count")["outputs"]["n"], 7);
    assert_eq!(outputs(&c, "load.report.say")["stdout"], "reported");
    assert_eq!(outputs(&c, "direct")["stdout"], "transformed");
    // The plan shows each path as the run reads it, from the root file.
    let plan = c.wfc(["plan", "proj/main.wf"]).output();
    assert_eq!(plan.code, 0, "{plan}");
    for path in ["lib/transform.py", "lib/sql/count.sql", "shared/say.js"] {
        assert!(plan.stdout.contains(path), "{path} not in\n{}", plan.stdout);
    }
}
