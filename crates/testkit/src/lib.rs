//! wfc's test helpers, in one place and never shipped (a dev-dependency
//! only): the [`Case`] builder that runs the real `wfc` binary on a
//! workflow in a temporary directory, helpers for the processes and
//! servers the end-to-end tests use, generators of large workflows for the
//! benchmarks and scale tests, [`skip`] for a test whose component cannot
//! run here, and [`check_each`] for fixture tests that report every failure.

mod case;
mod process;
mod services;
pub mod test_store;
mod workflows;

pub use case::{Case, Invocation, Output, WORKFLOW};
pub use process::{alive, kill9, signal, wait_dead, wait_until};
pub use services::{
    docker_engine, free_port, postgres, postgres_tls, postgres_with_connections, repo,
    slurm_cluster, DockerEngine, Postgres, SmtpSink,
};
pub use workflows::{large_workflow, nested_calls, nested_loops, shell_dag, time_runs};

/// The entry of step `name` in a `wfc run --output` report (panics, showing
/// the report, when there is none).
pub fn report_step(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no `{name}` in the report: {report}"))
}

/// Whether the tests run under CI (`CI=true`), where `.ci/run` installs
/// every component a test needs.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Called by a test that cannot run here because a component it needs
/// (Podman, the SMTP sink, Graphviz, …) is missing, before it returns: on a
/// developer's machine it prints `SKIPPED: why`; under CI, which installs
/// every component, it fails the test with `why` instead.
#[track_caller]
pub fn skip(why: &str) {
    assert!(
        !in_ci(),
        "a component this test needs is missing under CI=true: {why}"
    );
    println!("SKIPPED: {why}");
}

/// Runs `check` on every named case, going on past the ones that fail (each
/// failure's message is printed as it happens), then fails once naming every
/// case that failed: a fixture test reports each broken fixture, not just
/// the first. Snapshot assertions (`insta::assert_snapshot!`) inside `check`
/// count as failures like any other panic.
#[track_caller]
pub fn check_each<T>(cases: impl IntoIterator<Item = (String, T)>, mut check: impl FnMut(&str, T)) {
    let mut failed = Vec::new();
    let mut count = 0;
    for (name, case) in cases {
        count += 1;
        let run = std::panic::AssertUnwindSafe(|| check(&name, case));
        if let Err(panic) = std::panic::catch_unwind(run) {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(a panic without a message)");
            let first = why.lines().next().unwrap_or_default();
            failed.push(format!("  {name}: {first}"));
        }
    }
    assert!(count > 0, "no cases to check");
    assert!(
        failed.is_empty(),
        "{} of {count} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_each_names_every_failing_case() {
        let cases = (0..4).map(|i| (format!("case{i}"), i));
        let failed = std::panic::catch_unwind(|| {
            super::check_each(cases, |_, i| assert!(i % 2 == 0, "odd {i}\nmore"))
        })
        .expect_err("two cases fail");
        let why = failed.downcast_ref::<String>().unwrap();
        assert_eq!(
            why, "2 of 4 cases failed:\n  case1: odd 1\n  case3: odd 3",
            "{why}"
        );
    }
}
