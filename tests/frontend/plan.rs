//! The plan compiler: golden plans (text and JSON) for every example and for
//! the fixtures in `tests/plan/` (one per pass), parameter binding errors,
//! secret masking in every rendering and the CLI (property tests on random
//! DAGs are in `plan_props`).
//!
//! A fixture lists its cases in its header: `# case: NAME name=value …`
//! (no case line: one case named `default` with no params), and may pick a
//! workflow of its file with `# workflow: NAME` (else its first).
//! Update the snapshots with `INSTA_UPDATE=always cargo test --test frontend plan::`.
//! The golden tests report every failing case, not just the first.

use std::path::{Path, PathBuf};
use std::process::Command;

use wfc_language::analysis::analyze;
use wfc_language::program::{load, Disk};
use wfc_plan::{self as plan, render, DefaultEstimator, Options, ParamInput, Plan};
use wfc_testkit::Case;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    out.sort();
    out
}

/// Plans `text` with `params` and 2 workers (so snapshots do not depend on the machine).
pub(crate) fn plan_text(
    name: &str,
    text: &str,
    params: &[&str],
) -> Result<(Plan, wfc_language::ir::Workflow), Vec<wfc_language::diag::Diagnostic>> {
    // As a program: an example may import modules (paths relative to it, or std/).
    let program = load(Path::new(name), text.to_string(), &Disk, false);
    assert!(
        !program.has_errors(),
        "{name}: {:#?}",
        program.root().analysis.diagnostics()
    );
    let a = program.units.into_iter().next().unwrap().analysis;
    // `# workflow: NAME` picks a workflow of the file (else its first).
    let module = a.module.unwrap();
    let wf = match text
        .lines()
        .find_map(|l| l.trim().strip_prefix("# workflow:"))
    {
        Some(w) => {
            module
                .into_workflow(w.trim())
                .expect("the fixture's workflow")
                .ir
        }
        None => module.into_first().ir,
    };
    let mut input = ParamInput::default();
    for p in params {
        input.push_assignment(p).map_err(|d| vec![d])?;
    }
    let jobs = wf.concurrency.map_or(2, |c| c as usize);
    plan::plan_with_calls(wf, &input, Options { jobs: Some(jobs) }, &DefaultEstimator)
}

/// `(case name, params)` from `# case:` lines.
fn cases(text: &str) -> Vec<(String, Vec<String>)> {
    let cases: Vec<(String, Vec<String>)> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# case:"))
        .map(|rest| {
            let mut words = rest.split_whitespace().map(str::to_string);
            let name = words.next().unwrap();
            (name, words.collect())
        })
        .collect();
    if cases.is_empty() {
        vec![("default".into(), Vec::new())]
    } else {
        cases
    }
}

/// One golden case: `stem@case`, and the file and params it plans.
type Golden = (String, (PathBuf, String, String, Vec<String>));

fn golden(path: &Path, stem: &str, cases: Vec<(String, Vec<String>)>) -> Vec<Golden> {
    cases
        .into_iter()
        .map(|(case, params)| {
            let what = (path.to_owned(), stem.to_owned(), case.clone(), params);
            (format!("{stem}@{case}"), what)
        })
        .collect()
}

/// Snapshots the text and JSON plan of every case, reporting each failing one.
fn snapshot_all(cases: Vec<Golden>) {
    wfc_testkit::check_each(cases, |_, (path, stem, case, params)| {
        let text = std::fs::read_to_string(&path).unwrap();
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let (p, wf) = plan_text(&path.display().to_string(), &text, &params)
            .unwrap_or_else(|d| panic!("{}: {case}: {d:#?}", path.display()));
        let source = wfc_language::span::SourceFile::new(stem.as_str(), text.clone());
        let txt = render::text::render(&p, &wf, false);
        let json = render::json::render(&p, &wf, Some(&source));
        insta::with_settings!({
            snapshot_path => root().join("tests/plan/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{stem}@{case}.txt"), txt);
            insta::assert_snapshot!(format!("{stem}@{case}.json"), json);
        });
    });
}

#[test]
fn golden_fixtures() {
    let files = wf_files(&root().join("tests/plan"));
    assert!(files.len() >= 8);
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        all.extend(golden(&path, &stem, cases(&text)));
    }
    snapshot_all(all);
}

