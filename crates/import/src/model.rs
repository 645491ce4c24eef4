//! The converted workflow, and how it is written as `.wf` text (before the
//! formatter puts it in canonical layout). Every value is written by
//! [`crate::literal`]; expressions are the converters' own.

use crate::literal::{self, Text};

#[derive(Default)]
pub struct Workflow {
    pub name: String,
    /// Comments above the workflow: the source, and what was dropped.
    pub comments: Vec<String>,
    pub doc: Vec<String>,
    pub params: Vec<Param>,
    pub env: Vec<(String, Text)>,
    /// Trigger lines, written as they are (`on schedule "…"`).
    pub triggers: Vec<String>,
    pub items: Vec<Item>,
    /// `on failure` / `on success` / `finally` (its head) and its items.
    pub handlers: Vec<(String, Vec<Item>)>,
}

pub struct Param {
    pub name: String,
    pub secret: bool,
    /// The type, with its constraint: `string in ["a", "b"]`.
    pub ty: String,
    /// An expression.
    pub default: Option<String>,
    pub doc: Vec<String>,
}

pub enum Item {
    Step(Box<Step>),
    Sequence {
        name: String,
        deps: Vec<String>,
        items: Vec<Item>,
    },
    ForEach {
        var: String,
        list: String,
        /// `parallel N`; None: `parallel`; Some(0): one after another.
        parallel: Option<u64>,
        deps: Vec<String>,
        items: Vec<Item>,
    },
    If {
        cond: String,
        deps: Vec<String>,
        comments: Vec<String>,
        items: Vec<Item>,
    },
    /// `parallel NAME wait any { … }`.
    WaitAny {
        name: String,
        deps: Vec<String>,
        items: Vec<Item>,
    },
    /// Items written one after another where the group stands, each with
    /// its own edges: a job's steps that are no `sequence`.
    Group(Vec<Item>),
}

#[derive(Default)]
pub struct Step {
    pub name: String,
    pub doc: Vec<String>,
    pub comments: Vec<String>,
    /// A `shell` step's command, else an approval gate's who.
    pub run: Option<Text>,
    pub approval: Option<String>,
    /// A check gate's condition and `on fail` mode.
    pub check: Option<(String, String)>,
    pub shell: Option<String>,
    /// `strict false`: a shell run bare (`bash {0}`).
    pub strict: Option<bool>,
    pub workdir: Option<Text>,
    pub env: Vec<(String, Text)>,
    pub deps: Vec<String>,
    pub after: Vec<String>,
    pub timeout: Option<String>,
    pub optional: bool,
    /// (name, glob, optional).
    pub artifacts: Vec<(String, Text, bool)>,
    /// Declared outputs the command writes (`NAME`, a string, or a
    /// script's `NAME:KIND`).
    pub outputs: Vec<String>,
    /// `on failure rollback { … }`.
    pub rollback: Vec<Item>,
    /// `sources [ … ]`: the files whose contents make it up to date.
    pub sources: Vec<Text>,
}

impl Item {
    /// The first step (in writing order) of an item: where an `after` goes.
    pub fn first_step(&mut self) -> Option<&mut Step> {
        match self {
            Item::Step(s) => Some(s),
            Item::Sequence { items, .. }
            | Item::ForEach { items, .. }
            | Item::If { items, .. }
            | Item::WaitAny { items, .. }
            | Item::Group(items) => items.first_mut().and_then(Item::first_step),
        }
    }

    /// The step named `name` in this item, at any depth.
    pub fn step_named(&mut self, name: &str) -> Option<&mut Step> {
        match self {
            Item::Step(s) => (s.name == name).then_some(&mut **s),
            Item::Sequence { items, .. }
            | Item::ForEach { items, .. }
            | Item::If { items, .. }
            | Item::WaitAny { items, .. }
            | Item::Group(items) => items.iter_mut().find_map(|i| i.step_named(name)),
        }
    }

