//! The std library, embedded at build time from `std/*.wf` (see `build.rs`).

/// Every std module: (file name, text), by name.
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// The text of `std/NAME` (`NAME` = `notify.wf`).
pub fn get(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The module names, as imported: `std/notify.wf`, …
pub fn paths() -> Vec<String> {
    FILES.iter().map(|(n, _)| format!("std/{n}")).collect()
}
