//! A job's or a step's `if:` as a [`Guard`]: the terms `.wf` can say,
//! whether it holds a status function (then GitHub adds no `success()`:
//! it runs after what comes before, however that ended), and the terms it
//! cannot say. Those are refused, never dropped: a stand-in step that fails
//! stands before the job or step (W0902), so nothing runs where the
//! original would not have run.

use super::expr::{self, Ended, Ex};
use super::jobs::{path, stand_in};
use super::text::Scope;
use super::{one_line, Ctx};
use crate::model::Step;
use marked_yaml::Node;
use wfc_language::span::Span;

/// What an `if:` keeps.
#[derive(Clone, Debug, Default)]
pub(super) struct Guard {
    /// It calls a status function: it runs once what comes before has
    /// ended, however, when `cond` holds.
    pub status: bool,
    /// The translated terms (`&&`): context paths bound, status functions
    /// and jobs' results resolved where the job is placed ([`expr::resolve`]).
    pub cond: Option<Ex>,
    /// The condition as written, when some of it is not translated.
    pub refused: Option<String>,
    /// The condition as written.
    pub src: String,
    /// Where it is, for a warning when it is placed.
    pub at: Option<Span>,
}

/// Where an `if:` stands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum On {
    Job,
    Step,
}

impl On {
    fn word(self) -> &'static str {
        match self {
            On::Job => "job",
            On::Step => "step",
        }
    }
}

/// The guard of the `if:` `node` of a job or a step.
pub(super) fn guard(ctx: &mut Ctx, scope: &Scope, node: &Node, on: On) -> Guard {
    let at = crate::yaml::node_span(ctx.warn.text, node);
    let mut g = Guard {
        at: Some(at),
        ..Guard::default()
    };
    let Some(src) = crate::yaml::str_of(node) else {
        return g;
    };
    let src = one_line(src);
    g.src = src.clone();
    let parsed = match expr::parse(expr::unwrap(&src)) {
        Ok(e) => e,
        Err(why) => {
            // (Not read: a status function in it still drops `success()`.)
            g.status = expr::STATUS_FNS
                .iter()
                .any(|f| src.contains(&format!("{f}(")));
            refuse(ctx, &mut g, &why, on);
            return g;
        }
    };
    let mut terms = Vec::new();
    expr::flatten_and(parsed, &mut terms);
    // `success()` as a term is what GitHub adds when there is none.
    terms.retain(|t| !matches!(t, Ex::Call(f, a) if a.is_empty() && f == "success"));
    g.status = terms.iter().any(expr::has_status);
    let mut why = None;
    for term in terms {
        let bound = expr::bind(&term, &mut |p| match p {
            [n, _, r] if n == "needs" && r == "result" => Ok(None),
            [n, _, o, r] if n == "needs" && o == "outputs" && r == "wfc-result" => Ok(None),
            _ => path(ctx, scope, node, p).map(Some),
        })
        .and_then(|b| check(&b, on).map(|_| b));
        match bound {
            Ok(b) => {
                g.cond = Some(match g.cond.take() {
                    Some(c) => Ex::Bin("&&", Box::new(c), Box::new(b)),
                    None => b,
                })
            }
            Err(w) => {
                why.get_or_insert(w);
            }
        }
    }
    if let Some(why) = why {
        refuse(ctx, &mut g, &why, on);
    }
    g
}

/// Whether a bound term reads back as `.wf` once what it reads of how
/// steps ended is known (each such read taken as `true` here).
fn check(e: &Ex, on: On) -> Result<(), String> {
    struct Any(On);
    impl Ended for Any {
        fn status(&mut self, _: &str) -> Result<Ex, String> {
            Ok(Ex::Wf("true".into()))
        }
        fn result(&mut self, job: &str, _: &str, _: bool) -> Result<Ex, String> {
            match self.0 {
                On::Job => Ok(Ex::Wf("true".into())),
                On::Step => Err(format!("`needs.{job}.result` in a step's condition")),
            }
        }
    }
    let resolved = expr::resolve(e, &mut Any(on))?;
    expr::to_wf(&resolved, &mut |p| {
        Err(format!("`{}` has no `.wf` equivalent", p.join(".")))
    })
    .map(|_| ())
}

/// W0902: `g` is not translated (`why`): a stand-in stands before it.
pub(super) fn refuse(ctx: &mut Ctx, g: &mut Guard, why: &str, on: On) {
    let at = g.at.unwrap_or_default();
    let src = &g.src;
    ctx.warn.at("W0902", at, format!("the condition `{src}` is not translated ({why}): a stand-in step that fails stands before the {}; write the condition by hand", on.word()));
    g.refused = Some(src.clone());
}

/// The stand-in for a refused condition, named `name`.
pub(super) fn stand_in_step(name: String, cond: &str) -> Step {
    Step {
        name,
        comments: vec![format!("wfc import: stand-in for `if: {cond}`")],
        run: Some(stand_in(&format!("the condition `{cond}`"))),
        shell: Some("bash".into()),
        ..Step::default()
    }
}

/// A resolved condition as `.wf` text; `None` for `true`.
pub(super) fn text(e: &Ex) -> Result<Option<String>, String> {
    match e {
        Ex::Bool(true) => Ok(None),
        e => expr::to_wf(e, &mut |p| {
            Err(format!("`{}` has no `.wf` equivalent", p.join(".")))
        })
        .map(Some),
    }
}

