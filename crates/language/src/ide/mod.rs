//! The editor engine: completion, hover, navigation, rename, outline,
//! highlighting, folding and code actions over one analysed document.
//!
//! This is a pure engine (no protocol types, no I/O). It implements the
//! [`wfc_lsp::Engine`] trait, and `wfc lsp` serves it through the
//! `wfc-lsp` package, which speaks the protocol and converts byte offsets to
//! editor positions at the edge. Diagnostics are exactly those of
//! `wfc check`: both come from [`crate::analysis::analyze`].
//!
//! Two views of the text serve different questions:
//! - the checker's IR (`analysis.checked`) knows what every name refers to —
//!   hover, definition, references, rename and the outline use it;
//! - a tolerant lexer ([`lexer`]) that never fails knows where the cursor is
//!   even while the text does not parse — completion ([`context`],
//!   [`completion`]), folding and highlighting use it, with names declared in
//!   the text found lexically ([`names`]).
//!
//! Modules: [`lexer`] (tokens and brace frames), [`names`] (lexical
//! declarations), [`context`] (what is being typed at the cursor),
//! [`completion`], [`hover`], [`navigation`] (definition, references,
//! rename), [`outline`] (symbols, folding, semantic tokens), [`actions`]
//! (diagnostics for the editor and code actions).

pub mod actions;
pub mod completion;
pub mod context;
pub mod hover;
pub mod lexer;
pub mod names;
pub mod navigation;
pub mod outline;

use crate::analysis::{analyze, Analysis};
use crate::ir;
use crate::syntax::ast;
use std::sync::{Arc, OnceLock};
use wfc_lsp as lsp;

pub use wfc_lsp::{
    CodeAction, CompletionItem, CompletionKind, Diagnostic, Fold, Hover, Span, Symbol, SymbolKind,
    TextEdit, Token, TokenKind,
};

/// The engine `wfc lsp` serves.
#[derive(Clone, Copy, Debug, Default)]
pub struct WfEngine;

impl lsp::Engine for WfEngine {
    fn analyze(
        &self,
        uri: &str,
        text: Arc<str>,
        _previous: Option<Arc<dyn lsp::Analysis>>,
    ) -> Arc<dyn lsp::Analysis> {
        Arc::new(Doc::new(uri, &text))
    }
}

/// One analysed version of a document.
pub struct Doc {
    pub analysis: Analysis,
    lexed: OnceLock<lexer::Lexed>,
    names: OnceLock<names::Names>,
}

impl Doc {
    pub fn new(name: &str, text: &str) -> Doc {
        Doc {
            analysis: analyze(name, text),
            lexed: OnceLock::new(),
            names: OnceLock::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.analysis.source.text
    }

    /// The checked workflow, when the text parsed.
    pub fn ir(&self) -> Option<&ir::Workflow> {
        self.analysis.checked.as_ref().map(|c| &c.ir)
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
            .get_or_init(|| names::collect(self.text(), self.lexed()))
    }

    /// The source text of a span.
    pub fn slice(&self, span: crate::span::Span) -> &str {
        self.analysis.source.slice(span)
    }
}

/// A compiler span as an engine span.
pub(crate) fn span(s: crate::span::Span) -> Span {
    s.start as usize..s.end as usize
}

impl lsp::Analysis for Doc {
    fn text(&self) -> &str {
        Doc::text(self)
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        actions::diagnostics(self)
    }

    fn completion(&self, offset: usize) -> Vec<CompletionItem> {
        completion::complete(self, offset)
    }

    fn hover(&self, offset: usize) -> Option<Hover> {
        hover::hover(self, offset)
    }

    fn definition(&self, offset: usize) -> Option<Span> {
        navigation::definition(self, offset)
    }

    fn references(&self, offset: usize, include_declaration: bool) -> Vec<Span> {
        navigation::references(self, offset, include_declaration)
    }

    fn prepare_rename(&self, offset: usize) -> Result<Span, String> {
        navigation::prepare_rename(self, offset)
    }

    fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, String> {
        navigation::rename(self, offset, new_name)
    }

    fn symbols(&self) -> Vec<Symbol> {
        outline::symbols(self)
    }

    fn semantic_tokens(&self) -> Vec<Token> {
        outline::semantic_tokens(self)
    }

    fn folding_ranges(&self) -> Vec<Fold> {
        outline::folding_ranges(self)
    }

    fn code_actions(&self, range: Span) -> Vec<CodeAction> {
        actions::code_actions(self, range)
    }

    fn format(&self) -> Option<String> {
        crate::fmt::format_source(self.text()).ok()
    }
}
