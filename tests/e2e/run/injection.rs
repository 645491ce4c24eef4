//! The injection corpus: hostile values through `${…}` in `run` commands, in
//! every quoting context, reach the command as exactly their own text, and
//! nothing they contain runs.

use super::fixture;

const CORPUS: &[&str] = &[
    "$(touch pwned)",
    "`touch pwned`",
    "a'b",
    "a\"b",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "x; touch pwned",
    "x && touch pwned",
    "x | touch pwned",
    "line1\ntouch pwned",
    "*",
    "/*",
    "-n",
    "--help",
    "$HOME",
    "${HOME}",
    "\\",
    "a\\'b",
    "back\\slash\\",
    "<(touch pwned)",
    "> pwned",
    "#comment",
    "~",
    "  spaced  out  ",
    "",
    "é ☃ 🚀",
    "$'\\x41'",
    "!!",
];

#[test]
fn hostile_values_stay_one_argument_in_every_context() {
    for v in CORPUS {
        let c = fixture("injection.wf");
        let r = c.run(&["--param", &format!("v={v}")]);
        assert_eq!(r.code, 0, "value {v:?}: {r}");
        let want = format!("<{v}>");
        assert_eq!(c.read("bare.out"), want, "bare word, value {v:?}");
        assert_eq!(c.read("dq.out"), want, "double quotes, value {v:?}");
        assert_eq!(c.read("sq.out"), want, "single quotes, value {v:?}");
        assert_eq!(
            c.read("mixed.out"),
            format!("<pre-{v}-post><x {v} y>"),
            "value {v:?}"
        );
        if !v.ends_with('\n') {
            assert_eq!(c.read("output.out"), want, "a step output, value {v:?}");
        }
        assert!(!c.path("pwned").exists(), "value {v:?} ran a command");
        assert_eq!(c.read("raw.out"), "spliced\n", "raw() splices shell text");
    }
}
