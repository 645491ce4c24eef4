//! The Python lexer of [`super::value_contexts`]: strings (every prefix,
//! single and triple quotes), comments, f-string replacement fields.

use super::{refuse_rest, Context, Item, Lang, Refusal, StrKind};

pub(super) fn contexts(items: &[Item]) -> Vec<Context> {
    let mut lx = Lexer {
        items,
        i: 0,
        out: Vec::new(),
        ambiguous: None,
    };
    lx.code(None);
    if let Some(why) = lx.ambiguous {
        refuse_rest(&items[lx.i.min(items.len())..], &mut lx.out, why);
    }
    lx.out
}

/// The f-string a replacement field belongs to.
#[derive(Clone, Copy)]
struct Outer {
    quote: char,
    triple: bool,
}

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

    fn stop(&mut self, why: &'static str) {
        self.ambiguous = Some(why);
    }

    fn running(&self) -> bool {
        self.ambiguous.is_none() && self.i < self.items.len()
    }

    /// Code; inside an f-string's `{…}` when `field` is set, up to and
    /// including its closing `}`.
    fn code(&mut self, field: Option<Outer>) {
        let mut word = String::new();
        let mut depth = 0u32;
        while self.running() {
            let Some(c) = self.items[self.i] else {
                self.out.push(match field {
                    Some(_) => Context::Refused(Refusal::FormatField),
                    None => Context::Code,
                });
                self.i += 1;
                word.clear();
                continue;
            };
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                self.i += 1;
                continue;
            }
            let prefix = std::mem::take(&mut word);
            match c {
                '#' if field.is_some() => return self.stop("a comment inside an f-string's `{…}`"),
                '\\' if field.is_some() => {
                    return self.stop("a backslash inside an f-string's `{…}`")
                }
                '\n' if field.is_some_and(|o| !o.triple) => {
                    return self.stop("a line break inside an f-string's `{…}`")
                }
                '#' => self.comment(),
                '\\' => {
                    if self.at(1) == Some(None) {
                        self.out.push(Context::Refused(Refusal::AfterBackslash));
                    }
                    self.i += 2;
                }
                '\'' | '"' => {
                    let triple = self.at(1) == Some(Some(c)) && self.at(2) == Some(Some(c));
                    if let Some(o) = field {
                        if o.quote == c && (!o.triple || triple) {
                            return self.stop("an f-string whose `{…}` reuses its own quote");
                        }
                    }
                    self.string(&prefix, c, triple);
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    self.i += 1;
                }
                ')' | ']' => {
                    depth = depth.saturating_sub(1);
                    self.i += 1;
                }
                '}' if depth == 0 && field.is_some() => {
                    self.i += 1;
                    return;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    self.i += 1;
                }
                // `!r` / `!s` / `!a` conversion, or `:` format spec: the
                // rest of the field up to its `}`.
                '!' | ':' if depth == 0 && field.is_some() && self.at(1) != Some(Some('=')) => {
                    return self.spec(field.expect("checked"));
                }
                _ => self.i += 1,
            }
        }
    }

    fn comment(&mut self) {
        while let Some(item) = self.at(0) {
            match item {
                Some('\n') => return,
                Some(_) => {}
                None => self.out.push(Context::Refused(Refusal::Comment)),
            }
            self.i += 1;
        }
    }

    /// An f-string field's conversion and format spec, through its `}`;
    /// the spec may hold nested `{…}` fields.
    fn spec(&mut self, outer: Outer) {
        self.i += 1;
        while self.running() {
            match self.items[self.i] {
                None => self.out.push(Context::Refused(Refusal::FormatField)),
                Some('{') => {
                    self.i += 1;
                    self.code(Some(outer));
                    continue;
                }
                Some('}') => {
                    self.i += 1;
                    return;
                }
                Some(c) if c == outer.quote => {
                    return self.stop("an f-string format spec holding its own quote")
                }
                Some('\n') if !outer.triple => {
                    return self.stop("a line break inside an f-string's `{…}`")
                }
                Some(_) => {}
            }
            self.i += 1;
        }
    }

    /// A string literal from its opening quote(s); `prefix` is the word
    /// glued before it (`rb`, `f`, …).
    fn string(&mut self, prefix: &str, quote: char, triple: bool) {
        let p = prefix.to_ascii_lowercase();
        let known = p.len() <= 2 && p.chars().all(|c| "rubft".contains(c));
        let has = |c| known && p.contains(c);
        let (raw, bytes, format) = (has('r'), has('b'), has('f') || has('t'));
        let kind = StrKind {
            lang: Lang::Python,
            quote,
            triple,
            format,
        };
        let inside = if raw {
            Context::Refused(Refusal::RawString)
        } else if bytes {
            Context::Refused(Refusal::BytesString)
        } else {
            Context::Str(kind)
        };
        let outer = Outer { quote, triple };
        self.i += if triple { 3 } else { 1 };
        while self.running() {
            let Some(c) = self.items[self.i] else {
                self.out.push(inside);
                self.i += 1;
                continue;
            };
            match c {
                '\\' => {
                    match self.at(1) {
                        Some(None) => self.out.push(Context::Refused(Refusal::AfterBackslash)),
                        // `\N{NAME}`: its braces are no replacement field.
                        Some(Some('N')) if !raw && self.at(2) == Some(Some('{')) => {
                            self.i += 2;
                            while let Some(Some(c)) = self.at(0) {
                                if c == '}' || c == quote || c == '\n' {
                                    break;
                                }
                                self.i += 1;
                            }
                            if self.at(0) == Some(None) {
                                self.out.push(Context::Refused(Refusal::AfterBackslash));
                                self.i += 1;
                            } else if self.at(0) == Some(Some('}')) {
                                self.i += 1;
                            }
                            continue;
                        }
                        _ => {}
                    }
                    self.i += 2;
                }
                c if c == quote => {
                    if !triple {
                        self.i += 1;
                        return;
                    }
                    if self.at(1) == Some(Some(c)) && self.at(2) == Some(Some(c)) {
                        self.i += 3;
                        return;
                    }
                    self.i += 1;
                }
                '\n' if !triple => return self.stop("an unterminated string"),
                '{' | '}' if format && self.at(1) == Some(Some(c)) => self.i += 2,
                '{' if format => {
                    self.i += 1;
                    self.code(Some(outer));
                }
                _ => self.i += 1,
            }
        }
    }
}
