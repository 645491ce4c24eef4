//! The environment variables a compile read, for the plan cache.
//!
//! A plan depends on its file, its params and wfc itself, and on the
//! environment variables `env("NAME")` folded in at plan time. Every read
//! goes through [`var`], which notes the variable and a hash of what it
//! held while [`record`] is on, so a cached plan can be checked against
//! the environment of a later run (`cli::plan_cache`). The values
//! themselves are not kept.

use std::cell::RefCell;

/// A variable read while compiling: its name and, if it was set, the
/// length and FNV-1a hash of its value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnvRead {
    pub name: String,
    pub value: Option<(u64, u64)>,
}

impl EnvRead {
    /// The variable as it is now.
    pub fn now(name: &str) -> EnvRead {
        EnvRead {
            name: name.to_owned(),
            value: std::env::var_os(name).map(|v| {
                let b = v.as_encoded_bytes();
                (b.len() as u64, fnv(b))
            }),
        }
    }

    /// Whether the variable still holds what it held then.
    pub fn unchanged(&self) -> bool {
        *self == EnvRead::now(&self.name)
    }
}

thread_local! {
    /// The reads noted on this thread (`None`: not noting).
    static READS: RefCell<Option<Vec<EnvRead>>> = const { RefCell::new(None) };
}

/// Runs `f` (a compile, on this thread) and returns what it returned with
/// the variables it read, each once, in the order of their first read.
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<EnvRead>) {
    let outer = READS.with(|r| r.borrow_mut().replace(Vec::new()));
    let out = f();
    let reads = READS.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer));
    (out, reads.unwrap_or_default())
}

/// Runs `f` without noting its reads (a secret's default: see
/// `params::rebind`).
pub fn unrecorded<R>(f: impl FnOnce() -> R) -> R {
    let outer = READS.with(|r| r.borrow_mut().take());
    let out = f();
    READS.with(|r| *r.borrow_mut() = outer);
    out
}

/// `std::env::var(name)`, noted.
pub fn var(name: &str) -> Option<String> {
    note(name);
    std::env::var(name).ok()
}

/// Whether `name` is set, noted.
pub fn is_set(name: &str) -> bool {
    note(name);
    std::env::var_os(name).is_some()
}

fn note(name: &str) {
    READS.with(|r| {
        if let Some(reads) = r.borrow_mut().as_mut() {
            if !reads.iter().any(|e| e.name == name) {
                reads.push(EnvRead::now(name));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_noted_once_and_only_while_recording() {
        // (A name no other test sets.)
        let name = "WFC_INPUTS_TEST_VAR";
        assert_eq!(var(name), None);
        let ((), reads) = record(|| {
            assert_eq!(var(name), None);
            assert!(!is_set(name));
            assert_eq!(var("PATH").is_some(), is_set("PATH"));
        });
        let names: Vec<&str> = reads.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, [name, "PATH"]);
        assert_eq!(reads[0].value, None);
        assert!(reads.iter().all(EnvRead::unchanged));
        let ((), none) = record(|| ());
        assert!(none.is_empty());
        let ((), hidden) = record(|| {
            unrecorded(|| var("PATH"));
            var(name);
        });
        assert_eq!(hidden.len(), 1);
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
