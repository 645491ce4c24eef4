//! The JavaScript lexer of [`super::value_contexts`]: strings, template
//! literals and their substitutions, comments, regex literals.

use super::{refuse_rest, Context, Item, Lang, Refusal, StrKind};

pub(super) fn contexts(items: &[Item]) -> Vec<Context> {
    let mut lx = Lexer {
        items,
        i: 0,
        out: Vec::new(),
        ambiguous: None,
    };
    // `#!…` on the first line is a comment to Node.
    if items.starts_with(&[Some('#'), Some('!')]) {
        lx.line_comment();
    }
    lx.code(false);
    if let Some(why) = lx.ambiguous {
        refuse_rest(&items[lx.i.min(items.len())..], &mut lx.out, why);
    }
    lx.out
}

/// The token before a `/`: whether it starts a regex or divides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start, an operator or punctuator, a keyword like `return`: a regex.
    Operator,
    /// A name, number, literal, value, `]`, string or template: division.
    Operand,
    /// `)`: a regex after `if (…)`, `while (…)`, `for (…)`, `with (…)`.
    CloseParen { regex_after: bool },
    /// `}` (a block or an object?) and `++`/`--` (prefix or postfix?).
    Ambiguous,
}

/// Keywords after which an expression (so a regex) starts.
const EXPRESSION_KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

struct Lexer<'a> {
    items: &'a [Item],
    i: usize,
    out: Vec<Context>,
    ambiguous: Option<&'static str>,
}

