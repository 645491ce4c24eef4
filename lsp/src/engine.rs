//! The contract between the server and a language engine, in neutral types.
//!
//! Everything here is plain data: byte offsets into the document text (never
//! lines or UTF-16 columns — the server converts at the edge), strings, and
//! small enums. No `lsp_types` appear, so an engine does not depend on the
//! protocol, and the protocol crate does not depend on the compiler.

use std::ops::Range;
use std::sync::Arc;

/// A half-open byte range into the document text.
pub type Span = Range<usize>;

/// Builds analyses of documents. One engine serves every open document.
pub trait Engine: Send + Sync + 'static {
    /// Analyses `text` (the whole document). `previous` is the last analysis
    /// of the same document, if any: an engine may carry knowledge over from
    /// it (for example names declared in the last text that parsed) while the
    /// user is in the middle of typing something that does not parse yet.
    fn analyze(
        &self,
        uri: &str,
        text: Arc<str>,
        previous: Option<Arc<dyn Analysis>>,
    ) -> Arc<dyn Analysis>;
}

/// One analysed version of a document. Every method is a pure query.
pub trait Analysis: Send + Sync + 'static {
    /// The text this analysis is of.
    fn text(&self) -> &str;
    /// Every diagnostic, sorted by position.
    fn diagnostics(&self) -> Vec<Diagnostic>;
    /// Completions at a byte offset.
    fn completion(&self, offset: usize) -> Vec<CompletionItem>;
    fn hover(&self, offset: usize) -> Option<Hover>;
    /// The declaration of the name at `offset`.
    fn definition(&self, offset: usize) -> Option<Span>;
    /// Every use of the name at `offset` (and its declaration if asked).
    fn references(&self, offset: usize, include_declaration: bool) -> Vec<Span>;
    /// The span of the renameable name at `offset`, or why it cannot be renamed.
    fn prepare_rename(&self, offset: usize) -> Result<Span, String>;
    /// The edits that rename the name at `offset`, or why it cannot be renamed.
    fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, String>;
    /// The outline.
    fn symbols(&self) -> Vec<Symbol>;
    /// Tokens for semantic highlighting, in text order, not overlapping.
    fn semantic_tokens(&self) -> Vec<Token>;
    fn folding_ranges(&self) -> Vec<Fold>;
    /// Code actions for the diagnostics and the selection in `range`.
    fn code_actions(&self, range: Span) -> Vec<CodeAction>;
    /// The whole document formatted, or `None` when it cannot be (syntax errors).
    fn format(&self) -> Option<String>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    /// A stable code such as `E0102`.
    pub code: String,
    pub message: String,
    /// Secondary locations with what they mean.
    pub related: Vec<(Span, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    /// A step kind (`shell`, `http`, …).
    StepKind,
    /// A field of a step kind.
    Field,
    Param,
    Step,
    /// A named block (`parallel NAME`).
    Block,
    LoopVar,
    /// An output of a step.
    Output,
    Function,
    /// A param type.
    Type,
    /// A keyword value (`exponential`, `abort`, …).
    Value,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// One line shown beside the label (a type, a signature).
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// The text to insert (the label when `None`).
    pub insert_text: Option<String>,
    /// `insert_text` is a snippet with `${1:…}` placeholders.
    pub snippet: bool,
    /// The text the item replaces (the word typed so far); `None` = insert at the cursor.
    pub replace: Option<Span>,
    /// Sorts before items with a greater key (the label when `None`).
    pub sort_key: Option<String>,
}

impl CompletionItem {
    pub fn new(label: impl Into<String>, kind: CompletionKind) -> CompletionItem {
        CompletionItem {
            label: label.into(),
            kind,
            detail: None,
            documentation: None,
            insert_text: None,
            snippet: false,
            replace: None,
            sort_key: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    /// What the hover is about.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub new_text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Workflow,
    Param,
    Step,
    Block,
    Handler,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole item.
    pub span: Span,
    /// The name (inside `span`).
    pub selection: Span,
    pub children: Vec<Symbol>,
}

/// What a semantic token is; the server maps these to the protocol's legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Keyword,
    /// A step name.
    Step,
    /// A block name.
    Block,
    /// A step kind after `step x:`.
    StepKind,
    /// A param type.
    Type,
    /// A field name in a step.
    Field,
    Param,
    LoopVar,
    /// An output name (`build.stdout`, `t.outputs.coverage`).
    Output,
    Function,
    String,
    Number,
    Comment,
    Operator,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// Where the name is declared (not a use).
    pub declaration: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub span: Span,
    /// A run of comments rather than a block.
    pub comment: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// The diagnostic it fixes: an index into [`Analysis::diagnostics`].
    pub diagnostic: Option<usize>,
    /// The fix to apply when the user asks for "the" fix.
    pub preferred: bool,
}
