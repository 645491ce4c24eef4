//! Incremental runs at run time: just before a main-graph step that
//! declares `sources` would start, its key is made from what decides it —
//! the step as resolved (its [`StepSpec`]: the command after
//! interpolation, its env, its kind's fields, a script file's content),
//! its declared outputs and artifacts, its sources' manifest, and the
//! files its direct dependencies kept — and the store is asked for a
//! succeeded run with that key. Found (and not `--force`d), the step is
//! **up to date**: its kept files are put back and linked into this run's
//! artifact folder, its outputs restored, and it ends succeeded without
//! running. An upstream step that ran again and gave the same files
//! leaves the key as it was (ninja's `restat`): what it printed or how
//! long it took is in no key, only what a dependent reads is — through
//! its resolved spec and its dependencies' files.
//!
//! The key is a BLAKE3 hash keyed with the state folder's own random key
//! ([`hashing_key`]): a secret in a command or env enters it, and cannot
//! be found again from the stored key by trying values.

use crate::artifacts::ArtifactSpec;
use crate::exec::script::ScriptSource;
use crate::exec::StepSpec;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wfc_contract::up_to_date::UpToDate;
use wfc_sources::{Finder, Manifest, StatCache};

/// The file, in the state folder, of the key every step key is hashed with.
pub const KEY_FILE: &str = "up-to-date.key";
/// The file, in the state folder, of the sources' stat cache.
pub const CACHE_FILE: &str = "sources.cache";

/// A run's incremental settings: where to look, and what to run anyway.
pub struct Incremental {
    pub lookup: Arc<dyn UpToDate>,
    /// The workflow file's real path, `#`, the workflow's name.
    pub scope: String,
    /// What `sources` globs are relative to: the workflow file's folder.
    pub root: PathBuf,
    /// `--force`: every step runs (and is recorded for next time).
    pub force: bool,
    /// `--rerun STEP…`: these run (instances of a loop by their template's name too).
    pub rerun: Vec<String>,
    /// `wfc resume`: the files each restored step kept (what its
    /// dependents' keys hash, as when it ran).
    pub restored_files: std::collections::HashMap<String, Vec<wfc_contract::ArtifactFile>>,
    key: [u8; 32],
    cache_file: PathBuf,
    cache: Mutex<StatCache>,
}

impl std::fmt::Debug for Incremental {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incremental")
            .field("scope", &self.scope)
            .field("force", &self.force)
            .field("rerun", &self.rerun)
            .finish_non_exhaustive()
    }
}

impl Incremental {
    /// Settings for a run recorded in `state_dir`.
    pub fn new(
        lookup: Arc<dyn UpToDate>,
        state_dir: &Path,
        scope: String,
        root: PathBuf,
    ) -> std::io::Result<Incremental> {
        let cache_file = state_dir.join(CACHE_FILE);
        Ok(Incremental {
            lookup,
            scope,
            root,
            force: false,
            rerun: Vec::new(),
            restored_files: Default::default(),
            key: hashing_key(state_dir)?,
            cache: Mutex::new(StatCache::load(&cache_file)),
            cache_file,
        })
    }

    /// Whether `step` runs whatever the store says.
    pub(crate) fn forced(&self, step: &str) -> bool {
        let template = step.split('[').next().unwrap_or(step);
        self.force || self.rerun.iter().any(|r| r == step || r == template)
    }

