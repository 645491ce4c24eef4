//! IR expressions written back as source text, for plans and messages.
//!
//! Secrets never appear: a folded plan keeps secret-derived values as
//! references (`slack_url`), which print as their names; a tainted literal,
//! should one ever reach here, prints as `***`.

use crate::value::{format_duration, format_float};
use wfc_language::ir::{
    BinaryOp, Expr, ExprKind, FailedField, Func, InterpPart, Names, StepId, UnaryOp,
};

pub const MASK: &str = "***";

/// The expression as source: `env == "prod"`, `test.outputs.coverage >= 80.0`.
pub fn show(wf: &dyn Names, e: &Expr) -> String {
    let mut out = String::new();
    write(wf, e, 0, &mut out);
    out
}

/// A string-valued expression as the text it stands for: literals as their
/// content, `${…}` kept around what is only known at run time.
pub fn show_text(wf: &dyn Names, e: &Expr) -> String {
    if e.tainted && is_literal(e) {
        return MASK.into();
    }
    match &e.kind {
        ExprKind::Str(s) => s.clone(),
        ExprKind::Interp(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    InterpPart::Text(t) => out.push_str(t),
                    InterpPart::Expr(x) if is_literal(x) && !x.tainted => {
                        out.push_str(&literal_text(x))
                    }
                    InterpPart::Expr(x) => {
                        out.push_str("${");
                        out.push_str(&show(wf, x));
                        out.push('}');
                    }
                }
            }
            out
        }
        _ if is_literal(e) => literal_text(e),
        _ => format!("${{{}}}", show(wf, e)),
    }
}

/// A `run` command as the interpreter will run it: each `${…}` known at
/// plan time quoted for its shell context exactly as the run quotes it
/// (`echo 'a b; rm -rf /'`), `${raw(…)}` spliced as is, and what only the run
/// knows (step outputs, secrets) kept as `${…}`.
pub fn command_text(wf: &dyn Names, e: &Expr) -> String {
    let ExprKind::Interp(parts) = &e.kind else {
        return show_text(wf, e);
    };
    let mut cmd = wfc_language::shell_syntax::ShellCommand::new();
    for p in parts {
        let x = match p {
            InterpPart::Text(t) => {
                cmd.text(t);
                continue;
            }
            InterpPart::Expr(x) => x,
        };
        let known = |x: &Expr| is_literal(x) && !x.tainted;
        match &x.kind {
            ExprKind::Call(Func::Raw, args) if args.len() == 1 && known(&args[0]) => {
                cmd.raw(&literal_text(&args[0]));
            }
            ExprKind::List(items) if known(x) => {
                // One word per item, as the run writes them.
                let words: Vec<String> = items.iter().map(literal_text).collect();
                let mut tried = cmd.clone();
                if tried.words(&words).is_ok() {
                    cmd = tried;
                } else {
                    cmd.placeholder(&format!("${{{}}}", show(wf, x)));
                }
            }
            _ if known(x) => {
                // (A value the run could not quote fails the step; shown as written.)
                let mut tried = cmd.clone();
                if tried.value(&literal_text(x)).is_ok() {
                    cmd = tried;
                } else {
                    cmd.placeholder(&format!("${{{}}}", show(wf, x)));
                }
            }
            _ => {
                cmd.placeholder(&format!("${{{}}}", show(wf, x)));
            }
        }
    }
    cmd.finish()
}

/// A `python` or `node` script as it will run: each `${…}` known at plan
/// time rendered for its place exactly as the run renders it
/// ([`crate::script::render`]), what only the run knows kept as `${…}`.
pub fn script_text(wf: &dyn Names, e: &Expr, lang: crate::script::ScriptLang) -> String {
    use crate::script::{render, Piece};
    let ExprKind::Interp(parts) = &e.kind else {
        return show_text(wf, e);
    };
    let known: Vec<Option<crate::Value>> = parts
        .iter()
        .map(|p| match p {
            InterpPart::Expr(x) if is_literal(x) && !x.tainted => crate::Value::of_literal(x),
            _ => None,
        })
        .collect();
    let shown: Vec<String> = parts
        .iter()
        .zip(&known)
        .map(|(p, v)| match (p, v) {
            (InterpPart::Expr(x), None) => format!("${{{}}}", show(wf, x)),
            _ => String::new(),
        })
        .collect();
    let pieces: Vec<Piece> = parts
        .iter()
        .zip(&known)
        .zip(&shown)
        .map(|((p, v), s)| match (p, v) {
            (InterpPart::Text(t), _) => Piece::Text(t),
            (_, Some(value)) => Piece::Value {
                value,
                secret: false,
            },
            _ => Piece::Shown(s),
        })
        .collect();
    // A value the run would refuse (the checker has said so): shown as written.
    render(lang, &pieces)
        .map(|r| r.source)
        .unwrap_or_else(|_| show_text(wf, e))
}

fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_) => true,
        ExprKind::List(xs) => xs.iter().all(is_literal),
        ExprKind::Map(m) => m.iter().all(|(_, v)| is_literal(v)),
        // A folded time (`Value::to_expr`).
        ExprKind::Call(Func::ParseTime, _) => crate::Value::of_literal(e).is_some(),
        _ => false,
    }
}

/// A literal as interpolation inserts it (lists and maps as JSON).
fn literal_text(e: &Expr) -> String {
    match crate::Value::of_literal(e) {
        Some(v) => v.to_text(),
        None => String::new(),
    }
}

pub fn func_name(f: Func) -> &'static str {
    wfc_language::check::functions::function_info(f).name
}

