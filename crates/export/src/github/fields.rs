//! Mappings of single fields and edges for `jobs`: an http step's
//! `expect` codes, an approximated `mount`, and the `if:` of a dependant
//! of `wait any` members.

use super::values::{approximated, Values};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::FieldValue;
use wfc_plan::{Graph, PlannedStep};

/// `mount SOURCE at TARGET` as a `container.volumes` entry: a source
/// relative to the workflow's folder is that folder of the checked-out
/// repository (exact); an absolute one, or any without the checkout, is
/// an approximation (`--approximate`, a warning).
pub fn mount(
    values: &Values,
    f: &wfc_language::ir::StepField,
) -> Result<Option<String>, Diagnostic> {
    let FieldValue::Mount { source, target } = &f.value else {
        return Ok(None);
    };
    let source = values.text(source)?;
    let target = values.text(target)?;
    if source.contains(':') || target.contains(':') {
        return Err(
            Diagnostic::error("E0738", "a `mount` path holding `:` cannot be a volume")
                .primary(f.span, "not exportable")
                .help("GitHub's `volumes` entries are `SOURCE:TARGET`"),
        );
    }
    if source.starts_with('/') {
        values.warnings.borrow_mut().push(approximated(
            "E0738",
            f.span,
            "`mount`",
            "the runner machine's folder, not the one of the machine that runs `wfc run`",
        ));
        return Ok(Some(format!("{source}:{target}")));
    }
    // Relative to the workflow's folder, as under `wfc run`: in the
    // checked-out repository, that folder of the workspace.
    let mut host = "${{ github.workspace }}".to_string();
    for part in [values.home.as_str(), source.as_str()] {
        let rel = part.trim_start_matches("./").trim_end_matches('/');
        if !(rel == "." || rel.is_empty()) {
            host.push('/');
            host.push_str(rel);
        }
    }
    if !values.checked_out {
        values.warnings.borrow_mut().push(approximated(
            "E0738",
            f.span,
            "`mount`",
            "the job's workspace, which is empty without the repository checked out (`--no-checkout`)",
        ));
    }
    Ok(Some(format!("{host}:{target}")))
}

/// The `if:` terms of a dependant of `wait any` members (approximated):
/// per block, one member succeeded; every other dependency did not fail.
pub fn wait_any_terms(g: &Graph, s: &PlannedStep, names: &[String]) -> Vec<String> {
    let mut terms = Vec::new();
    let mut blocks = Vec::new();
    if !s.deps.iter().any(|d| g.steps[d.on()].wait_any.is_some()) {
        return terms;
    }
    for d in &s.deps {
        let on = &names[d.on()];
        match g.steps[d.on()].wait_any {
            Some(block) if !blocks.contains(&block) => {
                blocks.push(block);
                let members = g.steps.iter().zip(names);
                terms.push(super::race::any_term(
                    members
                        .filter(|(m, _)| m.wait_any == Some(block))
                        .map(|(_, n)| n.as_str()),
                ));
            }
            Some(_) => {}
            None => terms.push(format!(
                "needs.{on}.result != 'failure' && needs.{on}.result != 'cancelled'"
            )),
        }
    }
    terms
}

/// The status codes an http step's `expect` accepts (empty: any 2xx, as
/// `wfc run` checks); only literal codes, which go into the fixed script.
pub fn expect_codes(
    f: Option<&wfc_language::ir::StepField>,
    planned: Option<&wfc_language::ir::Expr>,
) -> Result<Vec<u16>, Diagnostic> {
    let Some(f) = f else { return Ok(Vec::new()) };
    // As written, else as the plan folded it (`range(200, 300)`, a param).
    let value = match &f.value {
        FieldValue::Expr(e) => wfc_plan::Value::of_literal(e),
        _ => None,
    }
    .or_else(|| planned.and_then(wfc_plan::Value::of_literal));
    let codes = match value {
        Some(wfc_plan::Value::Int(c)) => vec![c],
        Some(wfc_plan::Value::List(xs)) => xs
            .iter()
            .map(|x| match x {
                wfc_plan::Value::Int(c) => Some(*c),
                _ => None,
            })
            .collect::<Option<Vec<i64>>>()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let codes: Vec<u16> = codes
        .into_iter()
        .filter_map(|c| u16::try_from(c).ok())
        .collect();
    if codes.is_empty() {
        return Err(Diagnostic::error(
            "E0738",
            "GitHub Actions export needs `expect` as literal status codes",
        )
        .primary(f.span, "not exportable")
        .help("write `expect 200` or `expect [200, 204]`"));
    }
    Ok(codes)
}

/// A `docker` step's job `container:` (its `image`; `mount` as a volume),
/// or why not: `pull never`, a `mount` of another machine's folder without
/// `--approximate`, `entrypoint`.
pub fn container(
    values: &Values,
    step: &wfc_language::ir::Step,
    job: &mut serde_json::Map<String, serde_json::Value>,
    fail: &mut dyn FnMut(Diagnostic),
) {
    use serde_json::{json, Value as Json};
    let field = |name: &str| step.fields.iter().find(|f| f.name == name);
    let other = |name: &str, fail: &mut dyn FnMut(Diagnostic)| {
        if let Some(f) = field(name) {
            fail(
                Diagnostic::error(
                    "E0738",
                    format!("GitHub Actions export has no mapping for `{name}`"),
                )
                .primary(f.span, "not exportable")
                .help("drop the field, or run this workflow with `wfc run`"),
            );
        }
    };
    if let Some(FieldValue::Expr(image)) = field("image").map(|f| &f.value) {
        match values.text(image) {
            Ok(v) => drop(job.insert("container".into(), json!({ "image": v }))),
            Err(d) => fail(d),
        }
    }
    // The runner pulls a job's `container` image at the start of every
    // job: what `always` asks, and `missing` on a fresh runner. `never` (a
    // local image only) it cannot do.
    if let Some(f) =
        field("pull").filter(|f| matches!(&f.value, FieldValue::Keyword(k) if k == "never"))
    {
        fail(
            Diagnostic::error(
                "E0738",
                "GitHub Actions always pulls a job's container image (`pull never`)",
            )
            .primary(f.span, "not exportable")
            .help("push the image to a registry and drop `pull never`"),
        );
    }
    // A folder of the workflow's is exact in the checked-out repository.
    let relative = |f: &wfc_language::ir::StepField| match &f.value {
        FieldValue::Mount { source, .. } => values
            .known(source)
            .is_some_and(|v| !v.to_text().starts_with('/')),
        _ => false,
    };
    // (`mount` may repeat: every one is a volume, or refused.)
    let mut volumes = Vec::new();
    for f in step.fields.iter().filter(|f| f.name == "mount") {
        if !(values.approximate || (values.checked_out && relative(f))) {
            fail(
                Diagnostic::error("E0738", "GitHub Actions export has no mapping for `mount`")
                    .primary(f.span, "not exportable")
                    .help("drop the field, or run this workflow with `wfc run`"),
            );
            continue;
        }
        match mount(values, f) {
            Ok(Some(volume)) => volumes.push(volume),
            Ok(None) => {}
            Err(d) => fail(d),
        }
    }
    if !volumes.is_empty() {
        if let Some(c) = job.get_mut("container").and_then(Json::as_object_mut) {
            c.insert("volumes".into(), json!(volumes));
        }
    }
    other("entrypoint", fail);
}
