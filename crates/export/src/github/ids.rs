//! Job ids and the names GitHub shows, never evaluated.

/// Job ids: `[A-Za-z_][A-Za-z0-9_-]*`, unique in the workflow.
#[derive(Default)]
pub(super) struct Ids(std::collections::HashSet<String>);

impl Ids {
    pub(super) fn sanitise(name: &str) -> String {
        let id: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let id = id.trim_matches('-').to_string();
        if id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            id
        } else {
            format!("_{id}")
        }
    }

    pub(super) fn fresh(&mut self, name: &str) -> String {
        let base = Self::sanitise(name);
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

/// `text` as GitHub shows it, never evaluated: GitHub evaluates `${{ … }}`
/// in a job's name, and a loop's item is part of its step's name
/// (`ship[x${{ github.token }}]`). Each `${{` becomes the expression
/// `${{ '${{' }}`, whose value is the two characters themselves.
pub(super) fn literal(text: &str) -> String {
    text.replace("${{", "${{ '${{' }}")
}
