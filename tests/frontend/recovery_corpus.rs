//! The recovery corpus: half-typed variants of every example, and how well
//! the parser recovers from each.
//!
//! Shared by the `frontend` tests (which assert the targets) and
//! `benches/recovery.rs` (which prints the figures). Each variant is one
//! edit of one `examples/*.wf` file:
//! - a **cut**: a line typed only so far — after its first word, to its
//!   middle, into its first string, or up to its `{`. A statement is cut
//!   in place (with the lines of its body, as if being typed afresh); a
//!   declaration (`param x: …`, `step x: shell {`) is typed as a new line
//!   above it under a new name, as when adding one. Declarations cut in
//!   place are measured apart ([`Edit::CutDeclaration`]): their name is
//!   gone, so each use of it is rightly reported as well;
//! - a **delete**: one closing `}` or closing `"` removed.
//!
//! For each, [`measure`] counts the diagnostics and the outline symbols of
//! the example outside the broken item (the innermost symbol around the
//! edit; none for a new line) that are still in the outline.

use wfc_language::ide::{Doc, Symbol, SymbolKind};
use wfc_language::program::{Disk, FileKey};

/// The kind of edit a variant makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Cut,
    /// A declaration (`param x: …`, `step x: …`) cut in place: its name is
    /// gone, so its uses are rightly reported too (measured, no target).
    CutDeclaration,
    Delete,
}

pub struct Variant {
    /// The example's file name.
    pub file: String,
    /// `example.wf:LINE:COL what`.
    pub name: String,
    pub edit: Edit,
    pub text: String,
    /// The broken item: the edit's offset in the example, when the edit is
    /// inside one of its items (not a new line).
    pub at: Option<usize>,
}

/// Words that start a declaration (of a param, let, step or block).
const DECLARATIONS: &[&str] = &[
    "param ",
    "secret ",
    "let ",
    "step ",
    "parallel ",
    "sequence ",
    "for ",
    "outputs ",
    "if ",
];

/// The declaration's name (the word after its keyword) with `_new` added,
/// so a copy typed above the original declares something else.
fn renamed(typed: &str) -> String {
    let indent = typed.len() - typed.trim_start().len();
    let mut words = typed[indent..].splitn(2, ' ');
    let keyword = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("");
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    if name_len == 0 || matches!(keyword, "outputs" | "for" | "if") || rest[..name_len] == *"each" {
        return typed.to_string();
    }
    format!(
        "{}{keyword} {}_new{}",
        &typed[..indent],
        &rest[..name_len],
        &rest[name_len..]
    )
}

/// The offset where the statement on code line `i` ends: after its deeper
/// lines and the `}` at its own indentation that closes it.
fn statement_end(text: &str, lines: &[(usize, usize)], i: usize) -> usize {
    let indent = |(s, e): (usize, usize)| {
        let l = &text[s..e];
        l.len() - l.trim_start().len()
    };
    let own = indent(lines[i]);
    let mut j = i + 1;
    while j < lines.len() && indent(lines[j]) > own {
        j += 1;
    }
    if j < lines.len()
        && indent(lines[j]) == own
        && text[lines[j].0..].trim_start().starts_with('}')
    {
        j += 1;
    }
    // Up to the line break before the next code line (comments between go).
    match lines.get(j) {
        Some(&(s, _)) => s - 1,
        None => text.len(),
    }
}

/// The examples, by file name, sorted.
pub fn examples() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir("examples")
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).expect("example"))
        })
        .collect();
    out.sort();
    out
}

/// Every variant of `text` (the example `file`).
pub fn variants(file: &str, text: &str) -> Vec<Variant> {
    let mut out = Vec::new();
    let lines = code_lines(text);
    for (i, &(start, end)) in lines.iter().enumerate() {
        let line = &text[start..end];
        let indent = line.len() - line.trim_start().len();
        let body = &line[indent..];
        if body.starts_with('}') || body.starts_with("workflow") || body.starts_with("import") {
            continue;
        }
        let opens = body.matches('{').count() > body.matches('}').count()
            || body.matches("\"\"\"").count() % 2 == 1;
        let next_indent = lines.get(i + 1).map_or(0, |&(s, e)| {
            let l = &text[s..e];
            l.len() - l.trim_start().len()
        });
        let one_line = !opens && next_indent <= indent;
        let first_word = body
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(body.len());
        let mut cuts = vec![(first_word, "first word"), (body.len() / 2, "middle")];
        if let Some(q) = body.find('"') {
            cuts.push(((q + 3).min(body.len()), "string"));
        }
        if let Some(b) = body.find('{').filter(|_| opens) {
            cuts.push((b + 1, "header and `{`"));
        }
        for (cut, what) in cuts {
            let cut = floor_char(body, cut);
            if cut == 0 || cut >= body.len() {
                continue;
            }
            let col = indent + cut;
            let lineno = text[..start].matches('\n').count() + 1;
            let name = format!("{file}:{lineno}:{} cut at {what}", col + 1);
            // The rest of the statement: its deeper lines and its closer.
            let rest = if one_line {
                end
            } else {
                statement_end(text, &lines, i)
            };
            let in_place = Variant {
                file: file.to_string(),
                name: name.clone(),
                edit: Edit::Cut,
                text: format!("{}{}", &text[..start + col], &text[rest..]),
                at: Some(start + col),
            };
            let declares = DECLARATIONS.iter().any(|d| body.starts_with(d));
            if declares {
                // Typed as a new line above, under a new name.
                let typed = renamed(&text[start..start + col]);
                out.push(Variant {
                    file: file.to_string(),
                    name: format!("{name} (new line)"),
                    edit: Edit::Cut,
                    text: format!("{}{typed}\n{}", &text[..start], &text[start..]),
                    at: None,
                });
                out.push(Variant {
                    edit: Edit::CutDeclaration,
                    ..in_place
                });
            } else {
                out.push(in_place);
            }
        }
    }
    for (at, what) in closers(text) {
        let lineno = text[..at].matches('\n').count() + 1;
        out.push(Variant {
            file: file.to_string(),
            name: format!("{file}:{lineno} deleted {what}"),
            edit: Edit::Delete,
            text: format!("{}{}", &text[..at], &text[at + 1..]),
            at: Some(at),
        });
    }
    out
}

