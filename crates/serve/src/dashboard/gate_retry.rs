//! A decision whose inputs a gate refused (`400`: a value out of its range,
//! not one of its choices, missing): the gate's form again, with what was
//! typed and why each value was refused, and the way back to the run — not
//! a bare error page that loses what the person typed.

use super::gate_form::{self, InputField};
use super::session::Session;
use super::Dash;
use crate::problem::Problem;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The retry page of gate `gate` of run `run`, after `problem`, with the
/// form's `typed` fields.
pub async fn page(
    dash: &Dash,
    session: &Session,
    run: &str,
    gate: &str,
    problem: &Problem,
    typed: &[(String, String)],
) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let (id, step) = (run.to_owned(), gate.to_owned());
    let fields = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open_existing(&dir).ok().flatten()?;
        gate_form::fields(&store, &id, &[step.as_str()]).remove(&step)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let value = |name: &str| {
        typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let inputs: Vec<InputField> = fields
        .into_iter()
        .map(|mut f| {
            if let Some(v) = value(&format!("input.{}", f.name)) {
                f.value = v;
            }
            f
        })
        .collect();
    let why: Vec<String> = problem
        .diagnostics
        .iter()
        .filter_map(|d| d["message"].as_str().map(str::to_owned))
        .collect();
    let page = dash.render(
        "gate_retry.html",
        "waiting",
        Some(session),
        minijinja::context! {
            run, gate, inputs, why,
            path => super::runs::encode(run),
            code => problem.code.id(), detail => problem.detail,
            comment => value("comment").unwrap_or_default(),
        },
    );
    (StatusCode::BAD_REQUEST, page).into_response()
}