/// Steps: (name, inside a loop, `optional`).
pub(super) type Steps = Vec<(String, bool, bool)>;

/// How the steps before a job or a step ended, read from their `.status`.
pub(super) struct Before<'s> {
    /// The steps before: name, inside a loop (its `status` a list),
    /// `optional` (its failure fails nothing: GitHub's `continue-on-error`).
    pub steps: Steps,
    /// The steps of each job needed (a job's `result`): job name → steps.
    pub jobs: &'s dyn Fn(&str) -> Option<Steps>,
}

/// `s.status` is one of `states` (a loop's: each iteration's).
fn status_in(s: &str, in_loop: bool, states: &[&str]) -> String {
    let list = || {
        let quoted: Vec<String> = states.iter().map(|s| format!("\"{s}\"")).collect();
        format!("[{}]", quoted.join(", "))
    };
    match (in_loop, states) {
        (false, [one]) => format!("{s}.status == \"{one}\""),
        (false, _) => format!("contains({}, {s}.status)", list()),
        (true, _) => format!("all([contains({}, x) for x in {s}.status])", list()),
    }
}

/// Some of `s.status` is one of `states` (a loop's: some iteration's).
fn some_in(s: &str, in_loop: bool, states: &[&str]) -> String {
    match in_loop {
        false => status_in(s, false, states),
        true => {
            let quoted: Vec<String> = states.iter().map(|s| format!("\"{s}\"")).collect();
            format!(
                "any([contains([{}], x) for x in {s}.status])",
                quoted.join(", ")
            )
        }
    }
}

/// `terms` joined by `op`, in parentheses; `empty` when there are none.
fn joined(terms: Vec<String>, op: &str, empty: bool) -> Ex {
    match terms.len() {
        0 => Ex::Bool(empty),
        _ => Ex::Wf(format!("({})", terms.join(&format!(" {op} ")))),
    }
}

impl Ended for Before<'_> {
    fn status(&mut self, f: &str) -> Result<Ex, String> {
        // An `optional` step's failure is no failure (`continue-on-error`).
        let counted = self.steps.iter().filter(|(_, _, optional)| !optional);
        Ok(match f {
            "always" => Ex::Bool(true),
            "failure" => {
                let terms = counted.map(|(s, in_loop, _)| match in_loop {
                    false => format!("{s}.status == \"failed\""),
                    true => format!("contains({s}.status, \"failed\")"),
                });
                joined(terms.collect(), "||", false)
            }
            _ => {
                let terms = counted.map(|(s, l, _)| status_in(s, *l, &["succeeded", "skipped"]));
                joined(terms.collect(), "&&", true)
            }
        })
    }

    fn result(&mut self, job: &str, result: &str, real: bool) -> Result<Ex, String> {
        let steps = (self.jobs)(job).ok_or(format!("`needs.{job}`: not a job it needs"))?;
        if let [(s, false, optional)] = steps.as_slice() {
            // A job that continues on error succeeds however its step ended.
            let lenient = *optional && !real;
            let states: &[&str] = match (result, lenient) {
                ("success", false) => &["succeeded"],
                ("success", true) => &["succeeded", "failed"],
                ("failure", false) => &["failed"],
                ("failure", true) => &[],
                ("cancelled", _) => &["cancelled"],
                // A job whose needs failed is skipped too.
                ("skipped", _) => &["skipped", "not_run"],
                (other, _) => return Err(format!("the job result `{other}`")),
            };
            return Ok(match states {
                [] => Ex::Bool(false),
                _ => Ex::Wf(format!("({})", status_in(s, false, states))),
            });
        }
        // A job of several steps, or a matrix: from all of its steps.
        let counted = || steps.iter().filter(|(_, _, optional)| !optional);
        let every = |states: &[&str], all: bool| -> Vec<String> {
            let of = steps.iter().filter(|(_, _, optional)| all || !optional);
            of.map(|(s, l, _)| status_in(s, *l, states)).collect()
        };
        let some = |states: &[&str], all: bool| -> Vec<String> {
            let of = steps.iter().filter(|(_, _, optional)| all || !optional);
            of.map(|(s, l, _)| some_in(s, *l, states)).collect()
        };
        Ok(match result {
            // Ran, and no step that counts failed.
            "success" => {
                let mut terms = every(&["succeeded", "skipped"], false);
                terms.push(format!("({})", some(&["succeeded"], true).join(" || ")));
                joined(terms, "&&", true)
            }
            "failure" if counted().next().is_none() => Ex::Bool(false),
            "failure" => joined(some(&["failed"], false), "||", false),
            "cancelled" => joined(some(&["cancelled"], true), "||", false),
            "skipped" => joined(every(&["skipped", "not_run"], true), "&&", true),
            other => return Err(format!("the job result `{other}`")),
        })
    }
}

/// W0909: a condition that resolved to `false`: GitHub never runs it either.
pub(super) fn never(ctx: &mut Ctx, g: &Guard, on: On) {
    let at = g.at.unwrap_or_default();
    ctx.warn.at("W0909", at, format!("the condition `{}` never holds here: what it reads of how earlier steps ended cannot happen (none can fail, or only ones that continue on error); GitHub skips the {} every time too, and it is written as `if false`", g.src, on.word()));
}
