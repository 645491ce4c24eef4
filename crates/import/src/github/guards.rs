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
