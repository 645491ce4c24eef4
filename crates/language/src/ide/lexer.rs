//! A tolerant lexer and block structure for the editor.
//!
//! The parser gives up on the first syntax error, and a file being typed is
//! rarely valid. Completion, folding and highlighting still need to know
//! where they are, so this lexer never fails: it splits any text into
//! tokens (strings are split around their `${…}` interpolations, whose
//! contents are lexed as code), and [`Frame`]s describe which brace block
//! each token is in — a step of some kind, a block, a map, an interpolation.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident,
    /// A piece of string text, with its quotes when it starts or ends the string.
    Str,
    Number,
    Comment,
    /// `${` opening an interpolation.
    InterpOpen,
    /// `}` closing an interpolation.
    InterpClose,
    /// Punctuation or an operator (`{`, `:`, `==`, `..`, …).
    Punct,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub span: Range<usize>,
    /// The first token of its line, or the first after a `{` (a statement start).
    pub starts_statement: bool,
    /// Index into [`Lexed::frames`] of the innermost block around the token.
    pub frame: usize,
}

/// What a `{ … }` (or `${ … }`) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// Outside everything.
    File,
    Workflow,
    /// `step NAME: KIND { … }`
    Step {
        name: String,
        kind: String,
    },
    /// `if`, `else`, `parallel`, rollbacks, handlers: a body of steps.
    Block,
    /// `for each VAR in … { … }`
    ForEach {
        var: String,
    },
    /// `on failure { … }` at workflow level.
    FailureHandler,
    /// `on success { … }`, `finally { … }` and `on failure rollback { … }`:
    /// bodies outside the main graph.
    Region,
    Defaults,
    /// `outputs { name: type }`, or a gate's `inputs { name: type … }`
    /// (read as its outputs).
    Outputs,
    /// `env { … }`, `headers { … }`, or a map literal.
    Map,
    /// `params { … }` of a `sql` step: its keys are the query's `:name`s.
    SqlParams,
    /// `${ … }`
    Interp,
    /// `alert NAME { … }`
    Alert,
    /// `notify KIND { … }` in an alert.
    Notify {
        kind: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: FrameKind,
    pub parent: Option<usize>,
    /// From the opening brace to the closing one (or the end of the text).
    pub span: Range<usize>,
    /// Has its closing brace.
    pub closed: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub frames: Vec<Frame>,
}

impl Lexed {
    /// The frames around `frame`, innermost first, starting with itself.
    pub fn chain(&self, frame: usize) -> impl Iterator<Item = &Frame> + '_ {
        let mut cur = Some(frame);
        std::iter::from_fn(move || {
            let f = &self.frames[cur?];
            cur = f.parent;
            Some(f)
        })
    }

    /// The index of the first token that ends after `offset`.
    pub fn token_after(&self, offset: usize) -> usize {
        self.tokens.partition_point(|t| t.span.end <= offset)
    }

    /// The token that covers `offset` (touching counts for names).
    pub fn token_at(&self, offset: usize) -> Option<&Token> {
        let i = self.tokens.partition_point(|t| t.span.end < offset);
        self.tokens
            .get(i)
            .filter(|t| t.span.start <= offset && offset <= t.span.end)
    }

    /// The innermost frame holding `offset` (after its `{`, up to its `}`).
    pub fn frame_at(&self, offset: usize) -> usize {
        self.frames
            .iter()
            .rposition(|f| {
                f.span.start < offset
                    && (offset < f.span.end || (!f.closed && offset <= f.span.end))
            })
            .unwrap_or(0)
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of an identifier starting at `i` (`-` only between name characters).
pub fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if is_ident_char(bytes[i]) {
            i += 1;
        } else if bytes[i] == b'-' && bytes.get(i + 1).is_some_and(|&b| is_ident_char(b)) {
            i += 2;
        } else {
            break;
        }
    }
    i
}

enum Mode {
    Code { interp: bool, depth: usize },
    Str { triple: bool },
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    out: Lexed,
    /// Open frames (indices), innermost last.
    open: Vec<usize>,
    line_fresh: bool,
    /// Where the string being lexed opened (its first text token starts there).
    str_start: Option<usize>,
    /// The token that starts the current statement: a `{` looks only at
    /// the statement's first words, never scans back (a line of many
    /// braces would cost quadratic time).
    statement: usize,
}

