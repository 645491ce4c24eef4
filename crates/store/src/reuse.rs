//! `wfc resume`: what a resumed run may reuse, and whether it may resume.
//!
//! Each run records its plan's **fingerprints**: for every main-graph
//! instance, its definition as the plan JSON shows it (kind, fields with
//! params folded in, dependencies, condition, retry, timeout, items,
//! rollback), without what does not change what the step does (estimates,
//! line numbers, schedule), with a hash of each file it runs as its code
//! (`code_files`); and beside them the workflow's `env { }`, which
//! reaches the steps that start a process ([`TAKE_WORKFLOW_ENV`]) without
//! being in their definitions. A resume recompiles the workflow file with
//! the run's params and compares:
//!
//! - a step that **succeeded** must still be in the plan with the same
//!   definition: its outputs are restored, not recomputed, so a change would
//!   make the run a mix of two workflows. Otherwise the resume is refused,
//!   saying which steps changed and how;
//! - every other step (failed, interrupted, never started) runs from the
//!   new plan: fixing the step that failed and resuming is the point;
//! - changes are listed either way, so the user sees what the resume uses.

use super::fnv;
use crate::params;
use crate::Store;
use serde_json::{Map, Value as J};
use std::collections::BTreeMap;
use wfc_language::ir::Workflow;
use wfc_plan::Plan;

mod code_files;
use code_files::CodeFiles;

/// The plan's fingerprints as JSON text:
/// `{"steps": [{"name", "kind", "fp", "def", "files"?}], "env": {…}}`,
/// steps in plan order, `env` the workflow's; `files` (a step that runs a
/// file) hashes its content, read beside the workflow file `file` (as the
/// run records it; `None`: in the working directory).
pub fn fingerprints_of(plan: &Plan, wf: &Workflow, file: Option<&str>) -> String {
    let mut out = Vec::new();
    let mut files = CodeFiles::beside(file);
    write_fingerprints(plan, wf, &mut files, &mut out).expect("writing to memory");
    out.push(b'}');
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// [`fingerprints_of`] with code files read in the working directory.
pub fn fingerprints(plan: &Plan, wf: &Workflow) -> String {
    fingerprints_of(plan, wf, None)
}

/// [`stored_fingerprints_of`] with code files read in the working directory.
pub fn stored_fingerprints(plan: &Plan, wf: &Workflow) -> Vec<u8> {
    stored_fingerprints_of(plan, wf, None)
}

/// The fingerprints as stored in `runs.plan`: the JSON of [`fingerprints_of`]
/// plus the run's graph under `"graph"` ([`super::run_graph`]: what the
/// dashboard draws; the fingerprints' readers ignore it), gzip-compressed (a chain of 5,000 steps: 1.4 MB of JSON, ~60 KB stored).
/// Runs recorded before compression hold the JSON as text; [`read_plan`]
/// takes both.
///
/// The encoder is fed through a buffer: flate2 zeroes its 32 KiB output
/// buffer on every `write`, and the fingerprints come in four small writes a
/// step. Unbuffered, that memset was half the fingerprints' time
/// (`cargo bench --bench store`, 5,179 steps: 41 ms, buffered 19 ms; with
/// the definitions written directly instead of through a `Value`, 6.7 ms),
/// all of it before a big plan's first step.
pub fn stored_fingerprints_of(plan: &Plan, wf: &Workflow, file: Option<&str>) -> Vec<u8> {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, gz);
    let mut files = CodeFiles::beside(file);
    write_fingerprints(plan, wf, &mut files, &mut out).expect("writing to memory");
    out.write_all(b",\"graph\":")
        .and_then(|()| super::run_graph::write(plan, &mut out))
        .and_then(|()| out.write_all(b"}"))
        .expect("writing to memory");
    out.flush().expect("writing to memory");
    let gz = out
        .into_inner()
        .map_err(|e| e.into_error())
        .expect("flushed");
    gz.finish().expect("writing to memory")
}

