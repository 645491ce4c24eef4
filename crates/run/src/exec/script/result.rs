//! The `$WF_RESULT` file a script step may write: one JSON value, the
//! step's `result` output; when it is an object, its keys are the values
//! of the step's declared outputs (typed JSON, checked by their types in
//! `crate::values::outcome_value`).

use super::super::Outcome;
use std::io::Read;
use std::path::Path;

/// A result bigger than this fails the step: it is a value, not a data file.
const MAX_RESULT: u64 = 64 * 1024 * 1024;

/// Reads the result file into `outcome` (`result`, and the declared
/// outputs' JSON); an error names what is wrong with the file.
pub(super) fn read(path: &Path, outcome: &mut Outcome) -> Result<(), String> {
    let mut text = String::new();
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read $WF_RESULT (`{}`): {e}", path.display()))?;
    file.take(MAX_RESULT + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read $WF_RESULT: {e} (it must hold UTF-8 JSON)"))?;
    if text.len() as u64 > MAX_RESULT {
        return Err(format!(
            "$WF_RESULT is bigger than {}: write data to a file and its path to the result",
            super::super::bytes(MAX_RESULT)
        ));
    }
    // An object's keys are the declared outputs' values
    // (`crate::values::outcome_value` reads them from `result`).
    outcome.output("result", parse(&text)?);
    Ok(())
}

/// The JSON of a result file's text: `null` for an empty (or blank) file.
fn parse(text: &str) -> Result<serde_json::Value, String> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(text).map_err(|e| {
        format!(
            "the script wrote invalid JSON to $WF_RESULT ({e}): `{}`",
            super::super::excerpt(text, 60)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_null_and_invalid_is_an_error() {
        assert_eq!(parse(" \n").unwrap(), serde_json::Value::Null);
        assert_eq!(parse("[1, 2]").unwrap(), serde_json::json!([1, 2]));
        let e = parse("{\"a\": ").unwrap_err();
        assert!(e.contains("invalid JSON") && e.contains("{\"a\":"), "{e}");
    }

    #[test]
    fn an_object_gives_the_declared_outputs() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("result");
        std::fs::write(&p, r#"{"n": 3, "name": "x"}"#).unwrap();
        let mut o = Outcome::new(super::super::super::Status::Succeeded);
        read(&p, &mut o).unwrap();
        assert_eq!(o.outputs["result"]["n"], serde_json::json!(3));
        assert_eq!(o.outputs["result"]["name"], "x");
    }
}
