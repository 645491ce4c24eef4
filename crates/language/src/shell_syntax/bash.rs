//! Where a command's text is read as code although it is quoted: bash
//! evaluates some words as arithmetic, where an array subscript runs a
//! command substitution (`a[$(cmd)]` runs `cmd`, quoted or not), reads
//! others as a variable's name (whose subscript is arithmetic), and some
//! commands hand their argument to a second shell. [`readings`] finds each
//! value, and each `$NAME`, that lands in such a place:
//!
//! | reading | places |
//! | --- | --- |
//! | arithmetic | `$((…))`, `((…))`, `$[…]`; an operand of `-eq`, `-ne`, `-lt`, `-le`, `-gt`, `-ge` in `[[ … ]]`; the arguments of `let`; values of `declare -i` (`typeset`, `local`) and of assignments to a variable declared so; array subscripts (`a[…]=`, `${a[…]}`); `${v:…}` offsets |
//! | a name | what `printf -v`, `read`, `unset`, `declare` / `typeset` / `local`, `-v` (`[[ -v …]]`, `test -v`) and `declare -n` are given; `${!NAME}` |
//! | a prompt | `${NAME@P}`, which runs the `$(…)` in its value; any value set to `PS0`…`PS4` or `PROMPT_COMMAND` |
//! | code | the argument of `eval`, the command string of `sh -c` (and `bash`, `zsh`, …), the remote command of `ssh`, the command of `su -c` |
//!
//! dash (`sh` on Debian) evaluates none of the first three: it refuses a
//! non-number in arithmetic or `[ … -eq … ]` and has no `[[`, `let`,
//! `declare`, `printf -v` or subscripts. bash evaluates all of them in every
//! mode, `sh` included (`/bin/sh` is bash on Fedora, RHEL and macOS).
//!
//! A value reaches such a place directly, echoed by a `$(…)` (`$(echo ${x})`),
//! or through a variable: an `env` one (for the checker to look up), or one
//! the command sets itself (`flow`: `n=${x}`, `for n in ${x}`, `read n`,
//! arrays, a function's `$1`), also inside the text of an inner `sh -c '…'`,
//! whose `$1`… are the arguments after it.
//! A variable declared `-i` or `-n` anywhere takes every value that
//! reaches it to arithmetic or a name, however it is set (`flow::reaching`).
//!
//! The words are read by `words`; a `raw(…)` value ends the reading.
//! Not followed: a value written to a file and read back, a process
//! substitution `<(…)`, backquotes (a value there is refused anyway).

mod flow;
mod text;

use super::words::{self, Item, Pos, Quoting, Word};
use super::Segment;
pub use flow::PROMPTS;
use text::*;

/// How bash reads a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Evaluated as arithmetic; the text names the place.
    Arithmetic(String),
    /// Read as a variable's name; the text names the place.
    Name(String),
    /// Expanded as a prompt string (`${NAME@P}`).
    Prompt,
    /// Assigned to a prompt variable (`PS4`, `PROMPT_COMMAND`…), which bash
    /// expands, `$(…)` included, whatever shell sets it (`PS4` under `set -x`).
    PromptVariable,
    /// Parsed as code by a second shell; the text names the place.
    Code(String),
}

/// What lands in the place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A value: its index among the template's values.
    Value(usize),
    /// A shell variable, by name, read at `at` (`len` bytes).
    Var { name: String, at: Pos, len: usize },
    /// A value the command itself assigns to shell variable `var` (`n=${x}`,
    /// `for n in ${x}`, `read n <<< ${x}`), which is read at `at`.
    Via {
        value: usize,
        var: String,
        at: Pos,
        len: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub target: Target,
    pub reading: Reading,
}

