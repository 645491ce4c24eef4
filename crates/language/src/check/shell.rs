//! What bash makes of a `run` command beyond its quoting, read by
//! [`crate::shell_syntax::bash`]: a value from outside the file that is not
//! an `int` where bash evaluates arithmetic or reads a variable's name is
//! code (E0168: `[[ ${x} -eq 1 ]]` with `x = "a[$(cmd)]"` runs `cmd`), and
//! so is an `env` variable bound to one and read there (`$(( N + 1 ))`);
//! a value in text a second shell parses (`eval`, `sh -c`, `ssh`) is a
//! warning (W0106).
//!
//! The rule holds for every shell but an explicit `shell "dash"` (or `ash`):
//! `sh` is bash on Fedora, RHEL and macOS, and dash evaluates none of these.

use super::Checker;
use crate::diag::check::{self as dc, BashReads};
use crate::ir::{Constraint, Expr, ExprKind, FieldValue, Func, InterpPart, StepKind, Type};
use crate::shell_syntax::bash::{readings, Reading, Target, PROMPTS};
use crate::shell_syntax::{Pos, Segment};
use crate::span::Span;
use crate::syntax::ast;

impl Checker<'_> {
    pub(super) fn shell_readings(&mut self) {
        let mut out = Vec::new();
        for (id, st) in self.wf.steps.iter().enumerate() {
            if !matches!(st.kind, StepKind::Shell | StepKind::Docker) {
                continue;
            }
            let field = |name: &str| {
                st.fields.iter().find_map(|f| match &f.value {
                    FieldValue::Expr(x) if f.name == name => Some(x),
                    _ => None,
                })
            };
            let Some(run) = field("run") else {
                continue;
            };
            let bash = !field("shell")
                .is_some_and(|s| matches!(&s.kind, ExprKind::Str(sh) if not_bash(sh)));
            // The workflow's `env`, then the step's (which wins).
            let mut env: Vec<(&str, &Expr)> =
                self.wf.env.iter().map(|(k, x)| (k.as_str(), x)).collect();
            if let Some(FieldValue::Map(m)) =
                st.fields.iter().find(|f| f.name == "env").map(|f| &f.value)
            {
                env.extend(m.iter().map(|(k, x)| (k.as_str(), x)));
            }
            // An exported prompt variable reaches every bash the step starts.
            for (name, x) in &env {
                if PROMPTS.contains(name) && !self.inert(x) {
                    out.push(prompt_value(x.span, name));
                }
            }
            let src = self.step_src.get(id).copied();
            for arm in arms(run) {
                self.read_arm(arm, src, &env, bash, &mut out);
            }
        }
        self.diags.extend(out);
    }

    fn read_arm(
        &self,
        arm: &Expr,
        src: Option<&ast::Step>,
        env: &[(&str, &Expr)],
        bash: bool,
        out: &mut Vec<crate::diag::Diagnostic>,
    ) {
        let (segments, values): (Vec<Segment>, Vec<&Expr>) = match &arm.kind {
            ExprKind::Str(t) => (vec![Segment::Text(t)], Vec::new()),
            ExprKind::Interp(parts) => {
                let mut segs = Vec::new();
                let mut values = Vec::new();
                for p in parts {
                    match p {
                        InterpPart::Text(t) => segs.push(Segment::Text(t)),
                        InterpPart::Expr(x) if matches!(x.kind, ExprKind::Call(Func::Raw, _)) => {
                            segs.push(Segment::Raw(""));
                        }
                        InterpPart::Expr(x) => {
                            segs.push(Segment::Value(""));
                            values.push(x);
                        }
                    }
                }
                (segs, values)
            }
            _ => return,
        };
        let lit = src.and_then(|s| field_literal(s, "run", arm.span));
        // One report per value or variable and way of reading it.
        let mut seen: Vec<(String, Option<BashReads>)> = Vec::new();
        for f in readings(&segments) {
            if let (Reading::PromptVariable, Target::Via { value, var, .. }) =
                (&f.reading, &f.target)
            {
                let key = (format!("#{value}"), Some(BashReads::Prompt));
                match values.get(*value) {
                    Some(x) if !self.inert(x) && !seen.contains(&key) => {
                        seen.push(key);
                        out.push(prompt_value(x.span, var));
                    }
                    _ => {}
                }
                continue;
            }
            let (reads, place) = match &f.reading {
                Reading::PromptVariable => continue,
                Reading::Arithmetic(p) => (Some(BashReads::Arithmetic), p),
                Reading::Name(p) => (Some(BashReads::Name), p),
                Reading::Prompt => (Some(BashReads::Prompt), &String::new()),
                Reading::Code(p) => (None, p),
            };
            if reads.is_some() && !bash {
                continue;
            }
            match &f.target {
                Target::Value(i) => {
                    let Some(x) = values.get(*i) else { continue };
                    let key = (format!("#{i}"), reads);
                    if self.inert(x) || seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    out.push(match reads {
                        Some(r) => dc::bash_evaluates_value(x.span, place, r),
                        None => dc::reparsed_value(x.span, place),
                    });
                }
                Target::Via {
                    value,
                    var,
                    at,
                    len,
                } => {
                    let Some(x) = values.get(*value) else {
                        continue;
                    };
                    let key = (format!("#{value}"), reads);
                    let (Some(r), false) = (reads, self.inert(x) || seen.contains(&key)) else {
                        continue;
                    };
                    seen.push(key);
                    let read_at = lit
                        .and_then(|l| text_span(l, joined_offset(&segments, *at), *len))
                        .unwrap_or(arm.span);
                    out.push(dc::bash_evaluates_through(x.span, var, place, r, read_at));
                }
                Target::Var { name, at, len } => {
                    let Some((_, x)) = env.iter().rev().find(|(k, _)| k == name) else {
                        continue;
                    };
                    let key = (name.clone(), reads);
                    if self.inert(x) || seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    let source = self
                        .external_source(x)
                        .unwrap_or_else(|| "a value from outside the file".into());
                    let span = lit
                        .and_then(|l| text_span(l, joined_offset(&segments, *at), *len))
                        .unwrap_or(arm.span);
                    out.push(match reads {
                        Some(r) => {
                            dc::bash_evaluates_variable(span, name, place, r, x.span, &source)
                        }
                        None => dc::reparsed_variable(span, name, place, x.span, &source),
                    });
                }
            }
        }
    }

    /// A value whose text cannot be chosen from outside the file: a number,
    /// bool or duration (digits and letters only), text written in the
    /// file, or a param held to values written in the file (`in [...]`).
    fn inert(&self, e: &Expr) -> bool {
        let ty = match &e.ty {
            Type::Optional(t) => t,
            t => t,
        };
        if matches!(
            ty,
            Type::Int | Type::Float | Type::Bool | Type::Duration | Type::Invalid
        ) {
            return true;
        }
        match &e.kind {
            ExprKind::Param(p) => {
                matches!(self.wf.params[*p].constraint, Some(Constraint::OneOf(_)))
                    || self.external_source(e).is_none()
            }
            ExprKind::Cond(_, a, b) => self.inert(a) && self.inert(b),
            ExprKind::Interp(parts) => parts.iter().all(|p| match p {
                InterpPart::Text(_) => true,
                InterpPart::Expr(x) => self.inert(x),
            }),
            _ => self.external_source(e).is_none(),
        }
    }
}

