//! The language server across files, over the protocol: a document is
//! analysed with what it imports (open buffers first, then the disk, std
//! embedded). Go to definition and hover on call targets, call params and
//! import paths lead into the imported file or a read-only copy of the std
//! module; completion offers targets, modules' workflows, callee params and
//! import paths; imported files' diagnostics are published on their URIs,
//! and a change to an imported file (an open buffer, or on disk) re-checks
//! its importers.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wfc_lsp::client::in_memory;
use wfc_lsp::Options;

const WAIT: Duration = Duration::from_secs(10);

const RELEASE: &str = r#"## Ships a release.
workflow ship {
  description "Tag and publish"
  ## The version to tag.
  param version: string
  param channel: string = "stable"
  step tag: shell { run "git tag ${version} ${channel}" }
  outputs {
    url: string = "https://example.com/${version}"
  }
}

workflow rollback {
  step undo: shell { run "echo undo" }
}
"#;

const MAIN: &str = r#"import "lib/release.wf" as rel
import "std/notify.wf"

workflow deploy {
  step ship: call rel.ship {
    version "1.2.3"
  }
  step tell: call notify { text "shipped ${ship.outputs.url}" }
  step tidy: call cleanup {}
}

workflow cleanup {
  step rm: shell { run "rm -rf out" }
}
"#;

/// A project: `main.wf` importing `lib/release.wf` (plus `extra` files), and
/// a std cache directory, all in a temp dir.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(extra: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/release.wf"), RELEASE).unwrap();
        for (name, text) in extra {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Project { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn uri(&self, name: &str) -> String {
        uri(&self.path(name))
    }

    fn options(&self) -> Options {
        Options {
            std_dir: Some(self.path("cache/wfc/std")),
            ..Options::default()
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}})
}

