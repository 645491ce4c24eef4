//! A check gate's `on fail pause` as wfc's export writes it (the export's
//! `pause.rs`): three jobs, `GATE-check` (the gate's check), `GATE-approval`
//! (a protected environment's approval, run when the check failed) and
//! `GATE` (what the dependants need). They fold back into one gate `GATE`
//! with `on fail pause`: the check job is converted under the gate's name,
//! the other two are dropped.

use crate::yaml::{entry, str_of, Map};

/// One paused gate's jobs.
pub struct Paused {
    pub check: String,
    pub approval: String,
    pub gate: String,
}

/// The paused gates among `jobs`.
pub fn find(jobs: &Map) -> Vec<Paused> {
    let has = |k: &str| jobs.iter().any(|(key, _)| key.as_str() == k);
    let mut found = Vec::new();
    for (key, body) in jobs.iter() {
        let Some(gate) = key.as_str().strip_suffix("-approval") else {
            continue;
        };
        let check = format!("{gate}-check");
        let reads_check = body
            .as_mapping()
            .and_then(|b| entry(b, "if"))
            .and_then(|(_, v)| str_of(v))
            .is_some_and(|c| c.contains(&format!("needs.{check}.outputs.wfc-passed-")));
        let environment = body
            .as_mapping()
            .is_some_and(|b| entry(b, "environment").is_some());
        if reads_check && environment && has(gate) && has(&check) {
            found.push(Paused {
                check,
                approval: key.as_str().to_string(),
                gate: gate.to_string(),
            });
        }
    }
    found
}
