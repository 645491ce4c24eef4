//! A resumed step goes on counting: the attempts it made in earlier
//! sessions of the run, when they were cut short (see
//! `wfc_store::prior_attempts`), handed to its task once.

use super::*;
use wfc_contract::PriorAttempts;

impl Runner<'_> {
    /// The prior attempts of main-graph step `name`, taken (a step starts
    /// once; a later start of the same name is not a resumed one).
    pub(super) fn prior_of(&mut self, g: &GraphRun, name: &str) -> Option<PriorAttempts> {
        if g.name != GraphName::Main || self.prior.is_empty() {
            return None;
        }
        let i = self.prior.iter().position(|(n, _)| n == name)?;
        Some(self.prior.swap_remove(i).1)
    }
}