    /// The manifest of `globs`.
    pub(crate) fn manifest(&self, globs: &[String]) -> Result<Manifest, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        Finder::new(&self.root, &mut cache)
            .manifest(globs)
            .map_err(|e| e.to_string())
    }

    /// Keeps the stat cache for the next run (a failure only costs hashing).
    pub fn save(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = cache.save(&self.cache_file) {
            tracing::warn!(
                "the sources cache {} was not saved: {e}",
                self.cache_file.display()
            );
        }
    }

    /// The step's key: see the module's comment. `deps`: each direct
    /// dependency's name and the hash of the files it kept.
    pub(crate) fn key(
        &self,
        spec: &StepSpec,
        artifacts: Option<&ArtifactSpec>,
        outputs: &str,
        manifest: &Manifest,
        deps: &[(&str, &str)],
    ) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        let mut part = |b: &[u8]| {
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        };
        part(b"wfc-up-to-date-v1");
        part(format!("{:?}", without_plumbing(spec)).as_bytes());
        if let StepSpec::Script(s) = spec {
            // Their values (the spec's `Debug` names them only), and a
            // script file's content.
            for (k, v) in &s.secret_env.0 {
                part(k.as_bytes());
                part(v.as_bytes());
            }
            if let ScriptSource::File(f) = &s.source {
                part(&std::fs::read(f).unwrap_or_default());
            }
        }
        part(format!("{artifacts:?}").as_bytes());
        part(outputs.as_bytes());
        part(&manifest.digest());
        for (name, files) in deps {
            part(name.as_bytes());
            part(files.as_bytes());
        }
        h.finalize().to_hex().to_string()
    }
}

/// The variables every run sets afresh (its id, its session, its folder,
/// its reaper's mark): what the step does is the same whatever their values.
const PLUMBING: &[&str] = &["WFC_RUN_ID", "WFC_SESSION", "WFC_RUN_DIR", "WFC_REAPER_TAG"];

/// `spec` without [`PLUMBING`] in its workflow env.
fn without_plumbing(spec: &StepSpec) -> std::borrow::Cow<'_, StepSpec> {
    let drop =
        |env: &mut Vec<(String, String)>| env.retain(|(k, _)| !PLUMBING.contains(&k.as_str()));
    let mut s = spec.clone();
    match &mut s {
        StepSpec::Shell(x) => drop(&mut x.workflow_env),
        StepSpec::Docker(x) => drop(&mut x.workflow_env),
        StepSpec::Script(x) => drop(&mut x.workflow_env),
        _ => return std::borrow::Cow::Borrowed(spec),
    }
    std::borrow::Cow::Owned(s)
}

/// A `sources` value as its globs: a string or a list of strings (the
/// run's and the plan's reading of it).
pub fn globs_of(v: wfc_plan::Value) -> Result<Vec<String>, String> {
    use wfc_plan::Value;
    let not_glob = |v: &Value| format!("sources: `{}` is not a glob", v.literal());
    match v {
        Value::Str(s) => Ok(vec![s]),
        Value::List(xs) => xs
            .into_iter()
            .map(|x| match x {
                Value::Str(s) => Ok(s),
                other => Err(not_glob(&other)),
            })
            .collect(),
        other => Err(not_glob(&other)),
    }
}

/// The state folder's hashing key: 32 random bytes made once, readable by
/// its owner only.
pub fn hashing_key(state_dir: &Path) -> std::io::Result<[u8; 32]> {
    let path = state_dir.join(KEY_FILE);
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(state_dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".up-to-date-key-")
        .tempfile_in(state_dir)?;
    std::io::Write::write_all(&mut tmp, &key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    // Two runs making it at once: the first one's stays, both use it.
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok(key),
        Err(_) => {
            let bytes = std::fs::read(&path)?;
            <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| std::io::Error::other(format!("{} is not a key", path.display())))
        }
    }
}

/// A hash of what a step gave: its recorded outputs and the files it kept.
pub(crate) fn gave(
    outputs: &serde_json::Value,
    kept: &[wfc_contract::ArtifactFile],
) -> (String, String) {
    let out = blake3::hash(outputs.to_string().as_bytes())
        .to_hex()
        .to_string();
    (out, files_hash(kept))
}

/// A hash of kept files: names, paths and contents.
pub(crate) fn files_hash(kept: &[wfc_contract::ArtifactFile]) -> String {
    let mut h = blake3::Hasher::new();
    // In a stable order: the store lists them otherwise than a run keeps them.
    let mut sorted: Vec<&wfc_contract::ArtifactFile> = kept.iter().collect();
    sorted.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path)));
    for f in sorted {
        for s in [&f.name, &f.path, &f.sha256] {
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}
