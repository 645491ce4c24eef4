//! What a step read: its sources' paths and content hashes.

use super::{hex, Hash};
use serde::{Deserialize, Serialize};

/// The files a step's `sources` matched, sorted by path (relative to the
/// workflow's folder, `/`-separated), each with its content hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: Vec<(String, Hash)>,
}

/// How one manifest differs from an earlier one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }

    /// `src/a.rs changed, src/b.rs added, and 3 more`: the first `n` files.
    pub fn describe(&self, n: usize) -> String {
        let all: Vec<String> = (self.changed.iter().map(|p| format!("{p} changed")))
            .chain(self.added.iter().map(|p| format!("{p} added")))
            .chain(self.removed.iter().map(|p| format!("{p} removed")))
            .collect();
        let mut out = all.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
        if all.len() > n {
            out.push_str(&format!(" and {} more", all.len() - n));
        }
        out
    }
}

impl Manifest {
    /// One hash of every path and content, in order.
    pub fn digest(&self) -> Hash {
        let mut h = blake3::Hasher::new();
        h.update(b"wfc-sources-v1\0");
        for (path, hash) in &self.files {
            h.update(&(path.len() as u64).to_le_bytes());
            h.update(path.as_bytes());
            h.update(hash);
        }
        *h.finalize().as_bytes()
    }

    /// What changed since `before`.
    pub fn diff(&self, before: &Manifest) -> Diff {
        let mut d = Diff::default();
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&self.files, &before.files);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    if x.1 != y.1 {
                        d.changed.push(x.0.clone());
                    }
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    d.added.push(x.0.clone());
                    i += 1;
                }
                (Some(x), None) => {
                    d.added.push(x.0.clone());
                    i += 1;
                }
                (_, Some(y)) => {
                    d.removed.push(y.0.clone());
                    j += 1;
                }
                (None, None) => break,
            }
        }
        d
    }

    /// `[["src/a.rs","<hex>"],…]`: as the store keeps it.
    pub fn to_json(&self) -> String {
        let rows: Vec<(&str, String)> = (self.files.iter())
            .map(|(p, h)| (p.as_str(), hex(h)))
            .collect();
        serde_json::to_string(&rows).expect("strings serialize")
    }

    /// Reads [`Manifest::to_json`]'s text back (`None`: not that form).
    pub fn from_json(text: &str) -> Option<Manifest> {
        let rows: Vec<(String, String)> = serde_json::from_str(text).ok()?;
        let files = rows
            .into_iter()
            .map(|(p, h)| Some((p, *blake3::Hash::from_hex(h).ok()?.as_bytes())))
            .collect::<Option<Vec<_>>>()?;
        Some(Manifest { files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(files: &[(&str, u8)]) -> Manifest {
        Manifest {
            files: files
                .iter()
                .map(|(p, b)| (p.to_string(), [*b; 32]))
                .collect(),
        }
    }

    #[test]
    fn the_diff_names_changed_added_and_removed_files() {
        let before = m(&[("a", 1), ("b", 2), ("c", 3)]);
        let now = m(&[("a", 1), ("b", 9), ("d", 4)]);
        let d = now.diff(&before);
        assert_eq!(d.changed, ["b"]);
        assert_eq!(d.added, ["d"]);
        assert_eq!(d.removed, ["c"]);
        assert_eq!(d.describe(2), "b changed, d added and 1 more");
        assert!(now.diff(&now).is_empty());
        assert_ne!(now.digest(), before.digest());
    }

    #[test]
    fn the_json_form_reads_back() {
        let x = m(&[("src/\"odd\".rs", 7), ("z", 0)]);
        assert_eq!(Manifest::from_json(&x.to_json()), Some(x));
        assert_eq!(Manifest::from_json("{}"), None);
    }
}