#[test]
fn golden_examples() {
    let mut all = Vec::new();
    for path in wf_files(&root().join("examples")) {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let cases = match stem.as_str() {
            "deploy" => vec![
                ("staging".to_string(), vec!["version=1.2.3".to_string()]),
                (
                    "prod".to_string(),
                    vec!["env=prod".to_string(), "version=1.2.3".to_string()],
                ),
            ],
            "release-with-std" => vec![("default".to_string(), vec!["version=1.4.0".to_string()])],
            "release-webhook" => vec![("default".to_string(), vec!["version=v1.4.0".to_string()])],
            _ => vec![("default".to_string(), Vec::new())],
        };
        all.extend(golden(&path, &format!("example-{stem}"), cases));
    }
    snapshot_all(all);
}

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/plan").join(name)).unwrap()
}

fn names(p: &Plan) -> Vec<&str> {
    p.main.steps.iter().map(|s| s.name.as_str()).collect()
}

fn deps_of<'a>(p: &'a Plan, name: &str) -> Vec<&'a str> {
    let i = p
        .main
        .named(name)
        .unwrap_or_else(|| panic!("no step {name}"));
    p.main.steps[i]
        .deps
        .iter()
        .map(|d| p.main.steps[d.on()].name.as_str())
        .collect()
}

#[test]
fn pruning_both_ways_passes_dependencies_through_pruned_steps() {
    let text = fixture("prune.wf");
    let (p, _) = plan_text("prune.wf", &text, &[]).unwrap();
    assert_eq!(names(&p), ["build", "smoke", "ship"]);
    assert_eq!(deps_of(&p, "ship"), ["smoke"]);
    assert!(p
        .pruned
        .iter()
        .any(|x| x.steps == ["approve"] && x.reason.contains("env = \"staging\"")));
    let (p, _) = plan_text("prune.wf", &text, &["env=prod"]).unwrap();
    assert_eq!(names(&p), ["build", "approve", "ship"]);
    assert_eq!(deps_of(&p, "ship"), ["approve"]);
    // Neither `approve` nor `smoke` exists: `ship` waits for what they
    // would have waited for (it used to start alongside `build`).
    let (p, _) = plan_text("prune.wf", &text, &["env=dev", "fast=false"]).unwrap();
    assert_eq!(names(&p), ["build", "full", "ship"]);
    assert_eq!(deps_of(&p, "ship"), ["build"]);
}

#[test]
fn unrolling_names_instances_and_chains_sequential_iterations() {
    let (p, _) = plan_text("unroll.wf", &fixture("unroll.wf"), &[]).unwrap();
    assert!(p.main.named("ship[us-east]").is_some());
    assert!(p.main.named("pkg[macos][arm64]").is_some());
    // Int items are named by value, as interpolated (`shards` is [1, 2]);
    // iteration 2 waits for iteration 1's last step.
    assert_eq!(deps_of(&p, "migrate[2]"), ["verify[1]"]);
    assert_eq!(deps_of(&p, "verify[2]"), ["migrate[2]"]);
    let (p, _) = plan_text("unroll.wf", &fixture("unroll.wf"), &["regions="]).unwrap();
    assert!(p.main.named("ship[eu-west]").is_none());
    assert!(p.pruned.iter().any(|x| x.reason.contains("is empty")));
}

#[test]
fn block_dependencies_expand_to_members() {
    let (p, _) = plan_text("block_deps.wf", &fixture("block_deps.wf"), &[]).unwrap();
    assert_eq!(deps_of(&p, "compile[a]"), ["unit", "style"]);
    assert_eq!(deps_of(&p, "bundle"), ["compile[a]", "compile[b]"]);
    assert_eq!(deps_of(&p, "style"), ["fetch", "lint"]);
}

