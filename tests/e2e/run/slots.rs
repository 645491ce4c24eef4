//! Waiting holds no slot: under `--jobs 1`, sleeps, a gate waiting for a
//! person and a step paused between retries or `until` tries leave the
//! one slot to a step that works. Each case gives the waiting steps the
//! higher priority (they start first), and a shell step must finish while
//! they still wait — observed through its marker file, never a clock; the
//! run is then cancelled.

use crate::workflow;
use nix::sys::signal::Signal;
use std::time::Duration;
use wfc_testkit::Case;

/// Runs `w.wf` with `--jobs 1` until `work.done` appears, then cancels it
/// (Ctrl-C); returns whether `work` finished while the others waited.
fn work_finishes_while_others_wait(c: &Case) -> bool {
    let mut child = c.wfc(["run", "w.wf", "--plain", "--jobs", "1"]).spawn();
    let done = wfc_testkit::wait_until(Duration::from_secs(60), || c.path("work.done").exists());
    wfc_testkit::signal(child.id() as i32, Signal::SIGINT);
    let _ = child.wait();
    done
}

const WORK: &str = r#"  step work: shell {
    run "touch work.done"
    estimate 1s
  }"#;

#[test]
fn sleeps_and_a_pending_approval_leave_the_slot_to_work() {
    let sleeps: String = (1..=16)
        .map(|i| format!("  step nap{i}: sleep {{ duration 10m }}\n"))
        .collect();
    let c = workflow(&format!(
        "workflow w {{\n  step approve: gate {{\n    approval \"release manager\"\n    estimate 1h\n  }}\n{sleeps}{WORK}\n}}"
    ));
    assert!(
        work_finishes_while_others_wait(&c),
        "`work` waited for a slot that sleeps or a gate held"
    );
}

#[test]
fn a_pause_between_retries_leaves_the_slot_to_work() {
    let c = workflow(&format!(
        r#"workflow w {{
  step flaky: shell {{
    run "exit 1"
    retry 3 backoff 10m
    estimate 1h
  }}
{WORK}
}}"#
    ));
    assert!(
        work_finishes_while_others_wait(&c),
        "`work` waited while `flaky` paused between attempts"
    );
}

#[test]
fn a_pause_between_until_tries_leaves_the_slot_to_work() {
    let c = workflow(&format!(
        r#"workflow w {{
  step poll: shell {{
    run "echo waiting"
    until poll.stdout == "ready" every 10m within 1h
    estimate 1h
  }}
{WORK}
}}"#
    ));
    assert!(
        work_finishes_while_others_wait(&c),
        "`work` waited while `poll` paused between tries"
    );
}

/// A loop of `n` iterations whose steps each leave a marker in `holders/`,
/// write how many are there to `counts`, and wait until `want` are (a
/// barrier, given up after 30 s of tries; `met` when it held). With
/// `leave`, a step takes its marker away as it ends (the count is then of
/// the steps running at once).
fn counting_loop(n: usize, parallel: usize, want: usize, leave: bool) -> Case {
    let leave = if leave { "; rm holders/${i}" } else { "" };
    workflow(&format!(
        r#"workflow w {{
  for each i in range(0, {n}) parallel {parallel} {{
    step hold: shell {{
      run "mkdir -p holders && touch holders/${{i}} && ls holders | wc -l >> counts && for t in $(seq 300); do [ $(ls holders | wc -l) -ge {want} ] && break; sleep 0.1; done; [ $(ls holders | wc -l) -ge {want} ] && echo met >> barrier{leave}"
    }}
  }}
}}"#
    ))
}

fn max_count(c: &Case) -> usize {
    c.lines("counts")
        .iter()
        .map(|l| l.trim().parse::<usize>().unwrap())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_parallel_count_written_in_the_file_runs_beyond_the_cpu_count() {
    // 16 at once on a machine of fewer CPUs: every iteration meets the
    // barrier of 16 markers (with the CPU count as the cap, only the last
    // ones would, once the first had given up).
    let c = counting_loop(16, 16, 16, false);
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("barrier").len(), 16, "{r}");
    // `wfc plan` says what the loop gets.
    let plan = c.wfc(["plan", "w.wf", "--format", "json"]).output().json();
    assert_eq!(plan["groups"][0]["concurrency"], 16, "{plan}");
}

#[test]
fn a_smaller_jobs_wins_and_the_run_says_so() {
    // The barrier of 1 is met at once: the counts show how many held.
    let c = counting_loop(8, 8, 1, true);
    let r = c.wfc(["run", "w.wf", "--plain", "--jobs", "2"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert!(max_count(&c) <= 2, "{:?}", c.lines("counts"));
    assert!(
        r.stderr
            .contains("runs 2 at once, not 8: --jobs 2 is smaller"),
        "{r}"
    );
    let plan = c
        .wfc(["plan", "w.wf", "--format", "json", "--jobs", "2"])
        .output()
        .json();
    assert_eq!(plan["groups"][0]["concurrency"], 2, "{plan}");
}

#[test]
fn a_resumed_run_keeps_the_parallel_count_or_the_jobs_it_was_given() {
    // The run fails before the loop (its first step fails once); resumed,
    // the loop runs as the first session would have.
    let failing_first = |want: usize, leave: bool, jobs: &[&str]| {
        let c = counting_loop(8, 8, want, leave);
        let text = c.read("w.wf").replacen(
            "  for each i in range(0, 8) parallel 8 {",
            "  step first: shell { run \"[ -f ok ] || { touch ok; exit 1; }\" }\n  for each i in range(0, 8) parallel 8 {\n    depends on first",
            1,
        );
        c.write("w.wf", &text);
        let r = c.wfc(["run", "w.wf", "--plain"]).args(jobs).output();
        assert_eq!(r.code, 1, "{r}");
        let r = c.wfc(["resume", "last", "--plain"]).output();
        assert_eq!(r.code, 0, "{r}");
        c
    };
    // 8 at once on a machine of fewer CPUs: every iteration meets the barrier.
    let c = failing_first(8, false, &[]);
    assert_eq!(c.lines("barrier").len(), 8);
    // A run given `--jobs 1` resumes under it: one at a time.
    let c = failing_first(1, true, &["--jobs", "1"]);
    assert_eq!(max_count(&c), 1, "{:?}", c.lines("counts"));
}
