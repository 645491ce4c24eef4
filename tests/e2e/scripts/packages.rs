//! `requirements` and `packages`: installed once into the cache directory
//! (`$XDG_CACHE_HOME/wfc`, the case's own here), reused by the next run.

use super::outputs;
use crate::workflow;
use std::time::Instant;

/// Runs the case's workflow with its own cache; (elapsed, output).
fn timed_run(c: &wfc_testkit::Case) -> (std::time::Duration, wfc_testkit::Output) {
    let started = Instant::now();
    let r = c
        .wfc_run(&["-o", "report.json"])
        .env("XDG_CACHE_HOME", c.path("cache"))
        .env_remove("WFC_CACHE_DIR")
        .output();
    (started.elapsed(), r)
}

/// The directories under the cache's `kind/`.
fn installed(c: &wfc_testkit::Case, kind: &str) -> Vec<String> {
    let dir = c.path("cache/wfc").join(kind);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn python_requirements_install_into_a_cached_virtualenv() {
    let c = workflow(
        r#"workflow w {
  step py: python {
    requirements ["six==1.16.0"]
    script "import six, sys; print(six.__version__, sys.prefix != sys.base_prefix)"
  }
}
"#,
    );
    let (first, r) = timed_run(&c);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(outputs(&c, "py")["stdout"], "1.16.0 True");
    assert!(r.stdout.contains("wfc: installing six==1.16.0"), "{r}");
    let venvs = installed(&c, "python");
    assert_eq!(venvs.len(), 1, "{venvs:?}");

    let (second, r) = timed_run(&c);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(outputs(&c, "py")["stdout"], "1.16.0 True");
    assert!(!r.stdout.contains("installing"), "installed again: {r}");
    assert_eq!(installed(&c, "python"), venvs);
    assert!(
        second < first,
        "a cached run took {second:?}, the first {first:?}"
    );
}

#[test]
fn node_packages_install_into_a_cached_prefix() {
    let c = workflow(
        r#"workflow w {
  step js: node {
    packages ["is-number@7.0.0"]
    script "const isNumber = require('is-number'); console.log(isNumber(5), isNumber('x'))"
  }
}
"#,
    );
    let (_, r) = timed_run(&c);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(outputs(&c, "js")["stdout"], "true false");
    assert!(r.stdout.contains("wfc: installing is-number@7.0.0"), "{r}");
    let (_, r) = timed_run(&c);
    assert_eq!(r.code, 0, "{r}");
    assert!(!r.stdout.contains("installing"), "installed again: {r}");
    assert_eq!(installed(&c, "node").len(), 1);
}

#[test]
fn a_failed_install_fails_the_step_and_caches_nothing() {
    let c = workflow(
        r#"workflow w {
  step py: python {
    requirements ["wfc-surely-no-such-package-38==0.0.1"]
    script "print('ran')"
  }
}
"#,
    );
    let (_, r) = timed_run(&c);
    assert_ne!(r.code, 0, "{r}");
    let (status, error) = super::ended(&c, "py");
    assert_eq!(status, "failed");
    assert!(
        error.contains("installing the step's packages failed"),
        "{error}"
    );
    assert!(!r.stdout.contains("| ran"), "{r}");
    // Only the failed attempt's leftovers, which are temporary, may remain.
    assert!(installed(&c, "python").is_empty());
}
