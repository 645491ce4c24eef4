//! The file level: its imports, one per line, then its workflows one after
//! another (one blank line between),
//! and a workflow's `outputs { NAME: TYPE = EXPR }`, one output per line.

use super::expr::{type_expr, write_expr};
use super::items::{block_form, open_brace, workflow};
use super::lists::hoist_limit;
use super::printer::Printer;
use crate::syntax::ast::{File, WorkflowOutputs};

pub(super) fn file(p: &mut Printer, file: &File) {
    let src = p.src;
    for (i, im) in file.imports.iter().enumerate() {
        let next = file
            .imports
            .get(i + 1)
            .map(|n| n.span.start)
            .unwrap_or(file.workflows[0].span.start) as usize;
        let (start, end) = (im.span.start as usize, im.span.end as usize);
        p.node(start, end, end, Some(next), |p| {
            p.push("import ");
            p.push(&src[im.path_span.range()]);
            if let Some(a) = &im.alias {
                p.push(&format!(" as {}", a.name));
            }
        });
    }
    for (i, wf) in file.workflows.iter().enumerate() {
        if i > 0 || !file.imports.is_empty() {
            p.blank_line();
        }
        workflow(p, wf);
    }
}

pub(super) fn workflow_outputs(p: &mut Printer, o: &WorkflowOutputs, next: Option<usize>) {
    let src = p.src;
    let (start, end) = (o.span.start as usize, o.span.end as usize);
    let open = open_brace(src, start);
    let close = p.close_brace(o.span);
    p.node(start, end, open, next, |p| {
        p.push("outputs");
        let first = o.outputs.first().map(|d| d.span.start as usize);
        block_form(p, open, close, first, |p| {
            for (i, d) in o.outputs.iter().enumerate() {
                let next = o
                    .outputs
                    .get(i + 1)
                    .map_or(close, |n| n.span.start as usize);
                let (s, e) = (d.span.start as usize, d.span.end as usize);
                let hoist = hoist_limit(p, &[&d.value], e);
                p.node(s, e, hoist, Some(next), |p| {
                    p.push(&format!("{}: {} = ", d.name.name, type_expr(&d.ty)));
                    write_expr(p, &d.value);
                });
            }
        });
    });
}