pub fn lex(text: &str) -> Lexed {
    let mut lx = Lexer {
        text,
        bytes: text.as_bytes(),
        out: Lexed::default(),
        open: vec![0],
        line_fresh: true,
        str_start: None,
        statement: 0,
    };
    lx.out.frames.push(Frame {
        kind: FrameKind::File,
        parent: None,
        span: 0..text.len(),
        closed: false,
    });
    lx.run();
    let end = text.len();
    for &f in &lx.open[1..] {
        lx.out.frames[f].span.end = end;
    }
    lx.out
}

impl Lexer<'_> {
    fn push(&mut self, kind: Tok, span: Range<usize>) {
        let starts = self.line_fresh;
        self.line_fresh = false;
        if starts {
            self.statement = self.out.tokens.len();
        }
        self.out.tokens.push(Token {
            kind,
            span,
            starts_statement: starts,
            frame: *self.open.last().unwrap_or(&0),
        });
    }

    fn open_frame(&mut self, kind: FrameKind, start: usize) {
        let parent = self.open.last().copied();
        self.out.frames.push(Frame {
            kind,
            parent,
            span: start..self.text.len(),
            closed: false,
        });
        self.open.push(self.out.frames.len() - 1);
    }

    fn close_frame(&mut self, end: usize) {
        if self.open.len() > 1 {
            let f = self.open.pop().unwrap_or(0);
            self.out.frames[f].span.end = end;
            self.out.frames[f].closed = true;
        }
    }

    /// What the `{` about to be pushed opens, from the statement before it.
    fn classify_brace(&self) -> FrameKind {
        let toks = &self.out.tokens;
        let parent = self
            .open
            .last()
            .map_or(&FrameKind::File, |&f| &self.out.frames[f].kind);
        // The longest pattern below is an optional `}` and four words.
        let words: Vec<&str> = toks[self.statement.min(toks.len())..]
            .iter()
            .filter(|t| t.kind != Tok::Comment)
            .take(5)
            .map(|t| &self.text[t.span.clone()])
            .collect();
        let words = match words.as_slice() {
            ["}", rest @ ..] => rest,
            w => w,
        };
        match words {
            ["workflow", ..] => FrameKind::Workflow,
            ["step", name, ":", kind, ..] => FrameKind::Step {
                name: name.to_string(),
                kind: kind.to_string(),
            },
            ["step", name, ..] => FrameKind::Step {
                name: name.to_string(),
                kind: String::new(),
            },
            ["outputs"] => FrameKind::Outputs,
            ["inputs"] if matches!(parent, FrameKind::Step { kind, .. } if kind == "gate") => {
                FrameKind::Outputs
            }
            ["defaults"] => FrameKind::Defaults,
            ["on", "failure"] if *parent == FrameKind::Workflow => FrameKind::FailureHandler,
            ["on", "failure", "rollback"] | ["on", "success"] | ["finally"] => FrameKind::Region,
            ["on", ..] | ["if", ..] | ["else", ..] | ["parallel", ..] | ["sequence", ..] => {
                FrameKind::Block
            }
            ["for", "each", var, ..] => FrameKind::ForEach {
                var: var.to_string(),
            },
            ["alert", ..] if *parent == FrameKind::Workflow => FrameKind::Alert,
            ["notify", kind, ..] if *parent == FrameKind::Alert => FrameKind::Notify {
                kind: kind.to_string(),
            },
            ["params"] if matches!(parent, FrameKind::Step { kind, .. } if kind == "sql") => {
                FrameKind::SqlParams
            }
            _ => match parent {
                FrameKind::Step { .. }
                | FrameKind::Notify { .. }
                | FrameKind::Map
                | FrameKind::SqlParams
                | FrameKind::Interp
                | FrameKind::Outputs
                | FrameKind::Defaults => FrameKind::Map,
                _ if words.len() == 1 => FrameKind::Map, // `env {`
                _ => FrameKind::Block,
            },
        }
    }

    fn run(&mut self) {
        let mut modes = vec![Mode::Code {
            interp: false,
            depth: 0,
        }];
        let mut i = 0;
        let n = self.bytes.len();
        while i < n {
            match modes.last_mut() {
                Some(Mode::Str { triple }) => {
                    let triple = *triple;
                    let start = self.str_start.take().unwrap_or(i);
                    let mut closed = false;
                    let mut interp = false;
                    while i < n {
                        let b = self.bytes[i];
                        if triple && self.bytes[i..].starts_with(b"\"\"\"") {
                            i += 3;
                            closed = true;
                            break;
                        } else if !triple && b == b'"' {
                            i += 1;
                            closed = true;
                            break;
                        } else if !triple && b == b'\n' {
                            closed = true; // an unterminated string ends at the line
                            break;
                        } else if b == b'\\' {
                            i = (i + 2).min(n);
                        } else if self.bytes[i..].starts_with(b"${") {
                            interp = true;
                            break;
                        } else {
                            i += 1;
                        }
                    }
                    while !self.text.is_char_boundary(i) {
                        i += 1;
                    }
                    if i > start {
                        self.push(Tok::Str, start..i);
                    }
                    if interp {
                        self.push(Tok::InterpOpen, i..i + 2);
                        self.open_frame(FrameKind::Interp, i);
                        i += 2;
                        modes.push(Mode::Code {
                            interp: true,
                            depth: 0,
                        });
                    } else if closed || i >= n {
                        modes.pop();
                    }
                }
                Some(Mode::Code { interp, depth }) => {
                    let b = self.bytes[i];
                    match b {
                        b'\n' => {
                            self.line_fresh = true;
                            i += 1;
                        }
                        b' ' | b'\t' | b'\r' => i += 1,
                        b'#' => {
                            let end = self.text[i..].find('\n').map_or(n, |e| i + e);
                            let fresh = self.line_fresh;
                            self.push(Tok::Comment, i..end);
                            self.line_fresh = fresh;
                            i = end;
                        }
                        b'"' => {
                            let triple = self.text[i..].starts_with("\"\"\"");
                            let start = i;
                            i += if triple { 3 } else { 1 };
                            // The opening quote joins the first text token.
                            modes.push(Mode::Str { triple });
                            self.str_start = Some(start);
                        }
                        b'{' => {
                            if *interp {
                                *depth += 1;
                                self.push(Tok::Punct, i..i + 1);
                                self.open_frame(FrameKind::Map, i);
                            } else {
                                let kind = self.classify_brace();
                                self.push(Tok::Punct, i..i + 1);
                                self.open_frame(kind, i);
                            }
                            self.line_fresh = true;
                            i += 1;
                        }
                        b'}' => {
                            if *interp && *depth == 0 {
                                modes.pop();
                                self.push(Tok::InterpClose, i..i + 1);
                            } else {
                                if *interp {
                                    *depth -= 1;
                                }
                                self.push(Tok::Punct, i..i + 1);
                            }
                            self.close_frame(i + 1);
                            i += 1;
                        }
                        _ if is_ident_start(b) => {
                            let end = ident_end(self.bytes, i);
                            self.push(Tok::Ident, i..end);
                            i = end;
                        }
                        _ if b.is_ascii_digit() => {
                            let mut end = i;
                            while end < n
                                && (self.bytes[end].is_ascii_alphanumeric()
                                    || (self.bytes[end] == b'.'
                                        && self.bytes.get(end + 1).is_some_and(u8::is_ascii_digit)))
                            {
                                end += 1;
                            }
                            self.push(Tok::Number, i..end);
                            i = end;
                        }
                        _ => {
                            let two = self.text.get(i..i + 2).unwrap_or("");
                            let len =
                                if matches!(two, ".." | "==" | "!=" | "<=" | ">=" | "&&" | "||") {
                                    2
                                } else {
                                    self.text[i..].chars().next().map_or(1, char::len_utf8)
                                };
                            self.push(Tok::Punct, i..i + len);
                            i += len;
                        }
                    }
                }
                None => break,
            }
        }
    }
}
