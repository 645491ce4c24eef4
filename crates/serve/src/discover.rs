//! Finding the workflow files under the paths given to `wfc list`,
//! `wfc fmt`, `wfc serve` and `wfc mcp`: one walk, one rule for all.
//!
//! Symbolic links to folders are followed, as `find -L` and ripgrep's
//! `--follow` do, but each folder is walked once and each file listed once
//! (both known by device and inode): a link back to a folder that holds it
//! (`sub/up -> ..`) is a loop, skipped with a warning, and a second way to
//! a folder or file already found adds nothing. Real paths come first: a
//! folder or file reached both through a link and without one is listed
//! under the path without.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What [`workflow_files`] found: the files, the paths that do not exist,
/// the folders walked (each once, with its identity: what a watch of the
/// files watches) and the links not followed because they loop.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub missing: Vec<PathBuf>,
    pub folders: Vec<(PathBuf, Id)>,
    pub loops: Vec<Loop>,
}

/// A link to a folder that holds it (`sub/up -> ..`): not followed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loop {
    pub link: PathBuf,
    pub target: PathBuf,
}

impl Loop {
    /// Says that the link is not followed.
    pub fn warn(&self) {
        tracing::warn!(
            "{} leads back to {}, a folder that holds it: not followed",
            self.link.display(),
            self.target.display()
        );
    }
}

/// The `.wf` files under `roots` (and `*.workflow.json`, the JSON form):
/// a folder gives every one below it
/// (sorted, skipping hidden folders, `target` and `node_modules`), a file
/// (or `-`, standard input) itself; none twice. Each loop is warned of.
pub fn workflow_files(roots: &[PathBuf]) -> Found {
    let found = search(roots);
    found.loops.iter().for_each(Loop::warn);
    found
}

/// Whether a folder's file `path` is a workflow file: `*.wf`, or
/// `*.workflow.json` (the JSON form; other JSON files are left alone).
pub fn is_workflow_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "wf")
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".workflow.json"))
}

/// [`workflow_files`], leaving the loops to the caller to report (a watch
/// that searches again on each change says each loop once).
pub fn search(roots: &[PathBuf]) -> Found {
    let mut found = Found::default();
    let mut walk = Walk::default();
    for root in roots {
        if root.is_dir() {
            found.files.extend(walk.folder(root, &mut found.folders));
        } else if root.as_os_str() == "-" {
            found.files.push(root.clone());
        } else if let Ok(meta) = std::fs::metadata(root) {
            if walk.files.insert(id(&meta)) {
                found.files.push(root.clone());
            }
        } else {
            found.missing.push(root.clone());
        }
    }
    found.loops = walk.loops;
    found
}

/// Whether a folder named `name` is searched: hidden folders, build output
/// and dependencies hold no workflows of the project.
pub fn searched_folder(name: &str) -> bool {
    !(name.starts_with('.') || name == "target" || name == "node_modules")
}

/// A file or folder as the OS knows it, whatever path leads to it: its
/// device and inode.
pub type Id = (u64, u64);

fn id(meta: &std::fs::Metadata) -> Id {
    (meta.dev(), meta.ino())
}

/// The folder at `path` (through links), if there is one. A folder
/// removed and made again at the same path is another folder: what a
/// watch compares to see that its OS watch went with the old one.
pub fn folder_id(path: &Path) -> Option<Id> {
    let meta = std::fs::metadata(path).ok()?;
    meta.is_dir().then(|| id(&meta))
}

/// The folders and files found so far, across the roots of one search.
#[derive(Default)]
struct Walk {
    folders: HashSet<Id>,
    files: HashSet<Id>,
    loops: Vec<Loop>,
}

/// A `.wf` file met in the walk.
struct Candidate {
    /// Reached through a symbolic link (its own, or one of its folders').
    linked: bool,
    path: PathBuf,
    id: Id,
}

impl Walk {
    /// The `.wf` files below `root` not found before, sorted; the folders
    /// walked are added to `walked`. Real folders are walked first; the
    /// folders links lead to after them, round by round, so that a path
    /// without a link wins.
    fn folder(&mut self, root: &Path, walked: &mut Vec<(PathBuf, Id)>) -> Vec<PathBuf> {
        let Ok(meta) = std::fs::metadata(root) else {
            return Vec::new();
        };
        if !self.folders.insert(id(&meta)) {
            return Vec::new();
        }
        let mut candidates = Vec::new();
        let mut folders = vec![(root.to_path_buf(), id(&meta))];
        let mut linked = false;
        loop {
            let mut links = Vec::new();
            while let Some((dir, dir_id)) = folders.pop() {
                self.read(&dir, linked, &mut folders, &mut links, &mut candidates);
                walked.push((dir, dir_id));
            }
            if links.is_empty() {
                break;
            }
            links.sort();
            for link in links {
                if let Some(to) = self.follow(&link) {
                    folders.push((link, to));
                }
            }
            linked = true;
        }
        candidates.sort_by(|a, b| (a.linked, &a.path).cmp(&(b.linked, &b.path)));
        let mut out: Vec<PathBuf> = candidates
            .into_iter()
            .filter(|c| self.files.insert(c.id))
            .map(|c| c.path)
            .collect();
        out.sort();
        out
    }

