//! `strategy.matrix`: one `for each … parallel` loop per key, nested;
//! `include`, `exclude` and matrices from expressions warned.

use super::text::Scope;
use super::Ctx;
use crate::literal;
use crate::yaml::{entry, str_of};
use marked_yaml::Node;

/// What a job's `strategy:` gives: the loop variables and their lists,
/// `max-parallel`, the scope, and the reads of the lists wfc's export
/// computes (`needs.wfc-params.outputs.files`), whose `!= '[]'` guard
/// goes with them.
pub(crate) type Matrix = (Vec<(String, String)>, Option<u64>, Scope, Vec<String>);

/// `strategy:` → [`Matrix`].
pub(crate) fn matrix(ctx: &mut Ctx, strategy: &Node) -> Matrix {
    let mut loops = Vec::new();
    let mut parallel = None;
    let mut scope = Scope::default();
    let mut reads = Vec::new();
    for (k, v) in strategy.as_mapping().into_iter().flat_map(|m| m.iter()) {
        match k.as_str() {
            "max-parallel" => parallel = str_of(v).and_then(|n| n.parse().ok()).filter(|n| *n > 0),
            "matrix" => {}
            other => ctx.warn.key(
                "W0900",
                k,
                format!("`strategy.{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    let Some((mk, m)) = strategy.as_mapping().and_then(|s| entry(s, "matrix")) else {
        return (loops, parallel, scope, reads);
    };
    let Some(m) = m.as_mapping() else {
        ctx.warn.key(
            "W0905",
            mk,
            "a matrix computed by an expression is left out: the job runs once",
        );
        return (loops, parallel, scope, reads);
    };
    for (k, v) in m.iter() {
        // wfc's export of a loop over a list only the run knows.
        if let Some((list, read)) = str_of(v).and_then(|t| computed(ctx, t)) {
            let var = ctx.names.give(k.as_str());
            scope
                .matrix
                .insert(k.as_str().to_string(), var.name.clone());
            loops.push((var.name, list));
            reads.push(read);
            continue;
        }
        let values = v
            .as_sequence()
            .and_then(|xs| xs.iter().map(str_of).collect::<Option<Vec<_>>>());
        match (k.as_str(), values) {
            ("include" | "exclude", _) => ctx.warn.key(
                "W0905",
                k,
                format!(
                    "the matrix's `{}` is left out: the loops run over the listed values only",
                    k.as_str()
                ),
            ),
            (_, Some(values)) => {
                let var = ctx.names.give(k.as_str());
                if var.changed {
                    ctx.warn.key(
                        "W0906",
                        k,
                        format!(
                            "the matrix value `{}` is the loop variable `{}`",
                            k.as_str(),
                            var.name
                        ),
                    );
                }
                // A value's `${{ inputs.x }}` is the param's value.
                let empty = Scope::default();
                let list: Vec<String> = values
                    .iter()
                    .map(|s| literal::quoted(&super::text::value(ctx, &empty, s, v)))
                    .collect();
                scope
                    .matrix
                    .insert(k.as_str().to_string(), var.name.clone());
                loops.push((var.name, format!("[{}]", list.join(", "))));
            }
            (_, None) => ctx.warn.key(
                "W0905",
                k,
                format!(
                    "the matrix value `{}` is not a list of scalars; it is left out",
                    k.as_str()
                ),
            ),
        }
    }
    if loops.len() > 1 && parallel.is_some() {
        ctx.warn.key(
            "W0905",
            mk,
            "`max-parallel` over a matrix of several dimensions is left out",
        );
        parallel = None;
    }
    (loops, parallel, scope, reads)
}

/// The `.wf` list of a matrix wfc's export computes, and its read:
/// `${{ fromJSON(needs.wfc-params.outputs.X) }}`, a list param a trigger
/// sets; `${{ fromJSON(needs.J.outputs.wfc-list-NAME) }}`, the list
/// output NAME of job J's one step.
fn computed(ctx: &Ctx, text: &str) -> Option<(String, String)> {
    if !ctx.wfc {
        return None;
    }
    let (job, output) = super::guards::computed_read(text)?;
    let read = format!("needs.{job}.outputs.{output}");
    if ctx.params_job.as_deref() == Some(job) {
        let param = ctx.inputs.get(output)?;
        return ctx
            .list_inputs
            .iter()
            .any(|l| l == output)
            .then(|| (param.clone(), read));
    }
    let name = output.strip_prefix("wfc-list-")?;
    let step = ctx.step_of_job.get(job)?;
    let ident = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (ident(name) && ident(step)).then(|| (format!("{step}.outputs.{name}"), read))
}
