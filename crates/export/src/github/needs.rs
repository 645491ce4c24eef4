//! The `if:` a job needs when its dependencies are not all "must succeed":
//! `after x` (x may end any way), `any(b, c)` (one of them succeeded), or
//! reading `x.status` (an `after` edge too). GitHub runs a job only when
//! every need succeeded unless its `if:` holds a status function, so the
//! condition spells out what each need must be: a `depends on` need
//! succeeded, or was skipped when its step has an `if` (a skipped
//! dependency satisfies in wfc); an `after` need anything; an `any(…)`
//! group one member whose every instance succeeded; a need on an
//! `optional` step (a job that continues on error, whose `result` is
//! `success` however it ended) its recorded outcome, which a failure
//! does not satisfy.

use wfc_plan::{EdgeKind, Graph, InstanceId};

/// The condition of the job of `members` (without `${{ }}`), or None when
/// every dependency must simply succeed.
pub fn condition(g: &Graph, members: &[InstanceId], names: &[String]) -> Option<String> {
    let steps = || members.iter().map(|&m| &g.steps[m]);
    let special = steps()
        .flat_map(|s| &s.deps)
        .any(|d| matches!(d.why, EdgeKind::After | EdgeKind::Any) || g.steps[d.on()].optional);
    if !special {
        return None;
    }
    // `after` is a local `finally`: it starts while the run is failing or
    // cancelled, as `always()` does.
    let finally = steps().any(|s| s.finally);
    let mut terms = vec![if finally { "always()" } else { "!cancelled()" }.to_string()];
    let mut seen = std::collections::HashSet::new();
    for s in steps() {
        for d in &s.deps {
            let job = &names[d.on()];
            if members.contains(&d.on()) || !seen.insert((job.clone(), d.why)) {
                continue;
            }
            let optional = g.steps[d.on()].optional;
            match d.why {
                EdgeKind::After | EdgeKind::Any => {}
                // Its job continues on error: the step's own outcome.
                _ if optional => terms.push(format!(
                    "contains(fromJSON('[\"success\",\"skipped\"]'), {})",
                    super::status::result_of(true, job)
                )),
                _ if g.steps[d.on()].condition.is_some() => terms.push(format!(
                    "(needs.{job}.result == 'success' || needs.{job}.result == 'skipped')"
                )),
                _ => terms.push(format!("needs.{job}.result == 'success'")),
            }
        }
        for any in s.any.iter() {
            let options: Vec<String> = any
                .members
                .iter()
                .filter(|m| !m.is_empty())
                .map(|instances| {
                    let all: Vec<String> = instances
                        .iter()
                        .map(|&i| format!("needs.{}.result == 'success'", names[i]))
                        .collect();
                    format!("({})", all.join(" && "))
                })
                .collect();
            if !options.is_empty() {
                terms.push(format!("({})", options.join(" || ")));
            }
        }
    }
    Some(terms.join(" && "))
}
