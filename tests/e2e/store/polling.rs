//! A run killed (SIGKILL) while a step waits between `until` tries: the
//! store records each try, and `wfc resume` runs nothing that succeeded
//! again and polls the step anew.

use super::Env;
use wfc_testkit::kill9;

#[test]
fn kill_during_an_until_wait_then_resume() {
    let env = Env::new(
        r#"workflow poll {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step b: shell {
    run "echo b >> ${dir}/count/b; if test -f ${dir}/go; then echo ready; else echo starting; fi"
    until trim(b.stdout) == "ready" every 20s within 10m
    depends on a
  }
  step c: shell { run "echo c >> ${dir}/count/c"  depends on b }
}
"#,
    );
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "waiting");
    kill9(&mut child);
    let done = env.check_after_kill(&id);
    assert_eq!(done, ["a"]);
    // The try before the wait is recorded, with what it saw.
    let (tries, error): (i64, String) = env
        .conn()
        .query_row(
            "SELECT COUNT(*), MAX(error) FROM attempts WHERE step = 'b' AND status = 'succeeded'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(tries, 1);
    assert!(
        error.contains(r#"`trim(b.stdout)` was "starting""#),
        "{error}"
    );
    env.touch("go");
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 2, 1));
}
