//! The live display on a real terminal, rendered by a terminal emulator
//! (vt100) as a person would see it: at 80 columns a long wait's reason is
//! cut to the width instead of wrapping (a wrapped line is left behind by
//! the redraw), and after Ctrl-C no spinner is left on the screen.
//! (A bar's row is padded to the width, so vt100's own wrap flag is set on
//! every row: what is asserted is what lies under it.)

use crate::{case, WFC};
use std::time::Duration;

const SLOW: &str = r#"
workflow slow {
  step a: shell { run "sleep 30" }
  step the_release_manager_must_approve: gate {
    approval "the release manager of the payments platform, on call this week for region eu-west-1"
  }
}
"#;

/// Whether `row` holds a spinner of the live display (Braille dots).
fn spinner(row: &str) -> bool {
    row.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
}

/// `wfc run slow.wf` on an 80×24 pseudo-terminal in `t`, and the screen
/// a terminal emulator shows once its gate is drawn waiting.
fn slow_run(t: &wfc_testkit::Case) -> (expectrl::session::OsSession, vt100::Parser) {
    use expectrl::{Expect, Session};
    let mut cmd = std::process::Command::new(WFC);
    cmd.args(["run", "slow.wf"]).current_dir(t.dir());
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.get_process_mut()
        .set_window_size(80, 24)
        .expect("a window size");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let mut screen = vt100::Parser::new(24, 80, 0);
    let seen = s.expect("waiting").expect("the gate waits");
    screen.process(seen.as_bytes());
    (s, screen)
}

#[test]
fn the_live_display_fits_the_width_and_clears_on_ctrl_c() {
    use expectrl::{Eof, Expect};
    let t = case().file("slow.wf", SLOW);
    // The wait is drawn: its line fits in one row.
    let (mut s, mut screen) = slow_run(&t);
    // A redraw or two with the message in place.
    std::thread::sleep(Duration::from_millis(600));
    let seen = s.expect("steps").expect("the overall bar");
    screen.process(seen.as_bytes());
    let rows: Vec<String> = screen.screen().rows(0, 80).collect();
    let bars: Vec<usize> = (0..rows.len()).filter(|&i| spinner(&rows[i])).collect();
    assert!(!bars.is_empty(), "no spinner drawn:\n{}", rows.join("\n"));
    // Under each spinner's row: the next spinner or the overall bar, never
    // the rest of a wrapped line.
    for &i in &bars {
        let next = &rows[i + 1];
        assert!(
            spinner(next) || next.contains(" steps"),
            "a spinner's line wraps at 80 columns:\n{}",
            rows.join("\n")
        );
    }
    s.send("\u{3}").expect("Ctrl-C");
    let rest = s.expect(Eof).expect("the end");
    screen.process(rest.as_bytes());
    let rows: Vec<String> = screen.screen().rows(0, 80).collect();
    let text = rows.join("\n");
    assert!(text.contains("run cancelled"), "{text}");
    assert!(
        !rows.iter().any(|r| spinner(r)),
        "a spinner is left on the screen:\n{text}"
    );
}

/// #69: `wfc cancel` from another terminal made the run print its notice
/// under the live display, and the next redraw left the old spinner and
/// bar lines on the screen. The notice goes above the display, which ends
/// cleared.
#[test]
fn a_cancel_from_elsewhere_leaves_no_old_display_behind() {
    use expectrl::{Eof, Expect};
    let t = case().file("slow.wf", SLOW);
    let (mut s, mut screen) = slow_run(&t);
    let seen = s.expect("steps").expect("the overall bar");
    screen.process(seen.as_bytes());
    let history = std::process::Command::new(WFC)
        .args(["history", "--format", "json"])
        .current_dir(t.dir())
        .output()
        .unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let id = runs[0]["id"].as_str().expect("the run's id").to_owned();
    let cancel = std::process::Command::new(WFC)
        .args(["cancel", &id])
        .current_dir(t.dir())
        .output()
        .unwrap();
    assert!(cancel.status.success(), "{cancel:?}");
    let rest = s.expect(Eof).expect("the end");
    screen.process(rest.as_bytes());
    let rows: Vec<String> = screen.screen().rows(0, 80).collect();
    let text = rows.join("\n");
    assert_eq!(
        text.matches("asked to cancel this run").count(),
        1,
        "{text}"
    );
    assert!(
        !rows.iter().any(|r| spinner(r) || r.contains("/2 steps")),
        "an old line of the display is left on the screen:\n{text}"
    );
}

const GATED: &str = r#"
workflow gated {
  step a: shell { run "true" }
  step ship: gate {
    approval "ops"
    depends on a
  }
}
"#;

/// On a terminal, Ctrl-C at a run that only waits asks whether to leave it
/// waiting; `l` leaves it parked in the store (exit 4), for `wfc approve`
/// and `wfc resume` to finish.
#[test]
fn ctrl_c_at_a_wait_asks_and_can_leave_the_run_waiting() {
    use expectrl::{Eof, Expect, Session};
    let t = case().file("gated.wf", GATED);
    let mut cmd = std::process::Command::new(WFC);
    cmd.args(["run", "gated.wf", "--plain"])
        .current_dir(t.dir());
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s.expect("waiting").expect("the gate waits");
    std::thread::sleep(Duration::from_millis(300));
    s.send("\u{3}").expect("Ctrl-C");
    s.expect("Leave it waiting").expect("the question");
    s.send_line("l").expect("the answer");
    s.expect("left waiting").expect("the run is left");
    s.expect(Eof).expect("the end");
    let status = s.get_process_mut().wait().expect("its exit");
    assert!(format!("{status:?}").ends_with(", 4)"), "{status:?}");
    let wfc = |args: &[&str]| {
        std::process::Command::new(WFC)
            .args(args)
            .current_dir(t.dir())
            .output()
            .unwrap()
    };
    let history: serde_json::Value =
        serde_json::from_slice(&wfc(&["history", "--format", "json"]).stdout).unwrap();
    assert_eq!(history[0]["status"], "waiting", "{history}");
    let id = history[0]["id"].as_str().unwrap().to_owned();
    assert!(wfc(&["approve", &id, "ship"]).status.success());
    let resumed = wfc(&["resume", &id, "--plain"]);
    assert!(resumed.status.success(), "{resumed:?}");
}
