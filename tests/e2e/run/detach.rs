//! `detach true` (issue 73): what a step leaves running in the background
//! outlives it, for a server the later steps use, where by default the
//! step's whole process group is killed when its shell exits.

use crate::workflow;
use std::time::Duration;
use wfc_testkit::{alive, signal, wait_dead};

fn pid(c: &wfc_testkit::Case, name: &str) -> i32 {
    c.read(name).trim().parse().unwrap()
}

#[test]
fn a_detached_steps_server_serves_later_steps_and_outlives_the_run() {
    // The "server" rewrites a file every 50 ms while it lives; `use` reads
    // it twice after `start` has ended.
    let c = workflow(
        r#"workflow w {
          step start: shell {
            detach true
            run "(while true; do date +%s%N > beat; sleep 0.05; done) > /dev/null 2>&1 & echo $! > server.pid"
          }
          step plain: shell {
            run "sleep 30 > /dev/null 2>&1 & echo $! > plain.pid"
          }
          step use: shell {
            depends on start, plain
            run "a=$(cat beat); sleep 0.3; b=$(cat beat); test \"$a\" != \"$b\" && echo alive > used"
          }
        }"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        c.read("used").trim(),
        "alive",
        "the server beat while `use` ran"
    );
    let (server, plain) = (pid(&c, "server.pid"), pid(&c, "plain.pid"));
    assert!(alive(server), "the detached server outlives the run");
    assert!(
        wait_dead(plain, Duration::from_secs(5)),
        "a step without `detach` takes its background process with it"
    );
    signal(server, nix::sys::signal::Signal::SIGKILL);
    assert!(wait_dead(server, Duration::from_secs(5)));
}

#[test]
fn a_detached_step_cut_by_its_timeout_takes_its_background_with_it() {
    let c = workflow(
        r#"workflow w {
          step start: shell {
            detach true
            timeout 500ms
            run "sleep 30 > /dev/null 2>&1 & echo $! > bg.pid; sleep 30"
          }
        }"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(
        wait_dead(pid(&c, "bg.pid"), Duration::from_secs(5)),
        "a step stopped is killed whole"
    );
}
