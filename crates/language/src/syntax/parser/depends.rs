//! The names of a `depends on` list, with its `any(b, c)` groups.

use super::*;

impl Builder {
    /// The list under a `depends_field` or `block_depends`: one `ident_list`
    /// (names only), or names and `any_deps` groups one by one.
    pub(super) fn depends_list(&self, pair: Pair<'_, Rule>) -> IdentList {
        let mut names: Vec<Ident> = Vec::new();
        let mut groups = Vec::new();
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident_list => return self.ident_list(p),
                Rule::ident => names.push(ident(p)),
                Rule::any_deps => {
                    let sp = span(&p);
                    let first = names.len();
                    if let Some(list) = kids(p).find(|l| l.as_rule() == Rule::ident_list) {
                        names.extend(self.ident_list(list).iter().map(|n| Ident {
                            name: n.name.into(),
                            span: n.span,
                        }));
                    }
                    groups.push(AnyGroup {
                        first: first as u32,
                        len: (names.len() - first) as u32,
                        span: sp,
                    });
                }
                _ => {}
            }
        }
        names.into_iter().collect::<IdentList>().with_any(groups)
    }
}
