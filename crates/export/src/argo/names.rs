//! Argo names: templates and dag tasks must be DNS-1123-like
//! (`[a-z0-9-]`), so `coverage_ok` is `coverage-ok` and `ship[eu-west]` is
//! `ship-eu-west`; a clash gets a numeric suffix.

use std::collections::HashSet;

/// Hands out unique template names (one namespace for the whole workflow).
#[derive(Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    pub fn fresh(&mut self, wfc_name: &str) -> String {
        let base = dns_name(wfc_name);
        let mut name = base.clone();
        let mut n = 2;
        // `main` and `exit-handlers` are the export's own templates.
        while name == "main" || name == "exit-handlers" || self.taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// Lower case, every other character a `-`, no leading, trailing or double `-`.
pub fn dns_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("step");
    }
    out
}
