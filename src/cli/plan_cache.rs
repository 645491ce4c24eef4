//! The plan cache: `wfc run` of a workflow that has not changed since its
//! last run starts from that run's compiled plan, without parsing,
//! checking and planning the file again (~60 ms of a 1.1 MB file of 5,000
//! steps, ~12 ms at 1,000).
//!
//! An entry is one file in the state directory's `plans/`, one per workflow
//! file (and working directory): the latest compile of it wins. It is used
//! only when everything the compile read is as it was: the file's text
//! (length, FNV-1a and CRC-32), the `--param`s and the params file's text
//! (hashed the same way), `--jobs` and the CPU count (the default workers),
//! the environment variables that `env(…)` read at plan time (hashes, not
//! values), the `wfc` binary itself (its version, size, modification time
//! and inode), and every secret's value. Secrets are never written, nor any
//! plain hash of them (one of a short secret could be searched for): a
//! secret's value, its `--param`'s digest and the variable its `env("VAR")`
//! default reads are left out, the secret is bound again from them at each
//! read ([`wfc_plan::params::rebind`]), and its value is checked against
//! a keyed digest ([`secrets`]: HMAC-SHA256 under a key of the cache's own),
//! so a plan decided on a secret is not used once it changed. A plan whose secrets cannot be bound
//! so (from a params file or another default, or checked against an `in`
//! set) is not written, nor one that unrolled a loop over a secret list
//! (its items are in the plan), nor one that `wfc run` refuses. A CRC-32 over the
//! whole entry catches a torn or damaged file, which is then compiled over.
//! Any failure to read or write an entry only means compiling.
//!
//! The entry keeps the plan as compiled, before history estimates: those
//! are read at every run. It also keeps the names a run needs from the IR
//! and the run store's fingerprints of the plan, so a cached run records
//! what a compiled one does.

mod secrets;

use super::plan::PlanInput;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wfc_language::ir::NameTable;
use wfc_plan::inputs::EnvRead;
use wfc_plan::{ParamInput, Plan, Value};

/// The entry file's first bytes (the last one is the format's version).
const MAGIC: &[u8; 8] = b"WFCPLAN\x02";

/// What a compile read, besides the environment variables.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Key {
    wfc: (String, u64, i128, u64),
    file: String,
    cwd: String,
    source: Digest,
    /// Each `--param`: its name and, unless it is a secret's, a digest.
    params: Vec<(String, Option<Digest>)>,
    params_file: Option<(String, Digest)>,
    jobs: Option<u32>,
    cpus: usize,
    /// Each secret's keyed digest ([`secrets::digests`]), checked once the
    /// secrets are bound again.
    secrets: Vec<(String, Vec<u8>)>,
}

impl Key {
    /// Whether `other` is this key, its params aside.
    fn same_but_params(&self, other: &Key) -> bool {
        self.wfc == other.wfc
            && self.file == other.file
            && self.cwd == other.cwd
            && self.source == other.source
            && self.params_file == other.params_file
            && self.jobs == other.jobs
            && self.cpus == other.cpus
    }

    /// The params as an entry keeps them for `plan`: a secret's without
    /// its digest (a digest of a short secret could be searched for).
    fn params_of(&self, plan: &Plan) -> Vec<(String, Option<Digest>)> {
        let secret = |n: &str| plan.params.iter().any(|p| p.secret && p.name == n);
        self.params
            .iter()
            .map(|(n, d)| (n.clone(), if secret(n) { None } else { *d }))
            .collect()
    }
}

/// Length, FNV-1a 64 and CRC-32 of some text.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Digest(u64, u64, u32);

impl Digest {
    fn of(bytes: &[u8]) -> Digest {
        Digest(
            bytes.len() as u64,
            wfc_store::fnv(bytes),
            crc32fast::hash(bytes),
        )
    }
}

/// A workflow file's place in the plan cache, and what its entry must match.
pub struct Cache {
    path: PathBuf,
    key: Key,
    /// The params as given, to bind the secrets of a cached plan again.
    params: ParamInput,
}

/// A plan from the cache, with what the run needs besides it.
pub struct Warm {
    pub plan: Plan,
    pub names: NameTable,
    /// The run store's fingerprints of the plan (`None`: taken without the store).
    pub fingerprints: Option<Vec<u8>>,
    /// [`wfc_store::file_hash`] of the file.
    pub file_hash: String,
    pub file: String,
}