fn write(wf: &dyn Names, e: &Expr, parent_prec: u8, out: &mut String) {
    if e.tainted && is_literal(e) {
        out.push_str(MASK);
        return;
    }
    // A let's use by its name, not its expression inlined there (a value
    // the plan knows is still shown as the value).
    if let Some(name) = wf.let_at(e.span).filter(|_| !is_literal(e)) {
        out.push_str(name);
        return;
    }
    match &e.kind {
        ExprKind::Str(s) => out.push_str(&quote(s)),
        ExprKind::Int(i) => out.push_str(&i.to_string()),
        ExprKind::Float(f) => out.push_str(&format_float(*f)),
        ExprKind::Bool(b) => out.push_str(&b.to_string()),
        ExprKind::Duration(ms) => out.push_str(&format_duration(*ms)),
        ExprKind::List(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(wf, x, 0, out);
            }
            out.push(']');
        }
        ExprKind::Map(m) => {
            out.push_str("{ ");
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                write(wf, v, 0, out);
            }
            out.push_str(" }");
        }
        ExprKind::Interp(_) => out.push_str(&quote(&show_text(wf, e))),
        ExprKind::Param(p) => out.push_str(wf.param_name(*p)),
        ExprKind::LoopVar(b) => out.push_str(wf.loop_var(*b).unwrap_or("?")),
        ExprKind::CompVar(v) => out.push_str(&v.name),
        ExprKind::Comprehension(c) => {
            out.push('[');
            write(wf, &c.elem, 0, out);
            out.push_str(" for ");
            out.push_str(&c.var.name);
            out.push_str(" in ");
            write(wf, &c.source, 0, out);
            if let Some(f) = &c.filter {
                out.push_str(" if ");
                write(wf, f, 0, out);
            }
            out.push(']');
        }
        ExprKind::StepOutput {
            step,
            field,
            output,
        } => {
            out.push_str(wf.step_name(*step));
            out.push('.');
            out.push_str(field);
            if let Some(o) = output {
                out.push('.');
                out.push_str(o);
            }
        }
        ExprKind::StepStatus(step) => {
            out.push_str(wf.step_name(*step));
            out.push_str(".status");
        }
        ExprKind::Failed(FailedField::Step) => out.push_str("failed.step"),
        ExprKind::Failed(FailedField::Error) => out.push_str("failed.error"),
        ExprKind::Call(f, args) => {
            out.push_str(func_name(*f));
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(wf, a, 0, out);
            }
            out.push(')');
        }
        ExprKind::Unary(op, x) => {
            out.push_str(match op {
                UnaryOp::Not => "!",
                UnaryOp::Neg => "-",
            });
            write(wf, x, 7, out);
        }
        // `error is timeout`: the class read is shown as `error`, the class
        // as the bare word it was written as.
        ExprKind::Binary(BinaryOp::Is, _, r) => {
            let paren = BinaryOp::Is.precedence() < parent_prec;
            out.push_str(if paren { "(error is " } else { "error is " });
            if let ExprKind::Str(word) = &r.kind {
                out.push_str(word);
            }
            if paren {
                out.push(')');
            }
        }
        ExprKind::Binary(op, l, r) => {
            let prec = op.precedence();
            let paren = prec < parent_prec;
            if paren {
                out.push('(');
            }
            write(wf, l, prec, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write(wf, r, prec + 1, out);
            if paren {
                out.push(')');
            }
        }
        ExprKind::Index(b, i) => {
            write(wf, b, 8, out);
            out.push('[');
            write(wf, i, 0, out);
            out.push(']');
        }
        ExprKind::Field(b, name) => {
            write(wf, b, 8, out);
            out.push('.');
            out.push_str(name);
        }
        ExprKind::Cond(c, a, b) => {
            // Looser than every operator: parenthesised inside any of them.
            let paren = parent_prec > 0;
            if paren {
                out.push('(');
            }
            write(wf, c, 1, out);
            out.push_str(" ? ");
            write(wf, a, 1, out);
            out.push_str(" : ");
            write(wf, b, 0, out);
            if paren {
                out.push(')');
            }
        }
        ExprKind::Run(f) => {
            out.push_str("run.");
            out.push_str(f.name());
        }
        ExprKind::TriggerInput(i) => out.push_str(i.text()),
        ExprKind::Invalid => out.push('?'),
    }
}

/// A string literal in source form.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A retry's `when` of step `own` as written: the attempt's values by
/// their bare names (`exit_code`, not `fetch.exit_code`).
pub fn show_retry_when(wf: &dyn Names, own: StepId, e: &Expr) -> String {
    show(&AttemptNames { inner: wf, own }, e).replace(OWN_DOT, "")
}

/// Stands for the step's own name while its `when` is shown.
const OWN_DOT: &str = "\u{0}.";

/// The workflow's names, but the step itself is named [`OWN_DOT`].
struct AttemptNames<'a> {
    inner: &'a dyn Names,
    own: StepId,
}

impl Names for AttemptNames<'_> {
    fn param_name(&self, p: wfc_language::ir::ParamId) -> &str {
        self.inner.param_name(p)
    }
    fn step_name(&self, s: StepId) -> &str {
        if s == self.own {
            "\u{0}"
        } else {
            self.inner.step_name(s)
        }
    }
    fn loop_var(&self, b: wfc_language::ir::BlockId) -> Option<&str> {
        self.inner.loop_var(b)
    }
    fn let_at(&self, span: wfc_language::span::Span) -> Option<&str> {
        self.inner.let_at(span)
    }
}
