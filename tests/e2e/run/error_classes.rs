//! `retry … when error is CLASS` through the whole `wfc run`, with real
//! failures: a shell step cut by its timeout, one killed by a signal, one
//! that exits 3, an HTTP step whose connection is refused and one a real
//! server answers 503. Each is retried only for the class its `when`
//! names, and a refusal says which class the error had.

use crate::workflow;
use axum::http::StatusCode;
use axum::routing::any;
use axum::Router;
use wfc_testkit::report_step as step;

#[test]
fn shell_steps_are_retried_by_the_class_of_their_error() {
    let c = workflow(
        r#"workflow classes {
  step slow: shell {
    run "echo try >> slow.txt; sleep 5"
    timeout 300ms
    retry 2 when error is timeout
  }
  step exits: shell {
    run "echo try >> exits.txt; exit 3"
    retry 2 when error is timeout || error is signal
  }
  step killed: shell {
    run "echo try >> killed.txt; kill -9 $$"
    retry 1 when error is signal
  }
  step not_exit: shell {
    run "echo try >> not_exit.txt; exit 1"
    retry 3 when !(error is exit_code)
  }
}"#,
    );
    let r = c
        .wfc_run(&["--keep-going", "--output", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    let slow = step(&report, "slow");
    assert_eq!(slow["status"], "timed_out", "{slow:#}");
    assert_eq!(slow["attempts"], 3, "{slow:#}");
    assert_eq!(c.lines("slow.txt").len(), 3);
    let exits = step(&report, "exits");
    assert_eq!(exits["attempts"], 1, "{exits:#}");
    assert_eq!(c.lines("exits.txt").len(), 1);
    let error = exits["error"].as_str().unwrap();
    assert!(
        error.contains(
            "not retried: `error is timeout || error is signal` is false: the error's class is `exit_code`"
        ),
        "{error}"
    );
    let killed = step(&report, "killed");
    assert_eq!(killed["attempts"], 2, "{killed:#}");
    assert_eq!(c.lines("killed.txt").len(), 2);
    let not_exit = step(&report, "not_exit");
    assert_eq!(not_exit["attempts"], 1, "{not_exit:#}");
    assert!(
        not_exit["error"]
            .as_str()
            .unwrap()
            .contains("`!(error is exit_code)` is false"),
        "{not_exit:#}"
    );
}

#[test]
fn http_steps_tell_a_refused_connection_from_a_status() {
    // A port nothing listens on: bound, then let go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = Router::new().fallback(any(|| async { (StatusCode::SERVICE_UNAVAILABLE, "busy") }));
    let base = crate::serve(app);
    let c = workflow(&format!(
        r#"workflow calls {{
  step refused: http {{
    get "http://127.0.0.1:{port}/"
    retry 2 when error is connection
  }}
  step busy: http {{
    get "{base}/"
    retry 2 when error is connection
  }}
  step busy_5xx: http {{
    get "{base}/"
    retry 2 when error is http_status && status_code >= 500
  }}
}}"#
    ));
    let r = c
        .wfc_run(&["--keep-going", "--output", "report.json"])
        .output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    let refused = step(&report, "refused");
    assert_eq!(refused["attempts"], 3, "{refused:#}");
    let busy = step(&report, "busy");
    assert_eq!(busy["attempts"], 1, "{busy:#}");
    let error = busy["error"].as_str().unwrap();
    assert!(
        error.contains("got 503")
            && error.contains(
                "not retried: `error is connection` is false: the error's class is `http_status`"
            ),
        "{error}"
    );
    assert_eq!(step(&report, "busy_5xx")["attempts"], 3, "{report:#}");
}