fn labels(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_and_hover_lead_into_the_imported_file() {
    let p = Project::new(&[]);
    let main = p.uri("main.wf");
    let mut c = in_memory(p.options());
    c.initialize().await;
    c.open(&main, MAIN).await;
    let d = c.diagnostics(&main, Some(1), WAIT).await.unwrap();
    assert_eq!(d, json!([]), "the program checks clean");

    // `call rel.ship` → `workflow ship` in lib/release.wf.
    let r = c
        .request("textDocument/definition", at(&main, 4, 23))
        .await
        .unwrap();
    assert_eq!(r["uri"], json!(p.uri("lib/release.wf")), "{r}");
    assert_eq!(r["range"], range(1, 9, 13));
    // A call's param → the callee's `param` line.
    let r = c
        .request("textDocument/definition", at(&main, 5, 6))
        .await
        .unwrap();
    assert_eq!(r["uri"], json!(p.uri("lib/release.wf")), "{r}");
    assert_eq!(r["range"], range(4, 8, 15));
    // The import path → the file.
    let r = c
        .request("textDocument/definition", at(&main, 0, 12))
        .await
        .unwrap();
    assert_eq!(r["uri"], json!(p.uri("lib/release.wf")), "{r}");
    assert_eq!(r["range"], range(0, 0, 0));

    // Hover on the target: the callee's signature, docs and file.
    let h = c
        .request("textDocument/hover", at(&main, 4, 19))
        .await
        .unwrap();
    let md = h["contents"]["value"].as_str().unwrap();
    for part in [
        "workflow ship",
        "param version: string",
        "param channel: string = \"stable\"",
        "outputs { url: string }",
        "Tag and publish",
        "Ships a release.",
        "- `version`: The version to tag.",
        "lib/release.wf",
    ] {
        assert!(md.contains(part), "{part:?} in {md}");
    }
    assert_eq!(h["range"], range(4, 18, 26), "the whole target");
    // Hover on a param given: its declaration and doc.
    let h = c
        .request("textDocument/hover", at(&main, 5, 6))
        .await
        .unwrap();
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("param version: string"), "{md}");
    assert!(md.contains("The version to tag."), "{md}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_into_std_opens_a_read_only_copy_of_the_module() {
    let p = Project::new(&[]);
    let main = p.uri("main.wf");
    let mut c = in_memory(p.options());
    c.initialize().await;
    c.open(&main, MAIN).await;
    let r = c
        .request("textDocument/definition", at(&main, 7, 20))
        .await
        .unwrap();
    let file = p.path("cache/wfc/std/notify.wf");
    assert_eq!(r["uri"], json!(uri(&file)), "{r}");
    let text = std::fs::read_to_string(&file).expect("the std module is written out");
    assert_eq!(
        text,
        wfc_language::program::stdlib::get("notify.wf").unwrap()
    );
    assert!(std::fs::metadata(&file).unwrap().permissions().readonly());
    let line = text
        .lines()
        .position(|l| l.starts_with("workflow notify"))
        .unwrap() as u32;
    assert_eq!(r["range"], range(line, 9, 15));

    // Opened in the editor, it is std's module: checked as such, no errors.
    let std_uri = uri(&file);
    c.open(&std_uri, &text).await;
    let d = c.diagnostics(&std_uri, Some(1), WAIT).await.unwrap();
    assert!(
        d.as_array().unwrap().iter().all(|d| d["severity"] != 1),
        "{d}"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_offers_targets_module_workflows_params_and_paths() {
    let p = Project::new(&[]);
    let main = p.uri("main.wf");
    let mut c = in_memory(p.options());
    c.initialize().await;
    let text = MAIN.replace(
        "  step tell:",
        "  step a: call \n  step b: call rel.\n  step d: call rel.ship {\n    \n  }\n  step tell:",
    );
    c.open(&main, &text).await;

    // After `call `: this file's other workflows and the imported modules.
    let r = c
        .request("textDocument/completion", at(&main, 7, 15))
        .await
        .unwrap();
    let l = labels(&r);
    for want in ["cleanup", "rel", "notify"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    assert!(!l.contains(&"deploy".to_string()), "not itself: {l:?}");
    // After `call rel.`: the module's workflows.
    let r = c
        .request("textDocument/completion", at(&main, 8, 19))
        .await
        .unwrap();
    let mut l = labels(&r);
    l.sort();
    assert_eq!(l, ["rollback", "ship"]);
    // In the call's body: the callee's params (required first), then fields.
    let r = c
        .request("textDocument/completion", at(&main, 10, 4))
        .await
        .unwrap();
    let items = r["items"].as_array().unwrap();
    let item = |name: &str| {
        items
            .iter()
            .find(|i| i["label"] == json!(name))
            .unwrap_or_else(|| panic!("{name} in {r}"))
    };
    assert_eq!(item("version")["detail"], "string (required)");
    assert_eq!(
        item("version")["documentation"]["value"],
        "The version to tag."
    );
    assert_eq!(item("channel")["detail"], "string = \"stable\"");
    let sort = |name: &str| item(name)["sortText"].as_str().unwrap().to_string();
    assert!(sort("version") < sort("channel") && sort("channel") < sort("timeout"));
    // A param already given is not offered again.
    let r = c
        .request("textDocument/completion", at(&main, 5, 4))
        .await
        .unwrap();
    assert!(!labels(&r).contains(&"version".to_string()));

    // After `import "`: std modules and `.wf` files beside the document.
    c.change(&main, 2, &format!("import \"\n{text}")).await;
    let r = c
        .request("textDocument/completion", at(&main, 0, 8))
        .await
        .unwrap();
    let l = labels(&r);
    assert!(l.contains(&"std/notify.wf".to_string()), "{l:?}");
    assert!(l.contains(&"lib/release.wf".to_string()), "{l:?}");
    c.change(&main, 3, &format!("import \"lib/\n{text}")).await;
    let r = c
        .request("textDocument/completion", at(&main, 0, 12))
        .await
        .unwrap();
    assert_eq!(labels(&r), ["lib/release.wf"]);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_files_diagnostics_are_published_and_edits_recheck_importers() {
    let broken = "workflow helper {\n  step a: shell { rnu \"x\" }\n}\n";
    let p = Project::new(&[("broken.wf", broken)]);
    let main = p.uri("main.wf");
    let broken_uri = p.uri("broken.wf");
    let text = MAIN.replace(
        "import \"std/notify.wf\"",
        "import \"std/notify.wf\"\nimport \"broken.wf\"",
    );
    let text = text.replace("  step tell:", "  step h: call broken\n  step tell:");
    let mut c = in_memory(p.options());
    c.initialize().await;
    c.open(&main, &text).await;
    let d = c.diagnostics(&main, Some(1), WAIT).await.unwrap();
    assert!(
        d.as_array().unwrap().iter().any(|d| d["code"] == "E0224"),
        "the import line says the file has errors: {d}"
    );
    let d = c.diagnostics(&broken_uri, None, WAIT).await.unwrap();
    let d = d.as_array().unwrap();
    assert!(
        !d.is_empty() && d[0]["range"]["start"]["line"] == 1,
        "{d:?}"
    );

    // Editing the imported file (open, unsaved) re-checks its importer:
    // `version` no longer exists, so the call's argument is reported.
    let release = p.uri("lib/release.wf");
    c.open(&release, RELEASE).await;
    let renamed = RELEASE.replace("version", "tag");
    c.change(&release, 2, &renamed).await;
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let d = c.diagnostics(&main, Some(1), WAIT).await.unwrap();
            if d.as_array().unwrap().iter().any(|d| d["code"] == "E0212") {
                return d;
            }
        }
    })
    .await;
    assert!(found.is_ok(), "the importer was re-checked with the buffer");
    c.shutdown().await;
}

/// A file changed on disk by another program (`workspace/didChangeWatchedFiles`,
/// which the server registers for `**/*.wf` when the client can watch)
/// re-checks the open documents that import it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_disk_rechecks_importers() {
    let p = Project::new(&[]);
    let main = p.uri("main.wf");
    let mut c = in_memory(p.options());
    c.initialize().await;
    c.open(&main, MAIN).await;
    let d = c.diagnostics(&main, Some(1), WAIT).await.unwrap();
    assert!(
        !d.as_array().unwrap().iter().any(|d| d["code"] == "E0212"),
        "{d}"
    );
    std::fs::write(p.path("lib/release.wf"), RELEASE.replace("version", "tag")).unwrap();
    let release = p.uri("lib/release.wf");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": release, "type": 2 }] }),
    )
    .await;
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let d = c.diagnostics(&main, Some(1), WAIT).await.unwrap();
            if d.as_array().unwrap().iter().any(|d| d["code"] == "E0212") {
                return d;
            }
        }
    })
    .await;
    assert!(found.is_ok(), "the importer was re-checked from the disk");
    c.shutdown().await;
}

