//! The syntax tree: what the user wrote, with an owned byte span on every node.
//!
//! The tree is close to the source (it keeps parentheses and string literals as
//! written) so that the formatter can print it back. Names are not resolved here;
//! that is the checker's job (`check`), which lowers this tree to `ir`.
//! Comments are not in the tree: they are kept beside it in
//! [`super::Parsed::comments`], and the formatter puts them back by position.

use crate::span::Span;

mod alerts;
pub use alerts::{Alert, AlertEntry, AlertWhen, Notify};

/// The text of an identifier: inline up to 24 bytes, so a name costs no
/// allocation of its own (a large workflow's `depends on` lists hold
/// ~100,000 of them).
pub type Name = compact_str::CompactString;

/// An identifier as written (letters, digits, `_`, and `-` inside).
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: Name,
    pub span: Span,
}

/// Names separated by commas (`depends on a, b`), stored compactly: the
/// names back to back in one string, and their spans. A workflow of 5,000
/// steps in layers of 20 names 100,000 dependencies: 1.6 MB this way, twice
/// that as `Ident`s, and the tree is alive while the checker builds the IR.
#[derive(Clone, Default, PartialEq)]
pub struct IdentList {
    /// The names, separated by `\n` (never part of a name).
    text: Box<str>,
    spans: Box<[Span]>,
    /// `any(b, c)` groups among the names (`depends on` only): empty but for
    /// such a list.
    any: Box<[AnyGroup]>,
}

/// `any(b, c)` in a `depends on` list: names `first..first + len` of the
/// list, of which one must succeed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnyGroup {
    pub first: u32,
    pub len: u32,
    /// The span of `any(…)`.
    pub span: Span,
}

/// One name of an [`IdentList`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdentRef<'a> {
    pub name: &'a str,
    pub span: Span,
}

impl IdentList {
    pub fn iter(&self) -> impl Iterator<Item = IdentRef<'_>> + '_ {
        self.text
            .split('\n')
            .zip(self.spans.iter())
            .map(|(name, &span)| IdentRef { name, span })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The list's `any(…)` groups, in order.
    pub fn any_groups(&self) -> &[AnyGroup] {
        &self.any
    }

    /// The list with `groups` marked among its names.
    pub fn with_any(mut self, groups: Vec<AnyGroup>) -> IdentList {
        self.any = groups.into_boxed_slice();
        self
    }

    /// The list as written in canonical form: `a, any(b, c)`.
    pub fn written(&self) -> String {
        let names: Vec<&str> = self.iter().map(|n| n.name).collect();
        let mut out = Vec::new();
        let mut i = 0;
        for g in self.any.iter() {
            let (first, end) = (g.first as usize, (g.first + g.len) as usize);
            out.extend(names[i..first].iter().map(|n| n.to_string()));
            out.push(format!("any({})", names[first..end].join(", ")));
            i = end;
        }
        out.extend(names[i..].iter().map(|n| n.to_string()));
        out.join(", ")
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl FromIterator<Ident> for IdentList {
    fn from_iter<I: IntoIterator<Item = Ident>>(idents: I) -> Self {
        let mut text = String::new();
        let mut spans = Vec::new();
        for (i, id) in idents.into_iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&id.name);
            spans.push(id.span);
        }
        IdentList {
            text: text.into_boxed_str(),
            spans: spans.into_boxed_slice(),
            any: Box::default(),
        }
    }
}

impl std::fmt::Debug for IdentList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A parsed `.wf` file: a module of one or more workflows, the first being
/// the one `wfc run FILE` picks by default.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// `import "PATH" [as NAME]`, in file order.
    pub imports: Vec<Import>,
    /// Never empty (the grammar asks for `workflow+`).
    pub workflows: Vec<Workflow>,
    pub span: Span,
}

impl File {
    /// The file's default workflow: its first.
    pub fn first(&self) -> &Workflow {
        &self.workflows[0]
    }

