//! A loop's `max failures N|P%`, folded at plan time; the run counts the
//! failed iterations against it (`wfc_run`'s `graph_run::max_failures`).

use crate::eval::Eval;
use crate::Value;

/// A loop's `max failures`, its count folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxFailures {
    Count(u32),
    /// Of the loop's iterations, rounded down (Ansible's
    /// `max_fail_percentage`).
    Percent(u32),
}

impl MaxFailures {
    /// How many failed iterations a loop of `iterations` lets pass.
    pub fn allowed(self, iterations: usize) -> usize {
        match self {
            MaxFailures::Count(n) => n as usize,
            MaxFailures::Percent(p) => iterations * p as usize / 100,
        }
    }

    /// As written: `2`, `25%`.
    pub fn text(self) -> String {
        match self {
            MaxFailures::Count(n) => n.to_string(),
            MaxFailures::Percent(p) => format!("{p}%"),
        }
    }
}

/// `count` (its value at plan time, `percent` as written) as a bound;
/// `None` when it is not a known int (the checker reported it).
pub(crate) fn fold(count: Eval, percent: bool) -> Option<MaxFailures> {
    let Eval::Known(Value::Int(n)) = count else {
        return None;
    };
    let n = n.clamp(0, u32::MAX as i64) as u32;
    Some(match percent {
        true => MaxFailures::Percent(n.min(100)),
        false => MaxFailures::Count(n),
    })
}