#[test]
fn nested_sequential_loops_plan_in_linear_time() {
    // 13 levels: 8,192 iterations of two steps. Compilation was quadratic in
    // instances (every instance of one outer iteration waited for every one
    // of the previous, then reduction and the text renderer walked them all):
    // 12 levels took 85 s, 13 over 120 s; a linear compiler takes well under
    // a second. The figures per size are `cargo bench --bench plan`'s.
    let text = wfc_testkit::nested_loops(13);
    let (p, wf) = plan_text("nested.wf", &text, &[]).unwrap();
    let out = render::text::render(&p, &wf, false);
    let iterations = 1 << 13;
    assert_eq!(p.main.len(), 2 * iterations + 2);
    // One chain: pre, then s and t of each iteration in item order, then post.
    assert_eq!(
        deps_of(&p, "s[a][a][a][a][a][a][a][a][a][a][a][a][a]"),
        ["pre"]
    );
    assert_eq!(
        deps_of(&p, "s[b][a][a][a][a][a][a][a][a][a][a][a][a]"),
        ["t[a][b][b][b][b][b][b][b][b][b][b][b][b]"]
    );
    assert_eq!(
        deps_of(&p, "post"),
        ["t[b][b][b][b][b][b][b][b][b][b][b][b][b]"]
    );
    assert_eq!(p.main.edge_count(), 2 * iterations + 1);
    assert_eq!(p.schedule.critical_path.len(), 2 * iterations + 2);
    assert!(out.contains(&format!("stage {}", 2 * iterations + 2)));
}

#[test]
fn a_loop_over_a_long_literal_list_plans_in_linear_size() {
    // The group's name held the whole list, and the JSON repeats it for
    // every instance: 8,192 items gave 735 MB of JSON (and walking the list
    // once per instance made compilation quadratic).
    let items: Vec<String> = (0..8192).map(|i| format!("\"i{i}\"")).collect();
    let text = format!(
        "workflow flat {{\n  for each x in [{}] {{\n    step s: shell {{ run \"true\" }}\n  }}\n}}\n",
        items.join(", ")
    );
    let (p, wf) = plan_text("flat.wf", &text, &[]).unwrap();
    assert_eq!(p.main.len(), 8192);
    let name = &p.main.groups[0].name;
    assert!(
        name.starts_with("for each x in [\"i0\", ") && name.ends_with('…'),
        "{name}"
    );
    assert!(name.chars().count() <= 80, "{name}");
    let json = render::json::render(&p, &wf, None);
    assert!(json.len() < 8 << 20, "{} bytes", json.len());
}

#[test]
fn implied_edges_follow_iterations() {
    let (p, _) = plan_text("implied.wf", &fixture("implied.wf"), &[]).unwrap();
    assert_eq!(deps_of(&p, "scan[web]"), ["image[web]"]);
    assert_eq!(deps_of(&p, "release"), ["image[api]", "image[web]"]);
    assert_eq!(deps_of(&p, "ok"), ["release"]);
    let scan = &p.main.steps[p.main.named("scan[web]").unwrap()];
    assert_eq!(scan.reads.len(), 1);
    assert!(matches!(scan.reads[0].target, plan::RefTarget::One(_)));
    let release = &p.main.steps[p.main.named("release").unwrap()];
    assert!(release
        .reads
        .iter()
        .any(|r| matches!(r.target, plan::RefTarget::List(ref v) if v.len() == 2)));
}

#[test]
fn transitive_reduction_keeps_only_needed_edges() {
    let (p, _) = plan_text("reduction.wf", &fixture("reduction.wf"), &[]).unwrap();
    assert_eq!(deps_of(&p, "c"), ["b"]);
    assert_eq!(deps_of(&p, "d"), ["c"]);
    assert_eq!(deps_of(&p, "join"), ["left", "right"]);
    let cp: Vec<&str> = p
        .schedule
        .critical_path
        .iter()
        .map(|&i| p.main.steps[i].name.as_str())
        .collect();
    assert_eq!(cp, ["a", "left", "join"]);
}

#[test]
fn runtime_conditions_are_kept() {
    let (p, wf) = plan_text("runtime.wf", &fixture("runtime.wf"), &[]).unwrap();
    let cond = |n: &str| {
        let s = &p.main.steps[p.main.named(n).unwrap()];
        s.condition.as_ref().map(|c| render::expr::show(&wf, c))
    };
    assert_eq!(cond("heal").as_deref(), Some("probe.status_code == 503"));
    assert_eq!(cond("report").as_deref(), Some("probe.status_code != 503"));
    assert_eq!(cond("after"), None);
    assert!(p.main.named("fail_fast").is_none());
    assert!(p.main.named("shard[*]").is_some());
    let (p, _) = plan_text("runtime.wf", &fixture("runtime.wf"), &["strict=true"]).unwrap();
    assert!(p.main.named("heal").is_none() && p.main.named("fail_fast").is_some());
}

