//! Finding the workflow files under the paths given to `wfc list` and
//! `wfc serve`: one rule for both.

use std::path::{Path, PathBuf};

/// What [`workflow_files`] found: the files, and the paths that do not exist.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub missing: Vec<PathBuf>,
}

/// The `.wf` files under `roots`: a folder gives every `.wf` below it
/// (sorted, skipping hidden folders, `target` and `node_modules`), a file
/// (or `-`, standard input) itself.
pub fn workflow_files(roots: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for root in roots {
        if root.is_dir() {
            collect(root, &mut found.files);
        } else if root.exists() || root.as_os_str() == "-" {
            found.files.push(root.clone());
        } else {
            found.missing.push(root.clone());
        }
    }
    found
}

/// Whether a folder named `name` is searched: hidden folders, build output
/// and dependencies hold no workflows of the project.
pub fn searched_folder(name: &str) -> bool {
    !(name.starts_with('.') || name == "target" || name == "node_modules")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_dir() {
            if searched_folder(&name) {
                collect(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "wf") {
            // `./a.wf` is listed as `a.wf`.
            out.push(p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_wf_files_below_folders_but_not_in_hidden_or_build_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["a.wf", "sub/b.wf", ".hidden/c.wf", "target/d.wf", "e.txt"] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), "").unwrap();
        }
        let found = workflow_files(&[d.to_path_buf(), d.join("nope.wf")]);
        assert_eq!(found.files, vec![d.join("a.wf"), d.join("sub/b.wf")]);
        assert_eq!(found.missing, vec![d.join("nope.wf")]);
    }
}
