//! The starts a full server queued for the others ([`wfc_store::queued`]),
//! as this server claims them ([`crate::recover::resume_queued`]): each is
//! compiled again from the served file with its recorded params and
//! started under its id, as a slot frees. One whose workflow is no longer
//! served from its file, or whose params no longer bind, ends `failed`
//! saying why: a queued start is never dropped silently.

use crate::api::App;
use std::time::Duration;
use wfc_launch::Run;
use wfc_store::queued::Claimed;
use wfc_store::Store;

/// Starts the queued starts among `ids` (claimed by this server); gives
/// back the others (dead servers' runs to resume).
pub async fn start_claimed(app: &App, ids: Vec<String>) -> Vec<String> {
    let dir = app.launcher.state_dir().to_path_buf();
    let split = tokio::task::spawn_blocking(move || {
        let store = Store::open(&dir)?;
        let (mut starts, mut rest) = (Vec::new(), Vec::new());
        for id in ids {
            match wfc_store::queued::take(&store, &id).map_err(|e| e.to_string())? {
                Some(c) => starts.push((id, c)),
                None => rest.push(id),
            }
        }
        Ok::<_, String>((starts, rest))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let (starts, rest) = match split {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the queued starts this server claimed");
            return Vec::new();
        }
    };
    let mut runs = Vec::new();
    for (id, claimed) in starts {
        match run_of(app, &id, claimed).await {
            Ok(run) => runs.push(run),
            Err(why) => fail(app, &id, &why).await,
        }
    }
    if !runs.is_empty() {
        let ids = app.launcher.queue(runs);
        tracing::info!(runs = ?ids, "starts queued by other servers: started here as slots free");
    }
    rest
}

/// Queued start `id` as a run to start here.
async fn run_of(app: &App, id: &str, c: Claimed) -> Result<Run, String> {
    let workflow = match app.catalog.find(&c.workflow) {
        Ok(w) if w.file == c.file => w,
        Ok(w) => {
            return Err(format!(
                "workflow `{}` is served from {} here, not {}",
                c.workflow, w.file, c.file
            ))
        }
        Err(_) => return Err(format!("workflow `{}` is not served here", c.workflow)),
    };
    // Secrets were stored masked: bound again from their defaults.
    let mut recorded: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&c.params).map_err(|e| format!("its recorded params: {e}"))?;
    recorded.retain(|_, v| v.as_str() != Some(wfc_contract::MASK));
    let params = wfc_plan::ParamInput {
        values: Some(("the queued start's params".to_owned(), recorded)),
        ..wfc_plan::ParamInput::default()
    };
    let compiled = crate::launch::compile(workflow, params)
        .await
        .map_err(|p| p.detail)?;
    let mut run = Run::from(compiled).triggered_by(&c.trigger);
    if let Some(by) = &c.started_by {
        run = run.started_by(by);
    }
    run.origin = c.origin;
    run.id = Some(id.to_owned());
    run.queued = true;
    run.admission = wfc_launch::Admission::Queue;
    wfc_launch::spill::options(&mut run, &c.detail);
    Ok(run)
}

/// Ends queued start `id` failed with `why` (logged).
async fn fail(app: &App, id: &str, why: &str) {
    let (dir, id, why) = (
        app.launcher.state_dir().to_path_buf(),
        id.to_owned(),
        format!("the queued start could not be started: {why}"),
    );
    tracing::warn!(run = %id, "{why}");
    let done = tokio::task::spawn_blocking(move || {
        let store = Store::open(&dir)?;
        wfc_store::queued::fail(&store, &id, &why).map_err(|e| e.to_string())
    })
    .await;
    if let Ok(Err(e)) | Err(e) = done.map_err(|e| e.to_string()) {
        tracing::warn!(error = %e, "cannot end a queued start");
    }
}

/// Ends failed the queued starts no server took within `wait` (logged).
pub fn expire(store: &Store, wait: Duration) {
    let ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
    match wfc_store::queued::expire(store, ms) {
        Ok(ended) => {
            for id in ended {
                tracing::warn!(
                    run = %id,
                    "run {id} failed: no server had room to start it within --queue-wait ({} s)",
                    wait.as_secs()
                );
            }
        }
        Err(e) => tracing::debug!(error = %e, "cannot look for queued starts past their wait"),
    }
}
