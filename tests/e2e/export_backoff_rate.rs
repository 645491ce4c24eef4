//! `backoff D xR` in the exports: GitHub's retry loop waits the run's own
//! waits (rounded up to seconds); Argo writes a whole rate as its `factor`
//! and retries a fractional one in the step's script.

use crate::workflow;

const RATES: &str = r#"workflow w {
  step build: shell {
    run "make"
    retry 5 backoff 1s x1.5 max 30s
  }
  step poll: shell {
    run "curl -fsS localhost:8080/health"
    retry 3 backoff 2s x3
  }
}"#;

#[test]
fn exports_wait_as_the_rate_says() {
    let c = workflow(RATES);
    let gh = c.wfc(["export", "github-actions", "w.wf"]).output();
    assert_eq!(gh.code, 0, "{gh}");
    // 1, 1.5, 2.25, 3.375, 5.06 s; 2, 6, 18 s.
    assert!(
        gh.stdout.contains("for wfc_wait in 1 2 3 4 6 last; do"),
        "{gh}"
    );
    assert!(
        gh.stdout.contains("for wfc_wait in 2 6 18 last; do"),
        "{gh}"
    );
    let argo = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .output();
    assert_eq!(argo.code, 0, "{argo}");
    assert!(argo.stdout.contains("factor: '3'"), "{argo}");
    assert!(
        argo.stdout.contains("for wfc_wait in 1 2 3 4 6 last"),
        "{argo}"
    );
}