    /// The workflow named `name` (the first of that name).
    pub fn workflow(&self, name: &str) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.name.name == name)
    }

    /// The workflow whose text holds byte `offset` (else the first).
    pub fn workflow_at(&self, offset: usize) -> &Workflow {
        self.workflows
            .iter()
            .find(|w| (w.span.start as usize..=w.span.end as usize).contains(&offset))
            .unwrap_or_else(|| self.first())
    }
}

/// `import "PATH" [as NAME]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The path as written (`None` when it has `${…}`: reported by the loader).
    pub path: Option<String>,
    pub path_span: Span,
    /// `as NAME`.
    pub alias: Option<Ident>,
    pub span: Span,
}

impl Import {
    /// The module name it binds: the alias, else the file's stem
    /// (`"std/notify.wf"` → `notify`); `None` when the path has no stem.
    pub fn module_name(&self) -> Option<String> {
        if let Some(a) = &self.alias {
            return Some(a.name.to_string());
        }
        let path = self.path.as_deref()?;
        let file = path.rsplit('/').next()?;
        let stem = file.strip_suffix(".wf").unwrap_or(file);
        (!stem.is_empty()).then(|| stem.to_string())
    }
}

/// `call W`, `call M` or `call M.W`: the target of a call step as written;
/// or `call file(EXPR)`, a workflow file named at run time.
#[derive(Clone, Debug, PartialEq)]
pub struct CallTarget {
    /// One name (`W` or `M`), or two (`M`, `W`); none for `file(EXPR)`.
    pub parts: Vec<Ident>,
    /// `file(EXPR)`: the path of the file to run.
    pub file: Option<Box<Expr>>,
    pub span: Span,
}

impl CallTarget {
    /// The target as written: `rel.ship` (`file(…)` for a file call).
    pub fn text(&self) -> String {
        if self.file.is_some() {
            return "file(…)".to_string();
        }
        let names: Vec<&str> = self.parts.iter().map(|p| &*p.name).collect();
        names.join(".")
    }
}

/// `workflow NAME { ITEM* }`
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: Ident,
    pub items: Vec<Item>,
    pub doc: Option<String>,
    pub span: Span,
}

/// Anything that can stand in a workflow body or a block body.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A workflow header setting: `description "…"`, `concurrency 4`, `timeout 1h`.
    /// (Any `NAME EXPR` at item level; the checker knows which names exist.)
    Setting(Field),
    /// `param NAME: TYPE [in CONSTRAINT] [= DEFAULT]` or `secret NAME: …`.
    /// (Boxed, as the rare large variants below: an item or field is as big
    /// as its largest variant, and a workflow holds thousands of them.)
    Param(Box<Param>),
    /// `env { KEY = EXPR … }` at workflow level or at the top of a block.
    Env(MapBlock),
    /// `defaults { FIELD … }`: step fields applied to every step (of the
    /// workflow, or of the block it heads) that does not set them.
    Defaults(Defaults),
    Step(Step),
    If(If),
    ForEach(Box<ForEach>),
    Parallel(Box<Parallel>),
    /// `sequence [NAME] { … }`: members one after another.
    Sequence(Box<Sequence>),
    /// Workflow-level `on failure { … }`, `on success { … }`, `finally { … }`.
    Handler(Handler),
    /// `let NAME = EXPR`, at workflow level or at the top of a block.
    Let(Box<Let>),
    /// `outputs { NAME: TYPE = EXPR … }` at workflow level.
    Outputs(Box<WorkflowOutputs>),
    /// `on schedule|webhook|change "…" { … }` at workflow level.
    Trigger(Box<Trigger>),
    /// `lock EXPR` at workflow level.
    Lock(Box<Lock>),
    /// `alert NAME { … }` at workflow level.
    Alert(Box<Alert>),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Setting(f) => f.span,
            Item::Param(p) => p.span,
            Item::Env(m) => m.span,
            Item::Defaults(d) => d.span,
            Item::Step(s) => s.span,
            Item::If(i) => i.span,
            Item::ForEach(f) => f.span,
            Item::Parallel(p) => p.span,
            Item::Sequence(s) => s.span,
            Item::Handler(h) => h.span,
            Item::Let(l) => l.span,
            Item::Outputs(o) => o.span,
            Item::Trigger(t) => t.span,
            Item::Lock(l) => l.span,
            Item::Alert(a) => a.span,
        }
    }
}

