//! `[ELEM for NAME in SOURCE if FILTER]`: typed as `list<T>` of `ELEM`'s
//! type. `NAME` is in scope in `ELEM` and `FILTER` only, where it hides a
//! param, let, loop variable or outer comprehension's variable of the same
//! name (as a `for each` variable does).

use super::exprs::expr;
use super::{Checker, Ctx};
use crate::diag::check as dc;
use crate::ir::{CompVar, Comprehension, Expr, ExprKind, Type};
use crate::span::Span;
use crate::syntax::ast;

/// The comprehension variables in scope while an expression is typed.
#[derive(Default)]
pub(crate) struct CompScope {
    /// Innermost last: the variable, its element type, whether the list
    /// it comes from is derived from a secret, and its index in
    /// `comp_vars` (when references are kept).
    vars: Vec<(CompVar, Type, bool, Option<usize>)>,
    /// The next variable's id (unique in the workflow).
    next: u32,
}

impl Checker<'_> {
    pub(crate) fn lower_comprehension(
        &mut self,
        c: &ast::Comprehension,
        span: Span,
        ctx: &Ctx,
    ) -> Expr {
        let source = self.lower_expr(&c.source, ctx);
        let elem_ty = match &source.ty {
            Type::List(t) => (**t).clone(),
            Type::Json | Type::Invalid => source.ty.clone(),
            ty => {
                let found = ty.to_string();
                let ok = self.require(&source, &Type::list(Type::Json), |_, _| {
                    dc::comprehension_not_a_list(source.span, &found)
                });
                // (A `list<T>?` was reported as such: go on with its `T`.)
                match ty {
                    Type::Optional(inner) if !ok => match &**inner {
                        Type::List(t) => (**t).clone(),
                        _ => Type::Invalid,
                    },
                    _ => Type::Invalid,
                }
            }
        };
        if c.var.name == "run" {
            self.report(dc::run_reserved(c.var.span, "comprehension variable"));
        }
        let var = CompVar {
            id: self.comps.next,
            name: c.var.name.to_string(),
        };
        self.comps.next += 1;
        let decl = self.keep_references.then(|| {
            self.wf.comp_vars.push(crate::ir::CompVarDecl {
                name: var.name.clone(),
                span: c.var.span,
                ty: elem_ty.clone(),
                source: source.span,
            });
            let i = self.wf.comp_vars.len() - 1;
            self.reference(c.var.span, crate::ir::Symbol::CompVar(i));
            i
        });
        self.comps
            .vars
            .push((var.clone(), elem_ty, source.tainted, decl));
        let elem = self.lower_expr(&c.elem, ctx);
        let filter = c.filter.as_ref().map(|f| {
            let x = self.lower_expr(f, ctx);
            self.require(&x, &Type::Bool, |_, found| {
                dc::comprehension_filter_not_bool(x.span, found)
            });
            x
        });
        self.comps.vars.pop();
        let tainted = source.tainted || elem.tainted || filter.as_ref().is_some_and(|f| f.tainted);
        let ty = if elem.ty.is_invalid() || source.ty.is_invalid() {
            Type::Invalid
        } else {
            Type::list(elem.ty.clone())
        };
        let kind = ExprKind::Comprehension(Box::new(Comprehension {
            var,
            source,
            elem,
            filter,
        }));
        expr(kind, ty, span, tainted)
    }

    /// The comprehension variable `name` in scope, innermost first.
    pub(crate) fn comp_var(&mut self, name: &str, span: Span) -> Option<Expr> {
        let (var, ty, tainted, decl) = self
            .comps
            .vars
            .iter()
            .rev()
            .find(|(v, ..)| v.name == name)?
            .clone();
        if let Some(i) = decl {
            self.reference(span, crate::ir::Symbol::CompVar(i));
        }
        Some(expr(ExprKind::CompVar(var), ty, span, tainted))
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::ir::{ExprKind, Type};

    const UNKNOWN: &str = "E0140";

    /// The types of the workflow's lets, and the codes of the errors.
    fn lets(body: &str) -> (Vec<(String, String)>, Vec<&'static str>) {
        let a = analyze("t.wf", format!("workflow w {{\n{body}\n}}\n"));
        assert!(
            a.parsed.diagnostics.is_empty(),
            "{:?}",
            a.parsed.diagnostics
        );
        let c = a.first().unwrap();
        let types =
            c.ir.lets
                .iter()
                .map(|l| (l.name.clone(), l.value.ty.to_string()));
        let errors = c.diagnostics.iter().filter(|d| d.is_error());
        let codes = errors.map(|d| d.code).collect();
        (types.collect(), codes)
    }

    fn ty(body: &str) -> String {
        let (types, codes) = lets(body);
        assert!(codes.is_empty(), "{codes:?}");
        types.last().unwrap().1.clone()
    }

    #[test]
    fn a_comprehension_is_a_list_of_its_element() {
        assert_eq!(
            ty("param xs: list<string>\nlet a = [len(x) for x in xs]"),
            "list<int>"
        );
        assert_eq!(
            ty("param xs: list<string>\nlet a = [x for x in xs if x != \"\"]"),
            "list<string>"
        );
        assert_eq!(ty("let a = [[x, 2] for x in [1]]"), "list<list<int>>");
        // Nested: the inner variable hides the outer one of the same name.
        assert_eq!(
            ty("let a = [[x for x in split(x, \",\")] for x in [\"a,b\"]]"),
            "list<list<string>>"
        );
        // The variable hides a param; it is gone after the brackets.
        let (_, codes) = lets("param x: int = 1\nlet a = [x for x in [\"s\"]]\nlet b = x + 1");
        assert!(codes.is_empty(), "{codes:?}");
        let (_, codes) = lets("let a = [y for y in [1]]\nlet b = y");
        assert_eq!(codes, [UNKNOWN], "an unknown name after the brackets");
    }

    #[test]
    fn misuses_have_their_codes() {
        let code = |body: &str| lets(body).1;
        assert_eq!(code("let a = [x for x in 3]"), ["E0340"]);
        assert_eq!(code("let a = [x for x in [1] if x]"), ["E0341"]);
        assert_eq!(code("let a = sort([true])"), ["E0342"]);
        assert_eq!(code("let a = sum([\"a\"])"), ["E0148"]);
        assert_eq!(code("let a = flatten([1])"), ["E0148"]);
        assert_eq!(code("let a = count([1], \"a\")"), ["E0148"]);
        assert_eq!(code("let a = [run for run in [1]]"), ["E0187"]);
    }

    #[test]
    fn collection_functions_and_times_are_typed() {
        assert_eq!(ty("let a = flatten([[1], [2, 3]])"), "list<int>");
        assert_eq!(ty("let a = any([true, false])"), "bool");
        assert_eq!(ty("let a = sum([1, 2.5])"), "float");
        assert_eq!(ty("let a = min([3, 1])"), "int");
        assert_eq!(ty("let a = unique(sort([\"b\", \"a\"]))"), "list<string>");
        assert_eq!(ty("let a = count([1, 2], 1)"), "int");
        assert_eq!(ty("let a = now()"), "time");
        assert_eq!(ty("let a = run.started + 1h"), "time");
        assert_eq!(ty("let a = now() - run.started"), "duration");
        assert_eq!(ty("let a = now() >= run.started"), "bool");
        assert_eq!(ty("let a = format_time(now(), \"%Y\")"), "string");
        assert_eq!(
            ty("let a = parse_time(\"01/05/2026\", \"%d/%m/%Y\")"),
            "time"
        );
        assert_eq!(
            ty("param at: time\nlet a = sort([at, run.started])"),
            "list<time>"
        );
        let (_, codes) = lets("let a = run.started + run.started");
        assert_eq!(codes, ["E0150"]);
        let (_, codes) = lets("let a = run.started == \"2026\"");
        assert_eq!(codes, ["E0150"]);
    }

    #[test]
    fn the_variable_reads_as_a_comp_var() {
        let a = analyze("t.wf", "workflow w {\n  let a = [x + 1 for x in [1]]\n}\n");
        let c = a.first().unwrap();
        let ExprKind::Comprehension(comp) = &c.ir.lets[0].value.kind else {
            panic!("{:?}", c.ir.lets[0].value)
        };
        assert_eq!(comp.var.name, "x");
        assert_eq!(comp.elem.ty, Type::Int);
        let mut reads = 0;
        comp.elem.walk(&mut |e| {
            reads += usize::from(matches!(&e.kind, ExprKind::CompVar(v) if v.id == comp.var.id))
        });
        assert_eq!(reads, 1);
    }
}
