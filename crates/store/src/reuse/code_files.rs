//! The files steps run as their code: a `python` or `node` step's `file`,
//! a `sql` step's `file` query. The step's definition holds only the path,
//! so an edit to the file would leave it unchanged; the fingerprints keep a
//! hash of each file's content beside the step (`"files": {path: hash}`),
//! read where the run reads it: beside the workflow file.
//!
//! Only a literal path is hashed (params and loop items are folded in by
//! then); one that reads a step output is known only at run time. A file
//! not there when the run starts is recorded as `null`: an earlier step may
//! write it, so what it holds later is not compared.
//!
//! The hash is the store's [`fnv`], as for the workflow file's own hash
//! (`runs.file_hash`): it tells an edit, not an attack (whoever can edit
//! the file can edit the store too).

use crate::{fnv, hex};
use serde_json::{Map, Value as J};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wfc_language::ir::{ExprKind, FieldValue};
use wfc_plan::PlannedStep;

/// Hashes the code files of steps, each file once (a loop runs one file
/// in many instances).
pub(super) struct CodeFiles {
    dir: Option<PathBuf>,
    hashes: HashMap<String, J>,
}

impl CodeFiles {
    /// For a plan of workflow file `file` (as the run records it): relative
    /// paths are read in its directory, as the interpreter does; without a
    /// file, in the working directory.
    pub(super) fn beside(file: Option<&str>) -> Self {
        let dir = file.and_then(|f| {
            let dir = Path::new(f).parent()?;
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir).ok()
        });
        CodeFiles {
            dir,
            hashes: HashMap::new(),
        }
    }

    /// `{path: hash or null}` for the files step `s` runs as its code;
    /// `None` when it names none.
    pub(super) fn of(&mut self, s: &PlannedStep) -> Option<Map<String, J>> {
        if !s.kind.reads_file() {
            return None;
        }
        let mut files = Map::new();
        for f in s.fields.iter().filter(|f| f.name == "file") {
            let FieldValue::Expr(e) = &f.value else {
                continue;
            };
            let ExprKind::Str(path) = &e.kind else {
                continue;
            };
            let hash = self.hashes.entry(path.clone()).or_insert_with(|| {
                let full = match &self.dir {
                    Some(dir) if Path::new(path).is_relative() => dir.join(path),
                    _ => PathBuf::from(path),
                };
                std::fs::read(full).map_or(J::Null, |bytes| J::String(hex(fnv(&bytes))))
            });
            files.insert(path.clone(), hash.clone());
        }
        (!files.is_empty()).then_some(files)
    }
}

/// How the code files of a step changed between its recorded fingerprint
/// `old` and the new `new`: "the file x.py changed" for each file whose
/// content was recorded and now differs or is gone. Nothing for a file not
/// recorded (a run from before files were hashed, a file not there when
/// the run started); a new or renamed path is a change of the definition.
pub(super) fn changes(old: &J, new: &J) -> Vec<String> {
    let (Some(J::Object(was)), Some(is)) = (old.get("files"), new.get("files")) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for (path, hash) in was.iter().filter(|(_, h)| h.is_string()) {
        match is.get(path) {
            Some(J::Null) => lines.push(format!("the file {path} is gone")),
            Some(now) if now != hash => lines.push(format!("the file {path} changed")),
            _ => {}
        }
    }
    lines
}

/// Whether the step ran a code file then and does now, but its recorded
/// fingerprint `old` holds no hash: the run was recorded before files were
/// hashed.
pub(super) fn unrecorded(old: &J, new: &J) -> bool {
    let named = old["def"]["fields"].get("file").is_some();
    named && new.get("files").is_some() && old.get("files").is_none()
}

#[cfg(test)]
mod tests {
    use super::super::{compare, fingerprints_of};
    use serde_json::{json, Value as J};

    /// Fingerprints of a plan whose `run` step runs `run.py` and whose
    /// `gen` step runs `gen.py`, each with the hash given (`null`: the file
    /// was not there); `None`: recorded before files were hashed.
    fn plan(run: Option<J>, gen: Option<J>) -> J {
        let step = |name: &str, hash: Option<J>| {
            let def = json!({ "fields": { "file": format!("{name}.py") } });
            let mut s = json!({ "name": name, "kind": "python", "fp": "1", "def": def });
            if let Some(h) = hash {
                s["files"] = json!({ format!("{name}.py"): h });
            }
            s
        };
        json!({ "steps": [step("run", run), step("gen", gen)], "env": {} })
    }

    #[test]
    fn a_changed_file_changes_its_step() {
        let (a, b) = (Some(json!("a")), Some(json!("b")));
        let done = ["run".to_owned()];
        let d = compare(
            &plan(a.clone(), a.clone()),
            &plan(b.clone(), b.clone()),
            &done,
        );
        assert_eq!(
            d.blocking,
            ["step `run` changed (the file run.py changed), but it already succeeded"]
        );
        assert_eq!(
            d.other,
            ["step `gen` changed (the file gen.py changed); it runs with the new definition"]
        );
        let gone = compare(
            &plan(a.clone(), a.clone()),
            &plan(Some(J::Null), a.clone()),
            &done,
        );
        assert_eq!(
            gone.blocking,
            ["step `run` changed (the file run.py is gone), but it already succeeded"]
        );
        assert!(compare(
            &plan(a.clone(), a.clone()),
            &plan(a.clone(), a.clone()),
            &done
        )
        .is_empty());
        // Not there when the run started (an earlier step may write it):
        // not compared.
        assert!(compare(
            &plan(Some(J::Null), a.clone()),
            &plan(b.clone(), a.clone()),
            &done
        )
        .is_empty());
        // Recorded before files were hashed: a note, not a refusal.
        let old = compare(&plan(None, None), &plan(b.clone(), b), &done);
        assert!(old.blocking.is_empty(), "{old:?}");
        assert_eq!(
            old.other,
            ["the run was recorded before the files its steps run were kept with its plan: a change to one of a step that succeeded is not checked"]
        );
    }

    /// The files are read beside the workflow file, each once however many
    /// steps run it; a path known only at run time is not hashed.
    #[test]
    fn fingerprints_hash_the_files_beside_the_workflow_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "print(1)\n").unwrap();
        let text = r#"workflow w {
  for each n in ["x", "y"] {
    step run: python { file "a.py" }
  }
  step q: sql { database "sqlite:d.db" file "missing.sql" }
  step later: python { file "${run[x].stdout}" }
}"#;
        let (plan, wf) = crate::run_graph::tests::plan_of(text);
        let file = dir.path().join("w.wf").display().to_string();
        let fp: J = serde_json::from_str(&fingerprints_of(&plan, &wf, Some(&file))).unwrap();
        let files: Vec<(&str, &J)> = fp["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap(), &s["files"]))
            .collect();
        let hash = json!({ "a.py": crate::hex(crate::fnv(b"print(1)\n")) });
        assert_eq!(
            files,
            [
                ("run[x]", &hash),
                ("run[y]", &hash),
                ("q", &json!({ "missing.sql": null })),
                ("later", &J::Null),
            ]
        );
    }
}
