//! Reading a command's words for [`super`]: the names in a text,
//! assignments, options, and where a second shell's command starts.

use crate::shell_syntax::words::{is_reserved, Item, Pos, Quoting, Word};
use std::collections::HashSet;

/// A name in a run of text.
pub(super) struct Name {
    pub name: String,
    pub at: Pos,
    /// Written `$NAME` or `${NAME…}`: its value is read.
    pub dollar: bool,
}

pub(super) fn ident_char(item: &Item) -> Option<(char, Pos)> {
    match *item {
        Item::Char { c, at, quoting } if quoting != Quoting::Mark => {
            (c.is_ascii_alphanumeric() || c == '_').then_some((c, at))
        }
        _ => None,
    }
}

/// A character that expands (`$` outside single quotes).
pub(super) fn is_char(item: Option<&Item>, want: char, expanding: bool) -> bool {
    matches!(item, Some(Item::Char { c, quoting, .. })
        if *c == want && (!expanding || matches!(quoting, Quoting::Bare | Quoting::Double)))
}

/// The names in `items`: identifiers not part of a number (`0x1f`,
/// `16#ff`), each marked when written as a `$` expansion.
pub(super) fn names(items: &[Item]) -> Vec<Name> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let Some((first, at)) = ident_char(&items[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut name = String::new();
        while let Some((c, _)) = items.get(i).and_then(ident_char) {
            name.push(c);
            i += 1;
        }
        let before = |k: usize| start.checked_sub(k).and_then(|j| items.get(j));
        let dollar = is_char(before(1), '$', true)
            || (is_char(before(1), '{', false) && is_char(before(2), '$', true));
        if first.is_ascii_digit() {
            // `$1`: a positional parameter (`$12` is `$1`, then `2`).
            if dollar {
                out.push(Name {
                    name: first.to_string(),
                    at,
                    dollar,
                });
            }
            continue;
        }
        if is_char(before(1), '#', false) {
            continue;
        }
        out.push(Name { name, at, dollar });
    }
    out
}

pub(super) fn values(items: &[Item]) -> impl Iterator<Item = usize> + '_ {
    items.iter().filter_map(|i| match i {
        Item::Value(v) => Some(*v),
        _ => None,
    })
}

/// The values a `$(…)` in `items` echoes (`$(echo ${x})`).
pub(super) fn echoed(items: &[Item]) -> impl Iterator<Item = usize> + '_ {
    items.iter().filter_map(|i| match i {
        Item::Inner(v) => Some(*v),
        _ => None,
    })
}

/// The values in `items`, those a `$(…)` of them echoes included.
pub(super) fn all_values(items: &[Item]) -> impl Iterator<Item = usize> + '_ {
    items.iter().filter_map(|i| match i {
        Item::Value(v) | Item::Inner(v) => Some(*v),
        _ => None,
    })
}

/// `NAME=`, `NAME+=`, `NAME[…]=`: the name, the subscript's items and
/// where the value starts.
pub(super) struct Assignment {
    pub name: String,
    pub subscript: Option<(usize, usize)>,
    pub value: usize,
}

pub(super) fn bare(item: Option<&Item>) -> Option<char> {
    match item {
        Some(Item::Char {
            c,
            quoting: Quoting::Bare,
            ..
        }) => Some(*c),
        _ => None,
    }
}

pub(super) fn assignment(w: &Word) -> Option<Assignment> {
    let items = &w.items;
    let mut i = 0;
    let mut name = String::new();
    while let Some(c) = bare(items.get(i)).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
        name.push(c);
        i += 1;
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut subscript = None;
    if bare(items.get(i)) == Some('[') {
        let open = i + 1;
        let mut depth = 0;
        loop {
            i += 1;
            match (bare(items.get(i)), items.get(i)) {
                (_, None) => return None,
                (Some('['), _) => depth += 1,
                (Some(']'), _) if depth == 0 => break,
                (Some(']'), _) => depth -= 1,
                _ => {}
            }
        }
        subscript = Some((open, i));
        i += 1;
    }
    if bare(items.get(i)) == Some('+') {
        i += 1;
    }
    (bare(items.get(i)) == Some('=')).then_some(Assignment {
        name,
        subscript,
        value: i + 1,
    })
}

