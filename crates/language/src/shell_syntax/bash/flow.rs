//! Values the command hands to its own shell variables: `n=${x}`,
//! `declare n=${x}`, `a=(${x})`, `for n in ${x}`, `read n <<< ${x}` (or
//! from a pipe, `echo ${x} | while read n`, or around a loop, `done <<< ${x}`),
//! `printf -v n %s ${x}`, `set -- ${x}` and a function's arguments (`$1`…).
//! A variable read where bash evaluates its value carries them there.
//! Flow-insensitive: a variable set from a value anywhere is that value
//! everywhere (a later `n=5` does not clean it).

use super::text::{all_values, assignment, attributes, command_start, declared, mention, names};
use super::{Finding, Reading, Target};
use crate::shell_syntax::words::{Parsed, Word};
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub(super) struct Flow {
    /// Per variable: the values assigned to it, and the variables whose
    /// values are (`m=$n`).
    sets: HashMap<String, (Vec<usize>, Vec<String>)>,
}

impl Flow {
    pub(super) fn of(parsed: &Parsed) -> Flow {
        let mut flow = Flow::default();
        let mut functions = parsed.functions.clone();
        // A here-string after a loop or group (`done <<< ${x}`) feeds the
        // `read`s inside it.
        let mut around: Vec<&Word> = Vec::new();
        for words in &parsed.commands {
            if words.first().is_some_and(|w| w.is("function")) {
                functions.extend(words.get(1).and_then(Word::plain));
            }
            if words
                .first()
                .is_some_and(|w| ["done", "}", "fi", "esac"].iter().any(|k| w.is(k)))
            {
                around.extend(words.iter().filter(|w| w.redirect && w.op == "<<<"));
            }
        }
        for (k, words) in parsed.commands.iter().enumerate() {
            let piped = parsed.piped_from[k].map(|p| &parsed.commands[p][..]);
            flow.command(words, piped, &around, &functions);
        }
        flow
    }

    /// Every value that reaches `name`, through other variables too.
    pub(super) fn values_of(&self, name: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some((values, from)) = self.sets.get(&n) {
                out.extend(values);
                todo.extend(from.iter().cloned());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn set(&mut self, name: &str, items: &[crate::shell_syntax::words::Item]) {
        let entry = self.sets.entry(name.to_string()).or_default();
        entry.0.extend(all_values(items));
        entry.1.extend(
            names(items)
                .into_iter()
                .filter(|n| n.dollar)
                .map(|n| n.name),
        );
    }

    fn command(
        &mut self,
        words: &[Word],
        piped: Option<&[Word]>,
        around: &[&Word],
        functions: &[String],
    ) {
        self.elements(words);
        let args: Vec<&Word> = words.iter().filter(|w| !w.redirect && !w.element).collect();
        let start = command_start(&args);
        let mut assigned: Vec<&Word> = args[..start].to_vec();
        let Some(cmd) = args.get(start).and_then(|w| w.plain()) else {
            self.assignments(&assigned);
            return;
        };
        let rest = &args[start + 1..];
        match cmd.as_str() {
            "declare" | "typeset" | "local" | "export" | "readonly" => {
                assigned.extend(rest);
                // `declare -n r=n`: `r` is `n`, and holds what `n` does.
                if cmd != "export" && attributes(rest).contains('n') {
                    for w in rest.iter().filter(|w| !w.is_option()) {
                        if let Some(a) = assignment(w) {
                            let target: Option<String> = Word {
                                items: w.items[a.value..].to_vec(),
                                ..Word::default()
                            }
                            .plain();
                            if let Some(t) = target.filter(|t| !t.is_empty()) {
                                let entry = self.sets.entry(a.name).or_default();
                                entry.1.push(t.split('[').next().unwrap_or(&t).to_string());
                            }
                        }
                    }
                }
            }
            "for" => {
                if let (Some(name), true) = (
                    rest.first().and_then(|w| w.plain()),
                    rest.get(1).is_some_and(|w| w.is("in")),
                ) {
                    for w in &rest[2..] {
                        self.set(&name, &w.items);
                    }
                }
            }
            "read" | "mapfile" | "readarray" => {
                // What it reads: a here-string, or the output of the
                // command piped into it.
                let mut input: Vec<&Word> = words
                    .iter()
                    .filter(|w| w.redirect && w.op == "<<<")
                    .collect();
                input.extend(piped.into_iter().flatten());
                input.extend(around);
                let targets = rest
                    .iter()
                    .filter(|w| !w.is_option())
                    .filter_map(|w| w.plain());
                for name in targets {
                    for w in &input {
                        self.set(&name, &w.items);
                    }
                }
            }
            "printf" => {
                if let (Some(true), Some(name)) = (
                    rest.first().map(|w| w.is("-v")),
                    rest.get(1).and_then(|w| w.plain()),
                ) {
                    for w in &rest[2..] {
                        self.set(&name, &w.items);
                    }
                }
            }
            "set" => {
                for w in rest {
                    for n in 1..=9 {
                        self.set(&n.to_string(), &w.items);
                    }
                }
            }
            // A function's `$1`… are its arguments.
            f if functions.iter().any(|g| g == f) => {
                for (k, w) in rest.iter().enumerate().take(9) {
                    self.set(&(k + 1).to_string(), &w.items);
                }
            }
            _ => {}
        }
        self.assignments(&assigned);
    }

    /// `a=(${x} …)`, `a+=(…)`: the array holds its elements' values.
    fn elements(&mut self, words: &[Word]) {
        let mut array: Option<String> = None;
        for w in words {
            if w.element {
                if let Some(name) = &array {
                    self.set(name, &w.items);
                }
            } else {
                array = assignment(w).map(|a| a.name);
            }
        }
    }

    fn assignments(&mut self, words: &[&Word]) {
        for w in words {
            if let Some(a) = assignment(w) {
                self.set(&a.name, &w.items[a.value..]);
            }
        }
    }
}

/// Variables that evaluate whatever reaches them, however it is set (an
/// assignment, `read`, `for`, `printf -v`, `mapfile`, an array literal, a
/// function's argument): one declared `-i` (arithmetic) or `-n` (a name)
/// anywhere in the command, and the prompt variables.
pub(super) fn reaching(parsed: &Parsed, flow: &Flow) -> Vec<Finding> {
    let mut out = Vec::new();
    let ints = declared(&parsed.commands, 'i');
    let refs = declared(&parsed.commands, 'n');
    let mut vars: Vec<(String, Reading)> = Vec::new();
    for name in ints {
        let place = "kept in a variable declared `-i`".to_string();
        vars.push((name, Reading::Arithmetic(place)));
    }
    for name in refs {
        let place = "kept in a variable declared `-n`".to_string();
        vars.push((name, Reading::Name(place)));
    }
    for name in PROMPTS {
        vars.push((name.to_string(), Reading::PromptVariable));
    }
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    for (var, reading) in vars {
        let values = flow.values_of(&var);
        let Some(at) = values.first().and_then(|_| mention(&parsed.commands, &var)) else {
            continue;
        };
        for value in values {
            out.push(Finding {
                target: Target::Via {
                    value,
                    var: var.clone(),
                    at,
                    len: var.len(),
                },
                reading: reading.clone(),
            });
        }
    }
    out
}

/// The variables bash expands as prompts: `PS4` on every traced command.
pub const PROMPTS: [&str; 6] = ["PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND"];