/// What starts a run under `wfc serve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    Schedule,
    Webhook,
    Change,
}

impl TriggerKind {
    /// The word after `on`.
    pub fn word(self) -> &'static str {
        match self {
            TriggerKind::Schedule => "schedule",
            TriggerKind::Webhook => "webhook",
            TriggerKind::Change => "change",
        }
    }
}

/// `on schedule "CRON" { … }`, `on webhook "/PATH" { … }` or
/// `on change "GLOB" { … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    /// Covers `on schedule` (the keywords).
    pub kw_span: Span,
    /// The cron pattern, path or glob: a string literal.
    pub target: Expr,
    /// The fields of `{ … }` as written (`catch up N` is named `catch up`);
    /// the checker knows which exist for each kind.
    pub fields: Vec<Field>,
    /// The span of `{ … }`, when written.
    pub body_span: Option<Span>,
    pub span: Span,
}

/// `lock EXPR`: runs whose key is equal do not overlap.
#[derive(Clone, Debug, PartialEq)]
pub struct Lock {
    pub key: Expr,
    /// The mode of `{ on busy MODE }`, when written (the checker knows the modes).
    pub busy: Option<Ident>,
    /// The span of `{ … }`, when written.
    pub body_span: Option<Span>,
    pub span: Span,
}

/// A workflow's `outputs { NAME: TYPE = EXPR … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowOutputs {
    pub outputs: Vec<WorkflowOutput>,
    pub span: Span,
}

/// `NAME: TYPE = EXPR`: one output of a workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowOutput {
    pub name: Ident,
    pub ty: TypeExpr,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// `##` documentation comment lines directly above, without the `##`.
    pub doc: Option<String>,
    pub secret: bool,
    pub name: Ident,
    pub ty: TypeExpr,
    pub constraint: Option<Constraint>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `let NAME = EXPR`
#[derive(Clone, Debug, PartialEq)]
pub struct Let {
    /// `##` documentation comment lines directly above, without the `##`.
    pub doc: Option<String>,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// A type as written: `string`, `list<int>`, `map<string>`, `int?`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub name: Ident,
    /// Type arguments (`list<T>`, `map<T>`).
    pub args: Vec<TypeExpr>,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub kind: ConstraintKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConstraintKind {
    /// `in ["a", "b"]` — the list expression (an `ExprKind::List`).
    OneOf(Expr),
    /// `in 1..20` — inclusive.
    Range { lo: Expr, hi: Expr },
}

/// `{ KEY = EXPR … }` as in `env { … }` and `headers { … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct MapBlock {
    pub entries: Vec<MapEntry>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    pub key: Key,
    pub value: Expr,
    /// `optional` after the value: only in `artifacts { … }` (a glob that
    /// may match nothing).
    pub optional: bool,
    pub span: Span,
}

/// A map key: a bare name or a quoted string (`"Content-Type"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key's text (unquoted, unescaped).
    pub name: String,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    pub fields: Vec<Field>,
    pub span: Span,
}

/// `step NAME: KIND { FIELD … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub doc: Option<String>,
    pub name: Ident,
    /// The kind as written (`shell`, …; `call` for a call step).
    pub kind: Ident,
    /// A call step's target (boxed: rare, and a workflow holds thousands of steps).
    pub call: Option<Box<CallTarget>>,
    pub fields: Vec<Field>,
    /// The span of `{ … }`.
    pub body_span: Span,
    pub span: Span,
}

