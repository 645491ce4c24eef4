//! Installing a script step's `requirements` (python) and `packages` (node)
//! into a cache directory, once per interpreter and package list.
//!
//! The directory is `<cache>/python/<key>` (a virtualenv) or
//! `<cache>/node/<key>` (an npm prefix), where `<cache>` is
//! `$WFC_CACHE_DIR`, else `$XDG_CACHE_HOME/wfc`, else `~/.cache/wfc`, and
//! `<key>` hashes the interpreter's path and version and the sorted package
//! list. It is built in a temporary directory beside it and renamed into
//! place when the install succeeded: a directory at the key is whole, two
//! runs installing at once each build their own and the first rename wins,
//! and a failed install leaves nothing behind. The install's output goes to
//! the step's log; it is not part of the step's `stdout`.
//!
//! A virtualenv is run through its `bin/python` (which finds the venv from
//! its own path, so the rename does not break it); console scripts the
//! packages install keep the temporary path in their `#!` line: run them as
//! `python -m MODULE`.

use super::super::shell::follow;
use super::super::spawn::{start, Launch};
use super::super::{excerpt, Executor, Outcome, Status, StepContext, Stream};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The virtualenv's python with `requirements` installed.
pub(super) async fn python_env(
    ex: &Executor,
    python: &Path,
    requirements: &[String],
    ctx: &StepContext,
) -> Result<PathBuf, Outcome> {
    let version = version(python).await?;
    let dir = cached(ex, "python", python, &version, requirements, ctx, |tmp| {
        let venv = [
            os(python),
            "-m".into(),
            "venv".into(),
            tmp.as_os_str().into(),
        ];
        let mut pip: Vec<std::ffi::OsString> = vec![
            tmp.join("bin/python").into(),
            "-m".into(),
            "pip".into(),
            "install".into(),
            "--disable-pip-version-check".into(),
            "--no-input".into(),
            // What follows are requirements, whatever they begin with.
            "--".into(),
        ];
        pip.extend(requirements.iter().map(Into::into));
        vec![venv.to_vec(), pip]
    })
    .await?;
    Ok(dir.join("bin/python"))
}

/// The `node_modules` directory with `packages` installed.
pub(super) async fn node_modules(
    ex: &Executor,
    node: &Path,
    packages: &[String],
    ctx: &StepContext,
) -> Result<PathBuf, Outcome> {
    let version = version(node).await?;
    // npm beside the node that runs the script, else the one on PATH.
    let npm = node
        .parent()
        .map(|d| d.join("npm"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("npm"));
    let dir = cached(ex, "node", node, &version, packages, ctx, |tmp| {
        let mut npm: Vec<std::ffi::OsString> = vec![
            npm.clone().into(),
            "install".into(),
            "--no-save".into(),
            "--no-audit".into(),
            "--no-fund".into(),
            "--prefix".into(),
            tmp.as_os_str().into(),
            "--".into(),
        ];
        npm.extend(packages.iter().map(Into::into));
        vec![npm]
    })
    .await?;
    Ok(dir.join("node_modules"))
}

fn os(p: &Path) -> std::ffi::OsString {
    p.as_os_str().to_owned()
}

/// The cache root (see the module docs).
pub(crate) fn cache_root() -> Option<PathBuf> {
    let var = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("WFC_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("wfc")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/wfc")))
}

