//! The scanner behind [`super::ShellCommand`]: reads literal command text
//! the way a POSIX shell does (quotes, backslashes, `$(…)`, `${…}`,
//! backquotes, comments, here-documents, arithmetic) and knows, at every
//! point, the quoting context a value would land in.

use super::Context;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Frame {
    /// Top level (`subst: false`) or inside `$(…)`; `parens` counts open `(`.
    Bare {
        subst: bool,
        parens: u32,
    },
    Double,
    Single,
    DollarSingle,
    /// `${…}`; `depth` counts nested `{`.
    Brace {
        depth: u32,
    },
    Backtick,
    Comment,
    /// `$((…))` or `((…))`; `parens` counts open `(` inside. With
    /// `bracket`, bash's old `$[…]`, and `parens` counts open `[`.
    Arith {
        parens: u32,
        bracket: bool,
    },
}

/// What the previous character opened, when a `(` right after it starts
/// arithmetic instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opened {
    /// `$(`: with a second `(`, `$((`.
    Subst,
    /// An unquoted `(`: with a second one, `((`.
    Paren,
}

/// Reading the delimiter word after `<<` / `<<-`.
#[derive(Clone, Debug, Default)]
struct Delim {
    strip_tabs: bool,
    word: String,
    started: bool,
    quote: Option<char>,
    escape: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Scanner {
    stack: Vec<Frame>,
    /// The previous character was an unescaped backslash.
    escape: bool,
    /// The previous character was an unescaped `$` that starts an expansion.
    pub(super) dollar: bool,
    /// At the start of a word (a `#` here starts a comment).
    word_start: bool,
    /// Consecutive unquoted `<` just read.
    lt: u8,
    delim: Option<Delim>,
    /// Here-documents announced on the current line: (delimiter, strip tabs).
    pending: Vec<(String, bool)>,
    /// Inside here-document bodies: the delimiters still to meet, and the current line.
    body: Vec<(String, bool)>,
    line: String,
    /// The previous character opened this (see [`Opened`]).
    opened: Option<Opened>,
    /// Arithmetic just ended at its first `)`: the next `)` is its second.
    closing: bool,
}

impl Scanner {
    pub(super) fn new() -> Self {
        Scanner {
            stack: vec![Frame::Bare {
                subst: false,
                parens: 0,
            }],
            escape: false,
            dollar: false,
            word_start: true,
            lt: 0,
            delim: None,
            pending: Vec::new(),
            body: Vec::new(),
            line: String::new(),
            opened: None,
            closing: false,
        }
    }

    fn top(&self) -> Frame {
        *self
            .stack
            .last()
            .expect("the scanner's stack is never empty")
    }

    pub(super) fn context(&self) -> Context {
        if !self.body.is_empty() || self.delim.is_some() || self.lt == 2 {
            return Context::HereDocument;
        }
        let context = match self.top() {
            Frame::Single => Context::SingleQuoted,
            Frame::Comment => Context::Comment,
            Frame::DollarSingle => Context::DollarSingleQuoted,
            Frame::Backtick => Context::Backquoted,
            Frame::Arith { .. } => Context::Arithmetic,
            _ if self.escape => Context::AfterBackslash,
            Frame::Brace { .. } => Context::ParamExpansion,
            Frame::Bare { .. } => Context::Bare,
            Frame::Double => Context::DoubleQuoted,
        };
        // Quotes inside arithmetic are still arithmetic, and quotes inside
        // `${…}` still its expansion (a `$(…)` in either is neither): the
        // shell expands their text again — `"${v:-'$(cmd)'}"` and
        // `$(( '$(cmd)' ))` run `cmd`, single quotes and all.
        let around = self.stack.iter().rev().find_map(|f| match f {
            Frame::Arith { .. } => Some(Context::Arithmetic),
            Frame::Brace { .. } => Some(Context::ParamExpansion),
            Frame::Bare { .. } => Some(Context::Bare),
            _ => None,
        });
        match (context, around) {
            (Context::DoubleQuoted | Context::SingleQuoted, Some(c)) if c != Context::Bare => c,
            (c, _) => c,
        }
    }

    /// What [`super::words`] reads along: the frames, innermost last.
    pub(super) fn frames(&self) -> &[Frame] {
        &self.stack
    }

    /// The next character is escaped by a backslash.
    pub(super) fn escaped(&self) -> bool {
        self.escape
    }

