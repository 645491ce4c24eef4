//! The files a step reads, as its `sources [GLOB, …]` name them: found
//! under the workflow's folder ([`Finder`]), hashed with BLAKE3, and
//! re-hashed only when a file's (size, mtime, ctime, inode) changed since
//! it was last hashed ([`StatCache`]). A [`Manifest`] is what a step read:
//! each file's path and content hash, sorted, with a digest of the whole
//! and a [`Diff`] against another (which files changed, first few first).
//!
//! No workflow engine state lives here: the cache is a file the caller
//! names, the manifest is plain data the store keeps.

mod cache;
mod finder;
mod manifest;

pub use cache::StatCache;
pub use finder::{Finder, SourceError};
pub use manifest::{Diff, Manifest};

/// A BLAKE3 hash of a file's content.
pub type Hash = [u8; 32];

/// `hash` as 64 lowercase hex digits.
pub fn hex(hash: &Hash) -> String {
    blake3::Hash::from_bytes(*hash).to_hex().to_string()
}
