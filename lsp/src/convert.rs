//! The editor features' answers → protocol values: byte offsets become
//! positions through [`LineIndex`], the language's kinds become the
//! protocol's.

use crate::lines::LineIndex;
use tower_lsp::lsp_types as lsp;
use wfc_language::ide::{self, CompletionKind, Severity, SymbolKind, TokenKind};

/// Converts the answers about one text (and its line index) for `uri`.
pub struct Converter<'a> {
    pub uri: &'a lsp::Url,
    pub text: &'a str,
    pub lines: &'a LineIndex,
}

impl Converter<'_> {
    pub fn range(&self, span: &ide::ByteRange) -> lsp::Range {
        self.lines.range(self.text, span)
    }

    pub fn offset(&self, pos: lsp::Position) -> usize {
        self.lines.offset(self.text, pos)
    }

    pub fn location(&self, span: &ide::ByteRange) -> lsp::Location {
        lsp::Location::new(self.uri.clone(), self.range(span))
    }

    pub fn diagnostic(&self, d: &ide::Diagnostic) -> lsp::Diagnostic {
        let related = d
            .related
            .iter()
            .map(|(span, message)| lsp::DiagnosticRelatedInformation {
                location: self.location(span),
                message: message.clone(),
            })
            .collect::<Vec<_>>();
        lsp::Diagnostic {
            range: self.range(&d.span),
            severity: Some(match d.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.clone())),
            source: Some("wfc".into()),
            message: d.message.clone(),
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    pub fn edit(&self, e: &ide::TextEdit) -> lsp::TextEdit {
        lsp::TextEdit::new(self.range(&e.span), e.new_text.clone())
    }

    pub fn completion(&self, c: ide::CompletionItem, at: lsp::Position) -> lsp::CompletionItem {
        let text = c.insert_text.clone().unwrap_or_else(|| c.label.clone());
        let range = match &c.replace {
            Some(span) => self.range(span),
            None => lsp::Range::new(at, at),
        };
        lsp::CompletionItem {
            kind: Some(completion_kind(c.kind)),
            detail: c.detail,
            documentation: c.documentation.map(|d| {
                lsp::Documentation::MarkupContent(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: d,
                })
            }),
            insert_text_format: Some(if c.snippet {
                lsp::InsertTextFormat::SNIPPET
            } else {
                lsp::InsertTextFormat::PLAIN_TEXT
            }),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                range, text,
            ))),
            sort_text: c.sort_key,
            label: c.label,
            ..Default::default()
        }
    }

    #[allow(deprecated)] // `deprecated` is a required field of DocumentSymbol
    pub fn symbol(&self, s: ide::Symbol) -> lsp::DocumentSymbol {
        lsp::DocumentSymbol {
            name: s.name,
            detail: s.detail,
            kind: match s.kind {
                SymbolKind::Workflow => lsp::SymbolKind::MODULE,
                SymbolKind::Param => lsp::SymbolKind::VARIABLE,
                SymbolKind::Step => lsp::SymbolKind::FUNCTION,
                SymbolKind::Block => lsp::SymbolKind::NAMESPACE,
                SymbolKind::Handler => lsp::SymbolKind::EVENT,
                SymbolKind::Output => lsp::SymbolKind::PROPERTY,
                SymbolKind::Trigger => lsp::SymbolKind::EVENT,
                SymbolKind::Lock => lsp::SymbolKind::KEY,
                SymbolKind::Alert => lsp::SymbolKind::EVENT,
            },
            tags: None,
            deprecated: None,
            range: self.range(&s.span),
            selection_range: self.range(&s.selection),
            children: Some(s.children.into_iter().map(|c| self.symbol(c)).collect()),
        }
    }

    pub fn fold(&self, f: &ide::Fold) -> Option<lsp::FoldingRange> {
        let r = self.range(&f.span);
        // A fold ends on the line before its closing brace so that it stays visible.
        let end = if f.comment {
            r.end.line
        } else {
            r.end.line.saturating_sub(1)
        };
        (end > r.start.line).then_some(lsp::FoldingRange {
            start_line: r.start.line,
            start_character: None,
            end_line: end,
            end_character: None,
            kind: Some(if f.comment {
                lsp::FoldingRangeKind::Comment
            } else {
                lsp::FoldingRangeKind::Region
            }),
            collapsed_text: None,
        })
    }

    /// Encodes tokens relative to each other, splitting multi-line ones per line.
    pub fn semantic_tokens(&self, tokens: &[ide::Token]) -> Vec<lsp::SemanticToken> {
        let mut out = Vec::with_capacity(tokens.len());
        let (mut prev_line, mut prev_col) = (0u32, 0u32);
        for t in tokens {
            let start = self.lines.position(self.text, t.span.start);
            let end = self.lines.position(self.text, t.span.end);
            for line in start.line..=end.line {
                let span = self.lines.line_span(self.text, line as usize);
                let col = if line == start.line {
                    start.character
                } else {
                    0
                };
                let end_col = if line == end.line {
                    end.character
                } else {
                    self.lines.position(self.text, span.end).character
                };
                if end_col <= col {
                    continue;
                }
                let delta_line = line - prev_line;
                let delta_start = if delta_line == 0 { col - prev_col } else { col };
                out.push(lsp::SemanticToken {
                    delta_line,
                    delta_start,
                    length: end_col - col,
                    token_type: token_type(t.kind),
                    token_modifiers_bitset: u32::from(t.declaration),
                });
                (prev_line, prev_col) = (line, col);
            }
        }
        out
    }
}

fn completion_kind(k: CompletionKind) -> lsp::CompletionItemKind {
    use lsp::CompletionItemKind as K;
    match k {
        CompletionKind::Keyword => K::KEYWORD,
        CompletionKind::StepKind => K::CLASS,
        CompletionKind::Field => K::FIELD,
        CompletionKind::Param => K::VARIABLE,
        CompletionKind::Step => K::FUNCTION,
        CompletionKind::Block => K::MODULE,
        CompletionKind::LoopVar => K::VARIABLE,
        CompletionKind::Output => K::PROPERTY,
        CompletionKind::Function => K::FUNCTION,
        CompletionKind::Type => K::TYPE_PARAMETER,
        CompletionKind::Value => K::ENUM_MEMBER,
        CompletionKind::Snippet => K::SNIPPET,
    }
}

/// The semantic token legend, in the order [`token_type`] indexes it.
pub fn legend() -> lsp::SemanticTokensLegend {
    use lsp::SemanticTokenType as T;
    lsp::SemanticTokensLegend {
        token_types: vec![
            T::KEYWORD,
            T::FUNCTION,
            T::NAMESPACE,
            T::TYPE,
            T::PROPERTY,
            T::PARAMETER,
            T::VARIABLE,
            T::STRING,
            T::NUMBER,
            T::COMMENT,
            T::OPERATOR,
            T::CLASS,
            T::ENUM_MEMBER,
        ],
        token_modifiers: vec![lsp::SemanticTokenModifier::DECLARATION],
    }
}

fn token_type(k: TokenKind) -> u32 {
    match k {
        TokenKind::Keyword => 0,
        TokenKind::Step => 1,
        TokenKind::Block => 2,
        TokenKind::Type => 3,
        TokenKind::Field => 4,
        TokenKind::Param => 5,
        TokenKind::LoopVar => 6,
        TokenKind::String => 7,
        TokenKind::Number => 8,
        TokenKind::Comment => 9,
        TokenKind::Operator => 10,
        TokenKind::StepKind => 11,
        TokenKind::Output => 12,
        TokenKind::Function => 1,
    }
}
