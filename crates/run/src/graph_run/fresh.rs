//! What a step's `up to date when` check said, told by its task before its
//! first attempt: yes ends it up to date with the run found as it started
//! (its files put back), anything else lets it run. The answer is kept
//! with what decided the step, for `wfc explain`.

use super::*;
use crate::fresh_check::Answer;

impl Runner<'_> {
    /// Step `v`'s check said `answer`; `go` tells its task whether it runs.
    /// Returns whether a loop iteration slot was freed.
    pub(super) fn checked(
        &mut self,
        g: &mut GraphRun,
        v: InstanceId,
        answer: Answer,
        go: tokio::sync::oneshot::Sender<bool>,
    ) -> bool {
        let found = g.steps[v].checking.take();
        let mut inputs = g.steps[v].inputs.take().unwrap_or_default();
        inputs.checked = Some(answer.said);
        let key = self.key(g, v);
        match found.filter(|_| answer.yes && !g.stopping) {
            Some(found) => match self.restore_found(g, v, inputs, *found, true) {
                None => {
                    let _ = go.send(false);
                    // Ended: it gave its slots back, as a task's end does.
                    return true;
                }
                Some(back) => inputs = back,
            },
            None if answer.yes => {
                let why = "the run is stopping";
                inputs.checked = inputs.checked.map(|c| format!("{c}, but {why}"));
            }
            None => {}
        }
        if let Some(sink) = self.lines.as_ref().map(|l| l.sink(&key)) {
            let said = inputs.checked.as_deref().unwrap_or_default();
            sink(
                wfc_contract::Stream::Stderr,
                &format!("wfc: {said}: the step runs"),
            );
        }
        g.steps[v].inputs = Some(inputs);
        let _ = go.send(true);
        false
    }
}
