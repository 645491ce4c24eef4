//! `sql` steps on PostgreSQL as the fixed psql script of [`crate::sql`]
//! (ubuntu runners have `psql`; another `runs-on` needs it installed):
//! the URL and every param's value in `env:` (a secret as
//! `${{ secrets.NAME }}`), never in the script. The outputs go to
//! `$WF_OUTPUTS`, which the job's `outputs` step hands to GitHub.

use super::values::{literal, Values};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{ExprKind, FieldValue, Step};
use wfc_plan::{PlannedStep, Value};

/// The step's script and its `env:`, or why not.
pub fn run(
    values: &Values,
    step: &Step,
    s: &PlannedStep,
    env: &mut Vec<(String, String)>,
) -> Result<String, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let field = |name: &str| step.fields.iter().find(|f| f.name == name);
    if let Some(FieldValue::Expr(e)) = field("database").map(|f| &f.value) {
        if let Some(Value::Str(url)) = values.known(e) {
            if let Err(d) = crate::sql::database(&url, e.span) {
                return Err(vec![d]);
            }
        }
        match values.text(e) {
            Ok(v) => env.push((crate::sql::DATABASE.into(), v)),
            Err(d) => errors.push(d),
        }
    }
    let params: Vec<_> = match field("params").map(|f| &f.value) {
        Some(FieldValue::Map(entries)) => entries.iter().collect(),
        _ => Vec::new(),
    };
    let bound: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
    // The query is the script's text: GitHub must not evaluate it.
    let query = s.fields.iter().find(|f| f.name == "query");
    if let Some(FieldValue::Expr(
        e @ wfc_language::ir::Expr {
            kind: ExprKind::Str(t),
            ..
        },
    )) = query.map(|f| &f.value)
    {
        if let Err(d) = literal(t, e) {
            return Err(vec![d]);
        }
    }
    let psql = crate::sql::Step::of(s).and_then(|q| q.psql(&bound));
    let psql = match psql {
        Ok(p) => p,
        Err(d) => {
            errors.push(d);
            return Err(errors);
        }
    };
    for (n, name) in psql.params.iter().enumerate() {
        if let Some((_, e)) = params.iter().find(|(p, _)| p == name) {
            match values.text(e) {
                Ok(v) => env.push((crate::sql::param_var(n + 1), v)),
                Err(d) => errors.push(d),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(crate::sql::script(&psql, crate::sql::Out::WfOutputs))
}
