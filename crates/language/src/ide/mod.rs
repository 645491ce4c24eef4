//! The editor features: diagnostics, completion, hover, navigation, rename,
//! outline, highlighting, folding and code actions over one analysed
//! document ([`Doc`]).
//!
//! Pure queries: no protocol types, no I/O. Every answer is a plain value in
//! byte offsets ([`types`]); the language server (`lsp/`, the `wfc-lsp`
//! crate) holds `Doc`s, converts positions to the protocol's lines and
//! UTF-16 columns, and speaks the protocol. Diagnostics are exactly those of
//! `wfc check`: both come from [`crate::analysis::analyze`].
//!
//! Two views of the text serve different questions:
//! - the checker's IR (`analysis.module`, one per workflow of the file)
//!   knows what every name refers to — hover, definition, references, rename
//!   and the outline use it; a question about a place is answered from the
//!   workflow around it ([`Doc::ir_at`]), so names never cross workflows;
//! - a tolerant lexer ([`lexer`]) that never fails knows where the cursor is
//!   even while the text does not parse — completion ([`context`],
//!   [`completion`]), folding and highlighting use it, with names declared in
//!   the text found lexically ([`names`]).
//!
//! Modules: [`types`] (the answers), [`lexer`] (tokens and brace frames),
//! [`names`] (lexical declarations), [`context`] (what is being typed at the
//! cursor), [`completion`], [`hover`] (and [`hover_placement`]: inside
//! `executor`/`resources`; [`hover_words`]: keywords, the
//! run context, imports), [`navigation`] (definition,
//! references, rename), [`outline`] (symbols, folding, semantic tokens),
//! [`actions`] (diagnostics for the editor and code actions).

pub mod actions;
mod alerts;
mod artifacts;
pub mod calls;
pub mod completion;
pub mod context;
pub mod hover;
pub mod hover_placement;
pub mod hover_words;
pub mod imports;
pub mod lexer;
pub mod names;
pub mod navigation;
pub mod outline;
mod sql_params;
mod triggers;
pub mod types;

use crate::analysis::{analyze, Analysis};
use crate::ir;
use crate::program::{self, FileKey, Sources};
use crate::syntax::ast;
use std::sync::OnceLock;

pub use imports::{Callee, Imported, Place};
pub use types::*;

/// One analysed version of a document, and the editor's queries on it.
pub struct Doc {
    pub analysis: Analysis,
    lexed: OnceLock<lexer::Lexed>,
    names: OnceLock<names::Names>,
    /// The files it imports, when analysed as a program ([`Doc::analyze_program`]).
    pub imported: Option<Imported>,
}

impl Doc {
    /// Analyses `text` (the whole document) as `wfc check` does; `name`
    /// (a path or URI) is what diagnostics name the file.
    pub fn analyze(name: &str, text: &str) -> Doc {
        Doc {
            analysis: analyze(name, text),
            lexed: OnceLock::new(),
            names: OnceLock::new(),
            imported: None,
        }
    }

    /// Analyses `text` as the root of a program: its imports are loaded
    /// from `sources` (std from the embedded library) and checked first, so
    /// calls are checked against their callees and navigation crosses files.
    pub fn analyze_program(key: FileKey, text: &str, sources: &dyn Sources) -> Doc {
        let mut program = program::load_file(key.clone(), text.to_string(), sources, true);
        let root = program.units.remove(0);
        Doc {
            analysis: root.analysis,
            lexed: OnceLock::new(),
            names: OnceLock::new(),
            imported: Some(Imported {
                key,
                imports: root.imports,
                units: program.units,
            }),
        }
    }

    /// The text alone, lexed but not parsed or checked: what an editor
    /// answers from (completion's context, highlighting, folding) while the
    /// analysis of its newest text is still running, or when it failed.
    pub fn lexical(name: &str, text: &str) -> Doc {
        let parsed = crate::syntax::Parsed {
            file: None,
            comments: Vec::new(),
            diagnostics: Vec::new(),
            recovered_names: Vec::new(),
            recovered_spans: Vec::new(),
            bodies: None,
        };
        Doc {
            analysis: Analysis {
                source: crate::span::SourceFile::new(name, text),
                parsed,
                module: None,
                import_diagnostics: Vec::new(),
                body_diagnostics: Vec::new(),
            },
            lexed: OnceLock::new(),
            names: OnceLock::new(),
            imported: None,
        }
    }

    /// The text this is an analysis of.
    pub fn text(&self) -> &str {
        &self.analysis.source.text
    }

