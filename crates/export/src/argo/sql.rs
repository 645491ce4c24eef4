//! `sql` steps on PostgreSQL as a container of the pinned postgres image
//! ([`crate::sql::PSQL_IMAGE`]) running the fixed psql script of
//! [`crate::sql`]: the URL (a secret as a `secretKeyRef`) and every
//! param's value in `env`, never in the script. The outputs are files in
//! `/tmp/wf-outputs`, which the template declares as output parameters.

use super::runtime::RunTime;
use super::{notify, text, Options};
use serde_json::Value as Json;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Workflow};
use wfc_plan::{PlannedStep, Value};

/// The output parameter of `rows` or `row_count`, read by another step.
pub fn parameter(name: &str) -> Json {
    serde_json::json!({ "name": name, "valueFrom": { "path": format!("/tmp/wf-outputs/{name}") } })
}

pub fn template(
    wf: &Workflow,
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut env = Vec::new();
    let field = |name: &str| s.fields.iter().find(|f| f.name == name).map(|f| &f.value);
    if let Some(FieldValue::Expr(e)) = field("database") {
        if let Some(Value::Str(url)) = Value::of_literal(e) {
            crate::sql::database(&url, e.span).map_err(|d| vec![d])?;
        }
        match notify::value(wf, s, crate::sql::DATABASE, e, options, rt) {
            Ok(v) => env.push(v),
            Err(d) => errors.push(d),
        }
    }
    let params: Vec<_> = match field("params") {
        Some(FieldValue::Map(entries)) => entries.iter().collect(),
        _ => Vec::new(),
    };
    let bound: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
    // The query is the script's text: Argo must not read `{{` in it.
    let psql = crate::sql::Step::of(s).and_then(|q| {
        text::no_braces(&s.name, q.query_at, q.query.to_owned())?;
        q.psql(&bound)
    });
    let psql = psql.map_err(|d| vec![d])?;
    for (n, name) in psql.params.iter().enumerate() {
        if let Some((_, e)) = params.iter().find(|(p, _)| p == name) {
            match notify::value(wf, s, &crate::sql::param_var(n + 1), e, options, rt) {
                Ok(v) => env.push(v),
                Err(d) => errors.push(d),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let out = crate::sql::Out::Folder("/tmp/wf-outputs");
    let script = crate::sql::script(&psql, out);
    // `until` is refused for this kind (step.rs): no polling loop.
    let script = match s.until {
        Some(_) => script,
        None => notify::retried(wf, s, script, rt)?,
    };
    Ok(notify::container_on(
        crate::sql::PSQL_IMAGE,
        script,
        env,
        rt,
        options,
    ))
}