/// A run-time loop's template, unrolled once its list is known: copies named
/// and bound per item, the template left as a join of its copies.
#[test]
fn a_template_unrolls_into_named_copies_joined_by_the_template() {
    use wfc_plan::{expand, GroupKind, Value};
    let (p, _) = plan_text("runtime.wf", &fixture("runtime.wf"), &[]).unwrap();
    let mut g = p.main.clone();
    let t = g.named("shard[*]").unwrap();
    let group = g.steps[t].group.unwrap();
    let items = [Value::Str("a".into()), Value::Str("b".into())];
    let added = expand::expand(&mut g, group, &items);
    let (a, b) = (g.named("shard[a]").unwrap(), g.named("shard[b]").unwrap());
    assert_eq!(added.copies, vec![(t, vec![a, b])]);
    assert_eq!(g.steps[b].items.last().unwrap().2, Value::Str("b".into()));
    let list = g.named("list").unwrap();
    assert!(
        g.steps[a].deps.iter().any(|d| d.on() == list),
        "copies keep the template's deps"
    );
    let joined: Vec<usize> = g.steps[t].deps.iter().map(|d| d.on()).collect();
    assert!(joined.contains(&a) && joined.contains(&b), "{joined:?}");
    let GroupKind::ForEach {
        iterations,
        parallel,
        ..
    } = &g.groups[group].kind
    else {
        panic!("not a loop")
    };
    assert_eq!(iterations.as_deref(), Some(&[vec![a], vec![b]][..]));
    assert_eq!(*parallel, Some(Some(3)));
}

/// Unrolled inside `wait any`, the copies take the template's place among
/// the block's members (they race); the template, a join, leaves the race.
#[test]
fn a_template_in_a_race_unrolls_into_racing_copies() {
    use wfc_plan::{expand, Value};
    let src = r#"workflow w {
  step list: shell {
    run "true"
    outputs { names: list<string> }
  }
  parallel race wait any {
    for each n in list.outputs.names { step work: shell { run "echo ${n}" } }
    step other: shell { run "true" }
  }
}"#;
    let (p, _) = plan_text("race.wf", src, &[]).unwrap();
    let mut g = p.main.clone();
    let t = g.named("work[*]").unwrap();
    let other = g.named("other").unwrap();
    let (lp, race) = (g.steps[t].group.unwrap(), g.steps[t].wait_any.unwrap());
    assert_eq!(g.groups[race].members, [t, other]);
    let items = [Value::Str("a".into()), Value::Str("b".into())];
    expand::expand(&mut g, lp, &items);
    let (a, b) = (g.named("work[a]").unwrap(), g.named("work[b]").unwrap());
    assert_eq!(g.groups[race].members, [a, b, other]);
    assert_eq!(g.steps[a].wait_any, Some(race));
    assert_eq!(g.steps[t].wait_any, None, "the join is not a member");
    // An empty list leaves only the other member.
    let mut g = p.main.clone();
    expand::expand(&mut g, lp, &[]);
    assert_eq!(g.groups[race].members, [other]);
}

#[test]
fn handlers_and_rollbacks_are_sub_plans() {
    let (p, _) = plan_text("handlers.wf", &fixture("handlers.wf"), &[]).unwrap();
    let ship = &p.main.steps[p.main.named("ship[us]").unwrap()];
    let rb = ship.rollback.as_ref().unwrap();
    assert_eq!(rb.steps[0].name, "unship[us]");
    let fin = p.handler(wfc_language::ir::HandlerKind::Finally).unwrap();
    assert_eq!(fin.steps.len(), 2);
    assert_eq!(fin.steps[1].deps[0].on(), 0);
    assert!(p.handler(wfc_language::ir::HandlerKind::Failure).is_some());
}