impl Cache {
    /// The cache entry of `input` whose text is `text`, in `state_dir`.
    /// `None` for standard input, and when the state directory does not
    /// exist and may not be made (`--no-store`).
    pub fn new(input: &PlanInput, text: &str, state_dir: &Path, make: bool) -> Option<Cache> {
        if input.file.as_os_str() == "-" || !(make || state_dir.is_dir()) {
            return None;
        }
        let exe = std::env::current_exe().ok()?;
        let meta = std::fs::metadata(exe).ok()?;
        let cwd = std::env::current_dir().ok()?.display().to_string();
        let mut params = ParamInput::default();
        for p in &input.params {
            params.push_assignment(p).ok()?;
        }
        let params_file = match &input.params_file {
            Some(p) => {
                let (name, text) = super::read_input(p).ok()?;
                let digest = Digest::of(text.as_bytes());
                params.file = Some((name.clone(), text));
                Some((name, digest))
            }
            None => None,
        };
        let key = Key {
            wfc: (
                env!("CARGO_PKG_VERSION").to_owned(),
                meta.len(),
                modified_ns(&meta),
                inode(&meta),
            ),
            file: input.file.display().to_string(),
            cwd,
            source: Digest::of(text.as_bytes()),
            params: params
                .cli
                .iter()
                .zip(&input.params)
                .map(|((name, _), given)| (name.clone(), Some(Digest::of(given.as_bytes()))))
                .collect(),
            params_file,
            jobs: input.jobs,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            secrets: Vec::new(),
        };
        let name = format!("{}\0{}", key.cwd, key.file);
        let path = state_dir
            .join("plans")
            .join(format!("{:016x}.plan", wfc_store::fnv(name.as_bytes())));
        Some(Cache { path, key, params })
    }

    /// The params file's name and text as the key hashed them (the compile
    /// reads them from here: see [`super::plan::compile_text`]).
    pub fn params_file(&self) -> Option<(String, String)> {
        self.params.file.clone()
    }

    /// [`wfc_store::file_hash`] of the file, from the key's digest.
    pub fn file_hash(&self) -> String {
        wfc_store::hex(self.key.source.1)
    }

    /// The cached plan, if the entry matches; with `fingerprints`, only
    /// one that has them.
    pub fn load(&self, fingerprints: bool) -> Option<Warm> {
        let bytes = std::fs::read(&self.path).ok()?;
        let warm = self.decode(&bytes)?;
        (!fingerprints || warm.fingerprints.is_some()).then_some(warm)
    }

    fn decode(&self, bytes: &[u8]) -> Option<Warm> {
        let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
        if crc32fast::hash(body).to_le_bytes() != crc || !body.starts_with(MAGIC) {
            return None;
        }
        let rest = &body[MAGIC.len()..];
        let (key, rest) = postcard::take_from_bytes::<Key>(rest).ok()?;
        // (The params once the plan says which are secrets.)
        if !self.key.same_but_params(&key) {
            return None;
        }
        let (env, rest) = postcard::take_from_bytes::<Vec<EnvRead>>(rest).ok()?;
        if !env.iter().all(EnvRead::unchanged) {
            return None;
        }
        let (mut plan, rest) = postcard::take_from_bytes::<Plan>(rest).ok()?;
        if self.key.params_of(&plan) != key.params {
            return None;
        }
        for p in plan.params.iter_mut().filter(|p| p.secret) {
            if !wfc_plan::params::rebind(p, &self.params) {
                return None;
            }
        }
        if plan.params.iter().any(|p| p.secret) {
            let hk = secrets::key(self.path.parent()?, false)?;
            if secrets::digests(&hk, &plan.params) != key.secrets {
                return None;
            }
        }
        let (names, rest) = postcard::take_from_bytes::<NameTable>(rest).ok()?;
        let (fingerprints, rest) = postcard::take_from_bytes::<Option<Vec<u8>>>(rest).ok()?;
        rest.is_empty().then(|| Warm {
            plan,
            names,
            fingerprints,
            file_hash: self.file_hash(),
            file: self.key.file.clone(),
        })
    }

