//! A served folder as a directory handle, and every read, write and
//! delete of a file in it done through that handle (`cap-std`: `openat`
//! beneath it, `RESOLVE_BENEATH` where the kernel has it), never through
//! a path resolved once and used again.
//!
//! A path checked and then written was a race (#69): a local process that
//! swapped a folder for a link to `../outside` between the check and the
//! write had files written outside the served folder. Through the handle,
//! no component of a path — a link swapped in at any moment included — can
//! lead out: the operation fails instead. The folder itself is opened by
//! the real path it had when the server started, its last component not
//! followed: a served folder replaced by a link is refused, not followed.

use cap_std::fs::OpenOptionsExt as _;
use cap_std::fs::{Dir, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A served folder, opened.
pub struct Folder {
    dir: Dir,
}

impl Folder {
    /// Opens the folder whose real path is `real`; a link there (a folder
    /// swapped for one since the server started) is an error.
    pub fn open(real: &Path) -> io::Result<Folder> {
        use nix::fcntl::OFlag;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW).bits())
            .open(real)?;
        Ok(Folder {
            dir: Dir::from_std_file(file),
        })
    }

    /// `rel`'s text: a regular file's only. Opened without blocking and
    /// checked once open, so a FIFO renamed in after a check neither blocks
    /// the read (and the change lock it may hold) nor is read.
    pub fn read(&self, rel: &Path) -> io::Result<String> {
        use std::io::Read;
        let mut options = OpenOptions::new();
        options
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
        let mut file = self.dir.open_with(rel, &options)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        Ok(text)
    }

    /// Whether `rel` is there, as what: `None` when nothing is; a link is
    /// reported as one, not followed.
    pub fn kind(&self, rel: &Path) -> io::Result<Option<Kind>> {
        match self.dir.symlink_metadata(rel) {
            Ok(m) if m.file_type().is_symlink() => Ok(Some(Kind::Link)),
            Ok(m) if m.is_file() => Ok(Some(Kind::File)),
            Ok(_) => Ok(Some(Kind::Other)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes `text` to `rel` whole or not at all: missing folders made, a
    /// temporary file beside it written and synced (with the old file's
    /// permissions), renamed over it, the folder synced.
    pub fn write(&self, rel: &Path, text: &str) -> io::Result<()> {
        let (folder, name) = self.parent_of(rel, true)?;
        let permissions = match folder.metadata(&name) {
            Ok(m) if m.is_file() => m.permissions(),
            _ => Permissions::from_std(std::fs::Permissions::from_mode(0o644)),
        };
        let tmp = temp_name();
        let mut options = OpenOptions::new();
        // Readable by the owner alone until it has the old file's mode.
        options.write(true).create_new(true).mode(0o600);
        let mut file = folder.open_with(&tmp, &options)?;
        let written = (|| {
            file.write_all(text.as_bytes())?;
            file.set_permissions(permissions)?;
            file.sync_all()?;
            folder.rename(&tmp, &folder, &name)
        })();
        if written.is_err() {
            let _ = folder.remove_file(&tmp);
        }
        written?;
        sync(&folder)
    }

    /// Removes the file `rel`.
    pub fn remove(&self, rel: &Path) -> io::Result<()> {
        let (folder, name) = self.parent_of(rel, false)?;
        folder.remove_file(&name)?;
        sync(&folder)
    }

    /// The folder holding `rel` (made when `make`), opened beneath this
    /// one, and `rel`'s last component.
    fn parent_of(&self, rel: &Path, make: bool) -> io::Result<(Dir, PathBuf)> {
        let name = rel
            .file_name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let parent = rel.parent().filter(|p| !p.as_os_str().is_empty());
        let folder = match parent {
            Some(p) => {
                if make {
                    self.dir.create_dir_all(p)?;
                }
                self.dir.open_dir(p)?
            }
            None => self.dir.try_clone()?,
        };
        Ok((folder, name))
    }
}

/// What is at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Link,
    Other,
}

/// Syncs a folder's entries (a rename or a removal in it) to disk: through
/// a handle opened for reading (a `Dir`'s own may be an `O_PATH` one,
/// which cannot be synced).
fn sync(folder: &Dir) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.read(true);
    folder.open_with(".", &options)?.sync_all()
}

/// A name no other writer picks: `.wfc-RANDOM.tmp`.
fn temp_name() -> PathBuf {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    PathBuf::from(format!(".wfc-{hex}.tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_stay_within_and_keep_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("served");
        std::fs::create_dir(&root).unwrap();
        let f = Folder::open(&root).unwrap();
        f.write(Path::new("sub/a.wf"), "one").unwrap();
        assert_eq!(f.read(Path::new("sub/a.wf")).unwrap(), "one");
        std::fs::set_permissions(
            root.join("sub/a.wf"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        f.write(Path::new("sub/a.wf"), "two").unwrap();
        let meta = std::fs::metadata(root.join("sub/a.wf")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let left: Vec<_> = std::fs::read_dir(root.join("sub")).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
        // A link that leads out is never followed, for a read or a write.
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink("../outside", root.join("out")).unwrap();
        assert!(f.write(Path::new("out/x.wf"), "no").is_err());
        assert!(f.read(Path::new("out/x.wf")).is_err());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // The folder itself swapped for a link: refused.
        let moved = dir.path().join("moved");
        std::fs::rename(&root, &moved).unwrap();
        std::os::unix::fs::symlink(&outside, &root).unwrap();
        assert!(Folder::open(&root).is_err());
    }
}
