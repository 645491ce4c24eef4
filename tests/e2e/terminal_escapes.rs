//! F9 of #51: values that would act on the operator's terminal — a param
//! holding `ESC[2J`, an OSC 8 link, an OSC 52 clipboard write, `\r`, U+202E
//! — are printed escaped (`\x1b`, `\r`, `\u{202e}`) by wfc's own tables and
//! messages (`wfc status`, `wfc history`, the run's status lines, its
//! summary, errors), through the real binary. A step's output stays as the
//! step wrote it, but without clipboard accesses, live and in `wfc logs`.

use crate::store::Env;

/// Characters that act on a terminal, raw.
const RAW: [char; 4] = ['\x1b', '\r', '\u{202e}', '\u{9d}'];
const CLIPBOARD: &str = "\x1b]52;";

fn workflow() -> Env {
    Env::new(
        r#"workflow u {
  param x: string
  param items: list<string> = []
  for each i in items {
    step per: shell { run "true" }
  }
  step clip: shell { run "printf 'clip \\033]52;c;cm0gLXJmIH4=\\007 done \\033[1mbold\\033[0m\\n'" }
  step fail: shell {
    run "printf 'err %s\\n' \"$X\" >&2; exit 3"
    env { X = x }
    depends on clip
  }
}
"#,
    )
}

const X: &str =
    "p\x1b[31mRED\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\r\u{202e}RTL\x1b]52;c;QUJD\x07";
/// A loop item names its step (no brackets: they would make it `per[0]`).
const ITEM: &str = "it\x1bc\r\u{202e}em";

fn raw_in(text: &str) -> Vec<char> {
    RAW.into_iter().filter(|c| text.contains(*c)).collect()
}

#[test]
fn wfc_prints_values_escaped_and_step_output_without_clipboard_writes() {
    let e = workflow();
    let x = format!("x={X}");
    let items = format!("items={ITEM}");
    let run = e.wfc(&["run", "flow.wf", "--plain", "-p", &x, "-p", &items]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    // The step's own output: its colours pass, its clipboard write does not.
    assert!(out.contains("| clip  done \x1b[1mbold\x1b[0m"), "{out}");
    assert!(!out.contains(CLIPBOARD), "{out}");
    // wfc's own lines: the step's status line, the summary, the run's end.
    let own: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.split_once(" | ")
                .is_none_or(|(_, text)| !text.starts_with("clip ") && !text.starts_with("err "))
        })
        .collect();
    for line in &own {
        assert!(raw_in(line).is_empty(), "{line:?} in {out}");
    }
    assert!(out.contains("per[it\\x1bc\\r\\u{202e}em]"), "{out}");
    assert!(raw_in(&err).is_empty(), "{err:?}");

    let status = e.wfc(&["status", "last", "--attempts"]);
    let status = String::from_utf8(status.stdout).unwrap();
    assert!(raw_in(&status).is_empty(), "{:?}", raw_in(&status));
    assert!(
        status.contains("x=p\\x1b[31mRED\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\\\r\\u{202e}RTL\\x1b]52;c;QUJD\\x07"),
        "{status}"
    );
    assert!(status.contains("per[it\\x1bc\\r\\u{202e}em]"), "{status}");
    let events = e.wfc(&["status", "last", "--events"]);
    let events = String::from_utf8(events.stdout).unwrap();
    assert!(raw_in(&events).is_empty(), "{events}");

    for command in ["history", "stats"] {
        let out = e.wfc(&[command]);
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(raw_in(&out).is_empty(), "{command}: {out:?}");
    }

    // `wfc logs`: the step's output as it wrote it, but no clipboard write;
    // the headers name the steps escaped.
    let logs = e.wfc(&["logs", "last"]);
    let logs = String::from_utf8(logs.stdout).unwrap();
    assert!(logs.contains("clip  done \x1b[1mbold"), "{logs}");
    assert!(!logs.contains(CLIPBOARD), "{logs}");
    let followed = e.wfc(&["logs", "last", "--follow"]);
    let followed = String::from_utf8(followed.stdout).unwrap();
    assert!(followed.contains("clip | clip  done"), "{followed}");
    assert!(!followed.contains(CLIPBOARD), "{followed}");
    // The recorded log keeps every byte the step wrote.
    let id = e.run_id();
    let kept = std::fs::read(e.path().join(format!(".wfc/logs/{id}/clip.log"))).unwrap();
    let kept = String::from_utf8_lossy(&kept);
    assert!(kept.contains(CLIPBOARD), "{kept}");

    // An error naming what was typed.
    let none = e.wfc(&["logs", "last", "no\x1b[2Jsuch\u{202e}"]);
    let none = String::from_utf8_lossy(&none.stderr);
    assert!(none.contains("no\\x1b[2Jsuch\\u{202e}"), "{none}");
    assert!(raw_in(&none).is_empty(), "{none}");
}
