//! Whether the main graph parks (see [`crate::park`]): every step it runs
//! waits, for a person or for a time far enough ahead, nothing else can
//! start, and that has held for the policy's `settle`. The run's record
//! then says it is parked ([`wfc_contract::Recorder::run_parked`]); only
//! once that is durable are the step tasks told to return. A record that
//! cannot say it leaves the run waiting here, as before.

use super::{GraphRun, Mode};
use crate::park::ParkPolicy;
use crate::runner::Runner;
use crate::state::State;
use std::time::SystemTime;
use tokio::time::Instant;
use wfc_contract::{GraphName, Parked};

/// What the loop keeps between turns to decide a park.
#[derive(Default)]
pub(super) struct Parking {
    /// Since when the run has only waited (cleared when it does more).
    since: Option<Instant>,
    /// Parking failed once (the record refused): not tried again.
    refused: bool,
}

impl Parking {
    /// When the loop should look again, if a park is due later.
    pub(super) fn due(&self, policy: Option<&ParkPolicy>) -> Option<Instant> {
        let p = policy?;
        let since = self.since?;
        Some(if p.at_once() { since } else { since + p.settle })
    }
}

impl Runner<'_> {
    /// Parks the run if it only waits and has for long enough: `Some` with
    /// what it waits for once the record says it is parked.
    pub(super) fn park(
        &mut self,
        g: &mut GraphRun,
        held: bool,
        blocked: bool,
        parking: &mut Parking,
    ) -> Option<Parked> {
        // (Before any clone: a terminal's run asks this every turn.)
        let policy = self.opts.park.as_ref()?;
        if !policy.auto && !policy.at_once() {
            return None;
        }
        let policy = policy.clone();
        let waits = self.only_waits(g, held, blocked, &policy);
        let Some(parked) = waits.filter(|_| !parking.refused) else {
            parking.since = None;
            return None;
        };
        let since = *parking.since.get_or_insert_with(Instant::now);
        if !policy.at_once() && since.elapsed() < policy.settle {
            return None;
        }
        if let Err(e) = self.recorder.flush() {
            self.record_failed(g, e);
            return None;
        }
        match self.recorder.run_parked(&parked) {
            Ok(()) => {
                g.park.cancel();
                Some(parked)
            }
            Err(e) => {
                tracing::debug!(run = %self.opts.run_id, "not parked: {e}");
                parking.refused = true;
                parking.since = None;
                None
            }
        }
    }

    /// What the run waits for, if all it does is wait (`held`: paused;
    /// `blocked`: steps wait for their loop's free iteration).
    fn only_waits(
        &self,
        g: &GraphRun,
        held: bool,
        blocked: bool,
        policy: &ParkPolicy,
    ) -> Option<Parked> {
        if g.name != GraphName::Main
            || !matches!(g.mode, Mode::Main { .. })
            || g.stopping
            || !g.to_spawn.is_empty()
            // A call's timeout counts on this process's clock.
            || !g.call_clock.is_empty()
        {
            return None;
        }
        let startable = !g.topo.ready.is_empty() || blocked;
        if startable && !held {
            return None;
        }
        if g.running == 0 && !held {
            return None;
        }
        let mut wake_at: Option<SystemTime> = None;
        for (v, s) in g.steps.iter().enumerate() {
            if g.topo.state[v] != State::Running {
                continue;
            }
            // Held by the pause before its next attempt.
            let asks_back = held && g.resuming.iter().any(|(r, _)| *r == v);
            match s.wake {
                Some(w) if w.parks(policy) => {
                    if let Some(t) = w.deadline() {
                        wake_at = Some(wake_at.map_or(t, |a| a.min(t)));
                    }
                }
                _ if asks_back => {}
                _ => return None,
            }
        }
        if let Some(t) = self.workflow_deadline {
            wake_at = Some(wake_at.map_or(t, |a| a.min(t)));
        }
        Some(Parked {
            wake_at,
            paused: held,
            lock: None,
        })
    }
}
