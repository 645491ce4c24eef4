//! The texts a write or a delete of a workflow file replaced, kept under
//! the state folder (`file-versions/`, never in a served folder): one
//! folder per file (named by a hash of its real path, which its `path`
//! file records), holding `N.wf` for each version N, readable by the
//! server's user only. The last [`KEEP`] are kept.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use utoipa::ToSchema;

/// The most versions kept of one file: an older one is removed.
pub const KEEP: usize = 20;

/// The folder under the state folder that holds them.
const FOLDER: &str = "file-versions";

/// One kept version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    /// Its number: `GET …?version=N` reads it.
    pub version: u32,
    /// When it was kept (RFC 3339, UTC).
    pub saved: String,
    pub bytes: u64,
}

/// The versions of one file.
pub struct Versions {
    dir: PathBuf,
    real: PathBuf,
}

impl Versions {
    /// The versions of the file at real path `real`.
    pub fn of(state_dir: &Path, real: &Path) -> Versions {
        let hash = Sha256::digest(real.as_os_str().as_encoded_bytes());
        let name: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
        Versions {
            dir: state_dir.join(FOLDER).join(name),
            real: real.to_path_buf(),
        }
    }

    /// The numbers kept, in order.
    fn numbers(&self) -> Vec<u32> {
        let mut ns: Vec<u32> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                name.to_str()?.strip_suffix(".wf")?.parse().ok()
            })
            .collect();
        ns.sort_unstable();
        ns
    }

    /// Every version kept, newest first.
    pub fn list(&self) -> Vec<VersionInfo> {
        self.numbers()
            .into_iter()
            .rev()
            .filter_map(|n| {
                let meta = std::fs::metadata(self.dir.join(format!("{n}.wf"))).ok()?;
                let saved: chrono::DateTime<chrono::Utc> = meta.modified().ok()?.into();
                Some(VersionInfo {
                    version: n,
                    saved: saved.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    bytes: meta.len(),
                })
            })
            .collect()
    }

    /// Version `n`'s text.
    pub fn read(&self, n: u32) -> Option<String> {
        std::fs::read_to_string(self.dir.join(format!("{n}.wf"))).ok()
    }

    /// Keeps `text` as the next version; the oldest beyond [`KEEP`] go.
    pub fn keep(&self, text: &str) -> std::io::Result<u32> {
        create_private(&self.dir)?;
        let path_file = self.dir.join("path");
        if !path_file.exists() {
            super::atomic_write(&path_file, &self.real.display().to_string())?;
        }
        let numbers = self.numbers();
        let n = numbers.last().map_or(1, |last| last + 1);
        let file = self.dir.join(format!("{n}.wf"));
        super::atomic_write(&file, text)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        let total = numbers.len() + 1;
        for old in numbers.iter().take(total.saturating_sub(KEEP)) {
            let _ = std::fs::remove_file(self.dir.join(format!("{old}.wf")));
        }
        Ok(n)
    }
}

/// `dir` and its missing parents, readable by the owner only.
fn create_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_and_bounded() {
        let state = tempfile::tempdir().unwrap();
        let v = Versions::of(state.path(), Path::new("/srv/flows/a.wf"));
        assert!(v.list().is_empty());
        for i in 1..=(KEEP as u32 + 3) {
            assert_eq!(v.keep(&format!("text {i}")).unwrap(), i);
        }
        let listed = v.list();
        assert_eq!(listed.len(), KEEP);
        assert_eq!(listed[0].version, KEEP as u32 + 3, "newest first");
        assert_eq!(listed.last().unwrap().version, 4);
        assert_eq!(v.read(5).as_deref(), Some("text 5"));
        assert_eq!(v.read(3), None, "pruned");
    }
}
