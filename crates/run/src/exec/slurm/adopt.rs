//! Re-attaching to a job an earlier session of the run submitted
//! (`wfc resume` after wfc was killed): the job directory is the record.
//!
//! `submit` writes the job's id to `<job dir>/job` as soon as sbatch
//! answers; `follow` writes `<job dir>/read` once it has read the job's
//! end. A directory of this run and step with a `job` file and no `read`
//! marker is a job whose end no wfc has read: when the job is still
//! queued or running, or it ended and wrote its `exit` file, the resumed
//! attempt follows it instead of submitting the step again. A job that is
//! gone without its exit code is marked read (abandoned) and the step is
//! submitted anew, as any interrupted attempt is re-run.

use super::poll::{self, JobState};
use super::submit::Job;
use std::path::{Path, PathBuf};

/// The file holding the job's Slurm id.
pub(super) const ID_FILE: &str = "job";
/// The marker of a job whose end wfc has read.
pub(super) const READ_MARK: &str = "read";

/// Records `id` in `dir` (through a rename: a half-written id is never read).
pub(super) fn record(dir: &Path, id: &str) -> std::io::Result<()> {
    let part = dir.join("job.part");
    std::fs::write(&part, format!("{id}\n"))?;
    std::fs::rename(part, dir.join(ID_FILE))
}

/// Marks the job in `dir` as read: no later session adopts it.
pub(super) fn mark_read(dir: &Path) {
    let _ = std::fs::write(dir.join(READ_MARK), "");
}

/// The unread job of `step` under `run_dir` that can still be followed,
/// if any; unread jobs that cannot are marked read.
pub(super) async fn unread_job(run_dir: &Path, step: &str) -> Option<Job> {
    for dir in unread_dirs(run_dir, step) {
        let Ok(text) = std::fs::read_to_string(dir.join(ID_FILE)) else {
            continue;
        };
        let id = text.trim().to_owned();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            mark_read(&dir);
            continue;
        }
        let job = Job { id, dir };
        let alive = matches!(poll::state(&job.id).await, JobState::Active);
        if alive || job.exit_code().is_some() {
            return Some(job);
        }
        mark_read(&job.dir);
    }
    None
}

/// The directories `<step>-<attempt>[.<n>]` under `run_dir` with a job id
/// and no read marker, oldest first.
fn unread_dirs(run_dir: &Path, step: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return Vec::new();
    };
    let prefix = format!("{step}-");
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix(&prefix).is_some_and(is_attempt_suffix)
        })
        .map(|e| e.path())
        .filter(|p| p.join(ID_FILE).is_file() && !p.join(READ_MARK).exists())
        .map(|p| {
            let at = std::fs::metadata(&p).and_then(|m| m.modified());
            (at.unwrap_or(std::time::UNIX_EPOCH), p)
        })
        .collect();
    dirs.sort();
    dirs.into_iter().map(|(_, p)| p).collect()
}

/// `N` or `N.M` (digits): what follows `<step>-` in a job directory's name.
fn is_attempt_suffix(rest: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once('.') {
        Some((n, m)) => digits(n) && digits(m),
        None => digits(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_steps_unread_directories_are_candidates() {
        let d = tempfile::tempdir().unwrap();
        for name in ["a-1", "a-2.2", "a-1-1", "a-x", "ab-1", "a-3"] {
            let dir = d.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            record(&dir, "42").unwrap();
        }
        mark_read(&d.path().join("a-3"));
        let mut found: Vec<String> = unread_dirs(d.path(), "a")
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, ["a-1", "a-2.2"]);
        assert_eq!(
            std::fs::read_to_string(d.path().join("a-1/job")).unwrap(),
            "42\n"
        );
    }
}
