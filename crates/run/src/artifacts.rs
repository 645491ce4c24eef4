//! Artifacts at run time: after a step that declares `artifacts { … }`
//! succeeds, each glob is expanded in the step's folder and every matched
//! file is copied into the run's artifact folder (named by its SHA-256)
//! and synced, before the step is reported as ended: a step recorded as
//! succeeded always has its files kept (a crash before its record leaves
//! the step to run again, and at most a stray temporary file, which is
//! never read).
//!
//! The rules, safe by default: globs match files under the step's folder
//! only; a symbolic link is never followed out of it (a link to a file
//! inside the folder is kept as that file); folders are not artifacts. A
//! glob matching nothing fails the step (E0840) unless it is `optional`.

use crate::exec::StepSpec;
use crate::values::Evaluator;
use globset::GlobBuilder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use wfc_contract::ArtifactFile;
use wfc_language::ir::artifacts::{decls, FIELD};
use wfc_plan::{PlannedStep, Value};

/// A glob matched no file (and is not `optional`).
pub const NO_MATCH: &str = "E0840";
/// A glob or a match that leaves the step's folder.
pub const OUTSIDE: &str = "E0841";
/// A `docker` step's workdir in no mount.
pub const UNMOUNTED: &str = "E0842";
/// A file that cannot be read or kept.
pub const NOT_KEPT: &str = "E0843";

/// A step's artifacts, evaluated: what to look for, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ArtifactSpec {
    /// The step's folder on this machine (absolute).
    pub folder: PathBuf,
    pub globs: Vec<ArtifactGlob>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ArtifactGlob {
    pub name: String,
    pub glob: String,
    pub optional: bool,
}

/// What a succeeded step kept.
pub struct Kept {
    /// `{ NAME: [PATH, …] }`: the step's `artifacts` output.
    pub value: Value,
    pub files: Vec<ArtifactFile>,
}

/// Evaluates `step`'s declared artifacts for the step about to run as
/// `spec` (`None`: it declares none).
pub fn prepare(
    step: &PlannedStep,
    ev: &mut Evaluator,
    spec: &StepSpec,
) -> Result<Option<ArtifactSpec>, String> {
    let declared = decls(&step.fields);
    if declared.is_empty() {
        return Ok(None);
    }
    let mut globs = Vec::with_capacity(declared.len());
    for d in declared {
        globs.push(ArtifactGlob {
            name: d.name.to_owned(),
            glob: ev.text(d.glob)?,
            optional: d.optional,
        });
    }
    Ok(Some(ArtifactSpec {
        folder: working_folder(spec)?,
        globs,
    }))
}

/// The folder on this machine a step runs in: its `workdir`, else wfc's
/// own directory, as the executors start it; for a `docker` step, the host
/// folder mounted at the container's `workdir`.
pub fn working_folder(spec: &StepSpec) -> Result<PathBuf, String> {
    let absolute = |p: Option<&Path>| {
        std::path::absolute(p.unwrap_or(Path::new(".")))
            .map_err(|e| format!("the step's folder: {e}"))
    };
    match spec {
        StepSpec::Shell(s) => absolute(s.workdir.as_deref()),
        StepSpec::Script(s) => absolute(s.workdir.as_deref()),
        StepSpec::Docker(d) => {
            let workdir = d.workdir.as_deref().unwrap_or("");
            let inside = |target: &str| {
                let rest = workdir.strip_prefix(target.trim_end_matches('/'))?;
                (rest.is_empty() || rest.starts_with('/')).then(|| rest.trim_start_matches('/'))
            };
            let best = d
                .mounts
                .iter()
                .filter_map(|m| inside(&m.target).map(|rest| (m, rest)))
                .max_by_key(|(m, _)| m.target.len());
            match best {
                Some((m, rest)) => Ok(crate::exec::docker::mount_source(m)?.join(rest)),
                None => Err(format!(
                    "{UNMOUNTED}: the container's workdir `{workdir}` is inside no `mount`: \
                     wfc cannot see the files the step keeps as artifacts"
                )),
            }
        }
        other => Err(format!("a `{}` step cannot keep artifacts", other.kind())),
    }
}

/// Expands every glob of `spec` and, with a run folder, copies each match
/// into it. Blocking (it reads and writes whole files).
pub fn keep(spec: &ArtifactSpec, run_folder: Option<&Path>) -> Result<Kept, String> {
    let folder = spec.folder.canonicalize().map_err(|e| {
        format!(
            "{NOT_KEPT}: the step's folder `{}` cannot be read: {e}",
            spec.folder.display()
        )
    })?;
    if let Some(dir) = run_folder {
        std::fs::create_dir_all(dir).map_err(|e| copy_error(dir, &e))?;
    }
    let mut value = Vec::new();
    let mut files = Vec::new();
    for g in &spec.globs {
        let found = matches(&folder, &g.glob)?;
        if found.is_empty() && !g.optional {
            return Err(format!(
                "{NO_MATCH}: artifact `{}`: the glob `{}` matched no file in `{}`",
                g.name,
                g.glob,
                folder.display()
            ));
        }
        let mut paths = Vec::with_capacity(found.len());
        for path in found {
            let (size, sha256) = match run_folder {
                Some(dir) => store(&path, dir)?,
                None => hash(&path)?,
            };
            let shown = path.display().to_string();
            paths.push(Value::Str(shown.clone()));
            files.push(ArtifactFile {
                name: g.name.clone(),
                path: shown,
                size,
                sha256,
            });
        }
        value.push((g.name.clone(), Value::List(paths)));
    }
    Ok(Kept {
        value: Value::Map(value),
        files,
    })
}

