//! Links the `wfc` binary with its functions in the order of
//! `link/wfc.order`: the ones a run executes, next to each other.
//!
//! The kernel maps a binary's pages 64 KiB around each page a process
//! touches ("fault-around"), so code spread over `.text` keeps most of it
//! resident. With the executed functions together, `wfc run` maps fewer
//! pages of its own code. `scripts/symbol-order` writes the file from
//! callgrind runs; a name not in the binary (the code changed since) is
//! left out, and the rest keeps its place.

fn main() {
    println!("cargo:rerun-if-changed=link/wfc.order");
    println!("cargo:rerun-if-env-changed=WFC_NO_SYMBOL_ORDER");
    let order = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("link/wfc.order");
    if rust_lld() && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=wfc=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bin=wfc=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the binary is linked by rustc's own LLD, which takes the
/// option: the default on x86_64 Linux (GNU) from Rust 1.90, unless a
/// linker is chosen (`CARGO_TARGET_…_LINKER`, `-C linker…` in the flags).
/// GNU ld, the default before 1.90 and elsewhere, would refuse the option.
/// `WFC_NO_SYMBOL_ORDER=1` leaves it out too.
fn rust_lld() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let target = var("TARGET");
    let chosen = std::env::var_os(format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace('-', "_")
    ))
    .is_some()
        || var("CARGO_ENCODED_RUSTFLAGS").contains("linker");
    target == "x86_64-unknown-linux-gnu"
        && !chosen
        && std::env::var_os("WFC_NO_SYMBOL_ORDER").is_none()
        && rustc_minor().is_some_and(|m| m >= 90)
}

/// The minor version of the rustc building this (`1.95.0` → 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