#[test]
fn secrets_never_appear_in_any_rendering() {
    // A variable of this test only (the fixture's snapshot sees it unset).
    let text = fixture("secrets.wf").replace("WFC_TEST_PLAN_TOKEN", "WFC_TEST_PLAN_TOKEN_SET");
    for params in [vec![], vec!["token=cli-s3cr3t-value"]] {
        let (p, wf) = plan_text("secrets.wf", &text, &params).unwrap();
        let source = wfc_language::span::SourceFile::new("secrets.wf", text.clone());
        for out in [
            render::text::render(&p, &wf, false),
            render::text::render(&p, &wf, true),
            render::json::render(&p, &wf, Some(&source)),
            render::dot::render(&p, &wf),
            render::mermaid::render(&p, &wf),
        ] {
            for secret in ["env-s3cr3t-value", "cli-s3cr3t-value", "s3cr3t-hook-value"] {
                assert!(!out.contains(secret), "{secret} leaked:\n{out}");
            }
            assert!(out.contains("token") || out.contains("call"));
        }
    }
    // A secret from `env(…)`, through `wfc plan`: the variable is given to
    // the child, as the tests of this binary share one process.
    let case = Case::new(env!("CARGO_BIN_EXE_wfc")).file("secrets.wf", &text);
    for format in ["text", "json", "dot", "mermaid"] {
        let out = case
            .wfc(["plan", "secrets.wf", "--format", format])
            .env("WFC_TEST_PLAN_TOKEN_SET", "env-s3cr3t-value")
            .success()
            .output();
        for secret in ["env-s3cr3t-value", "s3cr3t-hook-value"] {
            assert!(!out.all().contains(secret), "{secret} leaked:\n{out}");
        }
        assert!(out.stdout.contains("token") || out.stdout.contains("call"));
    }
}