/// Every value and variable of `template` that bash reads as more than
/// text; see the module docs. (A value refused by the quoting already —
/// inside arithmetic or a `${…}` — is not repeated here.)
pub fn readings(template: &[Segment<'_>]) -> Vec<Finding> {
    let parsed = words::parse(template);
    let mut out = Out(Vec::new());
    for items in &parsed.arithmetic {
        out.arithmetic(items, "shell arithmetic");
    }
    let vars = Declared {
        ints: declared(&parsed.commands, 'i'),
        assoc: declared(&parsed.commands, 'A'),
    };
    for items in &parsed.expansions {
        out.expansion(items, &vars);
    }
    for command in &parsed.commands {
        out.command(command, &vars);
    }
    // A variable the command sets from values is read where they land.
    let flow = flow::Flow::of(&parsed);
    let mut found = out.0;
    let mut via = Vec::new();
    for f in &found {
        if let (Target::Var { name, at, len }, false) =
            (&f.target, matches!(f.reading, Reading::Code(_)))
        {
            for value in flow.values_of(name) {
                via.push(Finding {
                    target: Target::Via {
                        value,
                        var: name.clone(),
                        at: *at,
                        len: *len,
                    },
                    reading: f.reading.clone(),
                });
            }
        }
    }
    found.extend(via);
    // Not again what is refused where it stands (`declare -i n=${x}`).
    let again = |f: &Finding| {
        found.iter().any(|g| {
            matches!((&f.target, &g.target), (Target::Via { value, .. }, Target::Value(v)) if v == value)
                && std::mem::discriminant(&f.reading) == std::mem::discriminant(&g.reading)
        })
    };
    let more: Vec<Finding> = flow::reaching(&parsed, &flow)
        .into_iter()
        .filter(|f| !again(f))
        .collect();
    found.extend(more);
    found
}

const ARITH_OPS: [&str; 6] = ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"];
const SHELLS: [&str; 8] = ["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "yash"];

struct Out(Vec<Finding>);

impl Out {
    fn value(&mut self, v: usize, reading: Reading) {
        self.0.push(Finding {
            target: Target::Value(v),
            reading,
        });
    }

    fn var(&mut self, n: Name, reading: Reading) {
        let len = n.name.len();
        self.0.push(Finding {
            target: Target::Var {
                name: n.name,
                at: n.at,
                len,
            },
            reading,
        });
    }

    /// Text bash evaluates as arithmetic: every value, and every name —
    /// a bare `NAME` is a variable there too.
    fn arithmetic(&mut self, items: &[Item], place: &str) {
        for v in values(items) {
            self.value(v, Reading::Arithmetic(place.into()));
        }
        for v in echoed(items) {
            self.value(
                v,
                Reading::Arithmetic(format!("echoed by a `$(…)` into {place}")),
            );
        }
        for n in names(items) {
            self.var(n, Reading::Arithmetic(place.into()));
        }
    }

    /// Text bash reads as a variable's name: its values and `$NAME`s.
    fn name(&mut self, items: &[Item], place: &str) {
        for v in values(items) {
            self.value(v, Reading::Name(place.into()));
        }
        for v in echoed(items) {
            self.value(v, Reading::Name(format!("echoed by a `$(…)` into {place}")));
        }
        for n in names(items).into_iter().filter(|n| n.dollar) {
            self.var(n, Reading::Name(place.into()));
        }
    }

    /// Text a second shell parses: its values and `$NAME`s. A word that is
    /// one value and nothing else (`sh -c ${cmd}`) is a command by design,
    /// not data mistaken for one.
    fn code(&mut self, items: &[Item], place: &str) {
        self.code_in(items, place, true)
    }

    /// [`Self::code`]; without `alone`, even a word that is one value is
    /// data (one of several words `ssh` joins into a command).
    fn code_in(&mut self, items: &[Item], place: &str, alone: bool) {
        let mut parts = items.iter().filter(|i| {
            !matches!(
                i,
                Item::Char {
                    quoting: Quoting::Mark,
                    ..
                }
            )
        });
        let one_value = matches!((parts.next(), parts.next()), (Some(Item::Value(_)), None));
        if alone && (one_value || is_one_expansion(items)) {
            return;
        }
        for v in values(items) {
            self.value(v, Reading::Code(place.into()));
        }
        for n in names(items).into_iter().filter(|n| n.dollar) {
            self.var(n, Reading::Code(place.into()));
        }
    }

    /// The text of a `${…}`: `${!N}`, `${a[…]}`, `${v:…}`, `${N@P}`.
    fn expansion(&mut self, items: &[Item], vars: &Declared) {
        let items = match items.split_last() {
            Some((last, rest)) if bare(Some(last)) == Some('}') => rest,
            _ => items,
        };
        let mut i = 0;
        let indirect = bare(items.first()) == Some('!');
        if indirect || bare(items.first()) == Some('#') {
            i += 1;
        }
        let start = i;
        while ident_char(items.get(i).unwrap_or(&Item::Nested)).is_some() {
            i += 1;
        }
        let name = names(&items[start..i]).into_iter().next();
        let next = bare(items.get(i));
        if let (true, Some(n)) = (indirect, name.as_ref()) {
            if !matches!(next, Some('[' | '*' | '@')) {
                let n = Name {
                    name: n.name.clone(),
                    at: n.at,
                    dollar: true,
                };
                self.var(n, Reading::Name("a `${!…}` indirection".into()));
            }
        }
        if next == Some('[') {
            let open = i + 1;
            let mut depth = 0;
            while let Some(item) = items.get(i + 1) {
                i += 1;
                match bare(Some(item)) {
                    Some('[') => depth += 1,
                    Some(']') if depth == 0 => break,
                    Some(']') => depth -= 1,
                    _ => {}
                }
            }
            let sub = &items[open..i.max(open)];
            let assoc = name.as_ref().is_some_and(|n| vars.assoc.contains(&n.name));
            if !assoc && !matches!(sub, [Item::Char { c: '@' | '*', .. }]) {
                self.arithmetic(sub, "an array subscript");
            }
            i += 1;
        }
        match (bare(items.get(i)), bare(items.get(i + 1))) {
            (Some(':'), Some('-' | '=' | '?' | '+')) => {}
            (Some(':'), _) => self.arithmetic(&items[i + 1..], "the offset of a `${…:…}`"),
            (Some('@'), Some('P')) => {
                if let Some(n) = name {
                    self.var(n, Reading::Prompt);
                }
            }
            _ => {}
        }
    }

    fn command(&mut self, words: &[Word], vars: &Declared) {
        self.elements(words, vars);
        let args: Vec<&Word> = words.iter().filter(|w| !w.redirect && !w.element).collect();
        let start = command_start(&args);
        for w in &args[..start] {
            self.assigned(w, vars, false);
        }
        self.reparsed(&args[start..]);
        let Some(cmd) = args.get(start).and_then(|w| w.plain()) else {
            return;
        };
        let rest = &args[start + 1..];
        match cmd.as_str() {
            "[[" => self.dbracket(rest),
            "let" => {
                for w in rest {
                    self.arithmetic(&w.items, "an argument of `let`");
                }
            }
            "declare" | "typeset" | "local" | "export" | "readonly" => {
                self.declare(&cmd, rest, vars)
            }
            "printf" => self.printf(rest),
            "read" => self.read(rest),
            "unset" => {
                for w in rest.iter().filter(|w| !w.is_option()) {
                    self.name(&w.items, "the name given to `unset`");
                }
            }
            "test" | "[" => {
                for pair in rest.windows(2) {
                    if pair[0].is("-v") || pair[0].is("-R") {
                        self.name(&pair[1].items, "the name given to `test -v`");
                    }
                }
            }
            "eval" => {
                for w in rest {
                    self.code(&w.items, "the argument of `eval`");
                }
            }
            _ => {}
        }
    }

    /// An assignment word: its subscript (unless the array is associative),
    /// and its value when the variable is an integer (or `integer`: a
    /// `declare -i` argument).
    fn assigned(&mut self, w: &Word, vars: &Declared, integer: bool) {
        let Some(a) = assignment(w) else {
            return;
        };
        if let Some((from, to)) = a.subscript {
            if !vars.assoc.contains(&a.name) {
                self.arithmetic(&w.items[from..to], "an array subscript");
            }
        }
        if integer {
            self.arithmetic(&w.items[a.value..], "the value of `declare -i`");
        } else if vars.ints.contains(&a.name) {
            let place = format!("a value assigned to `{}`, declared `-i`", a.name);
            self.arithmetic(&w.items[a.value..], &place);
        }
    }

    /// The `[KEY]=VALUE` elements of array literals: KEY is a subscript,
    /// arithmetic unless the array is associative (`declare -A`).
    fn elements(&mut self, words: &[Word], vars: &Declared) {
        let assoc_command = words.iter().take_while(|w| !w.element).any(|w| {
            w.is_option()
                && w.plain()
                    .is_some_and(|t| t.starts_with('-') && t.contains('A'))
        });
        let mut array: Option<String> = None;
        for w in words {
            if !w.element {
                array = assignment(w).map(|a| a.name);
                continue;
            }
            let assoc = assoc_command || array.as_ref().is_some_and(|a| vars.assoc.contains(a));
            if assoc || bare(w.items.first()) != Some('[') {
                continue;
            }
            let mut depth = 0;
            for (k, item) in w.items.iter().enumerate().skip(1) {
                match bare(Some(item)) {
                    Some('[') => depth += 1,
                    Some(']') if depth == 0 => {
                        if bare(w.items.get(k + 1)) == Some('=') {
                            self.arithmetic(&w.items[1..k], "an array subscript");
                        }
                        break;
                    }
                    Some(']') => depth -= 1,
                    _ => {}
                }
            }
        }
    }

    fn dbracket(&mut self, rest: &[&Word]) {
        let end = rest.iter().position(|w| w.is("]]")).unwrap_or(rest.len());
        let inner = &rest[..end];
        for (k, w) in inner.iter().enumerate() {
            if let Some(op) = ARITH_OPS.iter().find(|op| w.is(op)) {
                let place = format!("the operand of `{op}` in `[[ … ]]`");
                for side in [k.checked_sub(1), Some(k + 1)].into_iter().flatten() {
                    if let Some(operand) = inner.get(side) {
                        self.arithmetic(&operand.items, &place);
                    }
                }
            } else if w.is("-v") || w.is("-R") {
                if let Some(next) = inner.get(k + 1) {
                    self.name(&next.items, "the name given to `-v` in `[[ … ]]`");
                }
            }
        }
    }

    fn declare(&mut self, cmd: &str, rest: &[&Word], vars: &Declared) {
        let attrs = attributes(rest);
        let sets = matches!(cmd, "declare" | "typeset" | "local");
        let integer = sets && attrs.contains('i');
        let nameref = sets && attrs.contains('n');
        for w in rest.iter().filter(|w| !w.is_option()) {
            if assignment(w).is_some() {
                self.assigned(w, vars, integer);
                if nameref {
                    let value = assignment(w).map_or(0, |a| a.value);
                    self.name(&w.items[value..], "the value of `declare -n`");
                }
                continue;
            }
            // Not `NAME=`: a value stands in the name.
            let eq = w
                .items
                .iter()
                .position(|i| bare(Some(i)) == Some('='))
                .unwrap_or(w.items.len());
            if sets {
                let place = format!("the name given to `{cmd}`");
                self.name(&w.items[..eq], &place);
            }
            if integer && eq < w.items.len() {
                self.arithmetic(&w.items[eq + 1..], "the value of `declare -i`");
            }
        }
    }

    fn printf(&mut self, rest: &[&Word]) {
        for (k, w) in rest.iter().enumerate() {
            if !w.is_option() || w.is("--") {
                return;
            }
            if w.is("-v") {
                if let Some(next) = rest.get(k + 1) {
                    self.name(&next.items, "the name given to `printf -v`");
                }
                return;
            }
            if bare(w.items.get(1)) == Some('v') {
                self.name(&w.items[2..], "the name given to `printf -v`");
                return;
            }
        }
    }

    fn read(&mut self, rest: &[&Word]) {
        let mut k = 0;
        let mut options = true;
        while let Some(w) = rest.get(k) {
            k += 1;
            if options && w.is("--") {
                options = false;
                continue;
            }
            if !(options && w.is_option()) {
                self.name(&w.items, "the name given to `read`");
                continue;
            }
            // An option cluster: the first letter that takes an argument
            // takes the rest of the word, or the next word.
            for (j, item) in w.items.iter().enumerate().skip(1) {
                let Some(letter) = bare(Some(item)) else {
                    break;
                };
                if !"adinNptu".contains(letter) {
                    continue;
                }
                let attached = &w.items[j + 1..];
                let arg = match attached.is_empty() {
                    true => rest.get(k).map(|next| {
                        k += 1;
                        &next.items[..]
                    }),
                    false => Some(attached),
                };
                if let (Some(arg), 'a') = (arg, letter) {
                    self.name(arg, "the name given to `read -a`");
                }
                break;
            }
        }
    }

    /// The command string of `sh -c 'TEXT' ARG0 ARG1…`, when it is text
    /// written in the file: read as a command of its own. A variable it reads
    /// where bash evaluates it is the outer one (its environment), or, for
    /// `$1`…, the value of ARG1….
    fn inner_shell(&mut self, items: &[Item], args: &[&Word]) {
        let mut text = String::new();
        let mut at: Vec<(usize, Pos)> = Vec::new();
        for item in items {
            match *item {
                Item::Char {
                    quoting: Quoting::Mark,
                    ..
                } => {}
                // `$` the outer shell expands: the text is not known here.
                Item::Char {
                    c: '$',
                    quoting: Quoting::Bare | Quoting::Double,
                    ..
                } => return,
                Item::Char { c, at: pos, .. } => {
                    at.push((text.len(), pos));
                    text.push(c);
                }
                _ => return,
            }
        }
        let outer = |offset: usize| {
            at.iter()
                .rev()
                .find(|(o, _)| *o <= offset)
                .map(|&(o, p)| Pos {
                    segment: p.segment,
                    offset: p.offset + (offset - o),
                })
        };
        for f in readings(&[Segment::Text(&text)]) {
            let (Target::Var { name, at, len }, false) =
                (f.target, matches!(f.reading, Reading::Code(_)))
            else {
                continue;
            };
            let Some(at) = outer(at.offset) else { continue };
            match name.parse::<usize>() {
                Ok(k) => {
                    let arg = args.get(k).map_or(&[][..], |w| &w.items[..]);
                    for value in all_values(arg) {
                        self.0.push(Finding {
                            target: Target::Via {
                                value,
                                var: name.clone(),
                                at,
                                len,
                            },
                            reading: f.reading.clone(),
                        });
                    }
                }
                Err(_) => self.0.push(Finding {
                    target: Target::Var { name, at, len },
                    reading: f.reading,
                }),
            }
        }
    }

    /// `sh -c TEXT`, `ssh HOST COMMAND…`, `su -c TEXT`: wherever the
    /// program stands in the command (after `sudo`, `xargs`, `find -exec`…).
    fn reparsed(&mut self, args: &[&Word]) {
        for (k, w) in args.iter().enumerate() {
            let Some(text) = w.plain() else {
                continue;
            };
            let program = text.rsplit('/').next().unwrap_or(&text);
            let after = &args[k + 1..];
            if SHELLS.contains(&program) {
                if let Some(j) = shell_command_string(after) {
                    let place = format!("the command string of `{program} -c`");
                    self.code(&after[j].items, &place);
                    self.inner_shell(&after[j].items, &after[j + 1..]);
                    return;
                }
            } else if program == "ssh" {
                let command = &after[ssh_command(after)..];
                for w in command {
                    self.code_in(&w.items, "the remote command of `ssh`", command.len() == 1);
                }
                return;
            } else if matches!(program, "su" | "runuser") {
                let place = format!("the command of `{program} -c`");
                for (j, w) in after.iter().enumerate() {
                    let t = w.plain().unwrap_or_default();
                    let short = t.starts_with('-') && !t.starts_with("--") && t.ends_with('c');
                    if short || t == "--command" {
                        if let Some(next) = after.get(j + 1) {
                            self.code(&next.items, &place);
                        }
                    } else if bare_prefix(w, 10) == "--command=" {
                        self.code(&w.items[10..], &place);
                    }
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
