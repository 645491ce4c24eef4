//! Warnings: unused params, branches that can never run, `raw()` on values
//! from outside the file, and secrets (taint) flowing into command lines or
//! notification text.

use super::Checker;
use crate::diag::check as dc;
use crate::ir::{self, BlockKind, Expr, ExprKind, FieldValue, Func, InterpPart, StepKind};
use crate::span::Span;

/// Every top-level expression of the workflow.
fn all_exprs(wf: &ir::Workflow) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = Vec::new();
    for p in &wf.params {
        out.extend(&p.default);
        match &p.constraint {
            Some(ir::Constraint::OneOf(xs)) => out.extend(xs),
            Some(ir::Constraint::Range(a, b)) => out.extend([a, b]),
            None => {}
        }
    }
    out.extend(wf.env.iter().map(|(_, x)| x));
    for b in &wf.blocks {
        match &b.kind {
            BlockKind::IfBranch { cond: Some(c), .. } => out.push(c),
            BlockKind::ForEach { iter, parallel, .. } => {
                out.push(iter);
                if let Some(Some(n)) = parallel {
                    out.push(n);
                }
            }
            _ => {}
        }
    }
    for s in &wf.steps {
        for f in &s.fields {
            match &f.value {
                FieldValue::Expr(x) => out.push(x),
                FieldValue::Map(kv) => out.extend(kv.iter().map(|(_, x)| x)),
                FieldValue::Mount { source, target } => out.extend([&**source, &**target]),
                FieldValue::Keyword(_) => {}
                FieldValue::Inputs(inputs) => {
                    out.extend(inputs.iter().filter_map(|i| i.default.as_ref()))
                }
            }
        }
    }
    out
}

impl Checker<'_> {
    pub(super) fn lint(&mut self) {
        self.unused_params();
        self.dead_branches();
        self.raw_calls();
        self.secret_sinks();
        self.script_interpolations();
        self.shell_readings();
    }

    fn unused_params(&mut self) {
        for (i, p) in self.wf.params.iter().enumerate() {
            let used = self.used_params.get(i).copied().unwrap_or(false);
            let suggested = self.suggested_params.borrow().contains(&i);
            if !used && !suggested && self.param_names.get(&p.name) == Some(&i) {
                self.diags
                    .push(dc::unused_param(p.name_span, &p.name, p.secret));
            }
        }
    }

    fn dead_branches(&mut self) {
        let mut always: Vec<(usize, Span)> = Vec::new(); // (chain, span of the true condition)
        for b in &self.wf.blocks {
            let BlockKind::IfBranch { cond, chain, .. } = &b.kind else {
                continue;
            };
            // For `else`, the opening brace of its block.
            let brace = Span::new(b.span.start as usize, b.span.start as usize + 1);
            let head = cond.as_ref().map_or(brace, |c| c.span);
            if let Some(&(_, t)) = always.iter().find(|(c, _)| c == chain) {
                self.diags.push(dc::dead_branch(head, Some(t)));
                continue;
            }
            match cond.as_ref().and_then(Expr::as_bool) {
                Some(false) => self.diags.push(dc::dead_branch(head, None)),
                Some(true) => always.push((*chain, head)),
                None => {}
            }
        }
    }

    /// Where a value comes from outside the file, described for W0101.
    pub(super) fn external_source(&self, e: &Expr) -> Option<String> {
        let mut found = None;
        e.walk(&mut |x| {
            if found.is_some() {
                return;
            }
            found = match &x.kind {
                ExprKind::Param(p) => {
                    let p = &self.wf.params[*p];
                    let what = if p.secret { "secret" } else { "param" };
                    Some(format!("{what} `{}`", p.name))
                }
                ExprKind::StepOutput { step, .. } => Some(format!(
                    "the output of step `{}`",
                    self.wf.steps[*step].name
                )),
                ExprKind::Call(Func::Env | Func::RequireEnv, _) => {
                    Some("an environment variable".into())
                }
                ExprKind::Failed(_) => Some("the failure message".into()),
                ExprKind::LoopVar(b) => match &self.wf.blocks[*b].kind {
                    BlockKind::ForEach { var, iter, .. } => self
                        .external_source(iter)
                        .map(|_| format!("loop variable `{var}` (from outside the file)")),
                    _ => None,
                },
                _ => None,
            };
        });
        found
    }

    fn raw_calls(&mut self) {
        let mut out = Vec::new();
        for e in all_exprs(&self.wf) {
            e.walk(&mut |x| {
                if let ExprKind::Call(Func::Raw, args) = &x.kind {
                    if let Some(arg) = args.first() {
                        if let Some(src) = self.external_source(arg) {
                            out.push(dc::raw_external(arg.span, &src));
                        }
                    }
                }
            });
        }
        // `${…}` where no escaping is both safe and faithful (backquotes,
        // here-documents, …) is refused at run time: say so now.
        for st in &self.wf.steps {
            if !matches!(st.kind, StepKind::Shell | StepKind::Docker) {
                continue;
            }
            for f in &st.fields {
                if let (true, FieldValue::Expr(x)) = (f.name == "run", &f.value) {
                    // Each command a `? :` may choose is quoted on its own.
                    out.extend(
                        command_texts(x)
                            .into_iter()
                            .filter_map(unquotable_interpolation),
                    );
                }
            }
        }
        // `run VALUE` where the whole command comes from outside the file is
        // as unsafe as `raw(VALUE)`.
        for st in &self.wf.steps {
            if !matches!(st.kind, StepKind::Shell | StepKind::Docker) {
                continue;
            }
            for f in &st.fields {
                if let (true, FieldValue::Expr(x)) = (f.name == "run", &f.value) {
                    // A non-string is already a type error.
                    if x.ty != ir::Type::String {
                        continue;
                    }
                    for arm in command_arms(x) {
                        if let Some(src) = self.external_source(arm) {
                            out.push(dc::command_from_outside(arm.span, &src));
                        }
                    }
                }
            }
        }
        self.diags.extend(out);
    }

    /// The secret a tainted expression derives from, and the span to label:
    /// for a string, the first tainted `${…}`; otherwise the whole expression.
    pub(super) fn taint_site(&self, e: &Expr) -> Option<(Span, ir::ParamId)> {
        if !e.tainted {
            return None;
        }
        let span = match &e.kind {
            ExprKind::Interp(parts) => parts
                .iter()
                .find_map(|p| match p {
                    InterpPart::Expr(x) if x.tainted => Some(x.span),
                    _ => None,
                })
                .unwrap_or(e.span),
            _ => e.span,
        };
        let mut secret = None;
        e.walk(&mut |x| {
            if secret.is_none() {
                secret = match &x.kind {
                    ExprKind::Param(p) if self.wf.params[*p].secret => Some(*p),
                    // A param computed from a secret: the secret its default reads.
                    ExprKind::Param(p) => match &self.wf.params[*p].default {
                        Some(d) => self.taint_site(d).map(|(_, p)| p),
                        None => None,
                    },
                    ExprKind::LoopVar(b) => match &self.wf.blocks[*b].kind {
                        BlockKind::ForEach { iter, .. } => self.taint_site(iter).map(|(_, p)| p),
                        _ => None,
                    },
                    _ => None,
                };
            }
        });
        secret.map(|p| (span, p))
    }

    fn secret_sinks(&mut self) {
        let mut out = Vec::new();
        for s in &self.wf.steps {
            let sinks: &[&str] = match s.kind {
                StepKind::Shell | StepKind::Docker => &["run"],
                StepKind::Slack => &["message"],
                StepKind::Email => &["subject", "body"],
                StepKind::Webhook => &["body", "json"],
                _ => &[],
            };
            for f in &s.fields {
                let (true, FieldValue::Expr(x)) = (sinks.contains(&f.name.as_str()), &f.value)
                else {
                    continue;
                };
                let Some((span, p)) = self.taint_site(x) else {
                    continue;
                };
                let p = &self.wf.params[p];
                out.push(if f.name == "run" {
                    dc::secret_in_command(span, &p.name, p.name_span)
                } else {
                    dc::secret_in_notification(span, &p.name, &f.name, p.name_span)
                });
            }
        }
        self.diags.extend(out);
    }
}