/// Where a command's name is among its words: after reserved words,
/// assignments, and `command` / `builtin`.
pub(super) fn command_start(words: &[&Word]) -> usize {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        if is_reserved(w) || assignment(w).is_some() || w.is("command") || w.is("builtin") {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// A `declare`-like builtin's attribute letters (`-i`, `-ix`, `-n`).
pub(super) fn attributes(args: &[&Word]) -> String {
    args.iter()
        .take_while(|w| w.is_option())
        .filter_map(|w| w.plain())
        .filter_map(|t| t.strip_prefix('-').map(str::to_string))
        .collect()
}

/// Variables declared with attribute `letter` anywhere in the command:
/// `-i` (an assignment to one is arithmetic), `-A` (its subscripts are text).
pub(super) fn declared(commands: &[Vec<Word>], letter: char) -> HashSet<String> {
    let mut out = HashSet::new();
    for words in commands {
        let args: Vec<&Word> = words.iter().filter(|w| !w.redirect && !w.element).collect();
        let i = command_start(&args);
        let Some(cmd) = args.get(i).and_then(|w| w.plain()) else {
            continue;
        };
        let rest = &args[i + 1..];
        if matches!(cmd.as_str(), "declare" | "typeset" | "local")
            && attributes(rest).contains(letter)
        {
            for w in rest.iter().filter(|w| !w.is_option()) {
                match (assignment(w), w.plain()) {
                    (Some(a), _) => out.insert(a.name),
                    (None, Some(name)) => out.insert(name),
                    (None, None) => false,
                };
            }
        }
    }
    out
}

/// Where `name` is first set or named as a word of its own (`declare -i n`,
/// `n=…`, `read n`).
pub(super) fn mention(commands: &[Vec<Word>], name: &str) -> Option<Pos> {
    commands
        .iter()
        .flatten()
        .filter(|w| !w.redirect)
        .find(|w| assignment(w).is_some_and(|a| a.name == name) || w.is(name))
        .and_then(|w| match w.items.first() {
            Some(Item::Char { at, .. }) => Some(*at),
            _ => None,
        })
}

/// What is declared where: integer and associative array variables.
pub(super) struct Declared {
    pub ints: HashSet<String>,
    pub assoc: HashSet<String>,
}

/// The first `n` items of `w` when they are unquoted characters.
pub(super) fn bare_prefix(w: &Word, n: usize) -> String {
    let head: String = w
        .items
        .iter()
        .take(n)
        .map_while(|i| bare(Some(i)))
        .collect();
    match head.chars().count() == n {
        true => head,
        false => String::new(),
    }
}

/// `$NAME`, `"$NAME"` or `${NAME}`, alone.
pub(super) fn is_one_expansion(items: &[Item]) -> bool {
    let text: String = items
        .iter()
        .filter_map(|i| match i {
            Item::Char { c, quoting, .. } if *quoting != Quoting::Mark => Some(*c),
            _ => None,
        })
        .collect();
    let name = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .or_else(|| text.strip_prefix('$'));
    items.iter().all(|i| matches!(i, Item::Char { .. }))
        && name.is_some_and(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// After a shell's name: the index of its `-c` command string, when only
/// options come before it (`sh -ec 'cmd'`, `bash -o pipefail -c 'cmd'`).
pub(super) fn shell_command_string(after: &[&Word]) -> Option<usize> {
    let mut saw_c = false;
    let mut k = 0;
    while let Some(w) = after.get(k) {
        if !w.is_option() {
            return saw_c.then_some(k);
        }
        let t = w.plain()?;
        if t.starts_with("--") {
            k += 1;
            continue;
        }
        saw_c |= t[1..].contains('c');
        // `-o pipefail`, `-euo pipefail`: the option's name is the next word.
        if t.ends_with(['o', 'O']) {
            k += 1;
        }
        k += 1;
    }
    None
}

/// After `ssh`: where its remote command starts (after the options, with
/// their arguments, and the host).
pub(super) fn ssh_command(after: &[&Word]) -> usize {
    const TAKES_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";
    let mut k = 0;
    while let Some(w) = after.get(k) {
        if w.is("--") {
            return (k + 2).min(after.len());
        }
        if !w.is_option() {
            return k + 1;
        }
        // In a cluster, the first letter that takes an argument takes the
        // rest of the word, or the next word.
        let letters = w.plain().unwrap_or_default();
        let letters = letters.get(1..).unwrap_or_default();
        if let Some(at) = letters.find(|c| TAKES_ARG.contains(c)) {
            if at + 1 == letters.len() {
                k += 1;
            }
        }
        k += 1;
    }
    after.len()
}
