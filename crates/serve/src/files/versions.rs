//! The texts a write or a delete of a workflow file replaced, kept under
//! the state folder (`file-versions/`, never in a served folder): one
//! folder per file (named by a hash of its real path, which its `path`
//! file records), holding `N.wf` for each version N, readable by the
//! server's user only. The last [`KEEP`] are kept.
//!
//! A version never holds a secret's value: a text written before by hand
//! with a `secret` whose default is a literal is kept with that literal
//! masked (`"***"`, [`redact`]); the API refuses to write such a text,
//! so such a version is read, never restored as it is.

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

    /// Keeps `text` ([`redact`]ed) as the next version; the oldest beyond
    /// [`KEEP`] go.
    pub fn keep(&self, text: &str) -> std::io::Result<u32> {
        let text = &redact(text);
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

/// One change of a served file at a time on a state folder: held (an
/// exclusive `flock` on `file-versions/.lock`) while the text a change
/// replaces is kept and the file changed. A lock of the file system, not
/// of a process: `wfc serve` and `wfc mcp` on one state folder took the
/// same version number for two changes, and one replaced text was lost.
pub struct Changing {
    _held: nix::fcntl::Flock<std::fs::File>,
}

impl Changing {
    /// Waits for the lock of `state_dir`.
    pub fn take(state_dir: &Path) -> std::io::Result<Changing> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = state_dir.join(FOLDER);
        create_private(&dir)?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(dir.join(".lock"))?;
        let held = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| std::io::Error::from(e))?;
        Ok(Changing { _held: held })
    }
}

/// `text` with the literal default of each `secret` masked as `"***"` (a
/// default that says where the value comes from, `env("NAME")`, is kept).
pub fn redact(text: &str) -> String {
    use wfc_language::ir::{ExprKind, Func};
    let analysis = wfc_language::analysis::analyze_lean("<version>", text);
    let mut spans: Vec<std::ops::Range<usize>> = analysis
        .module
        .iter()
        .flat_map(|m| &m.workflows)
        .flat_map(|w| &w.ir.params)
        .filter(|p| p.secret)
        .filter_map(|p| p.default.as_ref())
        .filter(|d| !matches!(&d.kind, ExprKind::Call(Func::Env | Func::RequireEnv, _)))
        .map(|d| d.span.start as usize..d.span.end as usize)
        .filter(|r| {
            r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
        })
        .collect();
    spans.sort_by_key(|r| std::cmp::Reverse(r.start));
    spans.dedup();
    let mut out = text.to_owned();
    for r in spans {
        out.replace_range(r, "\"***\"");
    }
    out
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
    fn a_secret_literal_is_never_kept() {
        let text = "workflow w {\n  secret token: string = \"hunter2\"\n  secret url: string = env(\"URL\")\n  param who: string = \"me\"\n  step a: shell { run \"echo ${who}\" }\n}\n";
        let kept = redact(text);
        assert!(!kept.contains("hunter2"), "{kept}");
        assert!(kept.contains("secret token: string = \"***\""), "{kept}");
        assert!(
            kept.contains("env(\"URL\")") && kept.contains("= \"me\""),
            "{kept}"
        );
        let state = tempfile::tempdir().unwrap();
        let v = Versions::of(state.path(), Path::new("/srv/flows/w.wf"));
        let n = v.keep(text).unwrap();
        assert!(!v.read(n).unwrap().contains("hunter2"));
    }

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
