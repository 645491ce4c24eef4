//! Resume inside a `sequence`: a `kill -9` of wfc while a member runs, then
//! `wfc resume`, runs nothing again that succeeded, continues the sequence
//! from the interrupted member, and runs the `after` step once, at the end.

use super::{wait_for, Env};
use std::time::Duration;

const SEQUENCE: &str = r#"workflow seq {
  param dir: string
  sequence release {
    step a: shell { run "echo a >> ${dir}/count/a" }
    step b: shell {
      run "echo b >> ${dir}/count/b; echo $$ > ${dir}/b.pid; if [ -f ${dir}/go ]; then exit 0; fi; exec sleep 30"
    }
    step c: shell { run "echo c >> ${dir}/count/c" }
  }
  step cleanup: shell {
    run "echo ${c.status} >> ${dir}/count/cleanup"
    after release
  }
}
"#;

#[test]
fn kill_inside_a_sequence_then_resume_continues_it() {
    let env = Env::new(SEQUENCE);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "running");
    wait_for(Duration::from_secs(10), || {
        env.path().join("b.pid").exists()
    });
    wfc_testkit::kill9(&mut child);
    let done = env.check_after_kill(&id);
    assert_eq!(done, ["a"]);
    assert_eq!(
        env.count("cleanup"),
        0,
        "`cleanup` ran before the sequence ended"
    );
    env.touch("go");
    let text = env.resume_ok(&id);
    assert!(text.contains("1 of 4 steps succeeded before"), "{text}");
    let counts = ["a", "b", "c", "cleanup"].map(|s| env.count(s));
    assert_eq!(counts, [1, 2, 1, 1], "{text}");
    let cleanup = std::fs::read_to_string(env.path().join("count/cleanup")).unwrap();
    assert_eq!(cleanup.trim(), "succeeded");
}

#[test]
fn resume_runs_an_after_step_again_after_what_runs_again() {
    // `b` fails until `go` exists; `cleanup` runs after it either way.
    let env = Env::new(&SEQUENCE.replace("exec sleep 30", "exit 1"));
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let id = env.run_id();
    let cleanup = std::fs::read_to_string(env.path().join("count/cleanup")).unwrap();
    assert_eq!(cleanup.lines().collect::<Vec<_>>(), ["not_run"]);
    env.touch("go");
    let text = env.resume_ok(&id);
    // `a` is not run again; `b` is, and `c` and `cleanup` follow it.
    let counts = ["a", "b", "c", "cleanup"].map(|s| env.count(s));
    assert_eq!(counts, [1, 2, 1, 2], "{text}");
    let cleanup = std::fs::read_to_string(env.path().join("count/cleanup")).unwrap();
    assert_eq!(
        cleanup.lines().collect::<Vec<_>>(),
        ["not_run", "succeeded"]
    );
}