/// E0168: a value from outside the file set as a prompt variable (`PS4`,
/// `PS1`…, `PROMPT_COMMAND`), which bash expands, `$(…)` included: `PS4`
/// on each command traced by `set -x`, in this shell or any bash it starts.
fn prompt_value(span: Span, var: &str) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::error(
        "E0168",
        format!("`${{…}}` is assigned to `{var}`, which bash expands as a prompt string"),
    )
    .primary(span, "a `$(cmd)` in the value runs `cmd`")
    .help(format!(
        "do not set `{var}` from a value; write it in the file (`{var}='+ '`)"
    ))
}

/// `shell "dash"`, `shell "/bin/ash"`: a shell that evaluates no text.
fn not_bash(shell: &str) -> bool {
    let program = shell.split_whitespace().next().unwrap_or("");
    matches!(program.rsplit('/').next(), Some("dash" | "ash"))
}

/// The commands a `run` value may be: the arms of `c ? "a" : "b"`.
fn arms(x: &Expr) -> Vec<&Expr> {
    match &x.kind {
        ExprKind::Cond(_, a, b) => {
            let mut v = arms(a);
            v.extend(arms(b));
            v
        }
        _ => vec![x],
    }
}

/// The string literal of the step's `field` whose span is `span` (an arm
/// of a `? :`, or the whole value).
pub(super) fn field_literal<'a>(
    step: &'a ast::Step,
    field: &str,
    span: Span,
) -> Option<&'a ast::StrLit> {
    fn find(e: &ast::Expr, span: Span) -> Option<&ast::StrLit> {
        match &e.kind {
            ast::ExprKind::Str(lit) if e.span == span => Some(lit),
            ast::ExprKind::Cond(_, a, b) => find(a, span).or_else(|| find(b, span)),
            ast::ExprKind::Paren(inner) => find(inner, span),
            _ => None,
        }
    }
    step.fields.iter().find_map(|f| match &f.value {
        ast::FieldValue::Expr(e) if f.name.name == field => find(e, span),
        _ => None,
    })
}

/// Where `len` bytes at `offset` of a literal's text parts, joined, are in
/// the source (the text parts of a template are the literal's, in order).
pub(super) fn text_span(lit: &ast::StrLit, mut offset: usize, len: usize) -> Option<Span> {
    for part in &lit.parts {
        if let ast::StrPart::Text(t, span) = part {
            if offset + len <= t.len() {
                return Some(lit.source_span(*span, offset, offset + len));
            }
            offset = offset.checked_sub(t.len())?;
        }
    }
    None
}

/// `at` as an offset into the template's text segments joined.
fn joined_offset(segments: &[Segment], at: Pos) -> usize {
    let before: usize = segments[..at.segment]
        .iter()
        .map(|s| match s {
            Segment::Text(t) => t.len(),
            _ => 0,
        })
        .sum();
    before + at.offset
}
