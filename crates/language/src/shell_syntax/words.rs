//! The words and simple commands of a `run` template, read along with the
//! [`Scanner`] so that both agree on every quote: what [`super::bash`]
//! needs to know which command gets which word, and which text bash reads
//! as arithmetic (`$((…))`, `((…))`, `$[…]`) or inside a `${…}`.
//!
//! Each level of commands (the top, and each `$(…)`) splits its text into
//! words at unquoted blanks and into simple commands at `;`, `&`, `|`, a
//! newline and parentheses (except inside `[[ … ]]`, which is one command
//! up to its `]]`). The word after a redirection operator is marked as its
//! target; here-document bodies and comments are no words. Backquoted
//! commands are not read (a value there is refused anyway).

use super::scanner::{Frame, Scanner};
use super::Segment;
use std::mem::take;

/// Where a character of the template is: its text segment, and the byte
/// offset in that segment's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub segment: usize,
    pub offset: usize,
}

/// How a character is quoted where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quoting {
    Bare,
    /// Inside `"…"`: `$` still expands.
    Double,
    /// Inside `'…'` or `$'…'`, or after a backslash: plain text.
    Literal,
    /// A quote or a backslash itself.
    Mark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Item {
    Char {
        c: char,
        at: Pos,
        quoting: Quoting,
    },
    /// A value: its index among the template's values.
    Value(usize),
    /// A value inside a command substitution in the word (`n=$(f ${x})`).
    Inner(usize),
    /// A nested command substitution or arithmetic, opaque at this level.
    Nested,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Word {
    pub items: Vec<Item>,
    /// The target of a redirection (`> FILE`, `<<< TEXT`), not an argument.
    pub redirect: bool,
    /// An element of an array literal, `a=( … )`.
    pub element: bool,
    /// A redirection target's operator: `<`, `>>`, `<<<`…
    pub op: String,
}

impl Word {
    /// The word's text when it is all unquoted characters.
    pub fn plain(&self) -> Option<String> {
        self.items
            .iter()
            .map(|i| match i {
                Item::Char {
                    c,
                    quoting: Quoting::Bare,
                    ..
                } => Some(*c),
                _ => None,
            })
            .collect()
    }

    pub fn is(&self, text: &str) -> bool {
        self.plain().as_deref() == Some(text)
    }

    /// Starts with an unquoted `-` or `+` (an option of most builtins).
    pub fn is_option(&self) -> bool {
        matches!(
            self.items.first(),
            Some(Item::Char {
                c: '-' | '+',
                quoting: Quoting::Bare,
                ..
            })
        )
    }
}

pub(super) type Command = Vec<Word>;

#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// Every simple command, each as its words.
    pub commands: Vec<Command>,
    /// Per command: the command whose output it reads through a `|`.
    pub piped_from: Vec<Option<usize>>,
    /// The functions the command defines (`f() …`, `function f …`).
    pub functions: Vec<String>,
    /// The text of each arithmetic expression: `$((…))`, `((…))`, `$[…]`.
    pub arithmetic: Vec<Vec<Item>>,
    /// The text between the braces of each `${…}`.
    pub expansions: Vec<Vec<Item>>,
}

