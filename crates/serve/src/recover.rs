//! After `kill -9`, or a stop that left runs going: at start, before serving, the server marks the runs
//! whose process is gone `interrupted` ([`wfc_store::control::reap`]: a
//! server's runs record the server's pid, so a dead server's runs are
//! reaped) and resumes those it may. The rule (docs/serve.md,
//! "Durability"): an interrupted run is resumed when
//!
//! 1. a server started it (its trigger is not `manual`: `wfc run`'s runs are
//!    left to `wfc resume`, as a terminal's user expects);
//! 2. it was interrupted less than `--resume-within` ago (its last
//!    heartbeat), so a server down for days does not redo stale work;
//! 3. it has had fewer than [`MAX_SESSIONS`] sessions that ended in a
//!    crash, so a run that kills its server is not resumed forever (a
//!    session a stopping server left, [`wfc_store::control::left`], is no
//!    crash: a run waiting for a person outlives any number of restarts);
//! 4. its workflow is still served from the same file;
//! 5. the file's plan passes the check `wfc resume` and the API's resume
//!    make ([`wfc_store::resume`]): its recorded params still bind (a
//!    secret comes from its default, as the API's resume takes it: a run
//!    whose secret has none is not resumed), and no step that succeeded
//!    changed.
//!
//! Every run the rule allows is resumed, however many there are: they are
//! queued ([`wfc_launch::Launcher::queue`]), oldest first, and each starts
//! as a `--max-runs` slot frees — listed meanwhile (`queued_for_resume` in
//! the API). A resumed run goes on as a new session under its id: the
//! steps that succeeded keep their outputs and are not run again. Every
//! decision is logged; a run left interrupted stays resumable by hand.
//!
//! This runs before the schedules start: a resumed run a schedule started
//! is owned by the launcher by then, and its schedule takes it as its
//! previous run for `overlap` ([`crate::schedule`]).

use crate::api::{resume as api_resume, App};
use crate::problem::Problem;
use std::time::Duration;
use wfc_launch::Run;
use wfc_store::Store;

/// A run is resumed at start after at most this many crashed sessions.
pub const MAX_SESSIONS: i64 = 3;

/// An interrupted run the server might resume.
struct Candidate {
    id: String,
    trigger: String,
    /// Milliseconds since its last heartbeat.
    ago_ms: i64,
    /// Its sessions that ended in a crash.
    crashed: i64,
}

/// Reaps the runs whose process is gone and resumes those the rule allows
/// (see the module docs). Logs every decision; never fails the start.
pub async fn resume_interrupted(app: &App, within: Duration) {
    let dir = app.launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || candidates(&dir, within)).await;
    let candidates = match found {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot look for interrupted runs to resume");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot look for interrupted runs to resume");
            return;
        }
    };
    resume_all(app, candidates, within).await;
}