    /// One folder's entries: folders to walk, links to folders to follow
    /// later, `.wf` files.
    fn read(
        &mut self,
        dir: &Path,
        linked: bool,
        folders: &mut Vec<(PathBuf, Id)>,
        links: &mut Vec<PathBuf>,
        candidates: &mut Vec<Candidate>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // `./a.wf` is listed as `a.wf`.
            let path = entry.path();
            let path = path
                .strip_prefix(".")
                .map(Path::to_path_buf)
                .unwrap_or(path);
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            // What the entry is, through its link if it is one.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if !searched_folder(&name) {
                    continue;
                }
                if kind.is_symlink() {
                    links.push(path);
                } else if self.folders.insert(id(&meta)) {
                    folders.push((path, id(&meta)));
                }
            } else if is_workflow_file(&path) {
                candidates.push(Candidate {
                    linked: linked || kind.is_symlink(),
                    path,
                    id: id(&meta),
                });
            }
        }
    }

    /// The folder `link` leads to, if it is walked: not when it holds the
    /// link (a loop, reported) or was walked already.
    fn follow(&mut self, link: &Path) -> Option<Id> {
        let (Ok(meta), Ok(target)) = (std::fs::metadata(link), std::fs::canonicalize(link)) else {
            return None;
        };
        let holder = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
        if holder.is_some_and(|h| h.starts_with(&target)) {
            self.loops.push(Loop {
                link: link.to_path_buf(),
                target,
            });
            return None;
        }
        self.folders.insert(id(&meta)).then(|| id(&meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn files(dir: &Path, names: &[&str]) {
        for f in names {
            std::fs::create_dir_all(dir.join(f).parent().unwrap()).unwrap();
            std::fs::write(dir.join(f), "").unwrap();
        }
    }

    #[test]
    fn finds_wf_files_below_folders_but_not_in_hidden_or_build_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        files(
            d,
            &["a.wf", "sub/b.wf", ".hidden/c.wf", "target/d.wf", "e.txt"],
        );
        let found = workflow_files(&[d.to_path_buf(), d.join("nope.wf")]);
        assert_eq!(found.files, vec![d.join("a.wf"), d.join("sub/b.wf")]);
        assert_eq!(found.missing, vec![d.join("nope.wf")]);
    }

    #[test]
    fn links_are_followed_once_and_loops_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let outside = tempfile::tempdir().unwrap();
        files(d, &["a.wf", "sub/b.wf", "real/c.wf"]);
        files(outside.path(), &["d.wf"]);
        symlink("..", d.join("sub/up")).unwrap();
        symlink(".", d.join("sub/here")).unwrap();
        // `a-link` sorts before `real`, but the path without a link wins.
        symlink("real", d.join("a-link")).unwrap();
        symlink("a.wf", d.join("0.wf")).unwrap();
        let root = d.join("in");
        std::fs::create_dir(&root).unwrap();
        symlink(outside.path(), root.join("out")).unwrap();
        let found = workflow_files(&[d.to_path_buf()]);
        assert_eq!(
            found.files,
            vec![
                d.join("a.wf"),
                d.join("in/out/d.wf"),
                d.join("real/c.wf"),
                d.join("sub/b.wf"),
            ]
        );
        assert_eq!(found.loops.len(), 2, "{:?}", found.loops);
        // Each folder walked once, the link out by its link.
        let mut walked: Vec<&Path> = found.folders.iter().map(|(p, _)| p.as_path()).collect();
        walked.sort();
        assert_eq!(
            walked,
            [
                d,
                &d.join("in"),
                &d.join("in/out"),
                &d.join("real"),
                &d.join("sub")
            ]
        );
        // A root given twice, or inside another, adds nothing.
        let found = workflow_files(&[d.join("sub"), d.to_path_buf(), d.join("sub/b.wf")]);
        assert_eq!(found.files.len(), 4, "{:?}", found.files);
        assert_eq!(found.files[0], d.join("sub/b.wf"));
    }

    #[test]
    fn finds_workflow_json_files_beside_wf_files_but_no_other_json() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        files(
            d,
            &[
                "a.wf",
                "b.workflow.json",
                "sub/c.workflow.json",
                "package.json",
                "d.json",
            ],
        );
        let found = workflow_files(&[d.to_path_buf()]);
        assert_eq!(
            found.files,
            vec![
                d.join("a.wf"),
                d.join("b.workflow.json"),
                d.join("sub/c.workflow.json")
            ]
        );
    }
}