    /// Starts the entry of a fresh compile, as the plan is now (before
    /// history estimates). Secret params are written without their values,
    /// which are bound again from the same params at each read (`None`:
    /// a secret's value came from a default other than `env("VAR")`, so
    /// the plan is not cached; or the file cannot be written).
    pub fn pending(
        mut self,
        plan: &mut Plan,
        ir: &wfc_language::ir::Workflow,
        names: &NameTable,
        env: &[EnvRead],
    ) -> Option<Pending> {
        // A secret is bound again from `--param` or `env("VAR")` only: a
        // params file's digest would be one of its value; an `in` set is
        // checked at binding, not again.
        let rebinds = |p: &wfc_plan::params::BoundParam| {
            use wfc_plan::ParamSource;
            !p.secret
                || (matches!(p.source, ParamSource::Cli | ParamSource::Env { .. })
                    && ir.params.get(p.id).is_some_and(|d| d.constraint.is_none())
                    && wfc_plan::params::rebind(&mut p.clone(), &self.params))
        };
        if !plan.params.iter().all(rebinds) || holds_secret_items(plan, ir) {
            return None;
        }
        self.key.params = self.key.params_of(plan);
        if plan.params.iter().any(|p| p.secret) {
            let hk = secrets::key(self.path.parent()?, true)?;
            self.key.secrets = secrets::digests(&hk, &plan.params);
        }
        let mut values = Vec::new();
        for p in plan.params.iter_mut().filter(|p| p.secret) {
            values.push(std::mem::replace(&mut p.value, Value::Null));
        }
        let tmp = self
            .path
            .with_extension(format!("{}.tmp", std::process::id()));
        let started = Sink::create(&tmp).and_then(|sink| {
            let sink = sink.put(MAGIC)?;
            let sink = postcard::serialize_with_flavor(&self.key, sink).ok()?;
            let sink = postcard::serialize_with_flavor(env, sink).ok()?;
            let sink = postcard::serialize_with_flavor(&*plan, sink).ok()?;
            postcard::serialize_with_flavor(names, sink).ok()
        });
        for (p, v) in plan.params.iter_mut().filter(|p| p.secret).zip(values) {
            p.value = v;
        }
        let pending = Pending {
            path: self.path,
            tmp,
            sink: started,
        };
        pending.sink.is_some().then_some(pending)
    }
}

/// Whether an instance of `plan` is an iteration of a loop over a secret
/// list: the item's value is in the plan, which is then not written.
fn holds_secret_items(plan: &Plan, ir: &wfc_language::ir::Workflow) -> bool {
    use wfc_language::ir::BlockKind;
    fn holds(g: &wfc_plan::Graph, secret: &dyn Fn(usize) -> bool) -> bool {
        g.steps.iter().any(|s| {
            s.items.iter().any(|(b, ..)| secret(*b))
                || s.rollback.as_deref().is_some_and(|rb| holds(rb, secret))
        })
    }
    let secret = |b: usize| {
        ir.blocks
            .get(b)
            .is_some_and(|b| matches!(&b.kind, BlockKind::ForEach { iter, .. } if iter.tainted))
    };
    holds(&plan.main, &secret) || plan.handlers.iter().any(|h| holds(&h.graph, &secret))
}

/// An entry being written, to a file of its own: all but the fingerprints,
/// which come later. Dropped unfinished, the file goes.
pub struct Pending {
    path: PathBuf,
    tmp: PathBuf,
    sink: Option<Sink>,
}

impl Pending {
    /// Ends the entry with the run store's `fingerprints` of the plan, if
    /// taken, and renames it over the old one, so a reader sees one or the
    /// other whole.
    pub fn finish(mut self, fingerprints: Option<&[u8]>) {
        let done = self.sink.take().and_then(|sink| {
            let sink = postcard::serialize_with_flavor(&fingerprints, sink).ok()?;
            sink.end()
        });
        let added = !self.path.exists();
        if done.is_some() && std::fs::rename(&self.tmp, &self.path).is_ok() {
            wfc_language::timings::mark("plan cache written");
            if added {
                prune(&self.path);
            }
        }
    }
}