/// The cache key of an interpreter and a package list.
fn key(interpreter: &Path, version: &str, packages: &[String]) -> String {
    let mut sorted: Vec<&String> = packages.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut h = Sha256::new();
    h.update(interpreter.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(version.trim().as_bytes());
    for p in sorted {
        h.update([0]);
        h.update(p.as_bytes());
    }
    h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `interpreter --version`, which is part of the key: an upgraded python
/// gets a new virtualenv.
async fn version(interpreter: &Path) -> Result<String, Outcome> {
    let out = tokio::process::Command::new(interpreter)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| Outcome::failed(format!("cannot run `{}`: {e}", interpreter.display())))?;
    if !out.status.success() {
        return Err(Outcome::failed(format!(
            "`{} --version` failed: {}",
            interpreter.display(),
            excerpt(&String::from_utf8_lossy(&out.stderr), 200)
        )));
    }
    // Python 2 printed its version on stderr.
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The directory for `packages` under `<cache>/<kind>/<key>`, made by the
/// `commands` (given the temporary directory) unless it is there already.
async fn cached(
    ex: &Executor,
    kind: &str,
    interpreter: &Path,
    version: &str,
    packages: &[String],
    ctx: &StepContext,
    commands: impl FnOnce(&Path) -> Vec<Vec<std::ffi::OsString>>,
) -> Result<PathBuf, Outcome> {
    let root = cache_root()
        .ok_or_else(|| Outcome::failed("no cache directory: set WFC_CACHE_DIR or HOME"))?
        .join(kind);
    let dir = root.join(key(interpreter, version, packages));
    if dir.is_dir() {
        return Ok(dir);
    }
    let cannot = |e: std::io::Error| {
        Outcome::failed(format!(
            "cannot make a directory under `{}`: {e}",
            root.display()
        ))
    };
    std::fs::create_dir_all(&root).map_err(cannot)?;
    let tmp = tempfile::Builder::new()
        .prefix(".installing-")
        .tempdir_in(&root)
        .map_err(cannot)?;
    say(
        ctx,
        &format!(
            "wfc: installing {} into {}",
            packages.join(" "),
            dir.display()
        ),
    );
    for argv in commands(tmp.path()) {
        install_step(ex, &argv, ctx).await?;
    }
    match std::fs::rename(tmp.path(), &dir) {
        Ok(()) => Ok(dir),
        // Another run installed the same list first: use its directory (ours
        // goes with `tmp`).
        Err(_) if dir.is_dir() => Ok(dir),
        Err(e) => Err(Outcome::failed(format!(
            "cannot move the installed packages to `{}`: {e}",
            dir.display()
        ))),
    }
}

/// Runs one install command as a step's process runs ([`follow`]): its
/// output to the step's log, masked; a stop or timeout kills its whole
/// process group (pip's wheel builds, npm's scripts).
async fn install_step(
    ex: &Executor,
    argv: &[std::ffi::OsString],
    ctx: &StepContext,
) -> Result<(), Outcome> {
    let shown = argv[0].to_string_lossy().into_owned();
    let args: Vec<&str> = argv[1..]
        .iter()
        .map(|a| a.to_str())
        .collect::<Option<_>>()
        .ok_or_else(|| Outcome::failed(format!("an argument of `{shown}` is not UTF-8")))?;
    let child = start(&Launch {
        program: Path::new(&argv[0]),
        arg0: None,
        args: &args,
        vars: Vec::new(),
        workdir: None,
        supervised: ex.opts.supervise,
    })
    .map_err(|e| Outcome::failed(format!("cannot run `{shown}`: {e}")))?;
    let done = follow(ex, child, ctx).await;
    match done.status {
        Status::Succeeded => Ok(()),
        Status::Failed => Err(Outcome::failed(format!(
            "installing the step's packages failed (`{shown}`): {}",
            done.error.unwrap_or_default()
        ))),
        _ => Err(done),
    }
}

/// A line to the step's log (masked, as every live line is).
fn say(ctx: &StepContext, line: &str) {
    if let Some(sink) = &ctx.sink {
        sink(Stream::Stderr, &ctx.masker.mask(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_order_and_names_the_interpreter() {
        let p = Path::new("/usr/bin/python3");
        let a = key(p, "Python 3.11.2\n", &["b".into(), "a".into()]);
        assert_eq!(a, key(p, "Python 3.11.2", &["a".into(), "b".into()]));
        assert_ne!(a, key(p, "Python 3.12.0", &["a".into(), "b".into()]));
        assert_ne!(
            a,
            key(
                Path::new("/opt/py"),
                "Python 3.11.2",
                &["a".into(), "b".into()]
            )
        );
        assert_ne!(a, key(p, "Python 3.11.2", &["a".into()]));
    }
}