    /// Inside a here-document's body: no command words.
    pub(super) fn in_heredoc_body(&self) -> bool {
        !self.body.is_empty()
    }

    /// Reading a here-document's delimiter word, or right after `<<`.
    pub(super) fn at_heredoc_delimiter(&self) -> bool {
        self.delim.is_some() || self.lt == 2
    }

    /// The next `)` is arithmetic's second closing one, read as nothing.
    pub(super) fn closing(&self) -> bool {
        self.closing
    }

    pub(super) fn after_value(&mut self) {
        self.dollar = false;
        self.opened = None;
        self.closing = false;
        self.lt = 0;
        if matches!(self.top(), Frame::Bare { .. }) {
            self.word_start = false;
        }
    }

    pub(super) fn feed(&mut self, c: char) {
        if !self.body.is_empty() {
            return self.feed_body(c);
        }
        if self.delim.is_some() {
            if self.feed_delim(c) {
                return;
            }
        } else if self.lt == 2 && c != '<' && matches!(self.top(), Frame::Bare { .. }) {
            // `<<` (not `<<<`): a here-document operator; its delimiter follows.
            self.lt = 0;
            self.delim = Some(Delim {
                strip_tabs: c == '-',
                ..Delim::default()
            });
            if c == '-' || self.feed_delim(c) {
                return;
            }
        }
        let dollar = std::mem::replace(&mut self.dollar, false);
        let opened = self.opened.take();
        if std::mem::take(&mut self.closing) && c == ')' {
            return;
        }
        if c != '<' {
            self.lt = 0;
        }
        match self.top() {
            Frame::Comment => {
                if c == '\n' {
                    self.stack.pop();
                    self.newline();
                }
            }
            Frame::Single => {
                if c == '\'' {
                    self.stack.pop();
                }
            }
            Frame::DollarSingle | Frame::Backtick => {
                let close = if self.top() == Frame::Backtick {
                    '`'
                } else {
                    '\''
                };
                if self.escape {
                    self.escape = false;
                } else if c == '\\' {
                    self.escape = true;
                } else if c == close {
                    self.stack.pop();
                }
            }
            Frame::Double => {
                if self.escape {
                    self.escape = false;
                    return;
                }
                match c {
                    '\\' => self.escape = true,
                    '"' => {
                        self.stack.pop();
                    }
                    '`' => self.stack.push(Frame::Backtick),
                    '$' => self.dollar = !dollar,
                    '(' if dollar => self.push_subst(),
                    '{' if dollar => self.stack.push(Frame::Brace { depth: 0 }),
                    '[' if dollar => self.push_bracket_arith(),
                    _ => {}
                }
            }
            Frame::Brace { depth } => {
                if self.feed_nested(c, dollar) {
                    return;
                }
                match c {
                    '{' => self.set_top(Frame::Brace { depth: depth + 1 }),
                    '}' if depth == 0 => {
                        self.stack.pop();
                    }
                    '}' => self.set_top(Frame::Brace { depth: depth - 1 }),
                    _ => {}
                }
            }
            Frame::Arith { parens, bracket } => self.feed_arith(c, dollar, parens, bracket),
            Frame::Bare { subst, parens } => self.feed_bare(c, dollar, opened, subst, parens),
        }
    }

    /// What `${…}` and arithmetic do alike: the character after a `\`,
    /// quotes, a backquote, `$`, and the `$(` or `${` it opens. Returns
    /// whether `c` was one of those.
    fn feed_nested(&mut self, c: char, dollar: bool) -> bool {
        if self.escape {
            self.escape = false;
            return true;
        }
        match c {
            '\\' => self.escape = true,
            '\'' => self.stack.push(Frame::Single),
            '"' => self.stack.push(Frame::Double),
            '`' => self.stack.push(Frame::Backtick),
            '$' => self.dollar = !dollar,
            '(' if dollar => self.push_subst(),
            '{' if dollar => self.stack.push(Frame::Brace { depth: 0 }),
            '[' if dollar => self.push_bracket_arith(),
            _ => return false,
        }
        true
    }

    fn feed_arith(&mut self, c: char, dollar: bool, parens: u32, bracket: bool) {
        if self.feed_nested(c, dollar) {
            return;
        }
        let (open, close) = if bracket { ('[', ']') } else { ('(', ')') };
        let set = |parens| Frame::Arith { parens, bracket };
        match c {
            _ if c == open => self.set_top(set(parens + 1)),
            _ if c == close && parens > 0 => self.set_top(set(parens - 1)),
            _ if c == close => {
                self.stack.pop();
                // `))` ends in two characters, `]` in one.
                self.closing = !bracket;
            }
            _ => {}
        }
    }

