//! A run killed (SIGKILL) while a step waits between `until` tries: the
//! store records each try, and `wfc resume` runs nothing that succeeded
//! again and goes on polling where it stopped: the next try comes `every`
//! after the last one ended, numbered on.

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
    until trim(b.stdout) == "ready" every 6s within 10m
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
    let row = env.rows(
        "SELECT COUNT(*), MAX(error) FROM attempts WHERE step = 'b' AND status = 'succeeded'",
        &[],
    );
    let (tries, error) = (row[0][0].int().unwrap(), row[0][1].text().unwrap());
    assert_eq!(tries, 1);
    assert!(
        error.contains(r#"`trim(b.stdout)` was "starting""#),
        "{error}"
    );
    env.touch("go");
    std::thread::sleep(std::time::Duration::from_secs(2));
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 2, 1));
    let tries: Vec<(i64, i64, i64, i64)> = env
        .rows(
            "SELECT session, number, started_at, started_at + duration_ms FROM attempts
             WHERE step = 'b' ORDER BY session, number",
            &[],
        )
        .iter()
        .map(|r| {
            let int = |i: usize| r[i].int().unwrap();
            (int(0), int(1), int(2), int(3))
        })
        .collect();
    let numbers: Vec<_> = tries.iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(numbers, [(1, 1), (2, 2)], "{tries:?}");
    // 6 s after the first try ended: not at once, nor 6 s after the resume.
    let waited = tries[1].2 - tries[0].3;
    assert!(
        (5_900..7_900).contains(&waited),
        "the next try came {waited} ms after the last: {tries:?}"
    );
}