/// Reads `template` up to its first `raw(…)` (whose text is not known).
pub(super) fn parse(template: &[Segment<'_>]) -> Parsed {
    let mut r = Reader {
        scan: Scanner::new(),
        slots: vec![Slot::Level(Level::default())],
        out: Parsed::default(),
    };
    let mut values = 0;
    for (segment, seg) in template.iter().enumerate() {
        match *seg {
            Segment::Text(t) => {
                for (offset, c) in t.char_indices() {
                    r.char(c, Pos { segment, offset });
                }
            }
            Segment::Value(_) => {
                r.value(values);
                values += 1;
            }
            Segment::Raw(_) => break,
        }
    }
    r.finish_from(0);
    r.out
}

/// One level of commands (the top, or a `$(…)`).
#[derive(Debug, Default)]
struct Level {
    words: Command,
    word: Word,
    /// Inside `[[ … ]]`: `&&`, `||`, `(`, `)`, `<`, `>` are no separators.
    dbracket: bool,
    /// The next word is a redirection's target.
    redirect_next: bool,
    /// Inside an array literal `a=( … )`: its words are elements.
    array: bool,
    /// A `&` was read: a separator, unless a `>` follows (`&>`).
    amp: bool,
    /// The last structural character, for `>&`.
    last: char,
    /// The redirection operator read since the last word.
    op: String,
    /// The current command reads the output of this one (a `|` before it).
    piped_from: Option<usize>,
    /// The word before a `(`: a function's name if `)` follows.
    function: Option<String>,
}

impl Level {
    fn end_word(&mut self) {
        let mut word = take(&mut self.word);
        if word.items.is_empty() {
            return;
        }
        word.redirect = take(&mut self.redirect_next);
        if word.redirect {
            word.op = take(&mut self.op);
        }
        word.element = self.array;
        if !word.redirect && !word.element {
            if word.is("]]") {
                self.dbracket = false;
            } else if word.is("[[") && self.words.iter().all(is_reserved) {
                self.dbracket = true;
            }
        }
        self.words.push(word);
    }

    /// Ends the command; returns its index in `out`, if it had words.
    fn end_command(&mut self, out: &mut Parsed) -> Option<usize> {
        self.end_word();
        self.dbracket = false;
        self.redirect_next = false;
        self.array = false;
        self.op.clear();
        let from = self.piped_from.take();
        if self.words.is_empty() {
            return None;
        }
        out.commands.push(take(&mut self.words));
        out.piped_from.push(from);
        Some(out.commands.len() - 1)
    }

    /// A `&` read before this character: `&>` redirects, else it separated.
    fn settle_amp(&mut self, next: char, out: &mut Parsed) {
        if take(&mut self.amp) && next != '>' && !self.dbracket {
            self.end_command(out);
        }
    }

    /// The current word goes to `echo`, `printf` or a here-string: what
    /// the command prints is (or holds) it.
    fn echoes(&self) -> bool {
        if self.redirect_next && self.op == "<<<" {
            return true;
        }
        let name = self.words.iter().find(|w| {
            !w.redirect
                && !matches!(w.items.iter().position(|i| matches!(i, Item::Char { c: '=', quoting: Quoting::Bare, .. })), Some(k) if k > 0)
        });
        matches!(
            name.and_then(Word::plain).as_deref(),
            Some("echo" | "printf")
        )
    }

    /// The name before a `(` that may define a function: `f(`, `f (`.
    fn function_name(&self) -> Option<String> {
        let (name, before) = match self.word.items.is_empty() {
            false => (&self.word, &self.words[..]),
            true => self.words.split_last()?,
        };
        (is_name(name) && before.iter().all(is_reserved))
            .then(|| name.plain())
            .flatten()
    }

    fn push(&mut self, item: Item) {
        if item == Item::Nested && self.word.items.last() == Some(&Item::Nested) {
            return;
        }
        self.word.items.push(item);
    }
}

/// A plain word that is a name.
fn is_name(w: &Word) -> bool {
    w.plain().is_some_and(|t| {
        t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    })
}

/// A word so far `NAME=` (or `NAME+=`), before an array literal's `(`.
fn ends_with_eq(w: &Word) -> bool {
    matches!(
        w.items.last(),
        Some(Item::Char {
            c: '=',
            quoting: Quoting::Bare,
            ..
        })
    ) && matches!(
        w.items.first(),
        Some(Item::Char { c, quoting: Quoting::Bare, .. }) if c.is_ascii_alphabetic() || *c == '_'
    )
}

/// Words that may stand before a command's name.
pub(super) fn is_reserved(w: &Word) -> bool {
    matches!(
        w.plain().as_deref(),
        Some("!" | "{" | "if" | "then" | "elif" | "else" | "while" | "until" | "do" | "time")
    )
}

/// What is kept per scanner frame.
#[derive(Debug)]
enum Slot {
    Level(Level),
    Arith(Vec<Item>),
    Brace(Vec<Item>),
    /// Quotes, backquotes, comments: their characters go to the slots below.
    Other,
}

fn same_kind(slot: &Slot, frame: &Frame) -> bool {
    match (slot, frame) {
        (Slot::Level(_), Frame::Bare { .. })
        | (Slot::Arith(_), Frame::Arith { .. })
        | (Slot::Brace(_), Frame::Brace { .. }) => true,
        (Slot::Other, f) => !matches!(
            f,
            Frame::Bare { .. } | Frame::Arith { .. } | Frame::Brace { .. }
        ),
        _ => false,
    }
}

fn slot_for(frame: &Frame) -> Slot {
    match frame {
        Frame::Bare { .. } => Slot::Level(Level::default()),
        Frame::Arith { .. } => Slot::Arith(Vec::new()),
        Frame::Brace { .. } => Slot::Brace(Vec::new()),
        _ => Slot::Other,
    }
}

struct Reader {
    scan: Scanner,
    /// One per frame of the scanner's stack.
    slots: Vec<Slot>,
    out: Parsed,
}

impl Reader {
    fn char(&mut self, c: char, at: Pos) {
        let frames: Vec<Frame> = self.scan.frames().to_vec();
        let escaped = self.scan.escaped();
        let in_body = self.scan.in_heredoc_body();
        let at_delim = self.scan.at_heredoc_delimiter();
        let closing = self.scan.closing();
        self.scan.feed(c);
        if in_body {
            return;
        }
        if at_delim && self.scan.at_heredoc_delimiter() {
            // The delimiter word of `<<`: no argument.
            if let Some(level) = self.level_mut() {
                level.redirect_next = false;
            }
            return;
        }
        let top = *frames.last().expect("never empty");
        if top == Frame::Comment {
            if c == '\n' {
                self.with_level(|l, out| {
                    l.end_command(out);
                });
            }
        } else if matches!(top, Frame::Bare { .. }) {
            if !(closing && c == ')') {
                self.bare(c, at, escaped);
            }
        } else {
            self.nested(c, at, top, escaped);
        }
        self.sync();
    }

    /// A character read at a level of commands itself.
    fn bare(&mut self, c: char, at: Pos, escaped: bool) {
        let opened = self.scan.frames().len();
        let after_top = *self.scan.frames().last().expect("never empty");
        let frames_before = self.slots.len();
        let Some(Slot::Level(level)) = self.slots.last_mut() else {
            return;
        };
        let out = &mut self.out;
        level.settle_amp(c, out);
        let ch = |quoting| Item::Char { c, at, quoting };
        if escaped {
            if c != '\n' {
                level.push(ch(Quoting::Literal));
            }
            return;
        }
        // Something opened here: `$(`, `$((`, `${`, `$[`, a quote, a comment.
        if opened > frames_before {
            match after_top {
                Frame::Comment => level.end_word(),
                Frame::Bare { .. } | Frame::Arith { .. } | Frame::Backtick => {
                    level.push(Item::Nested)
                }
                Frame::Brace { .. } => level.push(ch(Quoting::Bare)),
                _ => level.push(ch(Quoting::Mark)),
            }
            return;
        }
        let dbracket = level.dbracket;
        match c {
            ' ' | '\t' => {
                level.end_word();
                // `function f {`: the body's commands are commands.
                if level.words.len() == 3 && level.words[0].is("function") && level.words[2].is("{")
                {
                    let brace = level.words.pop().expect("three words");
                    level.end_command(out);
                    level.words.push(brace);
                }
            }
            '\n' | ';' => {
                level.end_command(out);
            }
            '|' if dbracket => level.end_word(),
            '|' if level.last == '>' => {}
            // `a | b`: b reads a's output; `a || b` does not.
            '|' => {
                let ended = level.end_command(out);
                level.piped_from = if level.last == '|' { None } else { ended };
            }
            '&' => {
                level.end_word();
                if !matches!(level.last, '<' | '>') {
                    level.amp = true;
                }
            }
            '<' | '>' => {
                // `2>`: the digits name a descriptor, no word.
                if !level.word.items.is_empty()
                    && level
                        .word
                        .plain()
                        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
                {
                    level.word.items.clear();
                }
                level.end_word();
                if !matches!(level.last, '<' | '>') {
                    level.op.clear();
                }
                level.op.push(c);
                level.redirect_next = !dbracket;
            }
            // `a=(`, `a+=(`: an array literal, part of the command.
            '(' if !level.array && ends_with_eq(&level.word) => {
                level.end_word();
                level.array = true;
            }
            ')' if level.array => {
                level.end_word();
                level.array = false;
            }
            '(' | ')' if dbracket => {
                level.end_word();
                level.push(ch(Quoting::Bare));
                level.end_word();
            }
            // `NAME()`: a function's definition.
            '(' if level.function_name().is_some() => {
                level.function = level.function_name();
                level.end_command(out);
            }
            ')' if level.last == '(' && level.function.is_some() => {
                out.functions.extend(level.function.take());
            }
            '(' | ')' => {
                level.function = None;
                level.end_command(out);
            }
            '\\' => level.push(ch(Quoting::Mark)),
            _ => level.push(ch(Quoting::Bare)),
        }
        level.last = c;
    }

    /// A character inside quotes, `${…}`, arithmetic or backquotes: it
    /// goes to every `${…}` and arithmetic it is in, and to the word of its
    /// level of commands (as [`Item::Nested`] from arithmetic or backquotes).
    fn nested(&mut self, c: char, at: Pos, top: Frame, escaped: bool) {
        let quoting = match top {
            _ if escaped => Quoting::Literal,
            Frame::Double if matches!(c, '"' | '\\') => Quoting::Mark,
            Frame::Single if c == '\'' => Quoting::Mark,
            Frame::DollarSingle if matches!(c, '\'' | '\\') => Quoting::Mark,
            Frame::Double => Quoting::Double,
            Frame::Single | Frame::DollarSingle => Quoting::Literal,
            _ => Quoting::Bare,
        };
        let item = Item::Char { c, at, quoting };
        let Some(b) = self.slots.iter().rposition(|s| matches!(s, Slot::Level(_))) else {
            return;
        };
        let mut opaque = top == Frame::Backtick;
        for slot in &mut self.slots[b + 1..] {
            match slot {
                Slot::Arith(items) => {
                    items.push(item);
                    opaque = true;
                }
                Slot::Brace(items) => items.push(item),
                Slot::Level(_) | Slot::Other => {}
            }
        }
        self.push_at(b, if opaque { Item::Nested } else { item });
    }

    fn push_at(&mut self, level: usize, item: Item) {
        if let Slot::Level(l) = &mut self.slots[level] {
            l.push(item);
        }
    }

    fn value(&mut self, index: usize) {
        use super::Context;
        let context = self.scan.context();
        let Some(b) = self.slots.iter().rposition(|s| matches!(s, Slot::Level(_))) else {
            return;
        };
        if let Slot::Level(l) = &mut self.slots[b] {
            l.settle_amp('v', &mut self.out);
        }
        // Elsewhere a value is refused already (E0166).
        if matches!(
            context,
            Context::Bare | Context::DoubleQuoted | Context::SingleQuoted
        ) {
            self.push_at(b, Item::Value(index));
        }
        // A `$(…)` that echoes the value (`$(echo ${x})`) hands it to the
        // words and arithmetic around it.
        let echoes = matches!(&self.slots[b], Slot::Level(l) if l.echoes());
        if echoes {
            for slot in &mut self.slots[..b] {
                match slot {
                    Slot::Level(l) => l.push(Item::Inner(index)),
                    Slot::Arith(items) | Slot::Brace(items) => items.push(Item::Inner(index)),
                    Slot::Other => {}
                }
            }
        }
        self.scan.after_value();
    }

    fn level_mut(&mut self) -> Option<&mut Level> {
        self.slots.iter_mut().rev().find_map(|s| match s {
            Slot::Level(l) => Some(l),
            _ => None,
        })
    }

    fn with_level(&mut self, f: impl FnOnce(&mut Level, &mut Parsed)) {
        let out = &mut self.out;
        if let Some(l) = self.slots.iter_mut().rev().find_map(|s| match s {
            Slot::Level(l) => Some(l),
            _ => None,
        }) {
            f(l, out);
        }
    }

    /// Makes the slots follow the scanner's frames again.
    fn sync(&mut self) {
        let frames = self.scan.frames();
        let same = self
            .slots
            .iter()
            .zip(frames)
            .take_while(|(s, f)| same_kind(s, f))
            .count();
        let new: Vec<Slot> = frames[same..].iter().map(slot_for).collect();
        self.finish_from(same);
        self.slots.extend(new);
    }

    /// Ends the slots from `from` up, innermost first.
    fn finish_from(&mut self, from: usize) {
        while self.slots.len() > from {
            match self.slots.pop().expect("checked") {
                Slot::Level(mut l) => {
                    l.end_command(&mut self.out);
                }
                Slot::Arith(items) => self.out.arithmetic.push(items),
                Slot::Brace(items) => self.out.expansions.push(items),
                Slot::Other => {}
            }
        }
    }
}
