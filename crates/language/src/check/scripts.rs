//! `${…}` in `python` and `node` scripts, checked where
//! [`crate::script_syntax`] says each lands: places no escaping makes safe
//! (E0270) and secrets inside string literals (E0271), which the run would
//! otherwise refuse; and a Python encoding declaration under which the
//! escaped values would not read as written (E0272). (JavaScript has no
//! such declaration: node reads a script as UTF-8.)

use super::{shell, Checker};
use crate::diag::check as dc;
use crate::ir::{ExprKind, FieldValue, InterpPart};
use crate::script_syntax::{python_encoding, value_contexts, Context, Lang, Segment};

impl Checker<'_> {
    pub(super) fn script_interpolations(&mut self) {
        let mut out = Vec::new();
        for (id, st) in self.wf.steps.iter().enumerate() {
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
            let declared = match lang {
                Lang::Python => python_encoding(&segments).filter(|d| !d.keeps_ascii()),
                Lang::JavaScript => None,
            };
            if let Some(d) = declared {
                // On the codec's name, in the source.
                let before: usize = segments[..d.segment]
                    .iter()
                    .map(|s| match s {
                        Segment::Text(t) => t.len(),
                        Segment::Value => 0,
                    })
                    .sum();
                let span = self
                    .step_src
                    .get(id)
                    .and_then(|s| shell::field_literal(s, "script", script.span))
                    .and_then(|l| shell::text_span(l, before + d.start, d.end - d.start))
                    .unwrap_or(script.span);
                out.push(dc::script_encoding(span, &d.name));
            }
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
