//! The jobs wfc's export writes for an `if` over a secret (`wfc-if-JOB`,
//! its step `wfc-if-decide`): shell tests over `env` values, giving `go`.
//! They fold back into the condition on the job that needs them.

use super::text::{self, Scope};
use super::Ctx;
use crate::literal::{self, Piece};
use crate::yaml::{entry, str_of, Map};

/// The `.wf` condition a guard job decides, if `job` is one.
pub fn condition(ctx: &mut Ctx, job: &Map) -> Option<String> {
    let steps = entry(job, "steps")?.1.as_sequence()?;
    let step = steps
        .iter()
        .filter_map(|s| s.as_mapping())
        .find(|m| entry(m, "id").and_then(|(_, v)| str_of(v)) == Some("wfc-if-decide"))?;
    let run = entry(step, "run").and_then(|(_, v)| str_of(v))?;
    let test = run.strip_prefix("if ")?.split_once("; then\n")?.0;
    let mut values = Vec::new();
    if let Some((_, env)) = entry(step, "env") {
        for (k, v) in env.as_mapping()?.iter() {
            let t = text::value(ctx, &Scope::default(), str_of(v).unwrap_or(""), v);
            let e = match t.0.as_slice() {
                [Piece::Expr(e)] => e.clone(),
                _ => literal::quoted(&t),
            };
            values.push((k.as_str().to_string(), e));
        }
    }
    let (cond, rest) = parse(test, &values)?;
    rest.trim().is_empty().then_some(cond)
}

/// One test of the export's grammar, and what follows it.
fn parse<'a>(s: &'a str, values: &[(String, String)]) -> Option<(String, &'a str)> {
    let s = s.trim_start();
    let var = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if let Some(rest) = s.strip_prefix("! { ") {
        let (inner, rest) = parse(rest, values)?;
        return Some((
            format!("!({inner})"),
            rest.trim_start().strip_prefix("; }")?,
        ));
    }
    if let Some(rest) = s.strip_prefix("{ ") {
        let (a, rest) = parse(rest, values)?;
        let rest = rest.trim_start();
        let (op, rest) = match rest.strip_prefix("&& ") {
            Some(r) => ("&&", r),
            None => ("||", rest.strip_prefix("|| ")?),
        };
        let (b, rest) = parse(rest, values)?;
        return Some((
            format!("({a} {op} {b})"),
            rest.trim_start().strip_prefix("; }")?,
        ));
    }
    let rest = s.strip_prefix("[ \"$")?;
    let (a, rest) = rest.split_once("\" ")?;
    let (op, rest) = rest.split_once(' ')?;
    let (b, rest) = rest.split_once(" ]")?;
    let a = var(a)?;
    let cond = match (op, b) {
        ("=", "true") => a,
        ("=" | "!=", b) => {
            let b = var(b.strip_prefix("\"$")?.strip_suffix('"')?)?;
            format!("{a} {} {b}", if op == "=" { "==" } else { "!=" })
        }
        _ => return None,
    };
    Some((cond, rest))
}

/// The export's job checking a zoned schedule's offset (`wfc-schedule`,
/// its step `wfc-schedule-check`): its key, and each UTC cron with the
/// schedule it stands for (`on schedule "LOCAL" { timezone "ZONE" }`, or
/// the cron itself in UTC).
pub fn zoned(jobs: &Map) -> Option<(String, Vec<(String, String)>)> {
    for (key, body) in jobs.iter() {
        let Some(job) = body.as_mapping() else {
            continue;
        };
        let Some((_, steps)) = entry(job, "steps") else {
            continue;
        };
        let Some(step) = steps
            .as_sequence()
            .into_iter()
            .flat_map(|l| l.iter())
            .find_map(|s| {
                s.as_mapping().filter(|m| {
                    entry(m, "id").and_then(|(_, v)| str_of(v)) == Some("wfc-schedule-check")
                })
            })
        else {
            continue;
        };
        let table = entry(step, "env")
            .and_then(|(_, e)| e.as_mapping())
            .and_then(|e| entry(e, "WF_CRONS"))
            .and_then(|(_, v)| str_of(v))?;
        let mut lines = Vec::new();
        for line in table.lines() {
            let mut parts = line.split('|');
            let (cron, zone, offset) = (parts.next()?, parts.next()?, parts.next()?);
            // A gap's cron (its dates only) is the same schedule again.
            if parts.next().is_some_and(|only| !only.is_empty()) {
                lines.push((cron.to_string(), String::new()));
                continue;
            }
            lines.push((cron.to_string(), local(cron, zone, offset)?));
        }
        return Some((key.as_str().to_string(), lines));
    }
    None
}

/// The `.wf` trigger a UTC cron of the export stands for.
fn local(cron: &str, zone: &str, offset: &str) -> Option<String> {
    if zone == "UTC" {
        return Some(format!("on schedule {}", literal::string(cron)));
    }
    let f: Vec<&str> = cron.split_whitespace().collect();
    let [m, h, dom, month, dow] = f[..] else {
        return None;
    };
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let hh: i64 = offset.get(1..3)?.parse().ok()?;
    let mm: i64 = offset.get(3..5)?.parse().ok()?;
    let at = m.parse::<i64>().ok()? + 60 * h.parse::<i64>().ok()? + sign * (hh * 60 + mm);
    let at = at.rem_euclid(1440);
    let local = format!("{} {} {dom} {month} {dow}", at % 60, at / 60);
    Some(format!(
        "on schedule {} {{ timezone {} }}",
        literal::string(&local),
        literal::string(zone)
    ))
}

