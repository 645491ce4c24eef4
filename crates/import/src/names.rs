//! Names from the input made `.wf` identifiers: `[A-Za-z_][A-Za-z0-9_-]*`,
//! not ending in `-`, not a word that starts an item, unique in the
//! workflow (params, secrets, steps, blocks and loop variables share one
//! namespace here, which is stricter than the language and never wrong).

use std::collections::HashSet;

/// Words a name may not be: those that start an item, `run`, and a few the
/// language reads specially.
const RESERVED: &[&str] = &[
    "workflow", "param", "secret", "env", "defaults", "step", "if", "else", "for", "each", "in",
    "parallel", "sequence", "wait", "on", "failure", "success", "finally", "fail", "rollback",
    "depends", "after", "retry", "backoff", "max", "outputs", "mount", "at", "true", "false",
    "run", "let", "import", "lock", "call", "null", "failed", "request", "changed", "any",
];

/// The names given so far.
#[derive(Default)]
pub struct Names {
    used: HashSet<String>,
}

/// A name as given: the identifier, and whether it differs from the input's.
pub struct Given {
    pub name: String,
    pub changed: bool,
}

impl Names {
    /// A fresh identifier for `raw`: converted, then `-2`, `-3`… on a clash.
    pub fn give(&mut self, raw: &str) -> Given {
        let base = ident(raw);
        let mut name = base.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        Given {
            changed: name != raw,
            name,
        }
    }
}

/// `raw` as a lower-case identifier: other characters become `-` (runs of them one),
/// `-` at the ends dropped, `_` before a leading digit, `_` after a reserved word.
pub fn ident(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    if out.is_empty() {
        out.push_str("unnamed");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(ident("generate:mocks"), "generate-mocks");
        assert_eq!(ident("Install ARM Toolchain"), "install-arm-toolchain");
        assert_eq!(ident("release:*"), "release");
        assert_eq!(ident("run"), "run_");
        assert_eq!(ident("3d"), "_3d");
        assert_eq!(ident("!!"), "unnamed");
        let mut names = Names::default();
        assert_eq!(names.give("a b").name, "a-b");
        assert_eq!(names.give("a:b").name, "a-b-2");
    }
}