/// One field of a step (or of `defaults`, or a workflow setting).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's name as the checker looks it up: the keyword as written
    /// (`run`, `timeout`, …) or, for multi-word forms, a canonical name:
    /// `depends on`, `on failure rollback`, `on fail`. Its span covers the keyword(s).
    pub name: Ident,
    pub value: FieldValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A bare flag: `optional`.
    Flag,
    /// `NAME EXPR`: `run "…"`, `timeout 5m`, `expect [200, 201]`, and keyword
    /// values such as `pull missing` (an `ExprKind::Name`; the checker reads it as a keyword).
    Expr(Expr),
    /// `NAME { KEY = EXPR … }`: `env`, `headers`.
    Map(MapBlock),
    /// `depends on a, b`.
    DependsOn(IdentList),
    /// `after a, b`: starts once each has ended, in any state.
    After(IdentList),
    /// `retry N [backoff D [exponential|linear] [max D]]`.
    Retry(Box<Retry>),
    /// `outputs { name: type, … }`.
    Outputs(Vec<OutputDecl>),
    /// `inputs { NAME: TYPE [in …] [= DEFAULT] … }` (approval gates).
    Inputs(Vec<Param>),
    /// `on failure rollback { ITEM … }` — a compensation (normally steps).
    Rollback(Block),
    /// `on fail abort|pause|continue` (gates).
    OnFail(Ident),
    /// `mount SOURCE at TARGET` (docker).
    Mount {
        source: Box<Expr>,
        target: Box<Expr>,
    },
    /// `until EXPR every D within D` (any step).
    Until(Box<Until>),
    /// `executor NAME [{ FIELD … }]`: `executor local`, `executor slurm {
    /// partition "gpu" }`. `fields` is `None` without braces.
    Executor {
        name: Ident,
        fields: Option<Vec<Field>>,
    },
    /// `resources { FIELD … }`: `cpus 4  memory 16GB  gpus 1  time 2h`.
    Resources(Vec<Field>),
}

/// `until COND every D within D`: re-run a step that succeeded until `COND` holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Until {
    pub cond: Expr,
    pub every: Expr,
    pub within: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    pub count: Expr,
    pub backoff: Option<Expr>,
    /// `exponential` or `linear`, as written (the checker validates it).
    pub strategy: Option<Ident>,
    pub max: Option<Expr>,
    /// `within D`: a deadline for all attempts together.
    pub within: Option<Expr>,
    /// `when EXPR`: retry a failed attempt only while EXPR (over the
    /// attempt's `exit_code`, `status_code`, `error`) holds.
    pub when: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// The body of `if`, `for each`, `parallel`, handlers and rollbacks: an optional
/// leading `depends on` that applies to everything inside, then items.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub depends_on: Option<DependsOn>,
    pub items: Vec<Item>,
    /// The span of `{ … }`.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DependsOn {
    pub names: IdentList,
    pub span: Span,
}

/// `if C { … } else if C { … } else { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct If {
    /// One entry per `if` / `else if`, in order.
    pub branches: Vec<IfBranch>,
    pub else_block: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IfBranch {
    pub cond: Expr,
    pub block: Block,
    pub span: Span,
}

/// `for each VAR in EXPR [parallel [N]] { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct ForEach {
    pub var: Ident,
    pub iter: Expr,
    /// `Some(None)` for `parallel`, `Some(Some(n))` for `parallel n`.
    pub parallel: Option<Option<Expr>>,
    /// `fail fast` after `parallel [N]`, where written.
    pub fail_fast: Option<Span>,
    /// `batch N` (its keyword), where written: `parallel` holds `N`, and
    /// each batch of `N` iterations waits for the one before.
    pub batch: Option<Span>,
    /// `max failures N|P%`, where written.
    pub max_failures: Option<MaxFailures>,
    pub block: Block,
    pub span: Span,
}

/// `max failures N` (`count` an int or a name) or `max failures P%`.
#[derive(Clone, Debug, PartialEq)]
pub struct MaxFailures {
    pub count: Expr,
    pub percent: bool,
    pub span: Span,
}

/// `parallel [NAME] [wait all|any] { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Parallel {
    pub name: Option<Ident>,
    /// The mode as written (`all`/`any`; the checker validates it). None = all.
    pub wait: Option<Ident>,
    /// `fail fast`, where written.
    pub fail_fast: Option<Span>,
    pub block: Block,
    pub span: Span,
}

