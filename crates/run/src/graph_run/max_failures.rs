//! `for each … max failures N|P%`: a loop lets up to `N` (or `P`% of its
//! iterations, rounded down) failed iterations pass, as Ansible's
//! `max_fail_percentage` lets a rolling update go on past a few bad
//! hosts. A let-pass failure is recorded as failed and optional: it does
//! not fail the run, and what depends on it does not run; the loop goes
//! on. The failure one past the bound is the loop's, and the run's, as
//! any failed iteration is without the setting.

use super::GraphRun;
use wfc_plan::{GroupKind, InstanceId};

/// Why the failure of `v` is let pass by the innermost loop around it
/// with `max failures`, if it is: that loop's failed iterations, this
/// one counted, are within its bound.
pub(super) fn let_pass(g: &mut GraphRun, v: InstanceId) -> Option<String> {
    let mut group = g.graph.steps[v].group;
    while let Some(gi) = group {
        let grp = &g.graph.groups[gi];
        if let GroupKind::ForEach {
            iterations: Some(its),
            max_failures: Some(max),
            ..
        } = &grp.kind
        {
            let i = its.iter().position(|it| it.contains(&v))?;
            let allowed = max.allowed(its.len());
            let failed = g.tolerated.entry(gi).or_default();
            failed.insert(i);
            let n = failed.len();
            return (n <= allowed).then(|| {
                format!(
                    "let pass: failed iteration {n} of the {allowed} `max failures {}` allows in `{}`",
                    max.text(),
                    grp.name
                )
            });
        }
        group = grp.parent;
    }
    None
}