/// An `if` on a secret is decided at plan time by the secret's value, which
/// the plan's reasons show as `***`.
#[test]
fn a_branch_on_a_secret_follows_its_value() {
    let text = r#"workflow tiers {
  secret tier: string
  if tier == "gold" {
    step gold: shell { run "echo gold" }
  } else {
    step plain: shell { run "echo plain" }
  }
}
"#;
    for (tier, kept) in [("gold", "gold"), ("s3cr3t-lead", "plain")] {
        let (p, wf) = plan_text("tiers.wf", text, &[&format!("tier={tier}")]).unwrap();
        assert_eq!(names(&p), [kept]);
        let shown = render::text::render(&p, &wf, false);
        assert!(shown.contains("(tier = ***)"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}

fn bind_err(params: &[&str]) -> String {
    let text = "workflow w {\n  param env: string in [\"staging\", \"prod\"] = \"staging\"\n  param version: string\n  param replicas: int in 1..20 = 3\n  param regions: list<string> = [\"eu\"]\n  param soak: duration = 30s\n  param since: time = parse_time(\"2026-01-01T00:00:00Z\")\n  step s: shell { run \"echo ${env} ${version} ${replicas} ${len(regions)} ${soak} ${since}\" }\n}\n";
    match plan_text("w.wf", text, params) {
        Ok(_) => String::new(),
        Err(d) => d
            .iter()
            .map(|d| {
                format!(
                    "{} {} | {}",
                    d.code,
                    d.message,
                    d.help.clone().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn param_errors_name_the_param_and_what_is_allowed() {
    let e = bind_err(&[]);
    assert!(e.contains("E0402 missing required param `version`"), "{e}");
    assert!(e.contains("--param version="), "{e}");
    let e = bind_err(&["version=1", "replicas=50"]);
    assert!(
        e.contains("E0404") && e.contains("`replicas`") && e.contains("1..20"),
        "{e}"
    );
    let e = bind_err(&["version=1", "env=dev"]);
    assert!(
        e.contains("E0404") && e.contains("\"staging\", \"prod\""),
        "{e}"
    );
    let e = bind_err(&["version=1", "replicas=many"]);
    assert!(e.contains("E0403") && e.contains("whole number"), "{e}");
    let e = bind_err(&["version=1", "soak=10"]);
    assert!(e.contains("E0403") && e.contains("duration"), "{e}");
    // A time says how to write one, not "a JSON value".
    let e = bind_err(&["version=1", "since=2026-01-01"]);
    assert!(
        e.contains("E0403")
            && e.contains("a time in RFC 3339")
            && e.contains("--param since=2026-05-01T09:30:00Z")
            && !e.contains("JSON"),
        "{e}"
    );
    let e = bind_err(&["version=1", "regoins=eu"]);
    assert!(
        e.contains("E0401") && e.contains("did you mean `regions`"),
        "{e}"
    );
    let e = bind_err(&["version"]);
    assert!(e.contains("E0406"), "{e}");
    // Several problems are all reported.
    let e = bind_err(&["replicas=0", "soak=x"]);
    assert_eq!(e.lines().count(), 3, "{e}");
    assert_eq!(
        bind_err(&["version=1", "regions=eu, us", "soak=1h30m", "replicas=20"]),
        ""
    );
    assert_eq!(bind_err(&["version=1", r#"regions=["eu","us"]"#]), "");
}

#[test]
fn values_parse_by_declared_type() {
    use plan::params::parse_text;
    use plan::Value;
    use wfc_language::ir::Type;
    assert_eq!(
        parse_text("a, b", &Type::list(Type::String)),
        Ok(Value::List(vec![
            Value::Str("a".into()),
            Value::Str("b".into())
        ]))
    );
    assert_eq!(
        parse_text("[1,2]", &Type::list(Type::Int)),
        Ok(Value::List(vec![Value::Int(1), Value::Int(2)]))
    );
    assert_eq!(parse_text("2", &Type::Float), Ok(Value::Float(2.0)));
    assert_eq!(
        parse_text("1m30s", &Type::Duration),
        Ok(Value::Duration(90_000))
    );
    assert_eq!(parse_text("true", &Type::Bool), Ok(Value::Bool(true)));
    assert!(parse_text("yes", &Type::Bool).is_err());
    assert!(parse_text(r#"{"a": 1}"#, &Type::map(Type::String)).is_err());
}

#[test]
fn params_file_and_cli_override() {
    let text = "workflow w {\n  param n: int = 1\n  param tags: list<string> = []\n  step s: shell { run \"echo ${n} ${len(tags)}\" }\n}\n";
    let a = analyze("w.wf", text);
    let wf = a.module.unwrap().into_first().ir;
    let input = ParamInput {
        cli: vec![("n".into(), "7".into())],
        file: Some(("p.json".into(), r#"{"n": 3, "tags": ["x", "y"]}"#.into())),
        ..ParamInput::default()
    };
    let bound = plan::bind(&wf, &input).unwrap();
    assert_eq!(bound[0].value, plan::Value::Int(7));
    assert_eq!(bound[1].value.literal(), r#"["x", "y"]"#);
    let input = ParamInput {
        cli: vec![],
        file: Some(("p.json".into(), "[1]".into())),
        ..ParamInput::default()
    };
    assert_eq!(plan::bind(&wf, &input).unwrap_err()[0].code, "E0405");
}

// ---- CLI ----

/// `wfc ARGS` from the repository's root, on a store of its own: (exit
/// code, stdout, stderr).
fn wfc(args: &[&str]) -> (i32, String, String) {
    let case = Case::new(env!("CARGO_BIN_EXE_wfc"));
    // A store of its own, not the one beside the checkout's examples.
    let out = case.wfc(args).current_dir(root()).own_store().output();
    (out.code, out.stdout, out.stderr)
}

#[test]
fn cli_plan_exit_codes_and_dry_run() {
    let (code, out, _) = wfc(&[
        "plan",
        "examples/deploy.wf",
        "--param",
        "env=prod",
        "--param",
        "version=1.2.3",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Critical path") && out.contains("approve"),
        "{out}"
    );
    let (code, dry, _) = wfc(&[
        "run",
        "--dry-run",
        "examples/deploy.wf",
        "-p",
        "env=prod",
        "-p",
        "version=1.2.3",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, dry);
    let (code, _, err) = wfc(&[
        "plan",
        "examples/deploy.wf",
        "-p",
        "env=qa",
        "-p",
        "version=1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("E0404") && err.contains("env"), "{err}");
    let (code, _, err) = wfc(&["plan", "tests/check/E0101-unknown-step-kind.wf"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("E0101"), "{err}");
    let (code, json, _) = wfc(&[
        "plan",
        "examples/deploy.wf",
        "-p",
        "version=1",
        "--format",
        "json",
        "--jobs",
        "1",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["jobs"], 1);
    assert_eq!(v["estimated_seconds"], v["serial_seconds"]);
    assert!(v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["name"].is_string() && s["depends_on"].is_array()));
}

#[test]
fn dot_renders_in_graphviz() {
    let (code, dot, _) = wfc(&[
        "plan",
        "examples/deploy.wf",
        "-p",
        "env=prod",
        "-p",
        "version=1",
        "--format",
        "dot",
    ]);
    assert_eq!(code, 0);
    assert!(dot.starts_with("digraph") && dot.contains("cluster_") && dot.contains("color=red"));
    let (_, mermaid, _) = wfc(&["plan", "examples/etl.wf", "--format", "mermaid"]);
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("-.->"));
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return wfc_testkit::skip(
            "Graphviz `dot` is not installed (scripts/install-test-deps installs it)",
        );
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}