    /// Every checked workflow of the file, in file order (none when the
    /// text did not parse).
    pub fn irs(&self) -> impl Iterator<Item = &ir::Workflow> {
        self.analysis
            .module
            .iter()
            .flat_map(|m| m.workflows.iter().map(|c| &c.ir))
    }

    /// The checked workflow whose text holds `offset` (else the file's first).
    pub fn ir_at(&self, offset: usize) -> Option<&ir::Workflow> {
        self.irs()
            .find(|w| (w.span.start as usize..=w.span.end as usize).contains(&offset))
            .or_else(|| self.irs().next())
    }

    /// The syntax tree, when the text parsed.
    pub fn ast(&self) -> Option<&ast::File> {
        self.analysis.parsed.file.as_ref()
    }

    pub fn lexed(&self) -> &lexer::Lexed {
        self.lexed.get_or_init(|| lexer::lex(self.text()))
    }

    /// Names declared in the text, found lexically (works on broken text).
    pub fn names(&self) -> &names::Names {
        self.names
            .get_or_init(|| names::collect(self.text(), self.lexed(), 0..usize::MAX))
    }

    /// The names declared in the workflow whose text holds `offset`, found
    /// lexically: each workflow of a file is a scope of its own.
    pub fn names_at(&self, offset: usize) -> std::borrow::Cow<'_, names::Names> {
        match names::workflow_range(self.text(), self.lexed(), offset) {
            None => std::borrow::Cow::Borrowed(self.names()),
            Some(range) => {
                std::borrow::Cow::Owned(names::collect(self.text(), self.lexed(), range))
            }
        }
    }

    /// The source text of a span.
    pub fn slice(&self, span: crate::span::Span) -> &str {
        self.analysis.source.slice(span)
    }

    /// Every diagnostic, sorted by position.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        actions::diagnostics(self)
    }

    /// The diagnostics of each file this document imports, in its own offsets.
    pub fn imported_diagnostics(&self) -> Vec<(FileKey, Vec<Diagnostic>)> {
        actions::imported_diagnostics(self)
    }

    /// Completions at a byte offset.
    pub fn completion(&self, offset: usize) -> Vec<CompletionItem> {
        completion::complete(self, offset)
    }

    pub fn hover(&self, offset: usize) -> Option<Hover> {
        calls::hover(self, offset)
            .or_else(|| hover_placement::hover(self, offset))
            .or_else(|| hover::hover(self, offset))
            .or_else(|| hover_words::hover(self, offset))
    }

    /// The declaration of the name at `offset`.
    pub fn definition(&self, offset: usize) -> Option<ByteRange> {
        navigation::definition(self, offset)
    }

    /// The definition of the name at `offset`, in this file or another file
    /// of the program (a call's target or param, an import's path).
    pub fn definition_place(&self, offset: usize) -> Option<Place> {
        calls::definition(self, offset).or_else(|| {
            Some(Place {
                file: None,
                span: self.definition(offset)?,
            })
        })
    }

    /// Every use of the name at `offset` (and its declaration if asked).
    pub fn references(&self, offset: usize, include_declaration: bool) -> Vec<ByteRange> {
        navigation::references(self, offset, include_declaration)
    }

    /// The range of the renameable name at `offset`, or why it cannot be renamed.
    pub fn prepare_rename(&self, offset: usize) -> Result<ByteRange, String> {
        navigation::prepare_rename(self, offset)
    }

    /// The edits that rename the name at `offset`, or why it cannot be renamed.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, String> {
        navigation::rename(self, offset, new_name)
    }

    /// The outline.
    pub fn symbols(&self) -> Vec<Symbol> {
        outline::symbols(self)
    }

    /// Tokens for semantic highlighting, in text order, not overlapping.
    pub fn semantic_tokens(&self) -> Vec<Token> {
        outline::semantic_tokens(self)
    }

    pub fn folding_ranges(&self) -> Vec<Fold> {
        outline::folding_ranges(self)
    }

    /// Code actions for the diagnostics and the selection in `range`.
    pub fn code_actions(&self, range: ByteRange) -> Vec<CodeAction> {
        actions::code_actions(self, range)
    }

    /// The whole document formatted, or `None` when it cannot be (syntax errors).
    pub fn format(&self) -> Option<String> {
        crate::fmt::format_source(self.text()).ok()
    }
}

/// A compiler span as a byte range.
pub(crate) fn span(s: crate::span::Span) -> ByteRange {
    s.start as usize..s.end as usize
}