    /// Every step of an item: its name, whether it is inside a loop, and
    /// whether it is `optional`.
    pub fn step_names(&self, in_loop: bool, out: &mut Vec<(String, bool, bool)>) {
        match self {
            Item::Step(s) => out.push((s.name.clone(), in_loop, s.optional)),
            Item::Sequence { items, .. }
            | Item::If { items, .. }
            | Item::WaitAny { items, .. }
            | Item::Group(items) => items.iter().for_each(|i| i.step_names(in_loop, out)),
            Item::ForEach { items, .. } => items.iter().for_each(|i| i.step_names(true, out)),
        }
    }
}

/// Writes lines at a depth of indentation.
struct Out {
    text: String,
    depth: usize,
}

impl Out {
    fn indent(&self) -> String {
        "  ".repeat(self.depth)
    }

    fn line(&mut self, s: &str) {
        if !s.is_empty() {
            self.text.push_str(&self.indent());
        }
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn comments(&mut self, prefix: &str, lines: &[String]) {
        for c in lines {
            for l in c.lines() {
                match l.trim_end() {
                    "" => self.line(prefix),
                    l => self.line(&format!("{prefix} {l}")),
                }
            }
        }
    }

    fn open(&mut self, head: &str) {
        self.line(&format!("{head} {{"));
        self.depth += 1;
    }

    fn close(&mut self) {
        self.depth -= 1;
        self.line("}");
    }
}

impl Workflow {
    /// The values env variable `var` gets, in the workflow's and every step's `env`.
    pub fn env_values(&self, var: &str) -> Vec<&Text> {
        fn walk<'a>(items: &'a [Item], var: &str, out: &mut Vec<&'a Text>) {
            for i in items {
                match i {
                    Item::Step(s) => {
                        out.extend(s.env.iter().filter(|(k, _)| k == var).map(|(_, v)| v));
                        walk(&s.rollback, var, out);
                    }
                    Item::Sequence { items, .. }
                    | Item::ForEach { items, .. }
                    | Item::If { items, .. }
                    | Item::WaitAny { items, .. }
                    | Item::Group(items) => walk(items, var, out),
                }
            }
        }
        let mut out: Vec<&Text> = self
            .env
            .iter()
            .filter(|(k, _)| k == var)
            .map(|(_, v)| v)
            .collect();
        walk(&self.items, var, &mut out);
        for (_, items) in &self.handlers {
            walk(items, var, &mut out);
        }
        out
    }

    pub fn write(&self) -> String {
        let mut o = Out {
            text: String::new(),
            depth: 0,
        };
        o.comments("#", &self.comments);
        o.comments("##", &self.doc);
        o.open(&format!("workflow {}", self.name));
        for p in &self.params {
            o.comments("##", &p.doc);
            let kw = if p.secret { "secret" } else { "param" };
            let default = p
                .default
                .as_ref()
                .map(|d| format!(" = {d}"))
                .unwrap_or_default();
            o.line(&format!("{kw} {}: {}{default}", p.name, p.ty));
        }
        if !self.env.is_empty() {
            o.line("");
            map_block(&mut o, "env", &self.env);
        }
        if !self.triggers.is_empty() {
            o.line("");
            for t in &self.triggers {
                o.line(t);
            }
        }
        for item in &self.items {
            o.line("");
            write_item(&mut o, item);
        }
        for (kind, items) in &self.handlers {
            o.line("");
            o.open(kind);
            write_members(&mut o, items);
            o.close();
        }
        o.close();
        o.text
    }
}

fn map_block(o: &mut Out, name: &str, entries: &[(String, Text)]) {
    o.open(name);
    for (k, v) in entries {
        let key = if wfc_key(k) {
            k.clone()
        } else {
            literal::string(k)
        };
        let value = literal::literal(v, &"  ".repeat(o.depth + 1));
        o.line(&format!("{key} = {value}"));
    }
    o.close();
}