/// The first `${…}` of a `run` command that stands where the shell quoting
/// of [`crate::shell_syntax`] refuses to interpolate, or a list that does
/// not stand as words of its own (E0169). A `raw(…)` splice ends the scan:
/// its text, unknown here, may change the context.
fn unquotable_interpolation(run: &Expr) -> Option<crate::diag::Diagnostic> {
    let ExprKind::Interp(parts) = &run.kind else {
        return None;
    };
    let mut cmd = crate::shell_syntax::ShellCommand::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            InterpPart::Text(t) => {
                cmd.text(t);
            }
            InterpPart::Expr(e) => {
                if matches!(e.kind, ExprKind::Call(Func::Raw, _)) {
                    return None;
                }
                if matches!(e.ty, ir::Type::List(_)) {
                    let before = cmd.as_str().chars().next_back();
                    match cmd.words(&["x"]) {
                        Err(err) if err.list => {
                            return Some(dc::list_in_quotes(e.span, err.context.describe()))
                        }
                        Err(_) => {}
                        Ok(_) => {
                            let after = match parts.get(i + 1) {
                                Some(InterpPart::Text(t)) => t.chars().next(),
                                Some(InterpPart::Expr(_)) => Some('x'),
                                None => None,
                            };
                            let starts = before.is_none_or(|c| c.is_whitespace() || c == '(');
                            let ends =
                                after.is_none_or(|c| c.is_whitespace() || ";|&)".contains(c));
                            if !(starts && ends) {
                                return Some(dc::list_glued(e.span));
                            }
                            continue;
                        }
                    }
                }
                if let Err(err) = cmd.value("x") {
                    let (context, instead) = (err.context.describe(), err.context.instead());
                    let arithmetic = err.context == crate::shell_syntax::Context::Arithmetic;
                    return Some(dc::unquotable_interpolation(
                        e.span, context, instead, arithmetic,
                    ));
                }
            }
        }
    }
    None
}

/// The texts a `run` value may be: the arms of `c ? "a" : "b"`, or itself.
fn command_texts(x: &Expr) -> Vec<&Expr> {
    match &x.kind {
        ExprKind::Cond(_, a, b) => {
            let mut v = command_texts(a);
            v.extend(command_texts(b));
            v
        }
        _ => vec![x],
    }
}

/// The parts of a `run` value that become the command: the arms of a
/// conditional (`cond ? "make a" : "make b"` chooses between two commands
/// written in the file, whatever decides), else the value itself. Literal
/// text is the file's own and is left out.
fn command_arms(x: &Expr) -> Vec<&Expr> {
    match &x.kind {
        ExprKind::Str(_) | ExprKind::Interp(_) => Vec::new(),
        ExprKind::Cond(_, a, b) => {
            let mut arms = command_arms(a);
            arms.extend(command_arms(b));
            arms
        }
        _ => vec![x],
    }
}
