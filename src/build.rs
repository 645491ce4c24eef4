//! Links the `wfc` binary with packed relative relocations (`DT_RELR`) where
//! the linker knows them (GNU ld ≥ 2.38, lld ≥ 15) and the target is Linux.
//!
//! A position-independent Rust binary carries ~150,000 relative relocations:
//! as `RELA` entries they are 3.5 MB that the loader reads at every start,
//! and those pages stay mapped for the whole run; packed, they are 40 KB.
//! Measured on `wfc run` of a 1,000-step chain: peak RSS 24.0 → 19.8 MiB
//! (docs/performance.md). The binary then needs glibc ≥ 2.36 to load.
//! `WFC_NO_RELR=1` builds without it.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WFC_NO_RELR");
    println!("cargo:rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if linux && std::env::var_os("WFC_NO_RELR").is_none() && linker_packs_relocs() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the system linker lists the option (an unknown `-z` keyword is
/// only a warning for GNU ld, but an error for others).
fn linker_packs_relocs() -> bool {
    Command::new("ld")
        .arg("--help")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("pack-relative-relocs"))
}