/// The files under `folder` (canonical) that `glob` matches, sorted.
fn matches(folder: &Path, glob: &str) -> Result<Vec<PathBuf>, String> {
    let relative = Path::new(glob);
    if relative.is_absolute() || relative.components().any(|c| c == Component::ParentDir) {
        return Err(format!(
            "{OUTSIDE}: the artifact glob `{glob}` leaves the step's folder `{}`",
            folder.display()
        ));
    }
    let matcher = GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("the artifact glob `{glob}` is not a glob: {e}"))?
        .compile_matcher();
    // Walk only below the glob's literal head (`dist/` of `dist/*.tgz`).
    let head: PathBuf = relative
        .components()
        .take_while(|c| {
            !c.as_os_str()
                .to_string_lossy()
                .contains(['*', '?', '[', '{'])
        })
        .collect();
    let start = folder.join(&head);
    if !start.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&start).follow_links(false) {
        let entry = entry.map_err(|e| format!("{NOT_KEPT}: reading the step's folder: {e}"))?;
        let Ok(rel) = entry.path().strip_prefix(folder) else {
            continue;
        };
        if entry.file_type().is_dir() || !matcher.is_match(rel) {
            continue;
        }
        // A link is kept only as a file inside the folder (never followed out).
        let real = entry.path().canonicalize().map_err(|e| {
            format!(
                "{NOT_KEPT}: artifact `{}` cannot be read: {e}",
                rel.display()
            )
        })?;
        if !real.starts_with(folder) {
            return Err(format!(
                "{OUTSIDE}: artifact `{}` is a symbolic link out of the step's folder `{}`",
                rel.display(),
                folder.display()
            ));
        }
        if real.is_dir() {
            continue;
        }
        if !real.is_file() {
            return Err(format!(
                "{NOT_KEPT}: artifact `{}` is not a regular file (a pipe, a socket or a device)",
                rel.display()
            ));
        }
        out.push(entry.path().to_owned());
    }
    out.sort();
    Ok(out)
}

fn copy_error(path: &Path, e: &std::io::Error) -> String {
    format!(
        "{NOT_KEPT}: keeping an artifact in `{}`: {e}",
        path.display()
    )
}

/// The size and SHA-256 of `path`, read once.
pub(crate) fn hash(path: &Path) -> Result<(u64, String), String> {
    let mut f = File::open(path).map_err(|e| copy_error(path, &e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let n = f.read(&mut buf).map_err(|e| copy_error(path, &e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&h.finalize())))
}

/// Copies `path` into `dir` under its SHA-256, hashing as it copies: into
/// a temporary file, synced, then renamed (and the folder synced), so a
/// stored copy is always whole.
fn store(path: &Path, dir: &Path) -> Result<(u64, String), String> {
    let mut src = File::open(path).map_err(|e| copy_error(path, &e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".part-")
        .tempfile_in(dir)
        .map_err(|e| copy_error(dir, &e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let n = src.read(&mut buf).map_err(|e| copy_error(path, &e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(|e| copy_error(dir, &e))?;
        size += n as u64;
    }
    tmp.as_file().sync_all().map_err(|e| copy_error(dir, &e))?;
    let sha = hex(&h.finalize());
    let target = wfc_contract::artifacts::stored(dir, &sha);
    tmp.persist(&target)
        .map_err(|e| copy_error(&target, &e.error))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| copy_error(dir, &e))?;
    Ok((size, sha))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `artifacts` output of a step, added to its outputs map.
pub fn with_artifacts(outputs: Option<Value>, artifacts: Value) -> Value {
    let mut entries = match outputs {
        Some(Value::Map(m)) => m,
        _ => Vec::new(),
    };
    entries.retain(|(k, _)| k != FIELD);
    entries.push((FIELD.to_owned(), artifacts));
    Value::Map(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(folder: &Path, glob: &str, optional: bool) -> ArtifactSpec {
        ArtifactSpec {
            folder: folder.to_owned(),
            globs: vec![ArtifactGlob {
                name: "a".into(),
                glob: glob.into(),
                optional,
            }],
        }
    }

    #[test]
    fn keeps_matches_by_content_and_refuses_links_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist/sub")).unwrap();
        std::fs::write(dir.path().join("dist/a.tgz"), "one").unwrap();
        std::fs::write(dir.path().join("dist/sub/b.tgz"), "two").unwrap();
        let kept = keep(&spec(dir.path(), "dist/*.tgz", false), Some(store.path())).unwrap();
        assert_eq!(kept.files.len(), 1, "`*` does not cross a `/`");
        let f = &kept.files[0];
        assert_eq!(f.size, 3);
        let stored = std::fs::read(store.path().join(&f.sha256)).unwrap();
        assert_eq!(stored, b"one");
        let e = keep(&spec(dir.path(), "out/*", false), None).err().unwrap();
        assert!(e.starts_with(NO_MATCH), "{e}");
        assert!(keep(&spec(dir.path(), "out/*", true), None).is_ok());
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("dist/l.tgz"))
            .unwrap();
        let e = keep(&spec(dir.path(), "dist/*.tgz", false), None)
            .err()
            .unwrap();
        assert!(e.starts_with(OUTSIDE), "{e}");
        let e = keep(&spec(dir.path(), "../*", false), None).err().unwrap();
        assert!(e.starts_with(OUTSIDE), "{e}");
    }
}