/// Resumes, under the same rule, the runs of servers that died or left,
/// from the store's queue ([`wfc_store::sweep`]): at each of `lease`'s
/// sweeps that took runs and every heartbeat, while it holds its lease,
/// as many as this server has room for (the others take the rest). A run
/// the rule refuses leaves the queue, interrupted, with the reason logged.
pub fn resume_queued(
    app: App,
    lease: crate::lease::Lease,
    mut swept: tokio::sync::mpsc::UnboundedReceiver<Vec<String>>,
    within: Duration,
    queue_wait: Duration,
) {
    // Told at once of what is queued (PostgreSQL's NOTIFY), and of a slot
    // freed here; the heartbeat's look is the fallback.
    let news = std::sync::Arc::new(tokio::sync::Notify::new());
    let told = news.clone();
    wfc_store::remote::listen(
        app.launcher.state_dir(),
        wfc_store::queued::CHANNEL,
        Box::new(move || told.notify_one()),
    );
    tokio::spawn(async move {
        let every = lease.timing().heartbeat;
        let stopping = app.launcher.stopping();
        let mut ends = app.launcher.ends();
        // Queued starts past their wait: looked for now and then.
        let expiry = (queue_wait / 4).min(Duration::from_secs(30));
        let mut expired_at = tokio::time::Instant::now();
        // Whether the queue may hold runs this server could take: a slot
        // freed here asks the store only then (not at every run's end).
        let mut pending = true;
        loop {
            let freed = tokio::select! {
                _ = stopping.cancelled() => return,
                got = swept.recv() => if got.is_none() { return } else { false },
                _ = news.notified() => { pending = true; false }
                _ = ends.changed() => true,
                _ = tokio::time::sleep(every) => false,
            };
            if !lease.held() || (freed && !pending) {
                continue;
            }
            let room = app.launcher.room();
            let expire = expired_at.elapsed() >= expiry;
            if expire {
                expired_at = tokio::time::Instant::now();
            }
            if room == 0 && !expire {
                continue;
            }
            let me = lease.id().0;
            let dir = app.launcher.state_dir().to_path_buf();
            let claimed = tokio::task::spawn_blocking(move || {
                let store = Store::open(&dir)?;
                if expire {
                    crate::queued::expire(&store, queue_wait);
                }
                wfc_store::sweep::claim(&store, &me, room).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            let ids = match claimed {
                Ok(mut ids) => {
                    // As many as it had room for: there may be more.
                    pending = room > 0 && ids.len() == room;
                    // (Its own claims come again: those it is starting
                    // already are left to that start.)
                    ids.retain(|id| app.launcher.state(id).is_none());
                    if ids.is_empty() {
                        continue;
                    }
                    ids
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim queued runs");
                    continue;
                }
            };
            // Starts other servers queued: started here; the rest are
            // dead servers' runs to resume.
            let ids = crate::queued::start_claimed(&app, ids).await;
            if ids.is_empty() {
                continue;
            }
            let dir = app.launcher.state_dir().to_path_buf();
            let found = tokio::task::spawn_blocking(move || {
                let store = Store::open(&dir)?;
                let mut rows = interrupted(&store, within)?;
                rows.retain(|c| ids.contains(&c.id));
                // Resumed meanwhile, or interrupted too long ago: done.
                for id in ids.iter().filter(|id| !rows.iter().any(|c| &c.id == *id)) {
                    tracing::info!(run = %id, "run {id} is no longer for a server to resume");
                    wfc_store::sweep::unqueue(&store, id).map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(rows)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            match found {
                Ok(c) if c.is_empty() => {}
                Ok(candidates) => resume_all(&app, candidates, within).await,
                Err(e) => tracing::warn!(error = %e, "cannot resume the runs of dead servers"),
            }
        }
    });
}

/// Resumes the `candidates` the rule allows (queued, oldest first).
async fn resume_all(app: &App, candidates: Vec<Candidate>, within: Duration) {
    let mut runs = Vec::new();
    for c in candidates {
        let id = c.id.clone();
        match resume_one(app, c, within).await {
            Ok(run) => runs.push(run),
            Err(why) => {
                tracing::info!(
                    run = %id,
                    "run {id} left interrupted: {why}; `wfc resume {id}` or POST /api/v1/runs/{id}/resume resumes it"
                );
                unqueue(app, &id).await;
            }
        }
    }
    // Every one the rule allows is resumed, as capacity frees: oldest
    // first, listed as queued meanwhile (never dropped for want of a slot).
    if !runs.is_empty() {
        let queued = app.launcher.queue(runs);
        tracing::info!(runs = ?queued, "interrupted runs queued to resume, oldest first, each as a slot frees");
    }
}

/// Runs just reaped, and runs interrupted within `within`, oldest first.
fn candidates(dir: &std::path::Path, within: Duration) -> Result<Vec<Candidate>, String> {
    let store = Store::open(dir)?;
    let reaped = wfc_store::control::reap(&store).map_err(|e| e.to_string())?;
    for id in &reaped {
        tracing::info!(run = %id, "run {id} was interrupted: its process is gone");
    }
    let mut rows = interrupted(&store, within)?;
    // On a store several servers share: the queued runs of dead servers
    // this server claims are its own to resume; those another claimed are
    // that server's.
    if let Some(me) = wfc_store::servers::this() {
        let mine = wfc_store::sweep::claim(&store, &me, 100_000).map_err(|e| e.to_string())?;
        let queue = wfc_store::sweep::queue(&store).map_err(|e| e.to_string())?;
        rows.retain(|c| !queue.iter().any(|(id, _)| *id == c.id) || mine.contains(&c.id));
    }
    // A run reaped now but interrupted long ago is said to stay so.
    for id in reaped
        .iter()
        .filter(|id| !rows.iter().any(|c| &c.id == *id))
    {
        tracing::info!(
            run = %id,
            "run {id} left interrupted: its last heartbeat is older than --resume-within ({}s)",
            within.as_secs()
        );
    }
    Ok(rows)
}

/// Takes run `id` off the queue of dead servers' runs (a store that
/// cannot is logged: the next claim finds it refused again).
async fn unqueue(app: &App, id: &str) {
    let (dir, id) = (app.launcher.state_dir().to_path_buf(), id.to_owned());
    let done = tokio::task::spawn_blocking(move || {
        let store = Store::open(&dir)?;
        wfc_store::sweep::unqueue(&store, &id).map_err(|e| e.to_string())
    })
    .await;
    if let Ok(Err(e)) | Err(e) = done.map_err(|e| e.to_string()) {
        tracing::warn!(error = %e, "cannot take a run off the resume queue");
    }
}

/// The runs interrupted within `within`, oldest first.
fn interrupted(store: &Store, within: Duration) -> Result<Vec<Candidate>, String> {
    let now = wfc_store::now_ms();
    let since = now.saturating_sub(i64::try_from(within.as_millis()).unwrap_or(i64::MAX));
    Ok(wfc_store::control::interrupted_since(store, since)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| Candidate {
            id: r.id,
            trigger: r.trigger,
            ago_ms: now - r.last_ms,
            crashed: r.sessions - r.left,
        })
        .collect())
}

/// The new session of `c` if the rule allows; else why not.
async fn resume_one(app: &App, c: Candidate, within: Duration) -> Result<Run, String> {
    if c.trigger == wfc_store::listing::MANUAL {
        return Err("it was started by `wfc run`, not by the server".into());
    }
    if c.crashed >= MAX_SESSIONS {
        return Err(format!(
            "{} of its sessions ended in a crash already (a run is resumed at start after at most {MAX_SESSIONS})",
            c.crashed
        ));
    }
    let why = |p: Problem| describe(&p);
    let (id, rec, trigger) = api_resume::recorded(app, c.id.clone()).await.map_err(why)?;
    let workflow = match app.catalog.find(&rec.workflow) {
        Ok(w) if w.file == rec.file => w,
        Ok(w) => {
            return Err(format!(
                "workflow `{}` is now served from {}, not {}",
                rec.workflow, w.file, rec.file
            ))
        }
        Err(_) => return Err(format!("workflow `{}` is no longer served", rec.workflow)),
    };
    let name = rec.workflow.clone();
    // A rejection or timeout recorded while no process ran it is the
    // gate's decision: kept (a person's `wfc resume` asks again).
    let run = api_resume::prepare(app, id.clone(), rec, trigger, workflow, false)
        .await
        .map_err(why)?;
    let restored = run.resume.as_ref().map_or(0, |r| r.restored.len());
    tracing::info!(
        run = %id,
        "resuming run {id} of `{name}`, interrupted {}s ago (within --resume-within {}s); {restored} step(s) that succeeded are not run again",
        c.ago_ms / 1000,
        within.as_secs()
    );
    let mut run = run;
    run.admission = wfc_launch::Admission::Queue;
    Ok(run)
}

/// A problem as a log line says it: its detail and diagnostics' messages.
fn describe(p: &Problem) -> String {
    let mut s = p.detail.clone();
    for d in &p.diagnostics {
        if let Some(m) = d["message"].as_str() {
            s.push_str(&format!("; {m}"));
        }
    }
    s
}
