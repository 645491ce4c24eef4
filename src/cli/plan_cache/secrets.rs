//! Keyed digests of secrets for the plan cache's key.
//!
//! A plan may depend on a secret's value (an `if` it decides, a loop over
//! it), so an entry is used only when every secret is what it was. The
//! entry keeps, per secret, an HMAC-SHA256 of its value under the cache's
//! own key: 32 random bytes in `plans/key`, made at first use and readable
//! by its owner only. A plain or salted hash would let whoever reads an
//! entry confirm a guess of a short secret with one hash per guess; without
//! the key a digest tells nothing, and the key never leaves the file.

use std::path::Path;
use wfc_plan::BoundParam;

/// Length of the key and of a digest.
const LEN: usize = 32;

/// The cache's key in `plans_dir`; made (`make`) when there is none.
/// `None`: none to be read or made, so no entry can be checked or written.
pub fn key(plans_dir: &Path, make: bool) -> Option<ring::hmac::Key> {
    let path = plans_dir.join("key");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) if make => create(plans_dir, &path)?,
        Err(_) => return None,
    };
    (bytes.len() == LEN).then(|| ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
}

/// Writes a new key into a file of its own, then links it into place
/// (which fails when another wfc was first: its key is read instead).
fn create(dir: &Path, path: &Path) -> Option<Vec<u8>> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; LEN];
    ring::rand::SystemRandom::new().fill(&mut bytes).ok()?;
    std::fs::create_dir_all(dir).ok()?;
    let tmp = dir.join(format!("key.{}.tmp", std::process::id()));
    let written = write_private(&tmp, &bytes).and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Some(bytes.to_vec()),
        Err(_) => std::fs::read(path).ok(),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(bytes)
}

/// Each secret param's name and the digest of its bound value, in plan
/// order.
pub fn digests(key: &ring::hmac::Key, params: &[BoundParam]) -> Vec<(String, Vec<u8>)> {
    params
        .iter()
        .filter(|p| p.secret)
        .map(|p| {
            let mut ctx = ring::hmac::Context::with_key(key);
            ctx.update(p.name.as_bytes());
            ctx.update(&[0]);
            let value = postcard::to_allocvec(&p.value).unwrap_or_default();
            ctx.update(&value);
            (p.name.clone(), ctx.sign().as_ref().to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_plan::{ParamSource, Value};

    fn secret(v: &str) -> BoundParam {
        BoundParam {
            id: 0,
            name: "tok".into(),
            ty: wfc_language::ir::Type::String,
            value: Value::Str(v.into()),
            secret: true,
            source: ParamSource::Cli,
        }
    }

    #[test]
    fn one_key_per_directory_private_and_digests_that_need_it() {
        let dir = tempfile::tempdir().unwrap();
        let plans = dir.path().join("plans");
        assert!(key(&plans, false).is_none(), "not made unless asked");
        let a = key(&plans, true).unwrap();
        let again = key(&plans, false).unwrap();
        let d = digests(&a, &[secret("s3cr3t")]);
        assert_eq!(d, digests(&again, &[secret("s3cr3t")]));
        assert_ne!(d, digests(&a, &[secret("s3cr3t-2")]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(plans.join("key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another directory, another key: the same secret, another digest.
        let other = tempfile::tempdir().unwrap();
        let b = key(other.path(), true).unwrap();
        assert_ne!(d, digests(&b, &[secret("s3cr3t")]));
        assert_eq!(
            std::fs::read_dir(&plans).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