/// The export's job deciding a webhook's `when` (`wfc-when`, its step of
/// the same id): `jq` over the dispatch's payload, not read back.
pub fn when_job(jobs: &Map) -> Option<String> {
    job_of_step(jobs, "wfc-when")
}

/// The export's job deciding a webhook's params (`wfc-params`): its reads
/// are the params again.
pub fn params_job(jobs: &Map) -> Option<String> {
    job_of_step(jobs, "wfc-params")
}

/// The inputs a matrix of the export takes its items from, as the
/// `params_job` computes them: `f: ${{ fromJSON(needs.wfc-params.outputs.files) }}`
/// (a `for each` over a list param a trigger sets).
pub fn matrix_lists(jobs: &Map, params_job: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, body) in jobs.iter() {
        let matrix = body
            .as_mapping()
            .and_then(|b| entry(b, "strategy"))
            .and_then(|(_, s)| s.as_mapping())
            .and_then(|s| entry(s, "matrix"))
            .and_then(|(_, m)| m.as_mapping());
        for (_, v) in matrix.into_iter().flat_map(|m| m.iter()) {
            if let Some(x) = str_of(v).and_then(|t| computed_list(t, params_job)) {
                if !out.iter().any(|o| o == x) {
                    out.push(x.to_string());
                }
            }
        }
    }
    out
}

/// The input of `${{ fromJSON(needs.JOB.outputs.X) }}`, JOB `params_job`.
pub fn computed_list<'t>(text: &'t str, params_job: &str) -> Option<&'t str> {
    let (job, x) = computed_read(text)?;
    (job == params_job).then_some(x)
}

/// The job and output a matrix the export computes reads:
/// `${{ fromJSON(needs.JOB.outputs.X) }}`, X a name.
pub fn computed_read(text: &str) -> Option<(&str, &str)> {
    let read = text.strip_prefix("${{ fromJSON(")?.strip_suffix(") }}")?;
    let (job, x) = read.strip_prefix("needs.")?.split_once(".outputs.")?;
    x.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        .then_some((job, x))
}

/// The `on change` trigger the export's `wfc-params` job carries as its
/// step's `WF_CHANGE` (the trigger as written, for readers), when its
/// push is that trigger's.
pub fn change(jobs: &Map) -> Option<String> {
    let job = job_of_step(jobs, "wfc-params")?;
    let steps = entry(entry(jobs, &job)?.1.as_mapping()?, "steps")?
        .1
        .as_sequence()?;
    let text = steps.iter().filter_map(|s| s.as_mapping()).find_map(|m| {
        let env = entry(m, "env")?.1.as_mapping()?;
        str_of(entry(env, "WF_CHANGE")?.1)
    })?;
    (text.starts_with("on change \"") && !text.contains('\n')).then(|| text.to_string())
}

/// The job holding a step whose id is `id`.
fn job_of_step(jobs: &Map, id: &str) -> Option<String> {
    jobs.iter().find_map(|(key, body)| {
        let steps = entry(body.as_mapping()?, "steps")?.1.as_sequence()?;
        steps
            .iter()
            .filter_map(|s| s.as_mapping())
            .any(|m| entry(m, "id").and_then(|(_, v)| str_of(v)) == Some(id))
            .then(|| key.as_str().to_string())
    })
}

/// `src` without the terms of the jobs every job waits for (an `on
/// change`'s push, a webhook's `when`, then a zoned schedule's check): `needs.J.outputs.go == 'true'
/// && (REST)`; None when nothing else is left.
pub fn ungated(ctx: &Ctx, mut src: String) -> Option<String> {
    let zoned = ctx.zoned.as_ref().map(|(z, _)| (z, "go"));
    let when = ctx.when_job.as_ref().map(|w| (w, "go"));
    // An `on change`'s push that brought no file: its job's `wfc-go`.
    let pushed = ctx
        .change
        .as_ref()
        .and(ctx.params_job.as_ref())
        .map(|p| (p, "wfc-go"));
    for (g, out) in pushed.into_iter().chain(when).chain(zoned) {
        let go = format!("needs.{g}.outputs.{out} == 'true'");
        if src == go {
            return None;
        }
        if let Some(rest) = src
            .strip_prefix(&format!("{go} && ("))
            .and_then(|r| r.strip_suffix(')'))
        {
            src = rest.to_string();
        }
    }
    Some(src)
}

/// What the export adds to a job's `if:` that `.wf` says otherwise, taken
/// off `src`: first the rule that a dependency skipped by its `if` (or a
/// loop that ran no iteration) satisfies ([`SKIPPED_SATISFIES`]), last a
/// matrix job's guard that its computed list is not empty (`reads`: its
/// lists as the matrix reads them). None when nothing else is left.
pub fn unwrapped(src: String, reads: &[String]) -> Option<String> {
    let mut src = src;
    if src == SKIPPED_SATISFIES {
        return None;
    }
    if let Some(rest) = src.strip_prefix(&format!("{SKIPPED_SATISFIES} && ")) {
        src = rest.to_string();
    }
    for read in reads {
        let guard = format!("{read} != '[]'");
        if src == guard {
            return None;
        }
        if let Some(rest) = src.strip_suffix(&format!(" && {guard}")) {
            src = rest.to_string();
        }
    }
    Some(src)
}

/// The export's `if:` for a job after one its `if` may skip (jobs.rs).
const SKIPPED_SATISFIES: &str = "!cancelled() && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled')";