/// Writes the fingerprints step by step, `{"steps":[…],"env":{…}` with the
/// object left open for what follows them. Holding every step's JSON at
/// once took 35 MB on a chain of 5,000 steps, and the SQLite copies of a
/// big text value several MB more.
fn write_fingerprints(
    plan: &Plan,
    wf: &Workflow,
    files: &mut CodeFiles,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let g = &plan.main;
    let mut text = Vec::new();
    out.write_all(b"{\"steps\":[")?;
    for i in 0..g.len() {
        let def = wfc_plan::render::json::step_definition(wf, g, i);
        text.clear();
        serde_json::to_writer(&mut text, &def)?;
        if i > 0 {
            out.write_all(b",")?;
        }
        // `{"fp":…,"kind":…,"name":…,"def":…}` (the first three in the
        // order a `Value` prints them, as recorded since the first build).
        write!(out, "{{\"fp\":\"{:016x}\",\"kind\":", fnv(&text))?;
        serde_json::to_writer(&mut *out, def.kind())?;
        out.write_all(b",\"name\":")?;
        serde_json::to_writer(&mut *out, def.name())?;
        out.write_all(b",\"def\":")?;
        out.write_all(&text)?;
        if let Some(files) = files.of(&g.steps[i]) {
            out.write_all(b",\"files\":")?;
            serde_json::to_writer(&mut *out, &files)?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(b"],\"env\":")?;
    serde_json::to_writer(&mut *out, &wfc_plan::render::json::env_json(plan, wf))?;
    if let Some(sel) = &plan.selection {
        out.write_all(b",\"select\":")?;
        serde_json::to_writer(&mut *out, sel)?;
    }
    Ok(())
}

/// The kinds of step whose process gets the workflow's `env { }` (as the
/// interpreter's `spec.rs` builds them): a change to it changes what they do.
pub const TAKE_WORKFLOW_ENV: [&str; 4] = ["shell", "docker", "python", "node"];

/// The `--target` / `--from` a run's plan was cut to, from its recorded
/// fingerprints (`wfc resume` cuts its plan alike).
pub fn selection(plan: &J) -> Option<wfc_plan::select::Selection> {
    serde_json::from_value(plan.get("select")?.clone()).ok()
}

/// Run `id`'s recorded fingerprints (`None`: no such run, no plan recorded,
/// or unreadable).
pub fn read_plan(store: &Store, id: &str) -> crate::Result<Option<J>> {
    let conn = &store.conn;
    use crate::db::Optional;
    let v: Option<crate::db::Value> = conn
        .query_row("SELECT plan FROM plans WHERE run_id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(decode_plan))
}

fn decode_plan(v: crate::db::Value) -> Option<J> {
    use crate::db::Value as V;
    match v {
        V::Text(t) => serde_json::from_str(&t).ok(),
        V::Blob(b) if b.starts_with(&[0x1f, 0x8b]) => {
            serde_json::from_reader(flate2::read::GzDecoder::new(&b[..])).ok()
        }
        V::Blob(b) => serde_json::from_slice(&b).ok(),
        _ => None,
    }
}

/// Names of the gates in recorded fingerprints (for `wfc approve`).
pub fn gates(plan: &J) -> Vec<String> {
    plan["steps"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .filter(|s| s["kind"] == "gate" || escalates(s))
                .filter_map(|s| s["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The names of every step of recorded fingerprints, in plan order.
pub fn step_names(plan: &J) -> Vec<String> {
    plan["steps"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .filter_map(|s| s["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a recorded step pauses for a person once its retries are used
/// up (`on fail pause` on a step that is no gate): a decision on it is
/// taken as on a gate ([`wfc_contract::Escalation`]).
fn escalates(s: &J) -> bool {
    s["kind"] != "gate" && s["def"]["on_fail"] == "pause"
}

/// Whether `step` of recorded fingerprints pauses for a person once its
/// retries are used up (`on fail pause` on a step that is no gate).
pub fn escalating(plan: &J, step: &str) -> bool {
    plan["steps"]
        .as_array()
        .and_then(|xs| xs.iter().find(|s| s["name"] == step))
        .is_some_and(escalates)
}

/// The `inputs` spec of gate `step` in recorded fingerprints
/// ([`wfc_plan::gate_inputs`]; an empty list when it declares none), or an
/// escalated step's (its `action`).
pub fn gate_inputs(plan: &J, step: &str) -> J {
    let found = plan["steps"]
        .as_array()
        .and_then(|xs| xs.iter().find(|s| s["name"] == step));
    if found.is_some_and(escalates) {
        return wfc_contract::Escalation::spec();
    }
    found
        .and_then(|s| s["def"]["fields"].get("inputs"))
        .cloned()
        .unwrap_or_else(|| J::Array(Vec::new()))
}

/// How the plan changed between the recorded run and now.
#[derive(Debug, Default)]
pub struct PlanDiff {
    /// Changes that forbid the resume (to steps that succeeded).
    pub blocking: Vec<String>,
    /// Changes the resume takes in (to steps that will run again, or new steps).
    pub other: Vec<String>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.blocking.is_empty() && self.other.is_empty()
    }
}

fn by_name(v: &J) -> BTreeMap<String, J> {
    v["steps"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .filter_map(|s| Some((s["name"].as_str()?.to_owned(), s.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// What differs between two step definitions, as `path: old → new` lines.
fn describe(old: &J, new: &J, path: &str, out: &mut Vec<String>) {
    let short = |v: &J| {
        let t = v.to_string();
        if t.chars().count() > 60 {
            format!("{}…", t.chars().take(59).collect::<String>())
        } else {
            t
        }
    };
    super::plan_diff::walk(old, new, path, &mut |p, a, b| {
        out.push(format!("{p}: {} → {}", short(a), short(b)))
    });
}

/// How the workflow's `env` changed for step `old` / `new` (as recorded,
/// as planned now): `path: old → new` lines for the keys that changed and
/// that the step gets from it — not the keys its own `env` sets (a change
/// to those is one of its definition). Nothing for a step of a kind the
/// workflow's `env` does not reach, or a run recorded before the workflow's
/// `env` was fingerprinted (it is not known).
fn workflow_env_change(recorded: &J, now: &J, old: &J, new: &J) -> Vec<String> {
    let takes = |s: &J| TAKE_WORKFLOW_ENV.contains(&s["kind"].as_str().unwrap_or(""));
    let (Some(J::Object(was)), Some(J::Object(is))) = (recorded.get("env"), now.get("env")) else {
        return Vec::new();
    };
    if !takes(old) && !takes(new) {
        return Vec::new();
    }
    let own = |s: &J, k: &str| s["def"]["fields"]["env"].get(k).is_some();
    let null = J::Null;
    let mut lines = Vec::new();
    let keys: std::collections::BTreeSet<&String> = was.keys().chain(is.keys()).collect();
    for k in keys.into_iter().filter(|k| !own(old, k) && !own(new, k)) {
        let (a, b) = (was.get(k).unwrap_or(&null), is.get(k).unwrap_or(&null));
        describe(a, b, &format!("the workflow's env.{k}"), &mut lines);
    }
    lines
}

/// How step `name` changed between fingerprints `recorded` and `now`, as
/// `path: old → new` lines (its definition, the workflow env it gets, the
/// files it runs); `None` when `recorded` has no such step.
pub fn step_changes(recorded: &J, now: &J, name: &str) -> Option<Vec<String>> {
    let find = |v: &J| {
        v["steps"]
            .as_array()?
            .iter()
            .find(|s| s["name"].as_str() == Some(name))
            .cloned()
    };
    let (o, n) = (find(recorded)?, find(now)?);
    let mut what = Vec::new();
    if n["fp"] != o["fp"] {
        describe(&o["def"], &n["def"], "", &mut what);
    }
    what.extend(workflow_env_change(recorded, now, &o, &n));
    what.extend(code_files::changes(&o, &n));
    Some(what)
}

/// Compares the recorded fingerprints with the new plan's; `succeeded` are
/// the steps whose outputs the resume would restore.
pub fn compare(recorded: &J, now: &J, succeeded: &[String]) -> PlanDiff {
    let (old, new) = (by_name(recorded), by_name(now));
    let mut diff = PlanDiff::default();
    let mut unhashed = false;
    for (name, o) in &old {
        let done = succeeded.contains(name);
        // What changed outside the step's definition: the workflow's env,
        // the content of a file it runs.
        let mut outside = new
            .get(name)
            .map(|n| workflow_env_change(recorded, now, o, n))
            .unwrap_or_default();
        if let Some(n) = new.get(name) {
            outside.extend(code_files::changes(o, n));
            unhashed |= done && code_files::unrecorded(o, n);
        }
        match new.get(name) {
            None => {
                let msg = format!("step `{name}` is no longer in the plan");
                if done {
                    diff.blocking
                        .push(format!("{msg}, but it already succeeded"));
                } else {
                    diff.other.push(msg);
                }
            }
            Some(n) if n["fp"] != o["fp"] || !outside.is_empty() => {
                let mut what = Vec::new();
                if n["fp"] != o["fp"] {
                    describe(&o["def"], &n["def"], "", &mut what);
                }
                what.extend(outside);
                let msg = format!("step `{name}` changed ({})", what.join("; "));
                if done {
                    diff.blocking
                        .push(format!("{msg}, but it already succeeded"));
                } else {
                    diff.other
                        .push(format!("{msg}; it runs with the new definition"));
                }
            }
            Some(_) => {}
        }
    }
    for name in new.keys().filter(|n| !old.contains_key(*n)) {
        diff.other
            .push(format!("step `{name}` is new; it will run"));
    }
    if unhashed {
        diff.other.push("the run was recorded before the files its steps run were kept with its plan: a change to one of a step that succeeded is not checked".to_owned());
    }
    diff
}

/// A compensation of main-graph step `s` started since `s` last ran.
const COMPENSATED: &str = "EXISTS (SELECT 1 FROM steps r
    WHERE r.run_id = s.run_id AND r.graph = 'rollback' AND r.rollback_of = s.name
      AND r.started_at IS NOT NULL AND r.started_at >= s.started_at)";

/// The main-graph steps of run `id` that succeeded, with their outputs:
/// what a resume restores. Not a step whose compensation ran since it last
/// did (even in part): what it did was undone, and restoring it would
/// succeed on work that no longer exists. Those run again.
pub fn succeeded(store: &Store, id: &str) -> crate::Result<Vec<(String, J)>> {
    let conn = &store.conn;
    let mut q = conn.prepare(&format!(
        "SELECT name, outputs FROM steps s
         WHERE run_id = ?1 AND graph = 'main' AND status = 'succeeded' AND NOT {COMPENSATED}
         ORDER BY seq"
    ))?;
    let rows = q.query_map(params![id], |r| {
        let name: String = r.get(0)?;
        let out: Option<String> = r.get(1)?;
        Ok((
            name,
            out.and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(J::Null),
        ))
    })?;
    rows.collect::<crate::Result<_>>()
}

/// The main-graph steps of run `id` that succeeded and whose compensation
/// ran since: a resume runs them again.
pub fn compensated(store: &Store, id: &str) -> crate::Result<Vec<String>> {
    let conn = &store.conn;
    let mut q = conn.prepare(&format!(
        "SELECT name FROM steps s
         WHERE run_id = ?1 AND graph = 'main' AND status = 'succeeded' AND {COMPENSATED}
         ORDER BY seq"
    ))?;
    let rows = q.query_map(params![id], |r| r.get(0))?;
    rows.collect::<crate::Result<_>>()
}

/// What a resume needs from the record of run `id`.
#[derive(Debug)]
pub struct Recorded {
    pub workflow: String,
    pub file: String,
    pub file_hash: String,
    pub status: String,
    /// Non-secret params as given (secrets are `***` and come from the
    /// environment or `--param` again).
    pub params: Map<String, J>,
    pub jobs: usize,
    pub plan: Option<J>,
    /// When the run first started, in ms since the epoch.
    pub started_ms: i64,
}

/// Reads run `id`'s record.
pub fn recorded(store: &Store, id: &str) -> crate::Result<Recorded> {
    let conn = &store.conn;
    conn.query_row(
        "SELECT workflow, file, file_hash, status, params, jobs,
                (SELECT plan FROM plans WHERE run_id = runs.id), started_at
         FROM runs WHERE id = ?1",
        [id],
        |r| {
            let params: String = r.get(4)?;
            let plan: crate::db::Value = r.get(6)?;
            Ok(Recorded {
                workflow: r.get(0)?,
                file: r.get(1)?,
                file_hash: r.get(2)?,
                status: r.get(3)?,
                params: serde_json::from_str(&params).unwrap_or_default(),
                jobs: r.get::<i64>(5)?.max(1) as usize,
                plan: decode_plan(plan),
                started_ms: r.get(7)?,
            })
        },
    )
}

/// Forgets rejections and timeouts of gates that will run again (a resumed
/// gate waits for a new decision); approvals stay.
pub fn clear_rejections(store: &Store, id: &str) -> crate::Result<()> {
    let conn = &store.conn;
    conn.execute(
        "DELETE FROM approvals WHERE run_id = ?1 AND decision IN ('rejected', 'timed_out')",
        [id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fp(steps: &[(&str, &str)]) -> J {
        json!({ "steps": steps.iter().map(|(n, run)| {
            let def = json!({ "name": n, "fields": { "run": run } });
            json!({ "name": n, "kind": "shell", "fp": format!("{:x}", fnv(def.to_string().as_bytes())), "def": def })
        }).collect::<Vec<_>>() })
    }

    /// Each step's definition is written directly; its text must be exactly
    /// that of its plan JSON `Value` with the volatile keys stripped (what
    /// earlier builds recorded), or every recorded step would look changed.
    #[test]
    fn definitions_print_as_the_stripped_plan_json_did() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut texts = vec![
            wfc_testkit::large_workflow(300),
            wfc_testkit::shell_dag("layers", 60),
        ];
        for dir in ["examples", "tests", "std"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "wf") {
                        texts.push(std::fs::read_to_string(&p).unwrap());
                    }
                }
            }
        }
        let (mut steps, mut rollbacks, mut retries, mut items) = (0, 0, 0, 0);
        for text in texts {
            let Some(checked) = wfc_language::analysis::analyze_lean("w.wf", text)
                .module
                .map(|m| m.into_first())
            else {
                continue;
            };
            let wf = checked.ir;
            let mut params = wfc_plan::ParamInput::default();
            params.cli.push(("env".into(), "prod".into()));
            let opts = wfc_plan::Options { jobs: Some(2) };
            let Ok(plan) = wfc_plan::plan(&wf, &params, opts, &wfc_plan::DefaultEstimator) else {
                continue;
            };
            let g = &plan.main;
            // The whole record as earlier builds wrote it.
            let mut recorded = Vec::new();
            for i in 0..g.len() {
                let mut want = wfc_plan::render::json::step_value(&wf, g, i);
                wfc_plan::render::json::strip_volatile(&mut want);
                let def = wfc_plan::render::json::step_definition(&wf, g, i);
                assert_eq!(serde_json::to_string(&def).unwrap(), want.to_string());
                let fp = format!("{:016x}", fnv(want.to_string().as_bytes()));
                let head =
                    json!({ "name": want["name"], "kind": want["kind"], "fp": fp }).to_string();
                recorded.push(format!("{},\"def\":{want}}}", &head[..head.len() - 1]));
                steps += 1;
                rollbacks += usize::from(g.steps[i].rollback.is_some());
                retries += usize::from(g.steps[i].retry.is_some());
                items += usize::from(!g.steps[i].items.is_empty());
            }
            let env = J::Object(wfc_plan::render::json::env_json(&plan, &wf));
            let recorded = format!("{{\"steps\":[{}],\"env\":{env}}}", recorded.join(","));
            assert_eq!(fingerprints(&plan, &wf), recorded);
        }
        assert!(steps > 300, "{steps} steps compared");
        assert!(
            rollbacks >= 3 && retries > 3 && items > 3,
            "{rollbacks} rollbacks, {retries} retries, {items} loop steps"
        );
    }

    /// New runs store the fingerprints compressed; runs recorded before
    /// store them as JSON text. Both read back as the same JSON.
    #[test]
    fn fingerprints_read_back_compressed_or_as_text() {
        let text = wfc_testkit::shell_dag("chain", 300);
        let (plan, wf) = crate::run_graph::tests::plan_of(&text);
        let json: J = serde_json::from_str(&fingerprints(&plan, &wf)).unwrap();
        assert_eq!(json["steps"].as_array().unwrap().len(), 300);
        let stored = stored_fingerprints(&plan, &wf);
        assert!(
            stored.len() * 5 < json.to_string().len(),
            "{} bytes",
            stored.len()
        );
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE plans (run_id TEXT PRIMARY KEY, plan BLOB)")
            .unwrap();
        conn.execute("INSERT INTO plans VALUES ('new', ?1)", [&stored])
            .unwrap();
        // Text: recorded before the fingerprints were compressed.
        conn.execute("INSERT INTO plans VALUES ('old', ?1)", [json.to_string()])
            .unwrap();
        let conn = crate::Store::over(conn, std::path::Path::new("")).unwrap();
        // New runs also store their graph, which the fingerprints' readers ignore.
        let new = read_plan(&conn, "new").unwrap().unwrap();
        assert_eq!(new["steps"], json["steps"]);
        assert_eq!(new["graph"]["nodes"].as_array().unwrap().len(), 300);
        assert_eq!(read_plan(&conn, "old").unwrap().as_ref(), Some(&json));
        assert_eq!(read_plan(&conn, "missing").unwrap(), None);
    }

    /// The workflow's `env` changes the steps it reaches: not an `http`
    /// step, nor one whose own `env` sets the key; unknown for a run
    /// recorded before it was fingerprinted.
    #[test]
    fn a_change_to_the_workflows_env_changes_the_steps_it_reaches() {
        let plan = |target: &str, with_env: bool| {
            let step = |name: &str, kind: &str, def: J| json!({ "name": name, "kind": kind, "fp": fnv(def.to_string().as_bytes()).to_string(), "def": def });
            let mut p = json!({ "steps": [
                step("deploy", "shell", json!({ "fields": { "run": "deploy" } })),
                step("notify", "http", json!({ "fields": { "get": "http://x" } })),
                step("pinned", "python", json!({ "fields": { "env": { "TARGET": "qa" } } })),
                step("verify", "node", json!({ "fields": { "script": "x" } })),
            ] });
            if with_env {
                p["env"] = json!({ "TARGET": target, "KEEP": "1" });
            }
            p
        };
        let done = [
            "deploy".to_owned(),
            "notify".to_owned(),
            "pinned".to_owned(),
        ];
        let d = compare(&plan("staging", true), &plan("prod", true), &done);
        assert_eq!(
            d.blocking,
            ["step `deploy` changed (the workflow's env.TARGET: \"staging\" → \"prod\"), but it already succeeded"]
        );
        assert_eq!(
            d.other,
            ["step `verify` changed (the workflow's env.TARGET: \"staging\" → \"prod\"); it runs with the new definition"]
        );
        assert!(compare(&plan("staging", true), &plan("staging", true), &done).is_empty());
        assert!(compare(&plan("staging", false), &plan("prod", true), &done).is_empty());
    }

    #[test]
    fn changes_to_succeeded_steps_block() {
        let old = fp(&[("a", "echo a"), ("b", "false")]);
        let new = fp(&[("a", "echo A"), ("b", "true"), ("c", "echo c")]);
        let d = compare(&old, &new, &["a".into()]);
        assert_eq!(
            d.blocking,
            ["step `a` changed (fields.run: \"echo a\" → \"echo A\"), but it already succeeded"]
        );
        assert_eq!(d.other.len(), 2, "{:?}", d.other);
        let d = compare(&old, &new, &[]);
        assert!(d.blocking.is_empty());
        assert!(compare(&old, &old, &["a".into()]).is_empty());
    }
}