/// Lines of code: not blank, not comments, not inside `"""…"""`.
fn code_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut in_triple = false;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.trim_end_matches(['\n', '\r']).len();
        let body = line.trim();
        let was = in_triple;
        in_triple ^= body.matches("\"\"\"").count() % 2 == 1;
        if !was && !body.is_empty() && !body.starts_with('#') {
            out.push((start, end));
        }
        start += line.len();
    }
    out
}

/// Offsets of closing `}` and closing `"` of one-line strings, outside
/// comments and `"""…"""`.
fn closers(text: &str) -> Vec<(usize, &'static str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += 1;
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if b.get(i) == Some(&b'"') {
                    out.push((i, "`\"`"));
                }
                i += 1;
            }
            b'}' => {
                out.push((i, "`}`"));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// How one variant fared.
pub struct Outcome {
    pub diagnostics: usize,
    /// Symbols of the example outside the broken item.
    pub outside: usize,
    /// Of those, the ones still in the variant's outline.
    pub kept: usize,
    /// The codes reported, for a report of the worst cases.
    pub codes: Vec<String>,
}

/// Analyses `variant` and compares its outline with the example's.
pub fn measure(original: &[Symbol], variant: &Variant) -> Outcome {
    let doc = analyze(&variant.file, &variant.text);
    let diagnostics = doc.diagnostics();
    let mut have = Vec::new();
    flatten(&doc.symbols(), &mut have, None);
    let mut want = Vec::new();
    flatten(original, &mut want, variant.at);
    let outside = want.len();
    let mut kept = 0;
    for w in want {
        if let Some(i) = have.iter().position(|h| *h == w) {
            have.swap_remove(i);
            kept += 1;
        }
    }
    Outcome {
        diagnostics: diagnostics.len(),
        outside,
        kept,
        codes: diagnostics.iter().map(|d| d.code.to_string()).collect(),
    }
}

/// Analyses `text` as the example `file`, with its imports.
fn analyze(file: &str, text: &str) -> Doc {
    let key = FileKey::Path(std::path::Path::new("examples").join(file));
    Doc::analyze_program(key, text, &Disk)
}

/// The outline of an example (which must have no diagnostics).
pub fn outline(file: &str, text: &str) -> Vec<Symbol> {
    let doc = analyze(file, text);
    assert!(doc.diagnostics().is_empty(), "{:?}", doc.diagnostics());
    doc.symbols()
}

/// `(kind, name)` of every symbol, leaving out the innermost one holding
/// `broken` and what it holds.
fn flatten(symbols: &[Symbol], out: &mut Vec<(SymbolKind, String)>, broken: Option<usize>) {
    let innermost = |s: &Symbol| {
        broken.is_some_and(|at| {
            s.span.contains(&at) && !s.children.iter().any(|c| c.span.contains(&at))
        })
    };
    for s in symbols {
        if innermost(s) {
            continue;
        }
        out.push((s.kind, s.name.clone()));
        flatten(&s.children, out, broken);
    }
}

/// The corpus's figures.
#[derive(Default)]
pub struct Summary {
    pub variants: usize,
    pub one_diagnostic: usize,
    pub no_diagnostic: usize,
    pub outside: usize,
    pub kept: usize,
    /// Variants keeping under 90% of the symbols outside the broken item.
    pub poor: usize,
}

impl Summary {
    pub fn add(&mut self, o: &Outcome) {
        self.variants += 1;
        self.one_diagnostic += usize::from(o.diagnostics == 1);
        self.no_diagnostic += usize::from(o.diagnostics == 0);
        self.outside += o.outside;
        self.kept += o.kept;
        self.poor += usize::from(o.kept * 10 < o.outside * 9);
    }

    /// Of the variants with something to report (an edit can leave valid
    /// code), the share reported with exactly one diagnostic.
    pub fn one_diagnostic_share(&self) -> f64 {
        let reported = self.variants - self.no_diagnostic;
        self.one_diagnostic as f64 / reported.max(1) as f64
    }

    pub fn kept_share(&self) -> f64 {
        self.kept as f64 / self.outside.max(1) as f64
    }

    pub fn line(&self, label: &str) -> String {
        format!(
            "{label:<22} {:>5} variants  one diagnostic {:>5.1}%  still valid {:>3}  symbols kept {:>5.1}%  (<90% kept: {})",
            self.variants,
            100.0 * self.one_diagnostic_share(),
            self.no_diagnostic,
            100.0 * self.kept_share(),
            self.poor
        )
    }
}