/// A temporary entry file this old is a wfc's that was killed writing it.
const ABANDONED: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes, beside the entry `keep`, the entries of workflow files that are
/// gone (deleted, renamed) and abandoned temporary files. Called when an
/// entry is added rather than replaced: the only time `plans/` grows.
fn prune(keep: &Path) {
    let Some(entries) = keep.parent().and_then(|d| std::fs::read_dir(d).ok()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let stale = match path.extension().and_then(|e| e.to_str()) {
            _ if path == keep => false,
            Some("plan") => entry_file(&path).is_some_and(|f| !f.exists()),
            Some("tmp") => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > ABANDONED),
            _ => false,
        };
        if stale {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The workflow file of the entry at `path`, from its key (`None`: not an
/// entry this wfc reads).
fn entry_file(path: &Path) -> Option<PathBuf> {
    use std::io::Read;
    let mut head = Vec::new();
    let file = std::fs::File::open(path).ok()?;
    file.take(64 * 1024).read_to_end(&mut head).ok()?;
    let (key, _) = postcard::take_from_bytes::<Key>(head.strip_prefix(MAGIC)?).ok()?;
    Some(Path::new(&key.cwd).join(key.file))
}

impl Drop for Pending {
    fn drop(&mut self) {
        // (After a rename there is nothing left to remove.)
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// A file written through a small buffer, with the CRC-32 of what went in:
/// the plan of 5,000 steps is ~0.9 MB, which held in memory whole took the
/// run's peak up by 1.5 MiB.
struct Sink {
    file: std::fs::File,
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    failed: bool,
}

impl Sink {
    const BUF: usize = 64 * 1024;

    fn create(path: &Path) -> Option<Sink> {
        std::fs::create_dir_all(path.parent()?).ok()?;
        Some(Sink {
            file: std::fs::File::create(path).ok()?,
            buf: Vec::with_capacity(Self::BUF),
            crc: crc32fast::Hasher::new(),
            failed: false,
        })
    }

    fn put(mut self, bytes: &[u8]) -> Option<Sink> {
        use postcard::ser_flavors::Flavor;
        self.try_extend(bytes).ok().map(|()| self)
    }

    fn spill(&mut self) {
        use std::io::Write;
        self.crc.update(&self.buf);
        self.failed |= self.file.write_all(&self.buf).is_err();
        self.buf.clear();
    }

    /// Writes the CRC-32 last; `None` if any write failed.
    fn end(mut self) -> Option<()> {
        self.spill();
        let crc = self.crc.clone().finalize();
        self.buf.extend_from_slice(&crc.to_le_bytes());
        use std::io::Write;
        self.failed |= self.file.write_all(&self.buf).is_err();
        (!self.failed).then_some(())
    }
}

impl postcard::ser_flavors::Flavor for Sink {
    type Output = Sink;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::BUF {
            self.spill();
        }
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.try_extend(&[data])
    }

    fn finalize(self) -> postcard::Result<Sink> {
        Ok(self)
    }
}

fn modified_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128)
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::history::StoreArgs;

    fn input(file: &Path, params: &[&str]) -> PlanInput {
        PlanInput {
            file: file.to_owned(),
            params: params.iter().map(|p| p.to_string()).collect(),
            params_file: None,
            jobs: None,
            store: StoreArgs::default(),
        }
    }

    /// Every example's plan reads back as it was written: the plan, the
    /// names and the fingerprints.
    #[test]
    fn plans_read_back_as_written() {
        let state = tempfile::tempdir().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let file = entry.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            let compile = |params: &[&str]| {
                let input = input(&file, params);
                let c = super::super::plan::compile_text(&input, "f".into(), text.clone(), None);
                c.ok().map(|c| (input, c))
            };
            let (input, mut c) = compile(&[])
                .or_else(|| compile(&["env=prod", "version=1.2.3"]))
                .expect("the example compiles");
            let cache = Cache::new(&input, &text, state.path(), true).unwrap();
            let names = NameTable::from(&c.ir);
            let Some(pending) = cache.pending(&mut c.plan, &c.ir, &names, &c.env) else {
                continue; // a secret with a computed default
            };
            pending.finish(Some(b"fingerprints"));
            let cache = Cache::new(&input, &text, state.path(), true).unwrap();
            let warm = cache.load(true).expect("read back");
            assert_eq!(format!("{:?}", warm.plan), format!("{:?}", c.plan));
            assert_eq!(format!("{:?}", warm.names), format!("{names:?}"));
            assert_eq!(warm.fingerprints.as_deref(), Some(&b"fingerprints"[..]));
            assert_eq!(warm.file_hash, wfc_store::file_hash(&text));
            // Another text is another key.
            let other = Cache::new(&input, &format!("{text} "), state.path(), true).unwrap();
            assert!(other.load(false).is_none());
            seen += 1;
        }
        assert!(seen >= 5, "{seen} examples compiled and cached");
    }

    /// An entry changed anywhere, even with its CRC-32 made to match, reads
    /// back as a plan or as nothing: never a panic.
    #[test]
    fn changed_entries_never_panic() {
        let state = tempfile::tempdir().unwrap();
        let file = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/quickstart.wf"
        ));
        let text = std::fs::read_to_string(file).unwrap();
        let input = input(file, &[]);
        let mut c =
            super::super::plan::compile_text(&input, "f".into(), text.clone(), None).unwrap();
        let cache = Cache::new(&input, &text, state.path(), true).unwrap();
        let path = cache.path.clone();
        let names = NameTable::from(&c.ir);
        cache
            .pending(&mut c.plan, &c.ir, &names, &c.env)
            .unwrap()
            .finish(None);
        let whole = std::fs::read(&path).unwrap();
        let cache = Cache::new(&input, &text, state.path(), true).unwrap();
        assert!(cache.decode(&whole).is_some());
        let body = whole.len() - 4;
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for i in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bytes = whole.clone();
            let at = (seed as usize) % body;
            bytes[at] ^= (seed >> 32) as u8 | 1;
            if i % 2 == 0 {
                bytes.truncate(body - (seed as usize >> 40) % body);
            } else {
                bytes.truncate(body);
            }
            let crc = crc32fast::hash(&bytes).to_le_bytes();
            bytes.extend_from_slice(&crc);
            let _ = cache.decode(&bytes);
        }
    }

    /// Adding an entry removes those of files that are gone and abandoned
    /// temporary files; it leaves the others, and a temporary file being
    /// written.
    #[test]
    fn an_added_entry_prunes_those_of_files_that_are_gone() {
        let (state, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/quickstart.wf"
        ))
        .unwrap();
        let add = |name: &str| {
            let file = work.path().join(name);
            std::fs::write(&file, &text).unwrap();
            let input = input(&file, &[]);
            let mut c =
                super::super::plan::compile_text(&input, "f".into(), text.clone(), None).unwrap();
            let cache = Cache::new(&input, &text, state.path(), true).unwrap();
            let path = cache.path.clone();
            let names = NameTable::from(&c.ir);
            let pending = cache.pending(&mut c.plan, &c.ir, &names, &c.env).unwrap();
            pending.finish(None);
            assert!(path.exists());
            (file, path)
        };
        let (gone, gone_entry) = add("a.wf");
        let (_, kept_entry) = add("b.wf");
        let plans = gone_entry.parent().unwrap();
        let tmp = |name: &str, age: u64| {
            let path = plans.join(name);
            let f = std::fs::File::create(&path).unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            f.set_modified(when).unwrap();
            path
        };
        let (abandoned, writing) = (tmp("0.1.tmp", 7200), tmp("0.2.tmp", 5));
        std::fs::remove_file(gone).unwrap();
        let (_, new_entry) = add("c.wf");
        assert!(!gone_entry.exists() && !abandoned.exists());
        assert!(kept_entry.exists() && new_entry.exists() && writing.exists());
    }

    /// The compile takes the params file's text that the key hashed, not a
    /// second read: a file changed in between cannot give an entry keyed by
    /// one text and compiled from another.
    #[test]
    fn the_compile_uses_the_params_file_the_key_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let text = "workflow w {\n  param word: string\n  step s: shell {\n    run \"echo ${word}\"\n  }\n}\n";
        let (file, params) = (dir.path().join("w.wf"), dir.path().join("p.json"));
        std::fs::write(&file, text).unwrap();
        std::fs::write(&params, r#"{"word": "one"}"#).unwrap();
        let mut input = input(&file, &[]);
        input.params_file = Some(params.clone());
        let cache = Cache::new(&input, text, dir.path(), true).unwrap();
        std::fs::write(&params, r#"{"word": "two"}"#).unwrap();
        let read = cache.params_file();
        let c = super::super::plan::compile_text(&input, "w".into(), text.into(), read).unwrap();
        let word = c.plan.params.iter().find(|p| p.name == "word").unwrap();
        assert_eq!(word.value, Value::Str("one".into()));
    }

    #[test]
    fn no_entry_for_standard_input_or_a_missing_state_dir_under_no_store() {
        let state = tempfile::tempdir().unwrap();
        let missing = state.path().join("none");
        let file = state.path().join("x.wf");
        assert!(Cache::new(&input(Path::new("-"), &[]), "", state.path(), true).is_none());
        assert!(Cache::new(&input(&file, &[]), "", &missing, false).is_none());
        assert!(Cache::new(&input(&file, &[]), "", &missing, true).is_some());
    }
}
