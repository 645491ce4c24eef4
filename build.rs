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
    // rustc links with its own LLD on x86_64 Linux (GNU); other targets'
    // default linkers may not take the option. WFC_NO_SYMBOL_ORDER=1 leaves
    // it out.
    let cfg = |k: &str| std::env::var(k).unwrap_or_default();
    println!("cargo:rerun-if-env-changed=WFC_NO_SYMBOL_ORDER");
    let lld = cfg("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && cfg("CARGO_CFG_TARGET_OS") == "linux"
        && cfg("CARGO_CFG_TARGET_ENV") == "gnu"
        && std::env::var_os("WFC_NO_SYMBOL_ORDER").is_none();
    let order = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("link/wfc.order");
    if lld && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=wfc=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bin=wfc=-Wl,--no-warn-symbol-ordering");
    }
}