    fn feed_bare(
        &mut self,
        c: char,
        dollar: bool,
        opened: Option<Opened>,
        subst: bool,
        parens: u32,
    ) {
        if self.escape {
            self.escape = false;
            self.word_start = false;
            return;
        }
        let mut word_start = false;
        match c {
            // `$((` and `((`: the `(` just read was arithmetic's first.
            '(' if opened == Some(Opened::Subst) => self.set_top(Frame::Arith {
                parens: 0,
                bracket: false,
            }),
            '(' if opened == Some(Opened::Paren) => {
                self.set_top(Frame::Bare {
                    subst,
                    parens: parens - 1,
                });
                self.stack.push(Frame::Arith {
                    parens: 0,
                    bracket: false,
                });
            }
            '\\' => self.escape = true,
            '\'' if dollar => self.stack.push(Frame::DollarSingle),
            '\'' => self.stack.push(Frame::Single),
            '"' => self.stack.push(Frame::Double),
            '`' => self.stack.push(Frame::Backtick),
            '$' => self.dollar = !dollar,
            '(' if dollar => {
                self.push_subst();
                word_start = true;
            }
            '{' if dollar => self.stack.push(Frame::Brace { depth: 0 }),
            '[' if dollar => self.push_bracket_arith(),
            '(' => {
                self.set_top(Frame::Bare {
                    subst,
                    parens: parens + 1,
                });
                self.opened = Some(Opened::Paren);
                word_start = true;
            }
            ')' if parens > 0 => {
                self.set_top(Frame::Bare {
                    subst,
                    parens: parens - 1,
                });
                word_start = true;
            }
            ')' if subst => {
                self.stack.pop();
            }
            '#' if self.word_start => self.stack.push(Frame::Comment),
            '\n' => {
                self.newline();
                return;
            }
            '<' => {
                self.lt = self.lt.saturating_add(1);
                word_start = true;
            }
            ' ' | '\t' | ';' | '&' | '|' | '>' | ')' => word_start = true,
            _ => {}
        }
        self.word_start = word_start;
    }

    fn push_subst(&mut self) {
        self.stack.push(Frame::Bare {
            subst: true,
            parens: 0,
        });
        self.opened = Some(Opened::Subst);
    }

    /// bash's `$[…]`: arithmetic (dash leaves it as text; refusing a value
    /// there is safe under both).
    fn push_bracket_arith(&mut self) {
        self.stack.push(Frame::Arith {
            parens: 0,
            bracket: true,
        });
    }

    fn set_top(&mut self, frame: Frame) {
        *self.stack.last_mut().expect("never empty") = frame;
    }

    /// An unquoted newline: here-documents announced on this line start.
    fn newline(&mut self) {
        self.word_start = true;
        if !self.pending.is_empty() {
            self.body = std::mem::take(&mut self.pending);
            self.body.reverse(); // popped from the end, first announced first
        }
    }

    fn feed_body(&mut self, c: char) {
        if c != '\n' {
            self.line.push(c);
            return;
        }
        let (delim, strip) = self.body.last().expect("in a body").clone();
        let line = if strip {
            self.line.trim_start_matches('\t')
        } else {
            &self.line
        };
        if line == delim {
            self.body.pop();
        }
        self.line.clear();
    }

    /// Feeds one character of a here-document delimiter word; false when the
    /// word ended before `c` (which is then read normally).
    fn feed_delim(&mut self, c: char) -> bool {
        let d = self.delim.as_mut().expect("reading a delimiter");
        if d.escape {
            d.escape = false;
            d.word.push(c);
            return true;
        }
        if let Some(q) = d.quote {
            if c == q {
                d.quote = None;
            } else {
                d.word.push(c);
            }
            return true;
        }
        match c {
            ' ' | '\t' if !d.started => true,
            '\\' => {
                d.started = true;
                d.escape = true;
                true
            }
            '\'' | '"' => {
                d.started = true;
                d.quote = Some(c);
                true
            }
            ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                let d = self.delim.take().expect("reading a delimiter");
                self.pending.push((d.word, d.strip_tabs));
                false
            }
            _ => {
                d.started = true;
                d.word.push(c);
                true
            }
        }
    }
}
