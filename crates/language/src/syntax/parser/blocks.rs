//! The tree of the control-flow blocks: `{ … }` bodies, `if`/`else`,
//! `for each`, `parallel` and the workflow's handlers.

use super::*;

impl Builder {
    pub(super) fn block(&self, pair: Pair<'_, Rule>) -> Block {
        let sp = span(&pair);
        let mut depends_on = None;
        let mut items = Vec::new();
        for p in kids(pair) {
            if p.as_rule() == Rule::block_depends {
                let dsp = span(&p);
                let names = self.depends_list(p);
                depends_on = Some(DependsOn { names, span: dsp });
            } else if let Some(item) = self.item(p) {
                items.push(item);
            }
        }
        Block {
            depends_on,
            items: tight(items),
            span: sp,
        }
    }

    pub(super) fn if_item(&self, pair: Pair<'_, Rule>) -> If {
        let sp = span(&pair);
        let mut branches = Vec::new();
        let mut else_block = None;
        let mut cond = None;
        let mut start = sp.start as usize;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::expr => cond = Some(self.expr(p)),
                Rule::block => {
                    let block = self.block(p);
                    let bsp = Span::new(start, block.span.end as usize);
                    branches.push(IfBranch {
                        cond: cond.take().unwrap_or_else(|| self.invalid(bsp)),
                        block,
                        span: bsp,
                    });
                }
                Rule::else_if => {
                    let esp = span(&p);
                    let mut c = None;
                    let mut b = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::expr => c = Some(self.expr(q)),
                            Rule::block => b = Some(self.block(q)),
                            _ => {}
                        }
                    }
                    if let Some(block) = b {
                        branches.push(IfBranch {
                            cond: c.unwrap_or_else(|| self.invalid(esp)),
                            block,
                            span: esp,
                        });
                    }
                }
                Rule::else_block => {
                    else_block = kids(p)
                        .find(|q| q.as_rule() == Rule::block)
                        .map(|q| self.block(q));
                }
                _ => {}
            }
            start = sp.start as usize;
        }
        If {
            branches,
            else_block,
            span: sp,
        }
    }

    /// `max failures N|P%`.
    fn max_failures(&self, pair: Pair<'_, Rule>) -> MaxFailures {
        let sp = span(&pair);
        let mut count = self.invalid(sp);
        let mut percent = false;
        for q in kids(pair) {
            match q.as_rule() {
                Rule::percent => {
                    let at = span(&q);
                    let digits = q.as_str().trim_end_matches('%');
                    let kind = digits
                        .parse()
                        .map_or(ExprKind::Int(i64::MAX), ExprKind::Int);
                    count = Expr {
                        kind,
                        span: Span::new(at.start as usize, at.end as usize - 1),
                    };
                    percent = true;
                }
                Rule::int | Rule::name => count = self.primary(q),
                _ => {}
            }
        }
        MaxFailures {
            count,
            percent,
            span: sp,
        }
    }

    pub(super) fn for_each(&self, pair: Pair<'_, Rule>) -> ForEach {
        let sp = span(&pair);
        let mut var = None;
        let mut iter = None;
        let mut parallel = None;
        let mut fail_fast = None;
        let mut batch = None;
        let mut max_failures = None;
        let mut block = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => var = Some(ident(p)),
                Rule::expr => iter = Some(self.expr(p)),
                Rule::parallel_spec | Rule::batch_spec => {
                    if p.as_rule() == Rule::batch_spec {
                        batch = kids(p.clone()).next().map(|k| span(&k));
                    }
                    fail_fast = kids(p.clone())
                        .find(|q| q.as_rule() == Rule::fail_fast)
                        .map(|q| span(&q));
                    parallel = Some(
                        kids(p)
                            .find(|q| matches!(q.as_rule(), Rule::int | Rule::name))
                            .map(|q| self.primary(q)),
                    );
                }
                Rule::max_failures => max_failures = Some(self.max_failures(p)),
                Rule::block => block = Some(self.block(p)),
                _ => {}
            }
        }
        ForEach {
            var: var.unwrap_or(Ident {
                name: Default::default(),
                span: sp,
            }),
            iter: iter.unwrap_or_else(|| self.invalid(sp)),
            parallel,
            fail_fast,
            batch,
            max_failures,
            block: block.unwrap_or(Block {
                depends_on: None,
                items: Vec::new(),
                span: sp,
            }),
            span: sp,
        }
    }

    pub(super) fn parallel(&self, pair: Pair<'_, Rule>) -> Parallel {
        let sp = span(&pair);
        let mut name = None;
        let mut wait = None;
        let mut fail_fast = None;
        let mut block = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(ident(p)),
                Rule::wait_mode => {
                    wait = kids(p).find(|q| q.as_rule() == Rule::ident).map(ident);
                }
                Rule::fail_fast => fail_fast = Some(span(&p)),
                Rule::block => block = Some(self.block(p)),
                _ => {}
            }
        }
        Parallel {
            name,
            wait,
            fail_fast,
            block: block.unwrap_or(Block {
                depends_on: None,
                items: Vec::new(),
                span: sp,
            }),
            span: sp,
        }
    }

    pub(super) fn handler(&self, pair: Pair<'_, Rule>) -> Handler {
        let sp = span(&pair);
        let text = pair.as_str();
        let kind = if text.starts_with("finally") {
            HandlerKind::Finally
        } else if text
            .trim_start_matches("on")
            .trim_start()
            .starts_with("success")
        {
            HandlerKind::Success
        } else {
            HandlerKind::Failure
        };
        let block = kids(pair)
            .find(|p| p.as_rule() == Rule::block)
            .map(|p| self.block(p))
            .unwrap_or(Block {
                depends_on: None,
                items: Vec::new(),
                span: sp,
            });
        Handler {
            kind,
            block,
            span: sp,
        }
    }
}
