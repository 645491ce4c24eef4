//! A step's outcome as the value its readers see: the kind's outputs and
//! its declared `outputs { … }`, parsed by their types.

use crate::exec::Outcome;
use wfc_language::ir::Type;
use wfc_plan::Value;

/// An executor's outcome as the step's outputs value: the kind's outputs
/// (`stdout`, `status`, …) plus `outputs` holding the declared outputs parsed
/// by their declared types. A declared output that is missing or does not
/// parse is an error (it fails the step).
pub fn outcome_value(
    outcome: &Outcome,
    declared: &[wfc_language::ir::OutputDecl],
) -> (Value, Option<String>) {
    let mut entries: Vec<(String, Value)> = outcome
        .outputs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect();
    // A script's `$WF_RESULT` object holds typed JSON, checked as it is, and
    // wins over `$WF_OUTPUTS`' text.
    let json = outcome.outputs.get("result").and_then(|v| v.as_object());
    let read = |d: &wfc_language::ir::OutputDecl| -> Option<Result<Value, String>> {
        if let Some(j) = json.and_then(|m| m.get(&d.name)) {
            return Some(wfc_plan::params::from_json(j, &d.ty).map_err(|why| {
                format!(
                    "declared output `{}` ({}) in $WF_RESULT: {why}, got `{}`",
                    d.name,
                    d.ty,
                    crate::exec::excerpt(&j.to_string(), 60)
                )
            }));
        }
        let text = outcome.declared.get(&d.name)?;
        Some(parse_output(text, &d.ty).map_err(|why| {
            format!(
                "declared output `{}` ({}): {why}, got `{}`",
                d.name,
                d.ty,
                crate::exec::excerpt(text, 60)
            )
        }))
    };
    let mut error = None;
    if !declared.is_empty() && outcome.is_success() {
        let mut outs = Vec::with_capacity(declared.len());
        for d in declared {
            match read(d) {
                Some(Ok(v)) => outs.push((d.name.clone(), v)),
                Some(Err(why)) => drop(error.get_or_insert(why)),
                None => drop(error.get_or_insert(format!(
                    "declared output `{}` was not written (append `{}=VALUE` to the file named by $WF_OUTPUTS)",
                    d.name, d.name
                ))),
            }
        }
        entries.push(("outputs".into(), Value::Map(outs)));
    } else if !declared.is_empty() {
        let outs = declared
            .iter()
            .filter_map(|d| Some((d.name.clone(), read(d)?.ok()?)))
            .collect();
        entries.push(("outputs".into(), Value::Map(outs)));
    }
    (Value::Map(entries), error)
}

fn parse_output(text: &str, ty: &Type) -> Result<Value, String> {
    let ty = match ty {
        Type::Optional(t) => t,
        t => t,
    };
    wfc_plan::params::parse_text(text, ty)
}
