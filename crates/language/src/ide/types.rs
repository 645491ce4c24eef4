//! What the editor features answer: plain values in byte offsets.
//!
//! Positions are byte offsets into the document text, never lines or UTF-16
//! columns: the language server converts them at its edge, as it converts
//! these values to protocol types. Nothing here knows the protocol.

use std::ops::Range;

pub use crate::diag::Severity;

/// A half-open range of byte offsets into the document text.
pub type ByteRange = Range<usize>;

/// A diagnostic of `wfc check`, shaped for an editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: ByteRange,
    pub severity: Severity,
    /// A stable code such as `E0102`.
    pub code: String,
    /// The message, with the `help:` line appended.
    pub message: String,
    /// Secondary locations with what they mean.
    pub related: Vec<(ByteRange, String)>,
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
    pub replace: Option<ByteRange>,
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

    /// What the item sorts by: its sort key, else its label.
    pub fn sort_text(&self) -> &str {
        self.sort_key.as_deref().unwrap_or(&self.label)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    /// What the hover is about.
    pub span: ByteRange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: ByteRange,
    pub new_text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Workflow,
    Param,
    Step,
    Block,
    Handler,
    /// A workflow's own output (`outputs { NAME: TYPE = EXPR }`).
    Output,
    /// `on schedule|webhook|change …`.
    Trigger,
    /// `lock EXPR`.
    Lock,
    /// `alert NAME { … }`.
    Alert,
}

/// An entry of the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole item.
    pub span: ByteRange,
    /// The name (inside `span`).
    pub selection: ByteRange,
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

/// A token for semantic highlighting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub span: ByteRange,
    pub kind: TokenKind,
    /// Where the name is declared (not a use).
    pub declaration: bool,
}

/// A foldable region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub span: ByteRange,
    /// A run of comments rather than a block.
    pub comment: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// The diagnostic it fixes: an index into [`Doc::diagnostics`](super::Doc::diagnostics).
    pub diagnostic: Option<usize>,
    /// The fix to apply when the user asks for "the" fix.
    pub preferred: bool,
}
