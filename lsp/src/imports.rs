//! Diagnostics of imported files: an importer publishes each imported
//! file's own diagnostics on that file's URI (when the file is not open: an
//! open one publishes its own), and clears them when no importer imports
//! the file any more.

use crate::convert::Converter;
use crate::lines::LineIndex;
use crate::workspace;
use std::collections::HashMap;
use std::path::Path;
use tower_lsp::lsp_types::{Diagnostic, Url};
use wfc_language::ide;
use wfc_language::program::FileKey;

/// Each file `doc` imports from disk, with its diagnostics as the protocol
/// has them (std modules are left out: they are wfc's, not the user's).
pub fn imported_diagnostics(doc: &ide::Doc, std_dir: Option<&Path>) -> Vec<(Url, Vec<Diagnostic>)> {
    doc.imported_diagnostics()
        .into_iter()
        .filter(|(key, _)| matches!(key, FileKey::Path(_)))
        .filter_map(|(key, diags)| {
            let uri = workspace::uri_of(&key, std_dir)?;
            let text = doc.file_text(&key)?;
            let lines = LineIndex::new(text);
            let convert = Converter {
                uri: &uri,
                text,
                lines: &lines,
            };
            let diags = diags.iter().map(|d| convert.diagnostic(d)).collect();
            Some((uri, diags))
        })
        .collect()
}

/// Which imported files each importer published diagnostics for.
#[derive(Default)]
pub struct Published(HashMap<Url, Vec<Url>>);

impl Published {
    /// Records that `importer` now publishes for `now`; returns the files
    /// no importer publishes for any more (their diagnostics to clear).
    pub fn replace(&mut self, importer: &Url, now: Vec<Url>) -> Vec<Url> {
        let old = if now.is_empty() {
            self.0.remove(importer)
        } else {
            self.0.insert(importer.clone(), now)
        };
        old.unwrap_or_default()
            .into_iter()
            .filter(|u| !self.0.values().any(|v| v.contains(u)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_cleared_only_when_no_importer_publishes_for_it() {
        let url = |s: &str| Url::parse(&format!("file:///p/{s}")).unwrap();
        let mut p = Published::default();
        assert!(p.replace(&url("a.wf"), vec![url("lib.wf")]).is_empty());
        assert!(p.replace(&url("b.wf"), vec![url("lib.wf")]).is_empty());
        assert!(
            p.replace(&url("a.wf"), Vec::new()).is_empty(),
            "b still imports it"
        );
        assert_eq!(p.replace(&url("b.wf"), Vec::new()), vec![url("lib.wf")]);
    }
}