impl Lexer<'_> {
    fn at(&self, k: usize) -> Option<Item> {
        self.items.get(self.i + k).copied()
    }

    fn running(&self) -> bool {
        self.ambiguous.is_none() && self.i < self.items.len()
    }

    /// At the start of a line, but for blanks (where `-->` is a comment).
    fn line_start(&self) -> bool {
        self.items[..self.i]
            .iter()
            .rev()
            .take_while(|c| *c != &Some('\n'))
            .all(|c| matches!(c, Some(c) if c.is_whitespace()))
    }

    /// Code; inside a template's `${…}` when `substitution`, up to and
    /// including its closing `}`.
    fn code(&mut self, substitution: bool) {
        let mut prev = Prev::Operator;
        let mut word = String::new();
        // Per open `(`: was it `if (`, `while (`, …?
        let mut parens: Vec<bool> = Vec::new();
        // The name just before, for `if (`.
        let mut last_word = String::new();
        let mut braces = 0u32;
        while self.running() {
            let Some(c) = self.items[self.i] else {
                self.out.push(Context::Code);
                self.i += 1;
                prev = Prev::Operand;
                word.clear();
                last_word.clear();
                continue;
            };
            if c.is_alphanumeric() || c == '_' || c == '$' {
                word.push(c);
                self.i += 1;
                continue;
            }
            if !word.is_empty() {
                let w = std::mem::take(&mut word);
                prev = if EXPRESSION_KEYWORDS.contains(&w.as_str()) {
                    Prev::Operator
                } else {
                    Prev::Operand
                };
                // A number's `.5` or `1.` stays part of it.
                if c == '.' && w.starts_with(|d: char| d.is_ascii_digit()) {
                    word = w;
                    word.push(c);
                    self.i += 1;
                    continue;
                }
                last_word = w;
            }
            if c.is_whitespace() {
                self.i += 1;
                continue;
            }
            let after_word = std::mem::take(&mut last_word);
            let next = self.at(1).flatten();
            match c {
                '/' if next == Some('/') => self.line_comment(),
                '/' if next == Some('*') => self.block_comment(),
                '/' => match prev {
                    Prev::Operator | Prev::CloseParen { regex_after: true } => {
                        self.regex();
                        prev = Prev::Operand;
                    }
                    Prev::Ambiguous => {
                        self.ambiguous = Some("a `/` that may divide or start a regex");
                        return;
                    }
                    _ => {
                        self.i += 1;
                        prev = Prev::Operator;
                    }
                },
                '<' if self.starts_with("<!--") => self.line_comment(),
                '-' if self.starts_with("-->") && self.line_start() => self.line_comment(),
                '+' | '-' if next == Some(c) => {
                    self.i += 2;
                    prev = Prev::Ambiguous;
                }
                '\'' | '"' => {
                    self.string(c);
                    prev = Prev::Operand;
                }
                '`' => {
                    let tagged = matches!(prev, Prev::Operand | Prev::CloseParen { .. });
                    self.template(tagged);
                    prev = Prev::Operand;
                }
                '\\' => {
                    // A `\u0041` escape in a name.
                    if self.at(1) == Some(None) {
                        self.out.push(Context::Refused(Refusal::AfterBackslash));
                    }
                    self.i += 2;
                    prev = Prev::Operand;
                }
                '(' => {
                    parens.push(matches!(
                        after_word.as_str(),
                        "if" | "while" | "for" | "with"
                    ));
                    self.i += 1;
                    prev = Prev::Operator;
                }
                ')' => {
                    let regex_after = parens.pop().unwrap_or(false);
                    self.i += 1;
                    prev = Prev::CloseParen { regex_after };
                }
                ']' => {
                    self.i += 1;
                    prev = Prev::Operand;
                }
                '{' => {
                    braces += 1;
                    self.i += 1;
                    prev = Prev::Operator;
                }
                '}' if braces == 0 && substitution => {
                    self.i += 1;
                    return;
                }
                '}' => {
                    braces = braces.saturating_sub(1);
                    self.i += 1;
                    prev = Prev::Ambiguous;
                }
                _ => {
                    self.i += 1;
                    prev = Prev::Operator;
                }
            }
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.at(k) == Some(Some(c)))
    }

    fn line_comment(&mut self) {
        while let Some(item) = self.at(0) {
            match item {
                Some('\n' | '\r' | '\u{2028}' | '\u{2029}') => return,
                Some(_) => {}
                None => self.out.push(Context::Refused(Refusal::Comment)),
            }
            self.i += 1;
        }
    }

    fn block_comment(&mut self) {
        self.i += 2;
        while let Some(item) = self.at(0) {
            match item {
                Some('*') if self.at(1) == Some(Some('/')) => {
                    self.i += 2;
                    return;
                }
                Some(_) => {}
                None => self.out.push(Context::Refused(Refusal::Comment)),
            }
            self.i += 1;
        }
    }

    /// A regex literal from its `/` through its flags.
    fn regex(&mut self) {
        self.i += 1;
        let mut class = false;
        while self.running() {
            match self.items[self.i] {
                None => self.out.push(Context::Refused(Refusal::Regex)),
                Some('\\') => {
                    if self.at(1) == Some(None) {
                        self.out.push(Context::Refused(Refusal::Regex));
                    }
                    self.i += 1;
                }
                Some('[') => class = true,
                Some(']') => class = false,
                Some('/') if !class => {
                    self.i += 1;
                    while let Some(Some(c)) = self.at(0) {
                        if !c.is_alphanumeric() {
                            break;
                        }
                        self.i += 1;
                    }
                    if self.at(0) == Some(None) {
                        self.out.push(Context::Refused(Refusal::Regex));
                        self.i += 1;
                    }
                    return;
                }
                Some('\n' | '\r') => {
                    self.ambiguous = Some("an unterminated regex literal");
                    return;
                }
                Some(_) => {}
            }
            self.i += 1;
        }
    }

    fn string(&mut self, quote: char) {
        let kind = Context::Str(StrKind {
            lang: Lang::JavaScript,
            quote,
            triple: false,
            format: false,
        });
        self.i += 1;
        while self.running() {
            match self.items[self.i] {
                None => self.out.push(kind),
                Some('\\') => {
                    if self.at(1) == Some(None) {
                        self.out.push(Context::Refused(Refusal::AfterBackslash));
                    }
                    self.i += 1;
                }
                Some(c) if c == quote => {
                    self.i += 1;
                    return;
                }
                Some('\n' | '\r') => {
                    self.ambiguous = Some("an unterminated string");
                    return;
                }
                Some(_) => {}
            }
            self.i += 1;
        }
    }

    /// A template literal from its opening backquote; a tagged one's tag
    /// sees the escapes, so values are refused there.
    fn template(&mut self, tagged: bool) {
        let kind = if tagged {
            Context::Refused(Refusal::TaggedTemplate)
        } else {
            Context::Str(StrKind {
                lang: Lang::JavaScript,
                quote: '`',
                triple: false,
                format: false,
            })
        };
        self.i += 1;
        while self.running() {
            match self.items[self.i] {
                None => self.out.push(kind),
                Some('\\') => {
                    if self.at(1) == Some(None) {
                        self.out.push(Context::Refused(Refusal::AfterBackslash));
                    }
                    self.i += 1;
                }
                Some('`') => {
                    self.i += 1;
                    return;
                }
                Some('$') if self.at(1) == Some(Some('{')) => {
                    self.i += 2;
                    self.code(true);
                    continue;
                }
                Some(_) => {}
            }
            self.i += 1;
        }
    }
}