/// `sequence [NAME] { … }`: the block's items run one after another, each
/// once the one before succeeded (or was absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub name: Option<Ident>,
    pub block: Block,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandlerKind {
    Failure,
    Success,
    Finally,
}

impl HandlerKind {
    pub fn keyword(self) -> &'static str {
        match self {
            HandlerKind::Failure => "on failure",
            HandlerKind::Success => "on success",
            HandlerKind::Finally => "finally",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub kind: HandlerKind,
    pub block: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(StrLit),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A duration literal, in milliseconds (`500ms`, `30s`, `1h30m`).
    Duration(u64),
    /// A size literal, in bytes, 1024-based (`512MB`, `16GB`).
    Size(u64),
    List(Vec<Expr>),
    /// `{ key: value, … }` in expression position.
    Map(Vec<MapEntry>),
    /// A name: a param, a loop variable, a step, `failed`, or (in keyword
    /// positions such as `pull missing`) a keyword.
    Name(Ident),
    /// `base.field` — step outputs (`test.outputs.coverage`), map keys.
    Field(Box<Expr>, Ident),
    /// `base[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `name(args)`
    Call(Ident, Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `( expr )`, kept so the formatter can print it back.
    Paren(Box<Expr>),
    /// `cond ? then : otherwise`
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[elem for var in source if filter]`
    Comprehension(Box<Comprehension>),
}

/// `[elem for var in source if filter]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub elem: Expr,
    pub var: Ident,
    pub source: Expr,
    pub filter: Option<Expr>,
}

// `Debug` is in strings.rs: without `moved`, which is no part of the tree.
#[derive(Clone, PartialEq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
    /// `"""…"""` (dedented multi-line) rather than `"…"`.
    pub triple: bool,
    /// Where the text of a part comes from when that is not its span's start
    /// plus the offset (after an escape, or a `"""` string's dedenting):
    /// runs of (the part's span start, an offset in its text, the source
    /// offset of that byte), each good up to the next. Empty for most.
    pub moved: Box<[(u32, u32, u32)]>,
}

impl StrLit {
    /// The text if the literal has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t, _) => out.push_str(t),
                StrPart::Interp(_) | StrPart::Shell(..) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    /// Literal text, escapes resolved and (for `"""`) dedented; the span is the
    /// raw source text it came from.
    Text(String, Span),
    /// `${expr}`; the expression's own span is inside the braces.
    Interp(Expr),
    /// A shell parameter expansion such as `${NAME:-x}` (not a `.wf`
    /// expression), as written; the span covers it from `$` to `}`. The
    /// checker reports it.
    Shell(String, Span),
}

pub use super::operators::{BinaryOp, UnaryOp};

/// A comment kept beside the tree for the formatter (and `##` docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `#` (or `##`), without the line break.
    pub text: String,
    /// `##` documentation comment.
    pub doc: bool,
    /// Covers the whole comment including the `#`.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str, start: usize) -> Ident {
        Ident {
            name: name.into(),
            span: Span::new(start, start + name.len()),
        }
    }

    #[test]
    fn ident_lists_give_back_their_names_and_spans() {
        let list: IdentList = [ident("build", 3), ident("test-unit", 10)]
            .into_iter()
            .collect();
        let back: Vec<(&str, Span)> = list.iter().map(|n| (n.name, n.span)).collect();
        assert_eq!(
            back,
            [("build", Span::new(3, 8)), ("test-unit", Span::new(10, 19))]
        );
        assert_eq!(list.len(), 2);
        assert_eq!(format!("{list:?}").matches("IdentRef").count(), 2);
    }

    #[test]
    fn an_empty_ident_list_has_no_names() {
        let list: IdentList = std::iter::empty().collect();
        assert!(list.is_empty());
        assert_eq!(list.iter().count(), 0);
        assert_eq!(list, IdentList::default());
    }
}
