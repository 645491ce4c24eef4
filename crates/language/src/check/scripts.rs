//! `${…}` in `python` and `node` scripts, checked where
//! [`crate::script_syntax`] says each lands: places no escaping makes safe
//! (E0270) and secrets inside string literals (E0271), which the run would
//! otherwise refuse.

use super::Checker;
use crate::diag::check as dc;
use crate::ir::{ExprKind, FieldValue, InterpPart};
use crate::script_syntax::{value_contexts, Context, Segment};

impl Checker<'_> {
    pub(super) fn script_interpolations(&mut self) {
        let mut out = Vec::new();
        for st in &self.wf.steps {
            let Some(lang) = st.kind.script_lang() else {
                continue;
            };
            let Some(FieldValue::Expr(script)) = st
                .fields
                .iter()
                .find(|f| f.name == "script")
                .map(|f| &f.value)
            else {
                continue;
            };
            let ExprKind::Interp(parts) = &script.kind else {
                continue;
            };
            let segments: Vec<Segment> = parts
                .iter()
                .map(|p| match p {
                    InterpPart::Text(t) => Segment::Text(t),
                    InterpPart::Expr(_) => Segment::Value,
                })
                .collect();
            let values = parts.iter().filter_map(|p| match p {
                InterpPart::Expr(x) => Some(x),
                InterpPart::Text(_) => None,
            });
            for (x, context) in values.zip(value_contexts(lang, &segments)) {
                match context {
                    Context::Code => {}
                    Context::Refused(r) => out.push(dc::unsafe_script_interpolation(
                        x.span,
                        lang.name(),
                        &r.describe(),
                        r.fix(lang),
                    )),
                    Context::Str(kind) => {
                        if let Some((span, p)) = self.taint_site(x) {
                            let p = &self.wf.params[p];
                            out.push(dc::secret_in_script_string(
                                span,
                                &p.name,
                                &kind.describe(),
                                p.name_span,
                            ));
                        }
                    }
                }
            }
        }
        self.diags.extend(out);
    }
}
