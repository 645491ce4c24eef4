//! How many of the run's slots a step with `resources { cpus N }` takes.

use super::slots;

/// The one step of a workflow whose step is `body`, planned.
fn step(body: &str) -> wfc_plan::PlannedStep {
    let src = format!("workflow w {{\n  step s: {body}\n}}\n");
    let analysis = wfc_language::analysis::analyze_lean("w.wf", &src);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics());
    let ir = analysis.module.expect("checked").into_first().ir;
    let options = wfc_plan::Options { jobs: Some(4) };
    let input = wfc_plan::ParamInput::default();
    let plan = wfc_plan::plan(&ir, &input, options, &wfc_plan::DefaultEstimator).expect("plans");
    plan.main.steps[0].clone()
}

#[test]
fn a_step_sent_to_slurm_by_default_takes_one_slot_whatever_its_kind() {
    for body in [
        r#"shell { run "x"  resources { cpus 3 } }"#,
        r#"docker { image "alpine"  run "x"  resources { cpus 3 } }"#,
        r#"python { script "1"  resources { cpus 3 } }"#,
    ] {
        let s = step(body);
        assert_eq!(slots(&s, 4, false), 3, "locally: {body}");
        assert_eq!(slots(&s, 4, true), 1, "as a Slurm job: {body}");
        assert_eq!(slots(&s, 2, false), 2, "capped at the run's jobs: {body}");
    }
    // A step whose file says `executor local` keeps its CPUs here.
    let local = step(r#"docker { image "alpine"  run "x"  executor local  resources { cpus 3 } }"#);
    assert_eq!(slots(&local, 4, true), 3);
    // An http step never goes to Slurm.
    let http = step(r#"http { get "http://x"  resources { cpus 3 } }"#);
    assert_eq!(slots(&http, 4, true), 3);
}
