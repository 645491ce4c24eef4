//! Reading a workflow file from the disk: regular files only. Opening a
//! FIFO blocks until something writes to it (a `*.wf` FIFO in a served
//! folder froze the server's catalog, an import of one hung `wfc check`,
//! `/validate` and the editor), and a device may never end; both are
//! refused before they are read, with why.

use std::io::{self, Read};
use std::path::Path;

/// The text of the file at `path` (links followed), refused with
/// [`io::ErrorKind::InvalidInput`] and "not a regular file (a FIFO)" when it
/// is anything but a regular file. Its type is checked before it is opened
/// (so a device is not even opened) and again on the open file, which is
/// opened without blocking: a FIFO put in its place meanwhile is refused
/// too, not waited on.
pub fn read_source(path: &Path) -> io::Result<String> {
    refuse_unless_regular(&std::fs::metadata(path)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // No effect on a regular file's reads; a FIFO opens at once.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    refuse_unless_regular(&meta)?;
    let mut text = String::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// An error unless `meta` is a regular file's, naming what it is.
fn refuse_unless_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", kind(&meta.file_type())),
    ))
}

/// What a file that is not a regular one is, in words.
fn kind(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "not a file"
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_fifo_a_device_and_a_folder_are_refused_at_once_a_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.wf");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let at = Instant::now();
        let e = read_source(&fifo).unwrap_err();
        assert!(at.elapsed() < Duration::from_secs(2), "waited on the FIFO");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), "not a regular file (a FIFO)");
        let e = read_source(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a device)");
        let e = read_source(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a folder)");
        let file = dir.path().join("a.wf");
        std::fs::write(&file, "workflow a {}\n").unwrap();
        assert_eq!(read_source(&file).unwrap(), "workflow a {}\n");
        let link = dir.path().join("l.wf");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_source(&link).unwrap(), "workflow a {}\n");
        let e = read_source(&dir.path().join("none.wf")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
