//! Finding a step's sources: each glob is walked from its literal prefix
//! (`src/**/*.rs` walks `src/` only), and each folder's walk is kept for
//! the next step that globs under it, so 1,000 steps over one tree walk it
//! once. `.git` and `.wfc` folders are never entered (a glob over the
//! whole folder would otherwise read wfc's own state); links to folders
//! are not followed, links to files are read as their targets.

use super::{Manifest, StatCache};
use globset::{GlobBuilder, GlobSetBuilder};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Why a step's sources could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("`{glob}` is not a valid glob: {why}")]
    Glob { glob: String, why: String },
    #[error("reading source `{path}`: {why}")]
    Read { path: String, why: String },
}

/// Finds and hashes sources under one folder (the workflow file's).
pub struct Finder<'c> {
    root: PathBuf,
    cache: &'c mut StatCache,
    /// Files under a folder (relative to the root), by the folder.
    walks: HashMap<PathBuf, Rc<Vec<String>>>,
}

impl<'c> Finder<'c> {
    pub fn new(root: &Path, cache: &'c mut StatCache) -> Finder<'c> {
        Finder {
            root: root.to_owned(),
            cache,
            walks: HashMap::new(),
        }
    }

    /// The files `globs` match, hashed. A literal path names a file, or a
    /// folder and every file under it; a path that does not exist matches
    /// nothing (a step may read a file another step makes).
    pub fn manifest(&mut self, globs: &[String]) -> Result<Manifest, SourceError> {
        let mut found: BTreeMap<String, ()> = BTreeMap::new();
        for glob in globs {
            let glob = glob.trim_start_matches("./");
            let (prefix, rest) = split_literal(glob);
            if rest.is_empty() {
                let path = self.root.join(prefix);
                if path.is_dir() {
                    found.extend(self.walk(prefix).iter().map(|f| (f.clone(), ())));
                } else if path.is_file() {
                    found.insert(prefix.to_owned(), ());
                }
                continue;
            }
            let matcher = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_err(|e| SourceError::Glob {
                    glob: glob.to_owned(),
                    why: e.kind().to_string(),
                })?;
            let set =
                GlobSetBuilder::new()
                    .add(matcher)
                    .build()
                    .map_err(|e| SourceError::Glob {
                        glob: glob.to_owned(),
                        why: e.to_string(),
                    })?;
            for f in self
                .walk(prefix)
                .iter()
                .filter(|f| set.is_match(f.as_str()))
            {
                found.insert(f.clone(), ());
            }
        }
        let mut files = Vec::with_capacity(found.len());
        for (rel, ()) in found {
            let hash = self
                .cache
                .hash(&self.root.join(&rel))
                .map_err(|e| SourceError::Read {
                    path: rel.clone(),
                    why: e.to_string(),
                })?;
            files.push((rel, hash));
        }
        Ok(Manifest { files })
    }

    /// Every file under folder `dir` (relative to the root; `""`: the
    /// root), as root-relative `/`-separated paths; walked once.
    fn walk(&mut self, dir: &str) -> Rc<Vec<String>> {
        let key = PathBuf::from(dir);
        if let Some(w) = self.walks.get(&key) {
            return w.clone();
        }
        let base = self.root.join(dir);
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&base)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !(e.file_type().is_dir() && skipped(e.file_name()))
            });
        for e in walker.flatten() {
            let is_file =
                e.file_type().is_file() || (e.file_type().is_symlink() && e.path().is_file());
            if !is_file {
                continue;
            }
            if let Ok(rel) = e.path().strip_prefix(&self.root) {
                out.push(slashed(rel));
            } else if let Ok(rel) = e.path().strip_prefix(&base) {
                // Under a `..` prefix: named as the glob names it.
                out.push(format!("{}/{}", dir.trim_end_matches('/'), slashed(rel)));
            }
        }
        let out = Rc::new(out);
        self.walks.insert(key, out.clone());
        out
    }
}

fn skipped(name: &std::ffi::OsStr) -> bool {
    name == ".git" || name == ".wfc"
}

fn slashed(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// `src/lib/**/*.rs` → (`src/lib`, `**/*.rs`): the folders before the
/// first part with a glob character, and the rest.
fn split_literal(glob: &str) -> (&str, &str) {
    let mut end = 0;
    for (i, part) in glob.split('/').enumerate() {
        if part.contains(['*', '?', '[', '{', '\\']) {
            let prefix = glob[..end].trim_end_matches('/');
            return (prefix, &glob[end..]);
        }
        end += part.len() + usize::from(i < glob.split('/').count() - 1);
    }
    (glob.trim_end_matches('/'), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literal_prefix_is_walked() {
        assert_eq!(split_literal("src/lib/**/*.rs"), ("src/lib", "**/*.rs"));
        assert_eq!(split_literal("*.c"), ("", "*.c"));
        assert_eq!(split_literal("Cargo.toml"), ("Cargo.toml", ""));
        assert_eq!(split_literal("a/b/"), ("a/b", ""));
        assert_eq!(split_literal("../x/*.h"), ("../x", "*.h"));
    }

    #[test]
    fn globs_find_files_and_skip_state_folders() {
        let d = tempfile::tempdir().unwrap();
        let w = |p: &str, s: &str| {
            let p = d.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w("src/a.rs", "a");
        w("src/deep/b.rs", "b");
        w("src/c.txt", "c");
        w("Cargo.toml", "t");
        w(".wfc/runs.db", "state");
        w("docs/x.md", "x");
        let mut cache = StatCache::default();
        let mut f = Finder::new(d.path(), &mut cache);
        let names = |m: Manifest| m.files.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
        let m = f
            .manifest(&[
                "src/**/*.rs".into(),
                "Cargo.toml".into(),
                "missing.txt".into(),
            ])
            .unwrap();
        assert_eq!(names(m), ["Cargo.toml", "src/a.rs", "src/deep/b.rs"]);
        assert_eq!(
            names(f.manifest(&["src/*.rs".into()]).unwrap()),
            ["src/a.rs"]
        );
        assert_eq!(names(f.manifest(&["docs".into()]).unwrap()), ["docs/x.md"]);
        let all = names(f.manifest(&["**/*".into()]).unwrap());
        assert!(!all.iter().any(|p| p.starts_with(".wfc")), "{all:?}");
        assert!(f.manifest(&["src/[".into()]).is_err());
    }
}