/// Whether `k` may stand as a bare map key (a name), not a string.
fn wfc_key(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn deps_line(o: &mut Out, deps: &[String]) {
    if !deps.is_empty() {
        o.line(&format!("depends on {}", deps.join(", ")));
    }
}

fn write_item(o: &mut Out, item: &Item) {
    match item {
        Item::Step(s) => write_step(o, s),
        Item::Group(items) => write_members(o, items),
        Item::Sequence { name, deps, items } => {
            o.open(&format!("sequence {name}"));
            deps_line(o, deps);
            write_members(o, items);
            o.close();
        }
        Item::ForEach {
            var,
            list,
            parallel,
            deps,
            items,
        } => {
            let par = match parallel {
                Some(0) => String::new(),
                Some(n) => format!(" parallel {n}"),
                None => " parallel".into(),
            };
            o.open(&format!("for each {var} in {list}{par}"));
            deps_line(o, deps);
            write_members(o, items);
            o.close();
        }
        Item::WaitAny { name, deps, items } => {
            o.open(&format!("parallel {name} wait any"));
            deps_line(o, deps);
            write_members(o, items);
            o.close();
        }
        Item::If {
            cond,
            deps,
            comments,
            items,
        } => {
            o.comments("#", comments);
            o.open(&format!("if {cond}"));
            deps_line(o, deps);
            write_members(o, items);
            o.close();
        }
    }
}

fn write_members(o: &mut Out, items: &[Item]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            o.line("");
        }
        write_item(o, item);
    }
}

fn write_step(o: &mut Out, s: &Step) {
    o.comments("#", &s.comments);
    o.comments("##", &s.doc);
    let kind = if s.approval.is_some() || s.check.is_some() {
        "gate"
    } else {
        "shell"
    };
    o.open(&format!("step {}: {kind}", s.name));
    let inner = "  ".repeat(o.depth);
    if let Some(run) = &s.run {
        o.line(&format!("run {}", literal::literal(run, &inner)));
    }
    if let Some(who) = &s.approval {
        o.line(&format!("approval {}", literal::string(who)));
    }
    if let Some((cond, on_fail)) = &s.check {
        o.line(&format!("check {cond}"));
        o.line(&format!("on fail {on_fail}"));
    }
    if let Some(sh) = s.shell.as_ref().filter(|_| kind == "shell") {
        o.line(&format!("shell {}", literal::string(sh)));
    }
    if s.strict == Some(false) && kind == "shell" {
        o.line("strict false");
    }
    if let Some(w) = &s.workdir {
        o.line(&format!("workdir {}", literal::quoted(w)));
    }
    if !s.env.is_empty() {
        map_block(o, "env", &s.env);
    }
    if let Some(t) = &s.timeout {
        o.line(&format!("timeout {t}"));
    }
    if !s.sources.is_empty() {
        let globs: Vec<String> = s.sources.iter().map(literal::quoted).collect();
        o.line(&format!("sources [{}]", globs.join(", ")));
    }
    if s.optional {
        o.line("optional");
    }
    if !s.outputs.is_empty() {
        // A script's are typed (`accuracy:float`, wfc's export of a script).
        let outs: Vec<String> = s
            .outputs
            .iter()
            .map(|o| match o.split_once(':') {
                Some((name, kind @ ("int" | "float" | "bool"))) => format!("{name}: {kind}"),
                // A list a loop goes over (the export's `wfc-lists`).
                Some((name, kind)) if kind.starts_with("list<") && !kind.contains(['{', '"']) => {
                    format!("{name}: {kind}")
                }
                Some((name, _)) => format!("{name}: string"),
                None => format!("{o}: string"),
            })
            .collect();
        o.line(&format!("outputs {{ {} }}", outs.join(", ")));
    }
    if !s.artifacts.is_empty() {
        o.open("artifacts");
        for (k, glob, optional) in &s.artifacts {
            let optional = if *optional { " optional" } else { "" };
            o.line(&format!("{k} = {}{optional}", literal::quoted(glob)));
        }
        o.close();
    }
    if !s.rollback.is_empty() {
        o.open("on failure rollback");
        write_members(o, &s.rollback);
        o.close();
    }
    deps_line(o, &s.deps);
    if !s.after.is_empty() {
        o.line(&format!("after {}", s.after.join(", ")));
    }
    o.close();
}