/// Files in memory, as the loader reads them.
struct Memory(Vec<(&'static str, &'static str)>);

impl wfc_language::program::Sources for Memory {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let found = self.0.iter().find(|(p, _)| Path::new(p) == path);
        found
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
}

#[test]
fn the_outline_and_highlighting_show_imports_and_calls() {
    use wfc_language::ide::{Doc, TokenKind};
    use wfc_language::program::FileKey;
    let files = Memory(vec![("/p/lib/release.wf", RELEASE)]);
    let doc = Doc::analyze_program(FileKey::Path("/p/main.wf".into()), MAIN, &files);
    assert!(doc.diagnostics().is_empty(), "{:?}", doc.diagnostics());

    let outline = doc.symbols();
    let steps: Vec<(&str, &str)> = outline[0]
        .children
        .iter()
        .map(|s| (s.name.as_str(), s.detail.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        steps,
        [
            ("ship", "call rel.ship"),
            ("tell", "call notify"),
            ("tidy", "call cleanup")
        ]
    );
    // A workflow of this file: its definition is here.
    let call = MAIN.find("call cleanup").unwrap() + 6;
    let decl = MAIN.find("workflow cleanup").unwrap() + 9;
    let place = doc.definition_place(call).unwrap();
    assert_eq!((place.file, place.span), (None, decl..decl + 7));

    let tokens = doc.semantic_tokens();
    let kind_at = |needle: &str, nth: usize| {
        let at = MAIN.match_indices(needle).nth(nth).unwrap().0;
        tokens
            .iter()
            .find(|t| t.span.start == at)
            .map(|t| t.kind)
            .unwrap_or_else(|| panic!("no token at {needle:?}"))
    };
    assert_eq!(kind_at("import", 0), TokenKind::Keyword);
    assert_eq!(kind_at("as rel", 0), TokenKind::Keyword);
    assert_eq!(kind_at("call", 0), TokenKind::StepKind);
    assert_eq!(kind_at("rel.ship", 0), TokenKind::Block, "the module");
    assert_eq!(kind_at("ship {", 0), TokenKind::Function, "the workflow");
    assert_eq!(kind_at("notify {", 0), TokenKind::Block, "a module called");
    assert_eq!(kind_at("version", 0), TokenKind::Param, "a callee's param");

    // Rename stays within the file: a call's target is not an output to rename,
    // and renaming the calling step renames its uses only.
    let target = MAIN.find("rel.ship").unwrap() + 4;
    assert!(doc.prepare_rename(target).is_err());
    let step = MAIN.find("ship:").unwrap();
    let edits = doc.rename(step, "release").unwrap();
    let mut renamed = MAIN.to_string();
    for e in edits.iter().rev() {
        renamed.replace_range(e.span.clone(), &e.new_text);
    }
    assert!(
        renamed.contains("step release: call rel.ship {"),
        "{renamed}"
    );
    assert!(renamed.contains("${release.outputs.url}"), "{renamed}");
}
