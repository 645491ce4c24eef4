//! API keys: `wfc keys add|list|revoke` and the server's check of a
//! request's `Authorization: Bearer KEY`.
//!
//! A key is `wfc_` and 32 random bytes in base64url, shown once when it is
//! made. The keys file (`keys.json` in the state directory, mode 0600)
//! keeps only each key's SHA-256, with its name, role and creation time: a
//! copy of the file lets nobody in. A presented key is hashed and compared
//! with every stored hash in constant time.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq;

/// The keys file's name in the state directory.
pub const FILE: &str = "keys.json";

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read workflows, runs, logs and stats; validate files.
    Read,
    /// Also start, cancel, approve, reject and resume runs.
    Operator,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Operator => "operator",
        }
    }
}

/// One stored key: never the key itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredKey {
    pub name: String,
    pub role: Role,
    /// Hex SHA-256 of the key.
    pub sha256: String,
    /// RFC 3339, UTC.
    pub created: String,
}

/// The keys file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct KeyFile {
    pub keys: Vec<StoredKey>,
}

/// The keys file for `state_dir`, unless `flag` names another.
pub fn path(state_dir: &Path, flag: Option<&Path>) -> PathBuf {
    flag.map_or_else(|| state_dir.join(FILE), Path::to_path_buf)
}

/// The keys of the file at `path` (none when there is no file).
pub fn read(path: &Path) -> Result<KeyFile, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| format!("the keys file {} is not valid: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyFile::default()),
        Err(e) => Err(format!("cannot read the keys file {}: {e}", path.display())),
    }
}

/// Reads the keys file at `path`, lets `change` change them, and writes
/// them back, holding an exclusive lock on `PATH.lock` throughout: two
/// `wfc keys` side by side each see the other's change, never undo it.
/// The new file is written to a temporary file of its own in the same
/// folder (readable by its owner only), synced, then renamed over the old
/// one, so a reader (the server) sees the old keys or the new ones.
fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut KeyFile) -> Result<T, String>,
) -> Result<T, String> {
    use nix::fcntl::{Flock, FlockArg};
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| {
            format!(
                "cannot open the keys file's lock {}: {e}",
                Path::new(&lock_path).display()
            )
        })?;
    let _held = Flock::lock(lock, FlockArg::LockExclusive)
        .map_err(|(_, e)| format!("cannot lock {}: {e}", Path::new(&lock_path).display()))?;
    let mut keys = read(path)?;
    let out = change(&mut keys)?;
    let text = serde_json::to_string_pretty(&keys).map_err(|e| e.to_string())?;
    let cannot = |e: std::io::Error| format!("cannot write the keys file {}: {e}", path.display());
    // tempfile makes the file with mode 0600 and a name no other writer has.
    let mut tmp = tempfile::Builder::new()
        .prefix(".keys-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(cannot)?;
    tmp.write_all(text.as_bytes()).map_err(cannot)?;
    tmp.as_file().sync_all().map_err(cannot)?;
    tmp.persist(path).map_err(|e| cannot(e.error))?;
    // The rename is durable once the folder is.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(cannot)?;
    Ok(out)
}

/// Makes a key named `name` with `role`, stores its hash in `path`, and
/// returns the key (to show once).
pub fn add(path: &Path, name: &str, role: Role) -> Result<String, String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(format!(
            "`{name}` is not a key name: use 1 to 64 letters, digits, `-`, `_` or `.`"
        ));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes for a key: {e}"))?;
    let key = format!(
        "wfc_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    update(path, |file| {
        if file.keys.iter().any(|k| k.name == name) {
            return Err(format!(
                "a key named `{name}` exists already (`wfc keys revoke {name}` removes it)"
            ));
        }
        file.keys.push(StoredKey {
            name: name.to_owned(),
            role,
            sha256: hash(&key),
            created: wfc_contract::time::timestamp(std::time::SystemTime::now()),
        });
        Ok(())
    })?;
    Ok(key)
}

/// Removes the key named `name`.
pub fn revoke(path: &Path, name: &str) -> Result<(), String> {
    update(path, |file| {
        let before = file.keys.len();
        file.keys.retain(|k| k.name != name);
        if file.keys.len() == before {
            return Err(format!(
                "no key is named `{name}` (`wfc keys list` lists them)"
            ));
        }
        Ok(())
    })
}

/// Hex SHA-256 of `key`.
pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The stored key `presented` is, if any.
pub fn verify<'a>(keys: &'a KeyFile, presented: &str) -> Option<&'a StoredKey> {
    find(keys, &hash(presented))
}

/// The stored key whose hash is `sha256`, if any. Every stored hash is
/// compared, each in constant time, so the time taken says nothing of
/// which matched.
pub fn find<'a>(keys: &'a KeyFile, sha256: &str) -> Option<&'a StoredKey> {
    let mut found = None;
    for k in &keys.keys {
        if bool::from(k.sha256.as_bytes().ct_eq(sha256.as_bytes())) {
            found = Some(k);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_stored_as_its_hash_and_verifies_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let key = add(&path, "ci", Role::Read).unwrap();
        assert!(key.starts_with("wfc_") && key.len() == 4 + 43);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&key[4..]), "the key itself is stored");
        let file = read(&path).unwrap();
        assert_eq!(verify(&file, &key).map(|k| k.role), Some(Role::Read));
        assert!(verify(&file, "wfc_wrong").is_none());
        assert!(add(&path, "ci", Role::Operator).is_err());
        revoke(&path, "ci").unwrap();
        assert!(verify(&read(&path).unwrap(), &key).is_none());
        assert!(revoke(&path, "ci").is_err());
    }
}
